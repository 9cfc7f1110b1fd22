"""The small sqlite3-like surface the store's work functions use, over a psycopg connection.

The SQLite mixins (`smsbot.store.sqlite.<concern>`) write each store method as one plain
function over a connection: `execute` / `executemany`, and on the cursor `fetchall`,
`fetchone`, `rowcount`, `close`. `PgConnection` gives them exactly that over a psycopg 3
connection, so every concern is written once and runs on both backends.

Placeholders: SQLite's `?` (the next parameter) and `?N` (parameter N) become PostgreSQL's
`$N`, which psycopg's `RawCursor` passes to the server as they are (no `%` escaping). A
statement is translated once and cached: the store's SQL is a fixed set of strings.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import psycopg

#: A string literal, a quoted name, a comment, or a placeholder (`?` or `?N`).
_TOKEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|\?(\d*)")


@lru_cache(maxsize=2048)
def translate(sql: str) -> str:
    """`sql` with SQLite's `?` and `?N` placeholders as PostgreSQL's `$N`.

    A bare `?` takes the number after the largest one used so far (SQLite's rule); `?`
    inside a quoted literal, a quoted name or a `--` comment is left alone.
    """
    largest = 0

    def number(match: re.Match[str]) -> str:
        nonlocal largest
        if not match.group(0).startswith("?"):
            return match.group(0)
        index = int(match.group(1)) if match.group(1) else largest + 1
        largest = max(largest, index)
        return f"${index}"

    return _TOKEN.sub(number, sql)


class PgCursor:
    """What a work function reads back from `PgConnection.execute`.

    In pipeline mode a statement is only queued: its result is fetched (the queue sent, in
    one round trip with everything queued before it) when the work first reads it. A
    statement whose result is never read rides along with the next one that is, or with
    the COMMIT.
    """

    def __init__(self, cursor: psycopg.Cursor[Any], pipeline: psycopg.Pipeline | None) -> None:
        self._cursor = cursor
        self._pipeline = pipeline

    def _pending(self) -> bool:
        return self._pipeline is not None and self._cursor.pgresult is None

    def _ready(self) -> None:
        if self._pending():
            assert self._pipeline is not None
            self._pipeline.sync()

    @property
    def rowcount(self) -> int:
        """Rows changed by the statement (sqlite3's meaning for INSERT/UPDATE/DELETE)."""
        self._ready()
        return self._cursor.rowcount

    def fetchall(self) -> list[Any]:
        """Every row left; [] when the statement returns no rows (as sqlite3 does)."""
        self._ready()
        if self._cursor.description is None:
            return []
        return self._cursor.fetchall()

    def fetchone(self) -> Any:
        """The next row, or None."""
        self._ready()
        if self._cursor.description is None:
            return None
        return self._cursor.fetchone()

    def close(self) -> None:
        """Close it; a statement still queued is left to the pipeline (its result, or its
        error, arrives with the next sync)."""
        if not self._pending():
            self._cursor.close()


class PgConnection:
    """A psycopg connection seen through the sqlite3 calls the work functions make; with
    `pipeline`, statements are queued and sent when a result is first needed."""

    def __init__(
        self, connection: psycopg.Connection[Any], pipeline: psycopg.Pipeline | None = None
    ) -> None:
        self._connection = connection
        self._pipeline = pipeline
        #: Statements psycopg accepted so far (outside a pipeline: the server answered them).
        self.statements = 0

    def execute(self, sql: str, params: Sequence[Any] = ()) -> PgCursor:
        """Run one statement (placeholders translated); its cursor."""
        cursor = psycopg.RawCursor(self._connection)
        cursor.execute(translate(sql), tuple(params) or None)
        self.statements += 1
        return PgCursor(cursor, self._pipeline)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> PgCursor:
        """Run one statement for each of `rows` (pipelined by psycopg)."""
        cursor = psycopg.RawCursor(self._connection)
        rows = [tuple(row) for row in rows]
        if rows:
            cursor.executemany(translate(sql), rows)
            self.statements += 1
        return PgCursor(cursor, self._pipeline)
