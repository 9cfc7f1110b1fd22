"""The windows told to customers, kept for calibration: the one way replies, notices and
the tracking page record them.

The store keeps the first window told per parcel (`record_told`; later ones change
nothing), so a parcel recorded once needs no second write: `ToldLog` remembers the parcels
it has recorded and skips them, which keeps repeated texts and page views about the same
parcel off the store. A failure to record is logged and never loses the message.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime

from smsbot.eta.window import Estimate
from smsbot.store import Store

log = logging.getLogger("smsbot.eta")

#: Parcels remembered as recorded; past it, the oldest are forgotten (and at worst written
#: again, which the store ignores).
REMEMBERED = 10_000


class ToldLog:
    """Keeps what each surface told, once per parcel."""

    def __init__(self, store: Store, remembered: int = REMEMBERED) -> None:
        self._store = store
        self._remembered = remembered
        self._kept: OrderedDict[tuple[str, str, str], None] = OrderedDict()

    async def keep(
        self, order_number: str, told: Iterable[tuple[str, str, Estimate]], now: datetime
    ) -> None:
        """Record each (carrier, tracking number, window) told about `order_number`."""
        for carrier, number, window in told:
            key = (order_number, carrier, number)
            if key in self._kept:
                continue
            try:
                await self._store.record_told(order_number, carrier, number, window, now)
            except Exception:  # the message matters more than the calibration figure
                log.exception("could not record the window told about one parcel")
                continue
            self._kept[key] = None
            if len(self._kept) > self._remembered:
                self._kept.popitem(last=False)
