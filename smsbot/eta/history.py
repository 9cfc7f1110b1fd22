"""Deliveries as the model counts them: business days per stage, and the lane keys.

A stored `Delivery` becomes a `Sample` (days in the calendar of its carrier and
destination country, counted on local dates) or is excluded with a reason, counted,
never raised: a delivery before its first scan or before its order, a date in the future
or before 2000, a parcel that took more than a year.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from smsbot.eta.calendar import SUNDAY_ONLY, WEEKEND, BusinessCalendar, calendar_for
from smsbot.results import zone_for
from smsbot.store import Delivery

#: Postal-code prefix length that makes a destination region where no state is known: a
#: US ZIP3 is the unit carriers' zones are drawn on; elsewhere the first two characters.
PREFIX_LENGTH = {"US": 3, "CA": 3, "GB": 2}
EARLIEST_YEAR = 2000
LONGEST = timedelta(days=365)
_SLACK = timedelta(days=1)  # clocks differ: a delivery "tomorrow" is not yet an error


class Excluded(Counter[str]):
    """Excluded rows by reason ("delivered before shipped", ...)."""


class Sample(NamedTuple):
    """One usable delivery. Days are business days; None when the stage's start is unknown.
    (A named tuple: the model counts equal ones, and tuples hash in C.)"""

    carrier: str
    service: str | None
    origin: str | None
    country: str
    region: str | None  # "US-112" (postal prefix) or "US-NY" (state), None when unknown
    handling: int | None  # ordered -> first scan
    transit: int | None  # first scan -> delivered
    delivery: int | None  # ordered -> delivered
    late_vs_carrier: bool | None  # delivered after the carrier's first ETA; None: no ETA


@lru_cache(maxsize=65536)
def destination_region(
    country: str, postal_code: str | None, state: str | None = None
) -> str | None:
    """The region a destination is grouped by: the postal prefix when there is a postal
    code (finer than a state, and what a checkout knows), else the state, else None."""
    digits = "".join(ch for ch in (postal_code or "") if ch.isalnum()).upper()
    if digits:
        return f"{country}-{digits[: PREFIX_LENGTH.get(country, 2)]}"
    if state and "-" in state:
        return state.upper()
    return None


def weekend_of(carrier: str, saturday_carriers: frozenset[str]) -> frozenset[int]:
    return SUNDAY_ONLY if carrier in saturday_carriers else WEEKEND


@lru_cache(maxsize=4096)
def _zone(country: str, region: str | None, postal_code: str | None) -> tzinfo:
    state = region.split("-", 1)[1] if region and "-" in region else None
    name = zone_for(state, postal_code, country)
    try:
        return ZoneInfo(name) if name else UTC
    except (KeyError, ValueError):
        return UTC


def local_date(moment: datetime, country: str, region: str | None, postal: str | None) -> date:
    """The date at the destination (UTC where its zone is not known offline)."""
    return moment.astimezone(_zone(country, region, postal)).date()


class SampleMaker:
    """Turns deliveries into samples, counting the excluded ones in `excluded`."""

    def __init__(
        self, default_country: str, saturday_carriers: frozenset[str], now: datetime
    ) -> None:
        self.default_country = default_country.upper()
        self.saturday_carriers = saturday_carriers
        self.now = now
        self.excluded = Excluded()
        self._calendars: dict[tuple[str, str], BusinessCalendar] = {}

    def calendar(self, carrier: str, country: str) -> BusinessCalendar:
        found = self._calendars.get((carrier, country))
        if found is None:
            weekend = weekend_of(carrier, self.saturday_carriers)
            found = self._calendars[(carrier, country)] = calendar_for(country, weekend)
        return found

    def make(self, delivery: Delivery) -> Sample | None:
        reason = self.inconsistent(delivery)
        if reason is not None:
            self.excluded[reason] += 1
            return None
        country = (delivery.destination_country or self.default_country).upper()
        postal = delivery.destination_postal_code
        region = destination_region(country, postal, delivery.destination_region)
        calendar = self.calendar(delivery.carrier, country)

        def day(moment: datetime | None) -> date | None:
            return None if moment is None else local_date(moment, country, region, postal)

        ordered, scanned = day(delivery.ordered_at), day(delivery.first_scan_at)
        delivered = local_date(delivery.delivered_at, country, region, postal)
        eta = delivery.carrier_eta
        return Sample(
            carrier=delivery.carrier,
            service=delivery.service or None,
            origin=delivery.origin,
            country=country,
            region=region,
            handling=None
            if ordered is None or scanned is None
            else calendar.count(ordered, scanned),
            transit=None if scanned is None else calendar.count(scanned, delivered),
            delivery=None if ordered is None else calendar.count(ordered, delivered),
            late_vs_carrier=None if eta is None else delivered > eta,
        )

    def inconsistent(self, delivery: Delivery) -> str | None:
        """Why `delivery` cannot be learned from, or None when it can."""
        moments = [
            m for m in (delivery.ordered_at, delivery.first_scan_at, delivery.delivered_at) if m
        ]
        if any(m.year < EARLIEST_YEAR for m in moments):
            return "dated before 2000"
        if any(m > self.now + timedelta(days=1) for m in moments):
            return "dated in the future"
        if delivery.first_scan_at and delivery.delivered_at < delivery.first_scan_at:
            return "delivered before shipped"
        if (
            delivery.ordered_at
            and delivery.first_scan_at
            and delivery.first_scan_at < delivery.ordered_at
        ):
            return "shipped before ordered"
        if delivery.ordered_at and delivery.delivered_at < delivery.ordered_at:
            return "delivered before ordered"
        start = delivery.ordered_at or delivery.first_scan_at
        if start and delivery.delivered_at - start > LONGEST:
            return "took over a year"
        return None
