"""The SQLite backend's foundation: opening, migrating and closing the database, and running
a store method's statements as one function on the connection's worker thread.

SQL lives in this package only. Each concern keeps its queries in its own mixin module
(`core`, `conversation`, `outbox`, `watch`); `SqliteStore` combines them.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any, Self, TypeVar

from smsbot.errors import StoreError
from smsbot.store.sqlite.decoded import DecodedTracking
from smsbot.store.sqlite.migrations import MIGRATIONS
from smsbot.store.sqlite.worker import Work, Worker

T = TypeVar("T")

#: Inline writes between two checkpoints queued on the worker (SQLite's own default is
#: every 1,000 pages; a message writes a few).
CHECKPOINT_EVERY = 200
#: Waits on the loop before an inline call that found the database busy goes to the worker.
INLINE_RETRIES_S = (0.0002, 0.0005, 0.001, 0.002)


class SqliteBase:
    """The database behind one connection, owned by one worker thread.

    Every store method is ONE trip to that thread: its statements run as one plain function
    `work(connection)` (`_run`), with `write` inside one BEGIN IMMEDIATE ... COMMIT. A trip
    costs tens of microseconds (more under load), a small statement 5-20 us, so methods on a
    message's path do all they need in one call. The thread runs one function at a time, so
    no lock is needed: a transaction begins and ends inside one function.
    """

    def __init__(
        self, worker: Worker, where: str, inline: sqlite3.Connection | None = None
    ) -> None:
        self._worker = worker
        self._where = where
        self._closed = False
        # The message path's second connection, used on the event loop's thread (`_run`).
        self._inline = inline
        self._inline_writes = 0
        #: Calls run inline, and those that found the database busy and went to the worker.
        self.inline_runs = 0
        self.inline_busy = 0
        # Decoded tracking-cache rows (worker thread only); see `decoded`.
        self._decoded = DecodedTracking()

    @classmethod
    async def open(
        cls, path: str | Path, *, migrations: Sequence[Sequence[str]] = MIGRATIONS
    ) -> Self:
        """Open (creating it and its directory if needed) and migrate the database at `path`.

        `":memory:"` gives a private in-memory database. Raises StoreError when the database
        cannot be opened, a migration fails, or the database is newer than `migrations`.
        """
        where = str(path)
        if where != ":memory:":
            try:
                _create_private(Path(path))
            except OSError as exc:
                reason = exc.strerror or type(exc).__name__
                raise StoreError(f"{where}: cannot create the database ({reason})") from exc
        worker = Worker(name=f"smsbot-store {Path(where).name}")
        inline = None
        try:
            await worker.start(partial(_connect, where))
            await worker.run(partial(_migrate, migrations, where))
            if where != ":memory:":  # another connection would see another database
                inline = await worker.run(lambda _: _connect(where, _INLINE_PRAGMAS))
        except BaseException as exc:
            await worker.stop()
            if isinstance(exc, sqlite3.Error):  # e.g. "file is not a database"
                raise StoreError(f"{where}: cannot open the database: {exc}") from exc
            raise
        return cls(worker, where, inline)

    @property
    def trips(self) -> int:
        """How many calls went to the worker thread so far (for tests and benchmarks)."""
        return self._worker.trips

    async def close(self) -> None:
        """Close the connection once queued calls have run; calling it again does nothing."""
        if not self._closed:
            self._closed = True
            if self._inline is not None:
                self._inline.close()
                self._inline = None
            await self._worker.stop()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def _run(self, work: Work[T], *, write: bool = False, inline: bool = False) -> T:
        """`work(connection)` in one trip to the worker; with `write`, in one IMMEDIATE
        transaction, rolled back if `work` raises. SQLite errors → StoreError.

        `work` must not touch the event loop. Cancelling the caller does not stop `work`
        once queued, and never leaves a transaction open: it begins and ends inside `work`.

        `inline` (the message path's two calls, a few indexed rows each): run `work` right
        here, on the event loop's thread, over the second connection, which never waits:
        its busy timeout is 0 and it never checkpoints. When another writer holds the lock
        SQLite says so at once, before anything is written, and `work` goes to the worker,
        which waits for the lock off the loop. So `work` must be safe to run twice (it is
        a transaction that rolled back). Why: a trip to the worker thread costs ~100 us on
        an idle machine and ~1 ms on a loaded one (two thread wake-ups), several times the
        statements themselves.
        """
        if self._closed:
            raise StoreError("the store is closed")
        if inline and self._inline is not None:
            # Another writer (a second server worker, the watcher) holds the lock for tens
            # of microseconds at a time: a few short waits on the loop usually get it,
            # sooner than SQLite's busy handler on the worker, which sleeps in steps of ms.
            for pause_s in (*INLINE_RETRIES_S, None):
                try:
                    return self._run_inline(self._inline, work, write)
                except sqlite3.OperationalError as exc:
                    if exc.sqlite_errorcode & 0xFF not in (
                        sqlite3.SQLITE_BUSY,
                        sqlite3.SQLITE_LOCKED,
                    ):
                        raise StoreError(f"database error: {exc}") from exc
                except sqlite3.Error as exc:
                    raise StoreError(f"database error: {exc}") from exc
                if pause_s is None or self._inline is None:
                    break
                await asyncio.sleep(pause_s)
            self.inline_busy += 1  # still busy: wait for the lock on the worker, off the loop
        try:
            return await self._worker.run(partial(in_transaction, work) if write else work)
        except sqlite3.Error as exc:
            raise StoreError(f"database error: {exc}") from exc

    def _run_inline(self, connection: sqlite3.Connection, work: Work[T], write: bool) -> T:
        self.inline_runs += 1
        result = in_transaction(work, connection) if write else work(connection)
        if write:
            self._inline_writes += 1
            if self._inline_writes % CHECKPOINT_EVERY == 0:
                # The inline connection never checkpoints (an fsync on the loop's thread):
                # the worker copies the WAL back now and then, without blocking anyone.
                self._worker.post(_checkpoint)
        return result

    async def _fetch(self, sql: str, params: Sequence[Any]) -> list[Any]:
        """All rows of one query, in one trip."""
        return await self._run(partial(fetch_all, sql=sql, params=params))

    async def _change(self, sql: str, params: Sequence[Any]) -> int:
        """Run one statement (its own transaction, in autocommit); the rows it changed."""
        return await self._run(partial(change, sql=sql, params=params))

    async def schema_version(self) -> int:
        """The schema version of the database (`PRAGMA user_version`)."""
        return int((await self._fetch("PRAGMA user_version", ()))[0][0])


def _create_private(path: Path) -> None:
    """Create the database file 0600 (and its folder 0700) before SQLite opens it: it holds
    names, phone numbers and messages. SQLite gives the -wal and -shm files the mode of the
    database. An existing file or folder keeps its mode: it is the operator's choice."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


#: The worker's connection. Another process (the watcher) may hold the write lock for a
#: moment: wait for it, on the worker thread. NORMAL is durable across application crashes
#: in WAL mode, and much faster.
_WORKER_PRAGMAS = (
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
)
#: The message path's inline connection: never waits for a lock, never checkpoints.
_INLINE_PRAGMAS = (
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 0",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA wal_autocheckpoint = 0",
)


def _connect(path: str, pragmas: Sequence[str] = _WORKER_PRAGMAS) -> sqlite3.Connection:
    # isolation_level=None: autocommit; the store issues BEGIN itself, so transactions are
    # explicit. check_same_thread=False: the inline connection is opened on the worker and
    # then used on the loop's thread only; each connection is used by one thread.
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        for pragma in pragmas:
            connection.execute(pragma)
    except BaseException:
        connection.close()
        raise
    return connection


def _checkpoint(connection: sqlite3.Connection) -> None:
    # PASSIVE: copy what no reader needs any more; never waits for readers or writers.
    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").close()


def _migrate(
    migrations: Sequence[Sequence[str]], where: str, connection: sqlite3.Connection
) -> None:
    """Bring the database to `len(migrations)`: migration i (1-based) is `migrations[i - 1]`,
    and the database's `user_version` says how many have run."""
    # Read inside the write transaction, so two processes never run one migration twice.
    connection.execute("BEGIN IMMEDIATE")
    try:
        current = int(fetch_one(connection, "PRAGMA user_version")[0])
        if current > len(migrations):
            raise StoreError(
                f"{where}: the database has schema version {current}, newer than this "
                f"smsbot knows ({len(migrations)}); upgrade smsbot or use another database"
            )
        for version in range(current + 1, len(migrations) + 1):
            for statement in migrations[version - 1]:
                try:
                    connection.execute(statement)
                except sqlite3.Error as exc:
                    raise StoreError(f"{where}: migration {version} failed: {exc}") from exc
            # PRAGMA takes no parameters; `version` is an int we computed.
            connection.execute(f"PRAGMA user_version = {int(version)}")
        connection.commit()
    except BaseException:
        connection.rollback()
        raise


def in_transaction(work: Work[T], connection: sqlite3.Connection) -> T:
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


def change_many(connection: sqlite3.Connection, sql: str, rows: Sequence[Sequence[Any]]) -> None:
    """Run one statement for each of `rows` (for `_run` work functions)."""
    connection.executemany(sql, rows).close()
