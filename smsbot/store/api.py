"""The store contract: what the rest of smsbot may ask of a database, one Protocol per concern.

Code outside `smsbot.store` depends on these Protocols only (usually on `Store`, all of them
together), never on a backend. A backend (`smsbot.store.sqlite`, PostgreSQL next) implements
every method and passes the one behaviour suite in tests/store/.

Contract rules every backend keeps:
- Times go in aware and come back aware in UTC; a naive time raises StoreValueError (except
  where a method says a carrier's offset-less time is read as carrier-local).
- A method is atomic: it changes everything it says or nothing, also across processes
  sharing one database; "True if new" answers are decided by the database, never by a read
  followed by a write in two steps.
- Errors of the database surface as StoreError; a value the store cannot keep as
  StoreValueError, before anything is written.
- Phones are matched by `keys.phone_key` (no channel prefix, Mexico `+521…` ≡ `+52…`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol, Self

from smsbot.orders.model import Order
from smsbot.store.breakers import BreakerStore
from smsbot.store.claims import ClaimStore
from smsbot.store.console import ConsoleStore
from smsbot.store.csat import CsatStore
from smsbot.store.eta import EtaStore
from smsbot.store.inbox import InboxStore
from smsbot.store.links import LinkStore
from smsbot.store.outbox_batch import OutboxBatchStore
from smsbot.store.records import (
    AlertState,
    CachedTracking,
    ImportCounts,
    LoggedMessage,
    OutboxMessage,
    OutboxState,
    SenderMessage,
    Session,
    StoredAlert,
    StoredReply,
    Verdict,
    WrongAnswer,
)
from smsbot.store.sequencing import SequencingStore
from smsbot.store.shop_orders import ShopOrderStore
from smsbot.store.turns import TurnStore
from smsbot.store.watch import WatchStore
from smsbot.tracking import TrackingResult


class OrderStore(Protocol):
    """Orders and their shipments (outbound and returns)."""

    async def upsert_orders(
        self, orders: Sequence[Order], *, now: datetime | None = None
    ) -> ImportCounts:
        """Insert or update `orders` in one transaction, stamped `now` (None: the wall clock).

        An existing order (same number) takes the new fields; its shipments are kept and the
        new ones added (same carrier, tracking number and kind = the same shipment; a kept
        one learns its ship date). Never deletes a shipment. A later duplicate of a number
        in `orders` wins.
        """
        ...

    async def get_order(self, number: str) -> Order | None:
        """The order with this (already normalized) number, shipments in insertion order."""
        ...

    async def orders_for_phone(self, phone: str) -> list[Order]:
        """The orders of this phone number, newest first."""
        ...

    async def orders_for_tracking(self, tracking_number: str) -> list[Order]:
        """The orders with a shipment of this (compact) tracking number, newest first."""
        ...

    async def count_orders(self) -> int:
        """How many orders the store holds."""
        ...

    async def shipments_by_carrier(self) -> dict[str, int]:
        """How many shipments name each carrier (for `check`: carriers nothing serves)."""
        ...

    async def open_orders(self, phone: str) -> list[tuple[str, int]]:
        """(number, shipments) of the phone's open orders, newest first.

        Open: at least one shipment whose last status the bot saw is not `delivered` (never
        looked up counts as open). Orders without shipments are not listed.
        """
        ...


class TrackingCacheStore(Protocol):
    """The last tracking result per (carrier, number), and the status on shipments."""

    async def save_tracking(self, result: TrackingResult, checked_at: datetime) -> None:
        """Cache `result`; record its status on every shipment with that carrier and number."""
        ...

    async def cached_tracking(self, carrier: str, number: str) -> CachedTracking | None:
        """The cached result for this carrier and number; None when absent or unreadable."""
        ...


class MessageLogStore(Protocol):
    """Inbound messages by MessageSid: claim once, finish, replay; the sender kept masked."""

    async def claim_message(
        self, sid: str, *, channel: str, sender: str, body: str, received_at: datetime
    ) -> bool:
        """Log a new message: True if `sid` is new, False if it was seen before.

        The sender is stored masked and the body cut to MAX_BODY characters. An empty `sid`
        raises StoreValueError: claiming it would replay another message's reply.
        """
        ...

    async def claim_tagged(
        self, sid: str, key: str, *, channel: str, sender: str, body: str, received_at: datetime
    ) -> bool:
        """`claim_message` and, for a new `sid`, `tag_message(sid, key)`, atomically."""
        ...

    async def finish_message(
        self, sid: str, *, intent: str, reply: str | None, latency_ms: float
    ) -> None:
        """Record the answer to a claimed message; `reply` None means empty TwiML.
        An unclaimed `sid` is logged as a warning, not raised."""
        ...

    async def message_reply(self, sid: str) -> StoredReply | None:
        """The logged reply for `sid`: None if unknown, unfinished if still being answered."""
        ...

    async def recent_messages(self, limit: int = 20) -> list[LoggedMessage]:
        """The newest `limit` messages of the log, newest first."""
        ...

    async def tag_message(self, sid: str, key: str) -> None:
        """Record whose message `sid` is (the log itself keeps only the masked number)."""
        ...

    async def redact_message(self, sid: str) -> None:
        """Replace a logged body that was a postal-code answer: never keep it in clear."""
        ...

    async def sender_messages(self, key: str, limit: int) -> list[SenderMessage]:
        """The sender's (by `tag_message` key) newest `limit` messages, oldest first."""
        ...


