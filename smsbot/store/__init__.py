"""The store: everything smsbot keeps, behind one contract.

`Store` (the Protocols of `api`) is what the rest of smsbot depends on; `open_store(url)`
picks the backend (`sqlite` now). The records and states the store takes and returns are
in `records`; they are re-exported here.
"""

from __future__ import annotations

from smsbot.errors import SnapshotError, StoreError, StoreValueError
from smsbot.store.api import (
    ConversationStore,
    MessageLogStore,
    OptOutStore,
    OrderStore,
    OutboxStore,
    Store,
    TrackingCacheStore,
    WatchStore,
)
from smsbot.store.keys import phone_key, sender_key
from smsbot.store.records import (
    COUNTED,
    DONE_STATES,
    MAX_BODY,
    WAITING,
    AlertState,
    CachedTracking,
    CheckOutcome,
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

__all__ = [
    "COUNTED",
    "DONE_STATES",
    "MAX_BODY",
    "NO_LOOKUP",
    "WAITING",
    "AlertState",
    "CachedTracking",
    "CheckOutcome",
    "Claim",
    "ConversationStore",
    "ImportCounts",
    "LoggedMessage",
    "Lookup",
    "MessageLogStore",
    "OptOutStore",
    "OrderStore",
    "OutboxMessage",
    "OutboxState",
    "OutboxStore",
    "SenderMessage",
    "Session",
    "SnapshotError",
    "Store",
    "StoreError",
    "StoreValueError",
    "StoredAlert",
    "StoredReply",
    "TrackingCacheStore",
    "TrackingKey",
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
