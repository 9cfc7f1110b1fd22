"""How carriers are named to people: the one display-name table.

Design docs name them `UPS`, `FedEx`, `USPS`, `DHL`; an adapter's own `display_name` wins
over this table (see `Registry.display_name`).
"""

from __future__ import annotations

CARRIER_NAMES: dict[str, str] = {
    "ups": "UPS",
    "fedex": "FedEx",
    "usps": "USPS",
    "dhl": "DHL",
    "dhl_express": "DHL",
    "ontrac": "OnTrac",
    "lasership": "LaserShip",
    "canada_post": "Canada Post",
    "royal_mail": "Royal Mail",
    "australia_post": "Australia Post",
    "purolator": "Purolator",
    "amazon": "Amazon",
}


def carrier_display_name(code: str) -> str:
    """A carrier's name for people from any spelling of it: "canada-post", "ups", "OnTrac".

    Known carriers come from `CARRIER_NAMES`; a name with its own capitals (an aggregator's
    "DHLExpress") is kept; anything else is title-cased: "speedy_parcels" -> "Speedy Parcels".
    """
    key = code.strip().lower().replace("-", "_").replace(" ", "_")
    if key in CARRIER_NAMES:
        return CARRIER_NAMES[key]
    if code != code.lower():
        return code
    return key.replace("_", " ").title()
