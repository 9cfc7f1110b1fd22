"""Learned windows in replies (issue 19): joined to an order's view, and kept once told.

The estimator answers from memory, so asking it costs no I/O; what a reply tells is kept
with `eta.told.ToldLog` so `smsbot report` can say how often customers were told the truth.
"""

from __future__ import annotations

from datetime import date, datetime

from smsbot.eta.told import ToldLog
from smsbot.eta.window import Estimate, Estimator, HandlingLoad, Lane
from smsbot.orders.model import Order
from smsbot.store import Store
from smsbot.view.estimate import estimated, told
from smsbot.view.order import OrderView


class ToldWindows:
    """An order's learned windows: asked of `estimator`, recorded in `store` once told."""

    def __init__(self, store: Store, estimator: Estimator | None, country: str | None) -> None:
        self._estimator = estimator
        self._country = country  # orders carry a postal code, not a country: [eta] country
        self._log = ToldLog(store)

    def estimated(self, view: OrderView, order: Order, today: date) -> OrderView:
        """`view` with each leg's learned window (see `view.estimate.estimated`)."""
        return estimated(view, self._estimator, order=order, country=self._country, today=today)

    def unshipped(self, order: Order, today: date) -> tuple[HandlingLoad | None, Estimate | None]:
        """For an order not yet shipped: the handling load now, and the window from today."""
        if self._estimator is None:
            return None, None
        lane = Lane(destination_country=self._country, destination_postal_code=order.postal_code)
        load = self._estimator.handling_load(today)
        return load, self._estimator.estimate(lane, today=today)

    async def record(self, view: OrderView, today: date, now: datetime) -> None:
        """Keep every window `view` tells (once per parcel; never loses the reply)."""
        told_now = [(leg.carrier, leg.tracking_number, w) for leg, w in told(view, today)]
        await self._log.keep(view.number, told_now, now)
