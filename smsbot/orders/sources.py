"""What every live order source shares: the order-number rule, phones read in the shipping
country, carrier names mapped to adapters, tracking numbers vetted, so an API order, a
Shopify order and a CSV order end up as the same `Order`.

A value that cannot be used raises `SourceError` naming its field; callers collect them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from smsbot.orders.model import Leg, Shipment
from smsbot.orders.number import OrderNumbers, normalize_order_number
from smsbot.phones import to_e164

Detect = Callable[[str], list[str]]

#: Shopify's `tracking_company` names (and WooCommerce Shipment Tracking's providers) ->
#: carrier names. A name with an adapter of its own (ups, fedex, usps, dhl) is served by it;
#: the others are served through `[routing]` (an aggregator). Keys are compared case-folded;
#: `[shopify] carriers` / `[woocommerce] carriers` add or override entries. A name not here
#: (or "Other") falls back to detection from the tracking number.
CARRIER_NAMES: Mapping[str, str] = {
    "ups": "ups",
    "ups mail innovations": "ups",
    "fedex": "fedex",
    "fedex ground": "fedex",
    "usps": "usps",
    "united states postal service": "usps",
    "dhl": "dhl",
    "dhl express": "dhl",
    "dhl ecommerce": "dhl",
    "dhl ecommerce asia": "dhl",
    "dhl-express": "dhl",  # WooCommerce Shipment Tracking's slug
    "canada post": "canada_post",
    "royal mail": "royal_mail",
    "australia post": "australia_post",
    "new zealand post": "new_zealand_post",
    "dpd": "dpd",
    "dpd uk": "dpd",
    "dpd local": "dpd",
    "gls": "gls",
    "gls (us)": "gls",
    "purolator": "purolator",
    "postnl": "postnl",
    "postnord": "postnord",
    "la poste": "la_poste",
    "correios": "correios",
    "tnt": "tnt",
    "estafeta": "estafeta",
    "ontrac": "ontrac",
    "lasership": "lasership",
    "demo": "demo",  # the demo carrier (docs, tests)
}

#: Hosts of carriers' tracking pages -> carrier names: a shipment whose carrier name is
#: missing, "Other" or unknown but whose tracking URL is on one of these hosts (or a
#: subdomain) is that carrier's. Tried after the names, before detection.
CARRIER_HOSTS: Mapping[str, str] = {
    "ups.com": "ups",
    "fedex.com": "fedex",
    "usps.com": "usps",
    "dhl.com": "dhl",
    "dhl.de": "dhl",
    "canadapost.ca": "canada_post",
    "canadapost-postescanada.ca": "canada_post",
    "royalmail.com": "royal_mail",
    "auspost.com.au": "australia_post",
    "nzpost.co.nz": "new_zealand_post",
    "purolator.com": "purolator",
    "postnl.nl": "postnl",
    "ontrac.com": "ontrac",
}

_TRACKING = re.compile(r"[A-Za-z0-9 -]+")
_LOCALE = re.compile(r"([A-Za-z]{2})(?:[-_]([A-Za-z]{2}))?")
_REGION = re.compile(r"[A-Za-z]{2}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_ADAPTER = re.compile(r"[a-z][a-z0-9_]*")


class SourceError(ValueError):
    """A value of a source's payload that cannot become part of an order."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Sourcing:
    """How a source reads its payloads: the number rule, the default region, detection,
    and the extra carrier names of its config section."""

    numbers: OrderNumbers
    default_region: str
    detect: Detect
    carrier_names: Mapping[str, str]
    adapter_names: bool = False  # take a name like "canada_post" as the carrier (the API)

    def order_number(self, field: str, *candidates: object) -> str:
        """The first candidate that passes the one order-number rule, normalized."""
        problems = []
        for raw in candidates:
            if raw is None or raw == "":
                continue
            problem = self.numbers.problem(str(raw))
            if problem is None:
                return normalize_order_number(str(raw))
            problems.append(problem)
        raise SourceError(field, problems[0] if problems else "no order number")

    def region(self, *countries: object) -> str:
        """The first ISO country code given (the shipping country first), else the default."""
        for country in countries:
            if isinstance(country, str) and _REGION.fullmatch(country):
                return country.upper()
        return self.default_region

    def carrier(self, name: object, tracking: str, field: str, *, url: object = None) -> str:
        """The carrier of a shipment from the platform's carrier name, else the host of its
        tracking `url` (`CARRIER_HOSTS`), else by detection from the number."""
        if isinstance(name, str) and name.strip():
            key = name.strip().casefold()
            mapped = self.carrier_names.get(key) or CARRIER_NAMES.get(key)
            if mapped:
                return mapped
            if self.adapter_names and _ADAPTER.fullmatch(name.strip()):
                return name.strip()
        hosted = carrier_of_url(url)
        if hosted:
            return hosted
        found = list(dict.fromkeys(self.detect(tracking)))
        if len(found) == 1:
            return found[0]
        said = f"carrier {name!r} is not known" if name else "no carrier is given"
        why = "matches several carriers" if found else "does not match a carrier's format"
        raise SourceError(field, f"{said} and tracking number {tracking!r} {why}")

    def shipment(
        self,
        carrier_name: object,
        raw: object,
        field: str,
        *,
        kind: Leg = Leg.OUTBOUND,
        shipped_at: datetime | None = None,
        url: object = None,
    ) -> Shipment:
        """One shipment, its tracking number compacted and vetted like an order file's;
        `url` (the platform's tracking link) names the carrier when the name does not."""
        if not isinstance(raw, str) or not raw.strip():
            raise SourceError(field, "tracking number is blank")
        tracking = re.sub(r"[ -]", "", raw.strip()).upper()
        if not _TRACKING.fullmatch(raw.strip()) or not 6 <= len(tracking) <= 40:
            raise SourceError(field, f"tracking number {raw!r} must be 6-40 letters and digits")
        carrier = self.carrier(carrier_name, tracking, field, url=url)
        return Shipment(carrier, tracking, kind, shipped_at)


