"""`smsbot store copy SRC DST`: every table of one store copied into another, SQLite to
PostgreSQL or back (issue 15), for moving over to a bigger setup (or back to one machine).

How: the destination is opened once through `open_store` (created and migrated, so both
sides have the same schema); then each table, in the order the migrations create them
(parents before children), is streamed from the source in batches and inserted with
`ON CONFLICT DO NOTHING`, one transaction per batch. Every table has a primary key, so a
rerun after an interruption skips what was copied and continues: nothing is duplicated.
At the end each table's row count is compared on both sides; a difference (the
destination held other rows, or a row was refused) is an error naming the table. On
PostgreSQL the id sequences are moved past the copied ids, so new rows do not collide.

Both stores should be idle while copying (stop `serve` and `watch`): rows written to the
source meanwhile may or may not be copied, and the count check says so.
"""

from __future__ import annotations

import hashlib
import importlib
import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from smsbot.errors import StoreError
from smsbot.store.sqlite.migrations import MIGRATIONS
from smsbot.store.url import open_store

#: Rows per batch: one INSERT transaction each.
BATCH = 2000

_CREATE = re.compile(r"CREATE TABLE (\w+)")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def tables() -> list[str]:
    """Every table of the schema, in the order the migrations create them."""
    return [
        match.group(1)
        for migration in MIGRATIONS
        for statement in migration
        for match in [_CREATE.match(statement.strip())]
        if match is not None
    ]


@dataclass(frozen=True)
class Copied:
    """One table's outcome: rows in the source, rows newly inserted, rows at the end."""

    table: str
    source: int
    inserted: int
    destination: int


class _Side:
    """One store's raw connection, with the placeholder style of its driver."""

    def __init__(self, url: str) -> None:
        self.url = url
        match = _SCHEME.match(url)
        scheme = match.group(1).lower() if match else "sqlite"
        self.postgres = scheme in ("postgresql", "postgres")
        self.mark = "%s" if self.postgres else "?"
        self.connection: Any = _connect_postgres(url) if self.postgres else _connect_sqlite(url)

    def columns(self, table: str) -> list[str]:
        with closing(self.connection.cursor()) as cursor:
            cursor.execute(f"SELECT * FROM {table} WHERE 1 = 0")  # noqa: S608  # schema names
            return [column[0] for column in cursor.description]

    def count(self, table: str) -> int:
        with closing(self.connection.cursor()) as cursor:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
            return int(cursor.fetchone()[0])

    def rows(self, table: str, columns: Sequence[str], batch: int) -> Iterator[list[Any]]:
        """The table's rows in batches, streamed (a server-side cursor on PostgreSQL)."""
        names = ", ".join(columns)
        cursor = (
            self.connection.cursor(name=f"smsbot_copy_{table}")
            if self.postgres
            else self.connection.cursor()
        )
        with closing(cursor):
            cursor.execute(f"SELECT {names} FROM {table}")  # noqa: S608
            while found := cursor.fetchmany(batch):
                yield found

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
        """Insert `rows`, skipping those already there; how many were new."""
        names = ", ".join(columns)
        marks = ", ".join(self.mark for _ in columns)
        sql = f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING"  # noqa: S608
        with closing(self.connection.cursor()) as cursor:
            cursor.executemany(sql, rows)
            # Both drivers sum the rows each execution changed; a skipped row changes none.
            inserted = max(int(cursor.rowcount), 0)
        self.connection.commit()
        return inserted

    def move_sequence(self, table: str, columns: Sequence[str]) -> None:
        """On PostgreSQL, move `table`'s id sequence past its largest id."""
        if not self.postgres or "id" not in columns:
            return
        with closing(self.connection.cursor()) as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", (table,))
            sequence = cursor.fetchone()[0]
            if sequence is not None:
                cursor.execute(
                    f"SELECT setval(%s, coalesce((SELECT max(id) FROM {table}), 0) + 1, false)",  # noqa: S608
                    (sequence,),
                )
        self.connection.commit()

    def begin_copy(self, source: str) -> None:
        """Record that `source` is being copied here; StoreError when the store holds rows
        that did not come from an earlier copy of `source`."""
        mark = hashlib.sha256(_without_password(source).encode()).hexdigest()
        with closing(self.connection.cursor()) as cursor:
            cursor.execute(
                "CREATE TABLE IF NOT EXISTS store_copies (source TEXT PRIMARY KEY, started_at TEXT)"
            )
            cursor.execute(
                f"SELECT source FROM store_copies WHERE source = {self.mark}",  # noqa: S608
                (mark,),
            )
            resumed = cursor.fetchone() is not None
        if not resumed:
            filled = [table for table in tables() if self.count(table)]
            if filled:
                self.connection.rollback()
                raise StoreError(
                    f"the destination is not empty ({', '.join(filled[:3])}...): copy into a "
                    "new store, or rerun the same copy to resume it"
                )
            with closing(self.connection.cursor()) as cursor:
                cursor.execute(
                    f"INSERT INTO store_copies VALUES ({self.mark}, {self.mark})",  # noqa: S608
                    (mark, datetime.now(UTC).isoformat()),
                )
        self.connection.commit()

    def close(self) -> None:
        self.connection.close()


