"""What the store takes and gives back: backend-agnostic records and states.

Every datetime here is aware (UTC when it comes from the store).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from smsbot.tracking import TrackingResult

#: Longest message body kept in the log: Twilio's own limit for one message.
MAX_BODY = 1600

# States


class OutboxState(StrEnum):
    """Where an outbound message stands (see `smsbot.watch.outbox` for the moves)."""

    QUEUED = "queued"
    DEFERRED = "deferred"  # waits for `not_before` (quiet hours, the daily cap)
    SENDING = "sending"  # claimed by one sender under a lease
    SENT = "sent"  # Twilio took it
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    SUPPRESSED = "suppressed"  # never sent: the number opted out


#: Outbox states a message waits in before it is sent.
WAITING = (OutboxState.QUEUED, OutboxState.DEFERRED)
#: Outbox states that count against the daily cap: handed (or being handed) to Twilio.
COUNTED = (OutboxState.SENDING, OutboxState.SENT, OutboxState.DELIVERED, OutboxState.UNDELIVERED)


class AlertState(StrEnum):
    """Where a merchant alert stands."""

    PENDING = "pending"  # to be POSTed (again) at `next_attempt_at`
    DELIVERED = "delivered"
    FAILED = "failed"  # given up
    LOCAL = "local"  # no webhook configured: kept here only


class TriggerState(StrEnum):
    """A watcher trigger of one shipment: `scheduled` waits for `due_at`; the rest are final."""

    SCHEDULED = "scheduled"
    SENT = "sent"
    ABSORBED = "absorbed"  # folded into another notice
    SKIPPED = "skipped"


#: Trigger states that are final (a trigger in one of them never fires again).
DONE_STATES = (TriggerState.SENT, TriggerState.ABSORBED, TriggerState.SKIPPED)


class Verdict(StrEnum):
    """A rate limit's answer for one more hit."""

    ALLOWED = "allowed"
    NOTICE = "notice"  # the first hit over the limit: say so once
    SILENT = "silent"  # over the limit and already told: answer nothing


# Orders, tracking cache, message log


@dataclass(frozen=True)
class ImportCounts:
    """What one `upsert_orders` call did."""

    orders_created: int
    orders_updated: int
    shipments_added: int
    shipments_kept: int


@dataclass(frozen=True)
class CachedTracking:
    """A tracking result from the cache and when it was fetched (aware, UTC)."""

    result: TrackingResult
    checked_at: datetime


@dataclass(frozen=True)
class StoredReply:
    """The reply logged for a MessageSid. `reply` None with `finished` means empty TwiML."""

    finished: bool
    reply: str | None


@dataclass(frozen=True)
class LoggedMessage:
    """One row of the message log; `sender` is masked."""

    sid: str
    channel: str
    sender: str
    intent: str | None
    reply: str | None
    latency_ms: float | None
    received_at: datetime


@dataclass(frozen=True)
class SenderMessage:
    """One logged message of a sender (bodies of postal-code answers are redacted)."""

    received_at: datetime
    body: str
    reply: str | None


# Conversations


@dataclass(frozen=True)
class Continuation:
    """What MORE continues: the rest of a reply that was cut (all defaults: nothing was).

    A menu continues at entry `menu_at` of `Session.menu`; otherwise the orders in `orders`
    are still to answer, the first of them from its package `package_at` (0-based).
    """

    menu_at: int = 0
    orders: tuple[str, ...] = ()
    package_at: int = 0

    def __bool__(self) -> bool:
        return self.menu_at > 0 or bool(self.orders)


@dataclass(frozen=True)
class Session:
    """The context of a conversation; everything but `hint_at` expires together."""

    language: str | None = None
    menu: tuple[str, ...] = ()  # order numbers, in the order the menu listed them
    pending_order: str | None = None  # the order number a postal-code question is about
    last_order: str | None = None  # the order last answered (MORE, follow-ups)
    hint_at: datetime | None = None  # when the usage hint was last sent
    more: Continuation = Continuation()  # what MORE continues (issue 14)


@dataclass(frozen=True)
class WrongAnswer:
    """After one more wrong postal code: attempts so far, or the end of a new lockout."""

    attempts: int
    locked_until: datetime | None


# Outbox and alerts


@dataclass(frozen=True)
class OutboxMessage:
    """One outbound message and where it stands. `phone` is E.164, without a channel prefix."""

    id: int
    key: str
    phone: str
    channel: str
    body: str
    order_number: str | None
    state: OutboxState
    defer_reason: str | None
    attempts: int
    not_before: datetime
    lease_until: datetime | None
    attempt_started_at: datetime | None
    sid: str | None
    twilio_status: str | None
    error_code: int | None
    error_message: str | None
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True)
class StoredAlert:
    """One merchant alert; the customer's phone is kept masked only."""

    id: int
    key: str
    kind: str
    order_number: str
    carrier: str
    tracking_number: str
    status: str
    phone_masked: str
    detail: str
    state: AlertState
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


# Watch state


@dataclass(frozen=True)
class WatchedShipment:
    """One watched shipment (an outbound or a return leg) with its order and fired triggers."""

    shipment_id: int
    order_id: int
    order_number: str
    phone: str | None
    locale: str | None
    order_created_at: datetime
    carrier: str
    tracking_number: str
    shipped_at: datetime | None
    last_status: str | None
    failures: int
    first_scan_at: datetime | None
    fired: frozenset[str]  # trigger kinds recorded as done (sent, absorbed or skipped)
    is_return: bool = False  # a return leg: the customer sends an item back to the merchant
    postal_code: str | None = None  # the order's delivery postal code (the learned lane)


@dataclass(frozen=True)
class CheckOutcome:
    """What one check decided for a shipment's schedule (written by `save_checks`)."""

    shipment_id: int
    next_check_at: datetime
    closed: bool = False
    failures: int = 0
    last_error: str | None = None
    first_scan_at: datetime | None = None  # kept once known
    last_scan_at: datetime | None = None
