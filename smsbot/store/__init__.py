"""The store: everything smsbot keeps, in SQLite through one aiosqlite connection.

`Store` combines the feature mixins; each brings its queries and its migration. The
migrations run in the order of `MIGRATIONS` (migration i brings the database to
`user_version` i + 1): append new ones, never edit or reorder one that has shipped.
"""

from __future__ import annotations

from smsbot.store import conversation, core, outbox, watch
from smsbot.store.base import StoreError
from smsbot.store.conversation import ConversationStore, Session, Verdict
from smsbot.store.core import (
    MAX_BODY,
    CachedTracking,
    CoreStore,
    ImportCounts,
    LoggedMessage,
    StoredReply,
)
from smsbot.store.outbox import OutboxMessage, OutboxStore, StoredAlert
from smsbot.store.watch import CheckOutcome, WatchedShipment, WatchStore

__all__ = [
    "MAX_BODY",
    "MIGRATIONS",
    "CachedTracking",
    "CheckOutcome",
    "ConversationStore",
    "ImportCounts",
    "LoggedMessage",
    "OutboxMessage",
    "OutboxStore",
    "Session",
    "Store",
    "StoreError",
    "StoredAlert",
    "StoredReply",
    "Verdict",
    "WatchStore",
    "WatchedShipment",
]

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    core.SCHEMA,
    conversation.SCHEMA,
    outbox.SCHEMA,
    watch.SCHEMA,
)


class Store(WatchStore, OutboxStore, ConversationStore, CoreStore):
    """The database: open with `await Store.open(path)` (it migrates), close when done."""

    MIGRATIONS = MIGRATIONS
