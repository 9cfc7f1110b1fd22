"""The watcher's state, as the store keeps it: due shipments, check outcomes, triggers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from smsbot.store.records import CheckOutcome, TriggerState, WatchedShipment


class WatchStore(Protocol):
    """The watcher's memory: when each shipment (either leg) is next due, triggers fired."""

    async def due_shipments(
        self, now: datetime, cutoff: datetime, *, after_order: int, limit: int
    ) -> list[WatchedShipment]:
        """Up to about `limit` due shipments (of orders shipped, or else created, at or after
        `cutoff`) of orders after `after_order`, by order id. Pages never split an order."""
        ...

    async def shipments_for_tracking(
        self, carriers: Sequence[str], number: str
    ) -> list[WatchedShipment]:
        """The shipments (either leg) with tracking `number` at one of `carriers` (pushes)."""
        ...

    async def save_checks(self, outcomes: Sequence[CheckOutcome], at: datetime) -> None:
        """Record when each shipment is next due (and its failures), in one transaction.
        Scan times may be a carrier's offset-less times (read as carrier-local)."""
        ...

    async def record_triggers(
        self,
        done: Mapping[int, Mapping[str, TriggerState]],
        at: datetime,
        *,
        scheduled: Mapping[int, Mapping[str, datetime]] | None = None,
    ) -> None:
        """Record triggers as done (`done`: shipment id -> kind -> a DONE_STATES state), in
        one transaction. A trigger already done stays as it was (once-only). `scheduled`
        adds deferred triggers (shipment id -> kind -> due time) unless that kind is known."""
        ...

    async def due_triggers(self, now: datetime, *, limit: int) -> list[tuple[WatchedShipment, str]]:
        """Scheduled triggers whose time has come, oldest first, with their shipments."""
        ...

    async def trigger_states(self, shipment_id: int) -> dict[str, TriggerState]:
        """Every trigger of a shipment and its state."""
        ...
