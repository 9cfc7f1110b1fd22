"""`OrderView`: one order as every surface tells it — its legs, status, ETA, exception, next step.

Built from the `Order` and the carrier gateway's `PackageStatus` list, never from the store or
a carrier directly, so a reply, a notice, the tracking page, the orders API and the console
read the same facts. It holds no phone, e-mail or address: whatever renders it can be public.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from smsbot.eta.window import Estimate
from smsbot.orders.model import Leg, Order
from smsbot.tracking import DelayReason, Eta, Event, Problem, Status, TrackingResult
from smsbot.view.package import Failure, PackageStatus
from smsbot.view.step import NextStep, next_step

#: Statuses in which a delay reason is told as "Delayed by ..." rather than as the status.
DELAYABLE = frozenset({Status.IN_TRANSIT, Status.EXCEPTION})
#: Statuses that need the customer's attention; the order's status is one of these first.
ATTENTION = (Status.EXCEPTION, Status.DELIVERY_ATTEMPTED, Status.RETURNING)
#: How far a parcel has come, least first: an order is as far as its least advanced leg.
PROGRESS = (
    Status.UNKNOWN,
    Status.PENDING,
    Status.LABEL_CREATED,
    Status.IN_TRANSIT,
    Status.OUT_FOR_DELIVERY,
    Status.AVAILABLE_FOR_PICKUP,
    Status.DELIVERED,
)


@dataclass(frozen=True)
class LegView:
    """One shipment of an order (outbound or return) as we can tell it now.

    `result` is the carrier's last answer: fresh, or (with `failure` set) the last known
    one, None when there never was one. `carrier_name` is how people read the carrier.
    """

    carrier: str  # adapter name: "ups"
    carrier_name: str  # "UPS"
    tracking_number: str
    kind: Leg
    result: TrackingResult | None
    checked_at: datetime | None
    failure: Failure | None = None
    estimate: Estimate | None = None  # the learned window (issue 19); see `view.estimate`

    @classmethod
    def of(cls, package: PackageStatus) -> LegView:
        """The leg the gateway's `package` tells."""
        shipment = package.shipment
        return cls(
            carrier=shipment.carrier,
            carrier_name=package.display_name,
            tracking_number=shipment.tracking_number,
            kind=shipment.kind,
            result=package.result,
            checked_at=package.checked_at,
            failure=package.failure,
        )

    @property
    def fresh(self) -> TrackingResult | None:
        """The carrier's answer of now; None when it failed (even with an older answer)."""
        return self.result if self.failure is None else None

    @property
    def status(self) -> Status | None:
        """The last known status, fresh or not; None when we never heard of the parcel."""
        return self.result.status if self.result is not None else None

    @property
    def eta(self) -> Eta | None:
        """When it should arrive, by the last known answer."""
        return self.result.eta if self.result is not None else None

    @property
    def delay(self) -> DelayReason | None:
        """Why it is late, when the parcel is moving or stuck (not once delivered)."""
        r = self.result
        return r.delay_reason if r is not None and r.status in DELAYABLE else None

    @property
    def next_step(self) -> NextStep | None:
        """What the customer should do, from the carrier's answer of now."""
        r = self.fresh
        attended = (*DELAYABLE, Status.DELIVERY_ATTEMPTED)
        return next_step(r) if r is not None and r.status in attended else None

    @property
    def place(self) -> str | None:
        """The carrier's place worth telling: where it was left, held or last seen."""
        r = self.fresh
        if r is None or r.problem is not None or r.status is Status.UNKNOWN:
            return None
        if r.status is Status.DELIVERED:
            return r.delivery_location
        if r.status is Status.EXCEPTION or r.status is Status.AVAILABLE_FOR_PICKUP:
            return r.last_location
        return r.last_location if r.delay_reason is not None else None

    @property
    def note(self) -> str | None:
        """The carrier's own words worth telling: an unexplained status or problem."""
        r = self.fresh
        if r is None or r.problem is not None:
            return None
        if r.status is Status.UNKNOWN or (r.status is Status.EXCEPTION and r.delay_reason is None):
            return r.status_text or None
        return None

    @property
    def delivered_at(self) -> datetime | None:
        """When it was delivered (the carrier's time, else its delivery scan's)."""
        r = self.result
        if r is None or r.status is not Status.DELIVERED:
            return None
        if r.delivered_at is not None:
            return r.delivered_at
        return next((e.time for e in reversed(r.events) if e.status is Status.DELIVERED), None)

    @property
    def unproven(self) -> bool:
        """Delivered without a photo or signature: the customer may not have it."""
        r = self.result
        return r is not None and r.status is Status.DELIVERED and not r.proof_of_delivery

    @property
    def events(self) -> tuple[Event, ...]:
        """The carrier's scans, oldest first."""
        return self.result.events if self.result is not None else ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready shape (strings, numbers, lists, None): dates ISO-8601."""
        r = self.result
        return {
            "carrier": self.carrier,
            "carrier_name": self.carrier_name,
            "tracking_number": self.tracking_number,
            "kind": self.kind.value,
            "status": _value(self.status),
            "problem": _value(r.problem if r else None),
            "failure": _value(self.failure),
            "checked_at": _iso(self.checked_at),
            "eta": _eta(self.eta),
            "delay": _value(self.delay),
            "delivered_at": _iso(r.delivered_at if r else None),
            "place": self.place,
            "note": self.note,
            "next_step": _value(self.next_step),
            "estimate": estimate_dict(self.estimate),
            "proof_of_delivery": None if r is None else r.proof_of_delivery,
            "events": [
                {
                    "at": _iso(event.time),
                    "status": event.status.value,
                    "description": event.description,
                    "location": event.location,
                }
                for event in self.events
            ],
        }


@dataclass(frozen=True)
class OrderView:
    """An order as every surface tells it: its number, language and legs, in shipment order."""

    number: str
    legs: tuple[LegView, ...]
    locale: str | None = None
    first_name: str | None = None  # the customer's first name only: pages may be public

    @classmethod
    def of(cls, order: Order, packages: Sequence[PackageStatus]) -> OrderView:
        """The view of `order` with the gateway's answers for its shipments."""
        legs = tuple(LegView.of(p) for p in packages)
        return cls(order.number, legs, order.locale, first_name(order.name))

    @classmethod
    def from_packages(cls, number: str, packages: Sequence[PackageStatus]) -> OrderView:
        """The view of order `number` from the gateway's answers alone (no order details)."""
        return cls(number, tuple(LegView.of(p) for p in packages))

    @property
    def shipped(self) -> bool:
        """Whether anything of the order has a tracking number yet."""
        return bool(self.legs)

    @property
    def outbound(self) -> tuple[LegView, ...]:
        """The legs on their way to the customer."""
        return tuple(leg for leg in self.legs if leg.kind is Leg.OUTBOUND)

    @property
    def status(self) -> Status | None:
        """The order's status: a leg that needs attention first, else its least advanced leg.

        Outbound legs decide (returns only when there is nothing else); None when no leg
        has an answer yet.
        """
        legs = self.outbound or self.legs
        known = [leg.status for leg in legs if leg.status is not None]
        for status in ATTENTION:
            if status in known:
                return status
        return min(known, key=PROGRESS.index, default=None)

    @property
    def eta(self) -> Eta | None:
        """When the whole order should be there: the latest ETA of its undelivered legs."""
        etas = [leg.eta for leg in self.outbound if leg.eta and leg.status is not Status.DELIVERED]
        return max(etas, key=lambda eta: eta.latest or eta.earliest, default=None)

    @property
    def exception(self) -> LegView | None:
        """The first leg with a problem to explain: a delay, an exception, a failed attempt."""
        for leg in self.legs:
            if leg.delay is not None or leg.status in ATTENTION:
                return leg
        return None

    @property
    def next_step(self) -> NextStep | None:
        """The first step the customer should take, if any leg needs one."""
        return next((leg.next_step for leg in self.legs if leg.next_step), None)

    @property
    def delivered_at(self) -> datetime | None:
        """When the last outbound leg was delivered, once every one has been; else None."""
        legs = self.outbound
        if not legs or any(leg.status is not Status.DELIVERED for leg in legs):
            return None
        times = [leg.delivered_at for leg in legs if leg.delivered_at is not None]
        return max(times, default=None)

    @property
    def delivered_count(self) -> int:
        """How many outbound legs are delivered."""
        return sum(leg.status is Status.DELIVERED for leg in self.outbound)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready shape for the orders API and the tracking page."""
        exception = self.exception
        return {
            "number": self.number,
            "locale": self.locale,
            "first_name": self.first_name,
            "status": _value(self.status),
            "eta": _eta(self.eta),
            "exception": None if exception is None else self.legs.index(exception),
            "next_step": _value(self.next_step),
            "legs": [leg.to_dict() for leg in self.legs],
        }


def first_name(name: str | None) -> str | None:
    """The first word of a customer's name, never the rest ("Ana María López" -> "Ana")."""
    words = (name or "").split()
    return words[0][:40] if words else None


def _value(member: Status | Problem | Failure | DelayReason | NextStep | None) -> str | None:
    return None if member is None else member.value


def _iso(moment: datetime | date | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _eta(eta: Eta | None) -> dict[str, Any] | None:
    if eta is None:
        return None
    return {
        "earliest": _iso(eta.earliest),
        "latest": _iso(eta.latest or eta.earliest),
        "window_start": _iso(eta.window_start),
        "window_end": _iso(eta.window_end),
        "estimated": eta.estimated,
    }


def estimate_dict(estimate: Estimate | None) -> dict[str, Any] | None:
    """A learned window as JSON: its days, business days and basis (issue 19)."""
    if estimate is None:
        return None
    basis = estimate.basis
    return {
        "stage": estimate.stage.value,
        "since": _iso(estimate.since),
        "earliest": _iso(estimate.earliest),
        "latest": _iso(estimate.latest),
        "business_days": list(estimate.business_days),
        "carrier_early": estimate.carrier_early,
        "basis": {"rung": basis.rung.value, "samples": basis.samples, "label": basis.label},
    }
