"""Learned windows joined to an order's view: which estimate each leg may tell, and when.

`estimated` asks an `Estimator` (an in-memory model, no I/O) for every leg still on its way
and returns the view with each leg's `estimate` set; `usual` decides whether a reply, a
notice or the page tells it. The rule (issue 19): a learned window is told when the carrier
gives no ETA, or when the carrier's ETAs on this lane have been early, or when the carrier's
date falls before the usual window (then the customer should know it may be later). When the
carrier's date is inside the window or after it, the carrier's date alone is told.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from smsbot.eta.window import Estimate, Estimator, Lane
from smsbot.orders.model import Leg, Order
from smsbot.tracking import Eta, Status, TrackingResult
from smsbot.view.order import DELAYABLE, LegView, OrderView

#: Statuses in which a learned window says something useful: the parcel is not yet at the
#: door, and nothing has gone wrong that the history cannot know about.
ESTIMABLE = frozenset({Status.PENDING, Status.LABEL_CREATED, Status.IN_TRANSIT})
#: Scans that do not mean the carrier has the parcel yet.
NOT_SCANNED = frozenset({Status.PENDING, Status.LABEL_CREATED, Status.UNKNOWN})


def first_scan(result: TrackingResult | None) -> datetime | None:
    """When the carrier first had the parcel: its oldest scan past the label."""
    if result is None:
        return None
    return next((e.time for e in result.events if e.status not in NOT_SCANNED), None)


def estimable(leg: LegView) -> bool:
    """Whether a learned window may be told for `leg`: an outbound parcel not yet at the door
    with a fresh answer and no delay or problem (the history cannot know about those)."""
    r = leg.fresh
    if leg.kind is not Leg.OUTBOUND or r is None or r.problem is not None:
        return False
    return r.status in ESTIMABLE and not (r.delay_reason is not None and r.status in DELAYABLE)


def lane_of(leg: LegView, order: Order | None, country: str | None) -> Lane:
    """The lane of `leg`: its carrier, and the order's destination where known."""
    return Lane(
        carrier=leg.carrier,
        destination_country=country,
        destination_postal_code=order.postal_code if order is not None else None,
    )


def estimated(
    view: OrderView,
    estimator: Estimator | None,
    *,
    order: Order | None,
    country: str | None,
    today: date,
) -> OrderView:
    """`view` with a learned window on every leg that may tell one (see `estimable`).

    A transit window from the first scan when there is one, else a delivery window from
    `today`. Without an estimator the view is returned as it is.
    """
    if estimator is None:
        return view
    legs = []
    for leg in view.legs:
        estimate = None
        if estimable(leg):
            lane = lane_of(leg, order, country)
            scanned = first_scan(leg.result)
            estimate = estimator.estimate(lane, first_scan_at=scanned, today=today)
        legs.append(replace(leg, estimate=estimate))
    return replace(view, legs=tuple(legs))


def usual(leg: LegView, today: date) -> Estimate | None:
    """The learned window to tell for `leg` now, marked as an estimate; None to tell none.

    Never for a leg that may not tell one (see `estimable`); else as `worth_telling` says.
    """
    return worth_telling(leg.eta, leg.estimate, today) if estimable(leg) else None


def worth_telling(eta: Eta | None, estimate: Estimate | None, today: date) -> Estimate | None:
    """`estimate` when it is worth telling beside the carrier's `eta`; else None.

    Told alone when the carrier gives no date (or only our own guess); beside the carrier's
    date when its ETAs on this lane have been early or its date is before the window. Never
    a window already past: the history has nothing more to say.
    """
    if estimate is None or estimate.latest < today:
        return None
    if eta is None or eta.estimated or estimate.carrier_early:
        return estimate
    carrier_last = eta.latest or eta.earliest
    return estimate if carrier_last < estimate.earliest else None


def told(view: OrderView, today: date) -> list[tuple[LegView, Estimate]]:
    """Every (leg, window) `view` tells: what `store.record_told` should keep."""
    return [(leg, window) for leg in view.legs if (window := usual(leg, today)) is not None]
