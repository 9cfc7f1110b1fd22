"""The PostgreSQL backend: the SQLite backend's concern mixins on a psycopg pool.

`PostgresStore` is `SqliteStore` with `PostgresBase` in front of `SqliteBase`: every store
method is the SQLite mixin's own work function, run on a pooled psycopg connection through
`adapter.PgConnection` (placeholders translated once per statement). A new concern mixin
added to `SqliteStore` is therefore on PostgreSQL too; only its migration needs a twin in
`postgres.migrations`. Open it with `open_store("postgresql://...")`.
"""

from __future__ import annotations

from smsbot.store.postgres.base import DEFAULT_POOL_SIZE, PostgresBase
from smsbot.store.postgres.migrations import MIGRATIONS
from smsbot.store.postgres.turns import PgTurnStore
from smsbot.store.sqlite import SqliteStore

__all__ = ["DEFAULT_POOL_SIZE", "MIGRATIONS", "PostgresStore"]


class PostgresStore(PgTurnStore, PostgresBase, SqliteStore):
    """The store on PostgreSQL: `SqliteStore`'s methods over `PostgresBase`, the message
    path at READ COMMITTED (`turns`)."""