class ConversationStore(Protocol):
    """Sessions, verification (attempts, lockouts, verified pairs) and rate windows.

    Keys are `keys.sender_key`s: sessions are per channel and sender; the rest per sender.
    """

    async def session(self, channel: str, key: str, now: datetime) -> Session:
        """The sender's session; its context reads as empty once it has expired."""
        ...

    async def begin_turn(
        self, channel: str, key: str, now: datetime, *, limit: int, window_s: float
    ) -> tuple[Verdict, Session]:
        """`hit_limit(key, "messages", ...)` and `session(channel, key, now)` at once."""
        ...

    async def save_session(
        self, channel: str, key: str, session: Session, now: datetime, ttl_s: float
    ) -> None:
        """Store `session`; its context expires `ttl_s` after `now` (`hint_at` is kept)."""
        ...

    async def forget_expired(self, now: datetime, *, hint_window_s: float, lockout_s: float) -> int:
        """Delete state nobody can use any more; the number of rows deleted."""
        ...

    async def locked_until(self, key: str, now: datetime) -> datetime | None:
        """The end of the sender's lockout, or None when they are not locked out."""
        ...

    async def record_wrong_answer(
        self, key: str, now: datetime, *, max_attempts: int, lockout_s: float
    ) -> WrongAnswer:
        """Count one wrong postal code; the `max_attempts`-th locks the sender out.

        Wrong answers are counted for `lockout_s` from the first one, then forgotten; a
        right answer does not reset them (knowing one code must not buy more guesses).
        """
        ...

    async def remember_verified(self, key: str, order_number: str, until: datetime) -> None:
        """Remember that this sender proved they may see `order_number`, until `until`."""
        ...

    async def is_verified(self, key: str, order_number: str, now: datetime) -> bool:
        """Whether this sender is (still) verified for `order_number`."""
        ...

    async def hit_limit(
        self, key: str, kind: str, now: datetime, *, limit: int, window_s: float
    ) -> Verdict:
        """Count one hit of `kind` for the sender in its window (which starts at the first
        hit); atomic across processes."""
        ...

    async def hit_lookup_limit(
        self, key: str, now: datetime, *, limit: int, window_s: float
    ) -> Verdict | None:
        """None when the sender is locked out (nothing is counted), else
        `hit_limit(key, "lookups", ...)`, atomically."""
        ...


class OptOutStore(Protocol):
    """Who said STOP (it holds on every channel)."""

    async def set_opted_out(self, phone: str, channel: str, opted_out: bool, at: datetime) -> None:
        """Record that `phone` opted out (or back in) on `channel`."""
        ...

    async def is_opted_out(self, phone: str) -> bool:
        """Whether `phone` has opted out (and not back in)."""
        ...


