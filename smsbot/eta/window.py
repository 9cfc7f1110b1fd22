"""What an estimate is, and the contract of whatever produces one.

These types are the seam between the learning side of `smsbot.eta` (history, calendar,
quantiles, the fallback ladder) and the parts that tell an estimate: replies and notices,
the tracking page, the checkout ETA API and `smsbot report`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol


class Rung(StrEnum):
    """Which step of the fallback ladder an estimate stands on, most specific first."""

    LANE = "lane"  # carrier + service + origin region -> destination region
    SERVICE = "service"  # carrier + service, any lane
    CARRIER = "carrier"  # carrier, any service
    DEFAULT = "default"  # the merchant's default from config, no history behind it


class Stage(StrEnum):
    """Which part of a parcel's life an estimate covers."""

    HANDLING = "handling"  # order placed -> first carrier scan
    TRANSIT = "transit"  # first carrier scan -> delivered
    DELIVERY = "delivery"  # order placed -> delivered (handling + transit)


@dataclass(frozen=True)
class Basis:
    """What an estimate rests on: its rung, how many deliveries, and the group's label."""

    rung: Rung
    samples: int  # 0 on the DEFAULT rung
    label: str  # e.g. "ups ground US-CA -> US-NY", for reports and the API's basis


@dataclass(frozen=True)
class Lane:
    """Where and how a parcel travels. Every field may be unknown (None).

    Regions are upper-case: a country code ("US"), or country and state or postal prefix
    ("US-CA", "DE-10"). The learning side decides how fine a region it keeps.
    """

    carrier: str | None = None
    service: str | None = None
    origin: str | None = None
    destination_country: str | None = None
    destination_postal_code: str | None = None


@dataclass(frozen=True)
class Estimate:
    """A delivery window told as an estimate: calendar days and business days.

    `earliest`..`latest` are calendar dates (inclusive); `business_days` is the same window
    counted in the carrier's business days from the day counting started (`since`).
    `carrier_early` is True when the carrier's own ETAs on this lane have historically been
    too early, so the learned window should be preferred to the carrier's date.
    """

    stage: Stage
    since: date
    earliest: date
    latest: date
    business_days: tuple[int, int]
    basis: Basis
    carrier_early: bool = False


@dataclass(frozen=True)
class HandlingLoad:
    """The shop's handling delay now against its usual one, in business days.

    `high` is True when the expected delay now is above the usual (show the banner).
    """

    open_orders: int
    daily_rate: float  # orders fulfilled per business day over the recent days
    expected_days: float
    usual_days: float
    high: bool


class Estimator(Protocol):
    """Learned windows; read-only and cheap (answers from an in-memory model)."""

    def estimate(
        self,
        lane: Lane,
        *,
        ordered_at: datetime | None = None,
        first_scan_at: datetime | None = None,
        today: date,
    ) -> Estimate | None:
        """The window for a parcel on `lane`; None when the data is too thin and no default
        is configured (never invent precision).

        With `first_scan_at`, a TRANSIT window from it; else with `ordered_at`, a DELIVERY
        window (handling + transit) from it; else a DELIVERY window from `today` (checkout).
        """
        ...

    def handling_load(self, today: date) -> HandlingLoad | None:
        """The live handling load; None when there is too little history to say."""
        ...
