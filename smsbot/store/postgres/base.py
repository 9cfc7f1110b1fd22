"""The PostgreSQL backend's foundation: a psycopg pool, the migrations, and running a store
method's work function (the SQLite mixins' own) on a pooled connection, off the event loop.

Concurrency: every `write` call runs in one transaction, SERIALIZABLE unless the caller
chose another level with `isolation` (the message path: `postgres.turns`), retried (a bounded
number of times, with a short jittered pause) when PostgreSQL reports a serialization
failure or a deadlock. So the invariants SQLite gets from its single writer (the daily cap in
outbox claims, sequencing, rate windows, inbox claims) hold across processes: PostgreSQL
aborts whichever transaction would break a serial order, and the retry sees the winner's
rows. A work function must therefore be safe to run again after a rollback, which is already
the SQLite backend's rule for inline calls. `_change` (one statement) is a write too. Other
calls without `write` run in autocommit, each statement its own transaction, as on SQLite.

Round trips: a connection is not checked when taken from the pool (that was one more round
trip per call); a call that finds its connection broken checks the pool and runs again when
that cannot repeat an effect (`_may_reconnect`). A write runs in pipeline mode, so BEGIN and
statements whose results the work does not read travel with the next one it does read.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Self, TypeVar

import psycopg
import psycopg_pool
from psycopg import IsolationLevel
from psycopg.adapt import Dumper
from psycopg.pq import Format

from smsbot.errors import StoreError, StoreValueError
from smsbot.store.postgres.adapter import PgConnection
from smsbot.store.postgres.errors import describe, masked
from smsbot.store.postgres.migrations import MIGRATIONS
from smsbot.store.sqlite.connection import SqliteBase, change, fetch_all
from smsbot.store.sqlite.decoded import DecodedTracking
from smsbot.store.sqlite.worker import Work

T = TypeVar("T")

#: Connections in the pool when `[store] pool_size` is not set.
DEFAULT_POOL_SIZE = 10
#: Tries of a write transaction PostgreSQL aborted to keep transactions serializable.
WRITE_TRIES = 8
#: How long a call waits for a free (or re-made) connection before it fails: a request
#: during an outage gets the honest fallback reply in time, not a hung webhook.
CONNECTION_WAIT_S = 5.0
#: Seconds to reach the server at all (libpq's connect_timeout).
CONNECT_TIMEOUT_S = 5
#: 40001 serialization_failure, 40P01 deadlock_detected.
_RETRY_STATES = frozenset({"40001", "40P01"})
#: psycopg's word for a text parameter PostgreSQL cannot hold.
_NUL = "NUL (0x00)"
#: Key of the advisory lock that serializes migrations ("smsbot" in ASCII).
MIGRATION_LOCK = 0x736D73626F74


#: The isolation level of the `write` calls made in this context (see `isolation`).
_LEVEL: ContextVar[IsolationLevel] = ContextVar(
    "smsbot_pg_isolation", default=IsolationLevel.SERIALIZABLE
)


@contextmanager
def isolation(level: IsolationLevel) -> Iterator[None]:
    """Run the `write` calls made inside the block at `level` instead of SERIALIZABLE.

    Only for work whose invariants are each kept by single statements (a conditional
    upsert or update, a unique key), listed in `postgres.turns`; read in the event loop's
    context when the call is made, so concurrent calls elsewhere keep their own level.
    """
    token = _LEVEL.set(level)
    try:
        yield
    finally:
        _LEVEL.reset(token)


class _BoolAsInt(Dumper):
    """Python bools go in as 0/1: flags are INTEGER columns on both backends."""

    oid = psycopg.adapters.types["int2"].oid
    format = Format.TEXT

    def dump(self, obj: Any) -> bytes:
        return b"1" if obj else b"0"


def _configure(connection: psycopg.Connection[Any]) -> None:
    connection.adapters.register_dumper(bool, _BoolAsInt)


class PostgresBase(SqliteBase):
    """A PostgreSQL database behind a pool of `pool_size` connections.

    Each store method is one call: its work function runs on a pooled connection in a thread
    of an executor as large as the pool, so the event loop never waits on the database,
    including the message path's `inline` calls (there is no second connection to use).
    """

    def __init__(self, pool: psycopg_pool.ConnectionPool, where: str, size: int) -> None:
        # Not SqliteBase.__init__: there is no worker thread or inline connection here.
        self._pool = pool
        self._where = where
        self._closed = False
        self._size = size
        self._executor = ThreadPoolExecutor(max_workers=size, thread_name_prefix="smsbot-pg")
        self._trips = 0
        self._trips_lock = threading.Lock()
        self.inline_runs = 0
        self.inline_busy = 0
        #: Write transactions run again after a serialization failure or deadlock.
        self.retries = 0
        #: Calls run again on another connection after theirs was found broken.
        self.reconnects = 0
        self._decoded = DecodedTracking()

    @classmethod
    async def open(  # type: ignore[override]
        cls,
        url: str,
        *,
        pool_size: int = DEFAULT_POOL_SIZE,
        migrations: Sequence[Sequence[str]] = MIGRATIONS,
    ) -> Self:
        """Connect to the database at `url`, migrate it, and open the pool.

        The password comes from the URL or libpq's own sources (`PGPASSWORD`, `~/.pgpass`,
        the other `PG*` variables). Raises StoreError, in one line naming the host and the
        reason with any password masked, when the server cannot be reached, refuses the
        credentials, or the user may not create or use the schema.
        """
        if pool_size < 1:
            raise StoreError(f"{masked(url)}: the pool needs at least one connection")
        await asyncio.to_thread(_migrate, url, migrations)
        pool = psycopg_pool.ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            open=False,
            kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT_S},
            configure=_configure,
            # No check per call (a round trip each): a connection found broken by a call
            # makes that call check the whole pool and run again (see `_call`).
            timeout=CONNECTION_WAIT_S,
            name="smsbot-store",
        )
        try:
            await asyncio.to_thread(pool.open, True, CONNECTION_WAIT_S)
        except psycopg_pool.PoolTimeout as exc:
            await asyncio.to_thread(pool.close)
            raise StoreError(f"{masked(url)}: cannot open the connection pool") from exc
        return cls(pool, masked(url), pool_size)

    @property
    def trips(self) -> int:
        """How many calls went to a pooled connection so far (for tests and benchmarks)."""
        return self._trips

    async def close(self) -> None:
        """Close the pool once running calls are done; calling it again does nothing."""
        if not self._closed:
            self._closed = True
            await asyncio.to_thread(self._executor.shutdown, True)
            await asyncio.to_thread(self._pool.close)

    async def _run(self, work: Work[T], *, write: bool = False, inline: bool = False) -> T:
        """`work(connection)` on a pooled connection, in a thread; with `write`, in one
        SERIALIZABLE transaction, retried when PostgreSQL aborts it to stay serializable.
        Database errors (an unreachable server too) → StoreError. `inline` changes nothing
        here: every call leaves the event loop."""
        if self._closed:
            raise StoreError("the store is closed")
        with self._trips_lock:
            self._trips += 1
        if inline:
            self.inline_runs += 1
        loop = asyncio.get_running_loop()
        level = _LEVEL.get()
        try:
            return await loop.run_in_executor(self._executor, self._call, work, write, level)
        except RuntimeError as exc:  # the executor shut down under us: the store closed
            raise StoreError("the store is closed") from exc

    def _call(self, work: Work[T], write: bool, level: IsolationLevel) -> T:
        broken = attempt = 0
        while True:
            attempt += 1
            adapted: Any = None
            used: psycopg.Connection[Any] | None = None
            committing = False
            try:
                with self._pool.connection() as connection:
                    used = connection
                    if not write:
                        adapted = PgConnection(connection)
                        return work(adapted)
                    connection.isolation_level = level
                    # Pipelined: BEGIN and the statements whose results the work does not
                    # read go with the next statement it does read; see adapter.PgCursor.
                    with connection.pipeline() as pipeline:
                        adapted = PgConnection(connection, pipeline)
                        with connection.transaction():
                            result = work(adapted)
                            committing = True
                    return result
            except psycopg.DataError as exc:
                if _NUL in str(exc):  # refused before anything was sent
                    raise StoreValueError(
                        "text with a NUL character cannot be stored in PostgreSQL"
                    ) from exc
                raise StoreError(f"database error: {describe(exc)}") from exc
            except psycopg.OperationalError as exc:
                gone = used is not None and used.broken
                if gone and self._may_reconnect(adapted, write, committing, broken):
                    broken += 1
                    attempt -= 1  # not a serialization retry
                    continue
                if exc.sqlstate in _RETRY_STATES and attempt < WRITE_TRIES:
                    self._pause(attempt)
                    continue
                raise StoreError(f"database error: {describe(exc)}") from exc
            except psycopg.Error as exc:
                if exc.sqlstate in _RETRY_STATES and attempt < WRITE_TRIES:
                    self._pause(attempt)
                    continue
                raise StoreError(f"database error: {describe(exc)}") from exc
            except psycopg_pool.PoolTimeout as exc:
                raise StoreError(f"{self._where}: no database connection ({exc})") from exc

    def _pause(self, attempt: int) -> None:
        self.retries += 1
        time.sleep(random.uniform(0, 0.002 * 2**attempt))

    def _may_reconnect(self, adapted: Any, write: bool, committing: bool, n: int) -> bool:
        """Whether a call that failed on a broken connection (the server restarted, the
        network dropped it while idle in the pool) may run again on another: only when it
        cannot have had an effect. A write's transaction is rolled back by the server
        unless the COMMIT was already on its way; a read is run again only if none of its
        statements had been sent. Checks the idle connections first (so the next try gets
        a live or a new one), and gives up after more tries than the pool has connections.
        """
        if n > self._size:
            return False
        if write and committing:
            return False  # the COMMIT may have landed: running it again could repeat it
        if not write and adapted is not None and adapted.statements > 0:
            return False
        self.reconnects += 1
        self._pool.check()
        return True

    async def _fetch(self, sql: str, params: Sequence[Any]) -> list[Any]:
        return await self._run(lambda connection: fetch_all(connection, sql, params))

    async def _change(self, sql: str, params: Sequence[Any]) -> int:
        """One statement in its own SERIALIZABLE transaction: a single conditional UPDATE
        (the outbox claim's daily cap counts the recipient's other rows) must see what a
        concurrent one wrote, as it does behind SQLite's single writer. READ COMMITTED
        would let two processes each claim the recipient's last message of the day."""
        return await self._run(lambda connection: change(connection, sql, params), write=True)

    async def schema_version(self) -> int:
        """The schema version of the database (`smsbot_schema`)."""
        rows = await self._fetch("SELECT max(version) FROM smsbot_schema", ())
        return int(rows[0][0] or 0)