class OutboxStore(Protocol):
    """Durable outbound messages and merchant alerts, moved between states by conditional
    updates so two processes never both own one. The rules live in `smsbot.watch`."""

    async def add_outbox(
        self,
        *,
        key: str,
        phone: str,
        channel: str,
        body: str,
        order_number: str | None,
        state: OutboxState,
        at: datetime,
    ) -> bool:
        """Insert one message under `key`: True if new, False if the key was used before."""
        ...

    async def due_outbox(self, now: datetime, limit: int = 100) -> list[OutboxMessage]:
        """Waiting messages whose time has come, oldest first."""
        ...

    async def stale_outbox(self, now: datetime, limit: int = 100) -> list[OutboxMessage]:
        """Messages left in SENDING whose lease has run out (their sender died or gave up)."""
        ...

    async def counted_outbox(self, phone: str, start: datetime, end: datetime) -> int:
        """How many messages to `phone` were handed to Twilio in [start, end)."""
        ...

    async def claim_outbox(
        self,
        message_id: int,
        *,
        now: datetime,
        lease_until: datetime,
        day: tuple[datetime, datetime],
        daily_cap: int,
    ) -> bool:
        """Take a waiting, due message for sending: True if this caller now owns it.

        Atomic across processes: fails when another sender took the message first, or when
        its recipient already got `daily_cap` messages in `day`.
        """
        ...

    async def move_outbox(
        self, message_id: int, expect: tuple[OutboxState, ...], at: datetime, **changes: object
    ) -> bool:
        """Set `changes` on a message that is in one of the `expect` states; True if it was.

        Only the outbox's bookkeeping fields can be set (`state`, `defer_reason`,
        `not_before`, `lease_until`, `attempt_started_at`, `sid`, `twilio_status`,
        `status_rank`, `error_code`, `error_message`, `sent_at`); anything else raises
        StoreValueError. False means another sender or a callback moved it first.
        """
        ...

    async def outbox_message(self, key: str) -> OutboxMessage | None:
        """The message enqueued under `key`, if any."""
        ...

    async def recent_outbox(self, limit: int = 50) -> list[OutboxMessage]:
        """The newest `limit` messages of the outbox, newest first."""
        ...

    async def add_alert(
        self, fields: Mapping[str, str], *, state: AlertState, at: datetime
    ) -> bool:
        """Insert an alert (`key`, `kind`, `order_number`, `carrier`, `tracking_number`,
        `status`, `phone_masked`, `detail`): True if new, False if its key was seen before."""
        ...

    async def claim_alerts(
        self, now: datetime, lease_until: datetime, *, key: str | None = None, limit: int = 50
    ) -> list[StoredAlert]:
        """Take the pending alerts that are due (or just the one with `key`) for one attempt;
        their next attempt moves to `lease_until`, so no other sender takes them meanwhile."""
        ...

    async def finish_alert(
        self,
        alert_id: int,
        *,
        state: AlertState,
        at: datetime,
        next_attempt_at: datetime | None = None,
        error: str | None = None,
    ) -> None:
        """Record the outcome of one delivery attempt."""
        ...

    async def recent_alerts(self, limit: int = 50) -> list[StoredAlert]:
        """The newest `limit` alerts, newest first."""
        ...


class Store(
    OrderStore,
    TrackingCacheStore,
    MessageLogStore,
    ConversationStore,
    OptOutStore,
    OutboxStore,
    WatchStore,
    SequencingStore,
    InboxStore,
    LinkStore,
    ConsoleStore,
    TurnStore,
    OutboxBatchStore,
    CsatStore,
    ShopOrderStore,
    EtaStore,
    BreakerStore,
    ClaimStore,
    Protocol,
):
    """Everything smsbot keeps. Get one from `smsbot.store.open_store(url)`; close it when
    done (also as `async with`)."""

    async def schema_version(self) -> int:
        """The schema version of the database (the number of migrations applied)."""
        ...

    async def close(self) -> None:
        """Close the store; calling it again does nothing. Later calls raise StoreError."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc_info: object) -> None: ...