def carrier_of_url(url: object) -> str | None:
    """The carrier whose tracking pages `url` (http or https) is on, if one of
    `CARRIER_HOSTS`; None for anything else (a shop's own page, an aggregator, garbage)."""
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return None
    if parts.scheme not in ("http", "https"):
        return None
    labels = host.split(".")
    for start in range(len(labels) - 1):
        found = CARRIER_HOSTS.get(".".join(labels[start:]))
        if found:
            return found
    return None


def phone_in(raw: object, region: str) -> tuple[str | None, str | None]:
    """(E.164 phone, None), or (None, why) when a given value does not parse."""
    if not isinstance(raw, str) or not raw.strip():
        return None, None
    e164 = to_e164(raw, region)
    return (e164, None) if e164 else (None, f"phone does not parse as a {region} number")


def locale_of(raw: object) -> str | None:
    """`es-mx` / `es_MX` / `es` as the store keeps it (`es-MX`); None when unreadable."""
    if not isinstance(raw, str) or not (match := _LOCALE.fullmatch(raw.strip())):
        return None
    language, country = match.groups()
    return language.lower() + (f"-{country.upper()}" if country else "")


def email_of(raw: object) -> str | None:
    """An e-mail address, or None when absent or not an address."""
    return raw.strip() if isinstance(raw, str) and _EMAIL.fullmatch(raw.strip()) else None


def text_of(raw: object) -> str | None:
    """A trimmed non-empty string (numbers as text, e.g. a numeric ZIP), else None."""
    if isinstance(raw, int | str) and not isinstance(raw, bool):
        return str(raw).strip() or None
    return None


def time_of(raw: object, field: str, *, naive_utc: bool = True) -> datetime:
    """An ISO-8601 time (WooCommerce's `_gmt` times have no offset: UTC), aware in UTC."""
    if not isinstance(raw, str):
        raise SourceError(field, "must be an ISO-8601 time")
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise SourceError(field, f"{raw!r} is not an ISO-8601 time") from None
    if value.tzinfo is None:
        if not naive_utc:
            raise SourceError(field, f"{raw!r} has no UTC offset")
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