def _migrate(url: str, migrations: Sequence[Sequence[str]]) -> None:
    """Bring the database to `len(migrations)` in one transaction, under an advisory lock
    (so a second process starting at the same time waits, then finds nothing to do)."""
    try:
        connection = psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S)
    except psycopg.Error as exc:
        raise StoreError(f"{masked(url)}: cannot connect: {describe(exc)}") from exc
    try:
        with connection.transaction():
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            connection.execute(
                "CREATE TABLE IF NOT EXISTS smsbot_schema "
                "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            row = connection.execute("SELECT max(version) FROM smsbot_schema").fetchone()
            current = int(row[0] or 0) if row else 0
            if current > len(migrations):
                raise StoreError(
                    f"{masked(url)}: the database has schema version {current}, newer than "
                    f"this smsbot knows ({len(migrations)}); upgrade smsbot or use another "
                    "database"
                )
            for version in range(current + 1, len(migrations) + 1):
                for statement in migrations[version - 1]:
                    try:
                        connection.execute(statement.encode())
                    except psycopg.Error as exc:
                        raise StoreError(
                            f"{masked(url)}: migration {version} failed: {describe(exc)}"
                        ) from exc
                connection.execute(
                    "INSERT INTO smsbot_schema (version, applied_at) VALUES (%s, now()::text)",
                    (version,),
                )
    except psycopg.Error as exc:
        raise StoreError(f"{masked(url)}: cannot migrate: {describe(exc)}") from exc
    finally:
        connection.close()
