"""What `GET /api/eta` is asked, read strictly: `country` is required; a postal code we
cannot read is dropped (the answer is then country-level, and says so)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from smsbot.eta.window import Lane

_COUNTRY = re.compile(r"[A-Za-z]{2}")
_POSTAL = re.compile(r"[A-Za-z0-9][A-Za-z0-9 -]{1,11}")
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


@dataclass(frozen=True)
class EtaQuery:
    """A checked query: ISO 3166-1 alpha-2 country, and what else was given and readable."""

    country: str  # "US"
    postal_code: str | None  # "10001", upper-case, single spaces; None: country-level
    carrier: str | None  # adapter name: "ups"
    service: str | None  # "ground"

    @property
    def lane(self) -> Lane:
        """The lane the estimator is asked about."""
        return Lane(
            carrier=self.carrier,
            service=self.service,
            destination_country=self.country,
            destination_postal_code=self.postal_code,
        )

    @property
    def key(self) -> tuple[str, str | None, str | None, str | None]:
        """The cache key: equal queries share one answer."""
        return (self.country, self.postal_code, self.carrier, self.service)


def read_query(params: Mapping[str, str]) -> EtaQuery | list[dict[str, str]]:
    """The query of `params`, or the problem's `errors` (field, message) when it is bad."""
    errors: list[dict[str, str]] = []
    country = params.get("country", "").strip()
    if not country:
        errors.append({"field": "country", "message": "is required: a country code like US"})
    elif not _COUNTRY.fullmatch(country):
        errors.append({"field": "country", "message": "must be two letters, like US or ES"})
    names: dict[str, str | None] = {}
    for field in ("carrier", "service"):
        value = params.get(field, "").strip().lower()
        if value and not _NAME.fullmatch(value):
            errors.append({"field": field, "message": "must be a name like ups or ground"})
        names[field] = value or None
    if errors:
        return errors
    postal = " ".join(params.get("postal_code", "").split()).upper()
    return EtaQuery(
        country=country.upper(),
        postal_code=postal if _POSTAL.fullmatch(postal) else None,
        carrier=names["carrier"],
        service=names["service"],
    )
