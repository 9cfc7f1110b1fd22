"""The store's foundation: one aiosqlite connection, its transactions and migrations.

SQL lives in this package only. Each feature keeps its queries in its own mixin module
(`core`, ...); `smsbot.store.Store` combines them.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, Self, TypeVar

import aiosqlite

from smsbot.errors import SmsbotError
from smsbot.phones import canonical, strip_channel
from smsbot.tracking import carrier_local

log = logging.getLogger("smsbot.store")

T = TypeVar("T")

#: A store method's statements as one plain function, for `StoreBase._run`.
Work = Callable[[sqlite3.Connection], T]


class StoreError(SmsbotError):
    """The database cannot be opened, migrated or used."""


class StoreBase:
    """The database behind one connection. Open with `await Store.open(path)`; close it.

    The connection, transactions and migrations; the feature mixins (`CoreStore`, ...) add
    the queries, and `Store` puts them together with their migrations.

    Calls are serialized by a lock: a transaction spans several awaits, and a statement
    from another task must not land inside it.

    Each await on the connection is a round trip to aiosqlite's worker thread (about 90 us
    idle, several times that under load; a simple statement costs 5-20 us), so the methods
    on a message's path run all their statements as one synchronous function: `_run`. With
    `inline`, a file database runs that function on the event loop's thread, on a second
    connection that never waits for a lock (see `_inline_or_worker`).
    """

    #: The schema, one migration per entry; `Store` sets it.
    MIGRATIONS: Sequence[Sequence[str]] = ()

    def __init__(self, db: aiosqlite.Connection, inline: sqlite3.Connection | None = None) -> None:
        self._db = db
        self._inline = inline
        self._lock = asyncio.Lock()
        self._closed = False

    @classmethod
    async def open(
        cls, path: str | Path, *, migrations: Sequence[Sequence[str]] | None = None
    ) -> Self:
        """Open (creating it and its directory if needed) and migrate the database at `path`.

        `":memory:"` gives a private in-memory database. Raises StoreError when the database
        cannot be opened, a migration fails, or the database is newer than `migrations`.
        """
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            # isolation_level=None: we issue BEGIN ourselves, so transactions are explicit.
            db = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"{path}: cannot open the database: {exc}") from exc
        store = cls(db)
        try:
            await db.execute("PRAGMA foreign_keys = ON")
            # Another process (the watcher) may hold the write lock for a moment: wait for it.
            await db.execute("PRAGMA busy_timeout = 5000")
            await db.execute("PRAGMA journal_mode = WAL")
            # NORMAL is durable across application crashes in WAL mode, and much faster.
            await db.execute("PRAGMA synchronous = NORMAL")
            await store._migrate(cls.MIGRATIONS if migrations is None else migrations, str(path))
            if str(path) != ":memory:":  # a second ":memory:" connection is another database
                store._inline = _open_inline(path)
        except BaseException as exc:
            await db.close()
            if isinstance(exc, sqlite3.Error):  # e.g. "file is not a database"
                raise StoreError(f"{path}: cannot open the database: {exc}") from exc
            raise
        return store

    async def _migrate(self, migrations: Sequence[Sequence[str]], where: str) -> None:
        async with self._session(write=True):
            # Read inside the write transaction, so two processes never run one migration twice.
            current = await self._scalar("PRAGMA user_version")
            if current > len(migrations):
                raise StoreError(
                    f"{where}: the database has schema version {current}, newer than this "
                    f"smsbot knows ({len(migrations)}); upgrade smsbot or use another database"
                )
            for version in range(current + 1, len(migrations) + 1):
                for statement in migrations[version - 1]:
                    try:
                        await self._db.execute(statement)
                    except sqlite3.Error as exc:
                        raise StoreError(f"{where}: migration {version} failed: {exc}") from exc
                # PRAGMA takes no parameters; `version` is an int we computed.
                await self._db.execute(f"PRAGMA user_version = {int(version)}")

    async def close(self) -> None:
        """Close the connection; calling it again does nothing."""
        if not self._closed:
            self._closed = True
            if self._inline is not None:
                self._inline.close()
            await self._db.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @asynccontextmanager
    async def _session(self, *, write: bool = False) -> AsyncIterator[None]:
        """Hold the lock; with `write`, run inside one transaction. SQLite errors → StoreError."""
        if self._closed:
            raise StoreError("the store is closed")
        async with self._lock:
            try:
                if not write:
                    yield
                    return
                try:
                    # IMMEDIATE takes the write lock now, so busy_timeout applies here and not
                    # halfway through, when a read lock cannot be upgraded.
                    await self._db.execute("BEGIN IMMEDIATE")
                    yield
                    await self._db.commit()
                except BaseException:
                    # Also on cancellation: the worker thread still ran what was queued, and
                    # an open transaction would make the next BEGIN fail.
                    await self._db.rollback()
                    raise
            except sqlite3.Error as exc:
                raise StoreError(f"database error: {exc}") from exc

    async def _run(self, work: Work[T], *, write: bool = False, inline: bool = False) -> T:
        """`work(connection)` in one call; with `write`, in one IMMEDIATE transaction,
        rolled back if `work` raises. SQLite errors → StoreError.

        By default `work` runs in one trip to the worker thread. `inline`: `work` is a few
        statements on indexed rows (microseconds), so it may run on the event loop's thread
        instead; it is retried on the worker when the database is busy, so without `write`
        it must be reads or one statement (nothing done twice).

        `work` must not touch the event loop or await. Cancelling the caller does not stop
        `work` once queued, and the transaction never stays open: it begins and ends inside
        the one call.
        """
        if self._closed:
            raise StoreError("the store is closed")
        work = partial(_in_transaction, work) if write else work
        async with self._lock:
            try:
                if inline and self._inline is not None:
                    return await self._inline_or_worker(work, self._inline)
                return await self._on_worker(work)
            except sqlite3.Error as exc:
                raise StoreError(f"database error: {exc}") from exc

    async def _inline_or_worker(self, work: Work[T], inline: sqlite3.Connection) -> T:
        """`work` on the inline connection; on the worker if the database is busy.

        The inline connection has no busy timeout: when another process (the watcher)
        holds the write lock, SQLite says so at once (at BEGIN IMMEDIATE, or at the one
        statement, before anything is written), and `work` runs again on the worker's
        connection, which waits up to its busy_timeout without blocking the event loop.
        """
        try:
            return work(inline)
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                raise
        return await self._on_worker(work)

    async def _on_worker(self, work: Work[T]) -> T:
        """Run `work` on aiosqlite's worker thread, with the sqlite3 connection it owns.

        aiosqlite (0.20-0.22) has no public way to do this: `Connection._execute` queues a
        callable for the worker thread and `Connection._conn` is its sqlite3 connection.
        This is the only place that uses them; tests/test_store.py checks that it still
        works (`test_run_*`) when aiosqlite is upgraded.
        """
        connection: sqlite3.Connection = self._db._conn
        result: T = await self._db._execute(work, connection)  # type: ignore[no-untyped-call]
        return result

    async def _scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first value of one query; the caller holds the session."""
        rows = list(await self._db.execute_fetchall(sql, params))
        return rows[0][0] if rows else None

    async def _fetch(self, sql: str, params: Sequence[Any], *, inline: bool = False) -> list[Any]:
        """All rows of one query, in one call (`inline`: see `_run`)."""
        return await self._run(lambda connection: fetch_all(connection, sql, params), inline=inline)

    async def _change(self, sql: str, params: Sequence[Any], *, inline: bool = False) -> int:
        """Run one statement (its own transaction, in autocommit); the rows it changed.

        One call: the cursor is closed with the statement, not with a second await.
        """
        return await self._run(lambda connection: change(connection, sql, params), inline=inline)

    async def schema_version(self) -> int:
        """The schema version of the database (`PRAGMA user_version`)."""
        return int((await self._fetch("PRAGMA user_version", ()))[0][0])


