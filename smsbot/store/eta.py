"""The ETA history concern (issue 19): delivered shipments to learn from, and the windows
customers were told, to check them against what happened.

A delivery is kept once per (carrier, tracking number): captured by `save_tracking` when a
result says the parcel is delivered (the order's creation time, the first carrier scan,
the delivery, where it went and the carrier's first ETA), or imported in bulk from an
exported or synthetic history. The learning side (`smsbot.eta`) reads them in id order, so
a refresh after the first reads only what is new.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol


@dataclass(frozen=True)
class Delivery:
    """One delivered shipment as history. Regions are upper-case codes: a country ("US") or
    a country and state ("US-CA"). Times are aware; the store does not judge them (a
    delivery before its first scan is kept and excluded by the model, which counts it)."""

    carrier: str
    tracking_number: str
    delivered_at: datetime
    ordered_at: datetime | None = None
    first_scan_at: datetime | None = None
    service: str | None = None
    origin: str | None = None
    destination_country: str | None = None
    destination_region: str | None = None
    destination_postal_code: str | None = None
    carrier_eta: date | None = None  # the first ETA the carrier gave
    order_number: str | None = None


class _Basis(Protocol):
    @property
    def rung(self) -> str: ...

    @property
    def label(self) -> str: ...


class ToldWindow(Protocol):
    """What the store keeps of a window told to a customer (`smsbot.eta.window.Estimate`
    has this shape; the store does not import the eta package, which sits above it)."""

    @property
    def stage(self) -> str: ...

    @property
    def earliest(self) -> date: ...

    @property
    def latest(self) -> date: ...

    @property
    def business_days(self) -> tuple[int, int]: ...

    @property
    def basis(self) -> _Basis: ...


@dataclass(frozen=True)
class ToldOutcome:
    """A window told for a shipment and, when it has been delivered, when it arrived."""

    order_number: str
    carrier: str
    tracking_number: str
    stage: str
    earliest: date
    latest: date
    business_days: tuple[int, int]
    rung: str
    label: str
    told_at: datetime
    delivered_at: datetime | None
    destination_country: str | None = None  # the delivery's, to date it locally
    destination_postal_code: str | None = None


@dataclass(frozen=True)
class HandlingCounts:
    """The shop's fulfilment now: orders waiting for a shipment, and orders fulfilled
    (given their first outbound shipment) since the asked time."""

    open_orders: int
    fulfilled: int


class EtaStore(Protocol):
    """Delivery history, windows told, and the counts behind the handling load."""

    async def record_delivery(self, delivery: Delivery) -> bool:
        """Keep `delivery`; False (nothing changed) if its carrier and number are known."""
        ...

    async def import_deliveries(self, deliveries: Sequence[Delivery]) -> int:
        """Keep every new one of `deliveries` in one transaction; how many were new.
        StoreValueError (nothing written) for a naive time or an empty carrier/number."""
        ...

    async def deliveries(
        self, after_id: int = 0, limit: int = 50_000, *, since: datetime | None = None
    ) -> list[tuple[int, Delivery]]:
        """Up to `limit` deliveries with an id above `after_id` (and delivered at or after
        `since`, when given), in id order, with their id."""
        ...

    async def record_told(
        self,
        order_number: str,
        carrier: str,
        tracking_number: str,
        estimate: ToldWindow,
        told_at: datetime,
    ) -> bool:
        """Keep the window told for this shipment; the first one told stands (False when
        one was kept already)."""
        ...

    async def told_outcomes(self, since: datetime | None = None) -> list[ToldOutcome]:
        """The windows told at or after `since` (all when None), each with its shipment's
        delivery time when the history has it, oldest first."""
        ...

    async def handling_counts(
        self, now: datetime, *, since: datetime, open_days: int
    ) -> HandlingCounts:
        """Orders created in the last `open_days` days before `now`, not cancelled, with no
        outbound shipment; and orders whose first outbound shipment is dated in
        [`since`, `now`] (an undated shipment counts at the time the order was stored)."""
        ...