async def copy_store(
    source: str,
    destination: str,
    *,
    batch: int = BATCH,
    progress: Callable[[Copied], None] | None = None,
) -> list[Copied]:
    """Copy every table of `source` into `destination` (see the module docstring).

    Raises StoreError naming the table (never a password) when a side cannot be opened, a
    table cannot be read or written, or the counts differ at the end.
    """
    if batch < 1:
        raise StoreError(f"the batch size must be at least 1, not {batch}")
    if _same(source, destination):
        raise StoreError("the source and the destination are the same store")
    opened = await open_store(source)  # both migrated: the same schema on both sides
    await opened.close()
    opened = await open_store(destination)
    await opened.close()
    src, dst = _open_side(source, "source"), None
    try:
        dst = _open_side(destination, "destination")
        try:
            dst.begin_copy(source)
        except (sqlite3.Error, _driver_error()) as exc:
            raise StoreError(f"cannot prepare the destination: {_reason(exc)}") from exc
        return [_copy_table(src, dst, table, batch, progress) for table in tables()]
    finally:
        src.close()
        if dst is not None:
            dst.close()


def _copy_table(
    src: _Side,
    dst: _Side,
    table: str,
    batch: int,
    progress: Callable[[Copied], None] | None,
) -> Copied:
    try:
        wanted = dst.columns(table)
        columns = [column for column in src.columns(table) if column in wanted]
        inserted = sum(dst.insert(table, columns, rows) for rows in src.rows(table, columns, batch))
        dst.move_sequence(table, columns)
        done = Copied(table, src.count(table), inserted, dst.count(table))
    except (sqlite3.Error, _driver_error()) as exc:
        raise StoreError(f"copying table {table}: {_reason(exc)}") from exc
    if progress is not None:
        progress(done)
    if done.source != done.destination:
        raise StoreError(
            f"table {table}: {done.source} rows in the source but {done.destination} in the "
            "destination (was the destination empty, and the source idle?)"
        )
    return done


def _open_side(url: str, role: str) -> _Side:
    try:
        return _Side(url)
    except (sqlite3.Error, _driver_error()) as exc:
        raise StoreError(f"cannot open the {role}: {_reason(exc)}") from exc


def _same(source: str, destination: str) -> bool:
    return source.strip() == destination.strip()


def _without_password(url: str) -> str:
    """`url` without its password: what identifies a source (a new password is the same)."""
    return re.sub(r"://([^:/@]*):[^@/]*@", r"://\1@", url.strip())


def _reason(exc: BaseException) -> str:
    """The driver's message, first line only (libpq's can span several)."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _driver_error() -> type[BaseException]:
    """psycopg's base error when it is installed (PostgreSQL), else sqlite3's."""
    try:
        psycopg = importlib.import_module("psycopg")
    except ImportError:
        return sqlite3.Error
    error: type[BaseException] = psycopg.Error
    return error


def _connect_sqlite(url: str) -> sqlite3.Connection:
    path = url
    if url.lower().startswith("sqlite://"):
        rest = url[len("sqlite://") :]
        path = rest if rest == ":memory:" else rest[1:]
    connection = sqlite3.connect(path, timeout=30)
    connection.execute("PRAGMA foreign_keys = ON")
    return connection


def _connect_postgres(url: str) -> Any:
    try:
        psycopg = importlib.import_module("psycopg")
    except ImportError as exc:
        raise StoreError(
            "copying to or from PostgreSQL needs psycopg (pip install 'psycopg')"
        ) from exc
    return psycopg.connect(url, connect_timeout=10)