def _open_inline(path: str | Path) -> sqlite3.Connection:
    """The connection `_run(inline=True)` uses on the event loop's thread.

    timeout=0: it must never wait for a lock there (see `StoreBase._inline_or_worker`).
    check_same_thread=False: the store's lock, not the thread, keeps its use serialized.
    """
    connection = sqlite3.connect(path, isolation_level=None, timeout=0, check_same_thread=False)
    try:
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute("PRAGMA synchronous = NORMAL")
    except BaseException:
        connection.close()
        raise
    return connection


def _in_transaction(work: Work[T], connection: sqlite3.Connection) -> T:
    """`work` inside BEGIN IMMEDIATE ... COMMIT; ROLLBACK when it raises."""
    # IMMEDIATE takes the write lock now, so busy_timeout applies here and not halfway
    # through, when a read lock cannot be upgraded.
    connection.execute("BEGIN IMMEDIATE")
    try:
        result = work(connection)
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    return result


def fetch_all(connection: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    """All rows of one query (for `_run` work functions)."""
    cursor = connection.execute(sql, params)
    try:
        return cursor.fetchall()
    finally:
        cursor.close()


def fetch_one(connection: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> Any:
    """The first row of one query, or None (for `_run` work functions)."""
    cursor = connection.execute(sql, params)
    try:
        return cursor.fetchone()
    finally:
        cursor.close()


def change(connection: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> int:
    """Run one statement; the rows it changed (for `_run` work functions)."""
    cursor = connection.execute(sql, params)
    try:
        return cursor.rowcount
    finally:
        cursor.close()


def phone_key(phone: str | None) -> str | None:
    """The form phones are matched on: no channel prefix, Mexico `+521…` as `+52…`."""
    return canonical(strip_channel(phone)) if phone else None


def utc_text(moment: datetime, what: str, *, naive_ok: bool = False) -> str:
    if moment.utcoffset() is None:
        # A carrier's offset-less time is carrier-local (see tracking.CARRIER_LOCAL); any
        # other naive time has no instant, and guessing its zone would shift it by hours.
        if not naive_ok:
            raise ValueError(f"{what} must be a time-zone aware datetime, not {moment!r}")
        moment = carrier_local(moment)
    # Fixed precision keeps the text sortable as text.
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def parse_utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def utc_or_none(moment: datetime | None) -> str | None:
    return None if moment is None else utc_text(moment, "shipped_at")


def time_or_none(text: str | None) -> datetime | None:
    return None if text is None else parse_utc(text)
