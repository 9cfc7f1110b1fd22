"""Delivers due hand-offs and retries failures with exponential backoff; a hand-off that
fails `MAX_ATTEMPTS` times, or is refused for good (bad credentials), is dead-lettered.

Hand-offs are claimed with a lease in the store, so several processes can run a sender and
each hand-off is attempted by one at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import httpx

from smsbot.handoff.targets import HandoffFailed, Target
from smsbot.handoff.ticket import build_ticket
from smsbot.metrics.instruments import handoff
from smsbot.orders.model import Shipment
from smsbot.store import HandoffState, Store, StoredHandoff
from smsbot.view.order import OrderView
from smsbot.view.package import PackageStatus
from smsbot.wording.carriers import carrier_display_name

log = logging.getLogger("smsbot.handoff")

MAX_ATTEMPTS = 6
FIRST_RETRY_S = 30.0  # then 60, 120, 240, 480 s
LEASE_S = 60.0
POLL_S = 5.0
RECENT = 8


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt."""
    return timedelta(seconds=FIRST_RETRY_S * 2 ** max(0, attempts - 1))


class HandoffSender:
    def __init__(
        self,
        store: Store,
        http: httpx.AsyncClient,
        targets: dict[str, Target],
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._http = http
        self._targets = targets
        self._clock = clock
        self.wake = asyncio.Event()

    async def send_due(self) -> int:
        """Attempt every due hand-off once; how many were delivered."""
        now = self._clock()
        due = await self._store.due_handoffs(now, lease_until=now + timedelta(seconds=LEASE_S))
        delivered = 0
        for item in due:
            delivered += await self._attempt(item)
        return delivered

    async def run(self, stop: asyncio.Event) -> None:
        """Send until `stop`; wakes at once when `wake` is set (a new escalation)."""
        while not stop.is_set():
            try:
                await self.send_due()
            except Exception:  # the store hiccuped: try again at the next round
                log.exception("could not send hand-offs")
            self.wake.clear()
            waiters = [asyncio.ensure_future(e.wait()) for e in (stop, self.wake)]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED), POLL_S
                )
            for waiter in waiters:
                waiter.cancel()

    async def _attempt(self, item: StoredHandoff) -> bool:
        now = self._clock()
        target = self._targets.get(item.target)
        if target is None:
            await self._finish(item, HandoffState.DEAD, now, "target no longer configured")
            return False
        escalation = await self._store.escalation(item.escalation_id)
        if escalation is None:
            await self._finish(item, HandoffState.DEAD, now, "escalation gone")
            return False
        order = (
            await self._store.get_order(escalation.order_number)
            if escalation.order_number
            else None
        )
        view = None
        if order is not None:
            view = OrderView.of(order, [await self._cached(s) for s in order.shipments])
        messages = await self._store.sender_messages(escalation.phone_key, RECENT)
        ticket = build_ticket(escalation, view, messages)
        try:
            reference = await target.deliver(ticket, self._http)
        except HandoffFailed as exc:
            last = not exc.retry or item.attempts + 1 >= MAX_ATTEMPTS
            state = HandoffState.DEAD if last else HandoffState.PENDING
            log.warning("hand-off %d to %s failed: %s", item.id, item.target, exc)
            handoff(item.target, "dead" if last else "retry")
            await self._finish(item, state, now, str(exc), now + backoff(item.attempts + 1))
            return False
        handoff(item.target, "delivered")
        await self._store.finish_handoff(
            item.id, state=HandoffState.DELIVERED, at=now, external_ref=reference
        )
        return True

    async def _cached(self, shipment: Shipment) -> PackageStatus:
        cached = await self._store.cached_tracking(shipment.carrier, shipment.tracking_number)
        result, when = (None, None) if cached is None else (cached.result, cached.checked_at)
        return PackageStatus(shipment, carrier_display_name(shipment.carrier), result, when)

    async def _finish(
        self,
        item: StoredHandoff,
        state: HandoffState,
        now: datetime,
        error: str,
        following: datetime | None = None,
    ) -> None:
        await self._store.finish_handoff(
            item.id, state=state, at=now, next_attempt_at=following, error=error
        )
