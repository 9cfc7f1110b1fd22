"""Orders that flow in live: the durable inbox of shop webhooks, the shops' clock per
resource (out-of-order deliveries), order replacement and cancellation.

A webhook is stored raw first (`add_inbox`), answered, then processed from the inbox, so a
crash loses nothing and a platform's retries change nothing. Processing reads an event with
`pending_inbox` and closes it with `finish_inbox`: DONE, IGNORED (a topic we do not act
on) or FLAGGED (malformed: kept with the reason, for `smsbot check` and the logs).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from smsbot.orders.model import Order, Shipment
from smsbot.store.records import ImportCounts

#: The largest raw body the inbox keeps (the webhook routes cap bodies lower).
MAX_INBOX_BODY = 2 * 1024 * 1024


class InboxState(StrEnum):
    """Where one stored webhook stands."""

    PENDING = "pending"  # stored, not processed yet (or its processing crashed)
    DONE = "done"
    IGNORED = "ignored"  # a topic smsbot does not act on, or an outdated resource
    FLAGGED = "flagged"  # could not be read: kept with its reason for the merchant


@dataclass(frozen=True)
class InboxEvent:
    """One webhook as it arrived: `body` is the raw bytes whose signature was checked."""

    id: int
    source: str  # "shopify", "woocommerce"
    event_id: str  # the platform's delivery id (X-Shopify-Webhook-Id), unique per source
    topic: str
    shop: str  # the shop's domain, for logs
    body: bytes
    received_at: datetime
    state: InboxState
    attempts: int
    note: str | None = None  # why it was flagged or ignored; the order it made when done


class InboxStore(Protocol):
    """The inbox, the shops' resource clock, and the order changes only live sources make."""

    async def add_inbox(
        self,
        *,
        source: str,
        event_id: str,
        topic: str,
        shop: str,
        body: bytes,
        received_at: datetime,
    ) -> int | None:
        """Store a webhook as PENDING: its id if (source, event_id) is new, None if the
        platform sent it before (a replay: nothing changes). An empty `event_id` or a body
        over MAX_INBOX_BODY raises StoreValueError."""
        ...

    async def inbox_event(self, event_id: int) -> InboxEvent | None:
        """One stored event by its id."""
        ...

    async def pending_inbox(self, limit: int = 100) -> list[InboxEvent]:
        """PENDING events, oldest first; each read counts one attempt."""
        ...

    async def finish_inbox(
        self, event_id: int, state: InboxState, *, at: datetime, note: str | None = None
    ) -> bool:
        """Close a PENDING event as `state` with `note`; False when it was not pending."""
        ...

    async def flagged_inbox(self, limit: int = 50) -> list[InboxEvent]:
        """The newest FLAGGED events, newest first."""
        ...

    async def inbox_counts(self) -> dict[InboxState, int]:
        """How many events are in each state (every state present, zero or not)."""
        ...

    async def claim_version(
        self, resource: str, updated_at: datetime, *, tracking: Sequence[Shipment] = ()
    ) -> tuple[bool, tuple[Shipment, ...]]:
        """Whether a shop's resource ("shopify:fulfillment:42") at `updated_at` is current.

        (True, shipments it had before) when `updated_at` is at least the newest seen (the
        same version again is current, so a retried event is applied again, harmlessly); the
        resource then remembers `updated_at` and `tracking`. (False, ()) when a newer
        version was seen: the event is outdated and must change nothing.
        """
        ...

    async def replace_order(self, order: Order, *, now: datetime) -> ImportCounts:
        """Make the stored order exactly `order`: its fields, and only its shipments (kept
        ones keep their watch state; others are deleted). Clears a cancellation."""
        ...

    async def remove_shipments(self, number: str, shipments: Sequence[Shipment]) -> int:
        """Delete these shipments (carrier, tracking number, kind) of order `number`;
        how many were deleted."""
        ...

    async def cancel_order(self, number: str, *, at: datetime) -> bool:
        """Mark order `number` cancelled: the watcher stops watching it and replies say so.
        False when there is no such order. Cancelling twice keeps the first time."""
        ...

    async def cancelled_at(self, number: str) -> datetime | None:
        """When order `number` was cancelled, or None (not cancelled, or unknown)."""
        ...
