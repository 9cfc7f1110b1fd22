"""The store: everything smsbot keeps, behind one contract.

`Store` (the Protocols of `api`) is what the rest of smsbot depends on; `open_store(url)`
picks the backend (`sqlite` now). The records and states the store takes and returns are
in `records`; they are re-exported here.
"""

from __future__ import annotations

from smsbot.errors import SnapshotError, StoreError, StoreValueError
from smsbot.store.admin import AdminUser, AdminUserStore
from smsbot.store.api import (
    ConversationStore,
    MessageLogStore,
    OptOutStore,
    OrderStore,
    OutboxStore,
    Store,
    TrackingCacheStore,
)
from smsbot.store.breakers import BreakerState, BreakerStore
from smsbot.store.claims import ClaimStore
from smsbot.store.console import ConsoleStore
from smsbot.store.csat import CsatStore, Survey
from smsbot.store.escalations import (
    EscalationStore,
    HandoffState,
    StoredEscalation,
    StoredHandoff,
)
from smsbot.store.eta import Delivery, EtaStore, HandlingCounts, ToldOutcome, ToldWindow
from smsbot.store.inbox import MAX_INBOX_BODY, InboxEvent, InboxState, InboxStore
from smsbot.store.keys import phone_key, sender_key
from smsbot.store.kpis import CarrierKpi, Kpis, KpiStore, NoticeKpi, OpsSnapshot
from smsbot.store.links import LinkStore, TrackingLink
from smsbot.store.outbox_batch import (
    ClaimedBatch,
    OutboxBatchStore,
    OutboxClaim,
    OutboxHold,
    OutboxOutcome,
)
from smsbot.store.records import (
    COUNTED,
    DONE_STATES,
    MAX_BODY,
    WAITING,
    AlertState,
    CachedTracking,
    CheckOutcome,
    Continuation,
    ImportCounts,
    LoggedMessage,
    OutboxMessage,
    OutboxState,
    SenderMessage,
    Session,
    StoredAlert,
    StoredReply,
    TriggerState,
    Verdict,
    WatchedShipment,
    WrongAnswer,
)
from smsbot.store.sequencing import EARLY_CALLBACK_TTL_S, SequencingStore
from smsbot.store.shop_orders import ShopOrderStore
from smsbot.store.turns import (
    NO_LOOKUP,
    Claim,
    Lookup,
    TrackingKey,
    TurnEnd,
    TurnOpening,
    TurnStart,
    TurnStore,
)
from smsbot.store.url import open_store
from smsbot.store.watch import WatchStore

__all__ = [
    "COUNTED",
    "DONE_STATES",
    "EARLY_CALLBACK_TTL_S",
    "MAX_BODY",
    "MAX_INBOX_BODY",
    "NO_LOOKUP",
    "WAITING",
    "AdminUser",
    "AdminUserStore",
    "AlertState",
    "BreakerState",
    "BreakerStore",
    "CachedTracking",
    "CarrierKpi",
    "CheckOutcome",
    "Claim",
    "ClaimStore",
    "ClaimedBatch",
    "ConsoleStore",
    "Continuation",
    "ConversationStore",
    "CsatStore",
    "Delivery",
    "EscalationStore",
    "EtaStore",
    "HandlingCounts",
    "HandoffState",
    "ImportCounts",
    "InboxEvent",
    "InboxState",
    "InboxStore",
    "KpiStore",
    "Kpis",
    "LinkStore",
    "LoggedMessage",
    "Lookup",
    "MessageLogStore",
    "NoticeKpi",
    "OpsSnapshot",
    "OptOutStore",
    "OrderStore",
    "OutboxBatchStore",
    "OutboxClaim",
    "OutboxHold",
    "OutboxMessage",
    "OutboxOutcome",
    "OutboxState",
    "OutboxStore",
    "SenderMessage",
    "SequencingStore",
    "Session",
    "ShopOrderStore",
    "SnapshotError",
    "Store",
    "StoreError",
    "StoreValueError",
    "StoredAlert",
    "StoredEscalation",
    "StoredHandoff",
    "StoredReply",
    "Survey",
    "ToldOutcome",
    "ToldWindow",
    "TrackingCacheStore",
    "TrackingKey",
    "TrackingLink",
    "TriggerState",
    "TurnEnd",
    "TurnOpening",
    "TurnStart",
    "TurnStore",
    "Verdict",
    "WatchStore",
    "WatchedShipment",
    "WrongAnswer",
    "open_store",
    "phone_key",
    "sender_key",
]
