"""Per-carrier request budgets shared by every process (issue 15, `[budgets]`).

Some carriers allow a fixed number of requests an hour per account (USPS's Web Tools give
each account an hourly quota). One watcher can respect it alone; three watchers sharing a
store cannot, unless they count together. So the count lives in the store
(`ClaimStore.take_budget`), per carrier and clock hour (UTC), and a watcher spends it
before each carrier call. The unit is a tracking number asked: an adapter makes at most one
request per number (USPS makes exactly one; a batch API like FedEx's fewer), so counting
numbers never lets the requests exceed the quota. A carrier without a budget is never
counted. Replies to customers are not counted: a person waiting gets an
answer, and the watcher's budget should leave them headroom.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from smsbot.store import Store

HOUR = timedelta(hours=1)


def hour_of(moment: datetime) -> datetime:
    """The start of the clock hour `moment` falls in."""
    return moment.replace(minute=0, second=0, microsecond=0)


class CarrierBudgets:
    """Spends requests of each budgeted carrier's hourly allowance, in the shared store."""

    def __init__(
        self, store: Store, per_hour: Mapping[str, int], clock: Callable[[], datetime]
    ) -> None:
        self._store = store
        self._per_hour = dict(per_hour)
        self._clock = clock

    def limits(self, carrier: str) -> bool:
        """Whether `carrier` has a budget."""
        return carrier in self._per_hour

    def most(self, carrier: str, batch: int) -> int:
        """`batch` capped by `carrier`'s hourly budget (a bigger batch would never fit)."""
        return min(batch, self._per_hour.get(carrier, batch))

    async def spend(self, carrier: str, numbers: int = 1) -> datetime | None:
        """Spend `numbers` of `carrier`'s budget for this hour: None when they fit (or the
        carrier has no budget), else the start of the next hour, when to ask again."""
        limit = self._per_hour.get(carrier)
        if limit is None:
            return None
        window = hour_of(self._clock())
        if await self._store.take_budget(carrier, window=window, limit=limit, count=numbers):
            return None
        return window + HOUR
