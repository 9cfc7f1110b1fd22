"""Claims shared by many processes (issue 15): who checks which order now, how much of each
carrier's hourly request budget is spent, and who settles a stale outbox message.

Several `smsbot serve` / `smsbot watch` processes may share one database. Everything here is
decided by the database in one conditional statement per row, so two processes asking at
the same moment never both win:
- a watcher *claims* the orders of a page before asking carriers about them; the claim is a
  lease, so a watcher killed mid-pass loses it when it runs out, and another takes over;
- a carrier's hourly request budget is a counter per (carrier, hour) that only grows while
  it stays within the limit, so N watchers together make at most `limit` requests an hour;
- a message left "sending" past its lease is *taken* for reconciling by exactly one sender.

Leases compare the callers' clocks: machines sharing a store keep them in step (NTP). A skew
of a few seconds can make a watcher skip an order for one pass, or check one twice (the
tracking cache answers the second time; notices are once-only by their keys).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol


class ClaimStore(Protocol):
    """Order claims for watchers, carrier request budgets, taking a stale outbox message."""

    async def claim_orders(
        self, order_ids: Sequence[int], *, owner: str, now: datetime, until: datetime
    ) -> set[int]:
        """Claim each order for `owner` until `until`; the ids now held by `owner`.

        `now` is when the caller read the orders as due. An order is won when nobody ever
        claimed it, when its last claim ended (lease run out, or released) at or before
        `now`, or when `owner` holds it already (renewed). So an order another watcher
        finished checking after `now` is not won: the caller's reading is stale.
        """
        ...

    async def release_orders(self, order_ids: Sequence[int], *, owner: str, at: datetime) -> None:
        """End `owner`'s claims on these orders at `at` (after saving their checks); other
        owners' claims are left alone. Claims ended a day before `at` are forgotten."""
        ...

    async def take_budget(
        self, carrier: str, *, window: datetime, limit: int, count: int = 1
    ) -> bool:
        """Spend `count` requests of `carrier`'s budget for the hour starting at `window`:
        True if they fit within `limit` (and are counted), False (nothing counted) if not.
        Windows a day older than `window` are forgotten."""
        ...

    async def budget_spent(self, carrier: str, window: datetime) -> int:
        """Requests counted for `carrier` in the hour starting at `window`."""
        ...

    async def take_stale_outbox(
        self, message_id: int, *, now: datetime, lease_until: datetime
    ) -> bool:
        """Take a message left "sending" whose lease ended at or before `now`, for
        reconciling, by moving its lease to `lease_until`: True for exactly one caller."""
        ...
