"""The store: everything smsbot keeps, in SQLite through one aiosqlite connection.

`Store` combines the feature mixins; each brings its queries and its migration. The
migrations run in the order of `MIGRATIONS` (migration i brings the database to
`user_version` i + 1): append new ones, never edit or reorder one that has shipped.
"""

from __future__ import annotations

from smsbot.store import core
from smsbot.store.base import StoreError
from smsbot.store.core import (
    MAX_BODY,
    CachedTracking,
    CoreStore,
    ImportCounts,
    LoggedMessage,
    StoredReply,
)

__all__ = [
    "MAX_BODY",
    "MIGRATIONS",
    "CachedTracking",
    "ImportCounts",
    "LoggedMessage",
    "Store",
    "StoreError",
    "StoredReply",
]

MIGRATIONS: tuple[tuple[str, ...], ...] = (core.SCHEMA,)


class Store(CoreStore):
    """The database: open with `await Store.open(path)` (it migrates), close when done."""

    MIGRATIONS = MIGRATIONS
