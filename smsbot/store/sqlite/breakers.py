"""Carrier breakers in SQLite (schema: the breakers migration; contract in
`smsbot.store.breakers`). Each change is one IMMEDIATE transaction, so concurrent
processes count every failure and only one of them takes a probe."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from smsbot.store.breakers import BreakerState
from smsbot.store.sqlite.connection import SqliteBase, change, fetch_all, fetch_one
from smsbot.store.times import parse_utc, utc_text

_COLUMNS = "carrier, failures, open_until, probe_until"
_COUNT = f"""INSERT INTO carrier_breakers (carrier, failures, updated_at) VALUES (?, 1, ?)
    ON CONFLICT (carrier) DO UPDATE SET failures = carrier_breakers.failures + 1,
    updated_at = excluded.updated_at RETURNING {_COLUMNS}"""  # noqa: S608  # constant text
_OPEN = """UPDATE carrier_breakers SET open_until = ?, probe_until = NULL
    WHERE carrier = ?"""
_PROBE = """UPDATE carrier_breakers SET probe_until = ?1
    WHERE carrier = ?2 AND open_until IS NOT NULL AND open_until <= ?3
    AND (probe_until IS NULL OR probe_until <= ?3)"""


def _state(row: Any) -> BreakerState:
    carrier, failures, open_until, probe_until = row
    return BreakerState(
        str(carrier),
        int(failures),
        parse_utc(open_until) if open_until is not None else None,
        parse_utc(probe_until) if probe_until is not None else None,
    )


def _failed(
    connection: sqlite3.Connection,
    carrier: str,
    now: datetime,
    open_for: Callable[[int], timedelta | None],
) -> BreakerState:
    state = _state(fetch_one(connection, _COUNT, (carrier, utc_text(now, "now"))))
    wait = open_for(state.failures)
    if wait is None:
        return state
    until = now + wait
    change(connection, _OPEN, (utc_text(until, "open_until"), carrier))
    return BreakerState(carrier, state.failures, until, None)


def _answered(connection: sqlite3.Connection, carrier: str) -> BreakerState | None:
    row = fetch_one(
        connection,
        f"SELECT {_COLUMNS} FROM carrier_breakers WHERE carrier = ?",  # noqa: S608
        (carrier,),
    )
    if row is None:
        return None
    change(connection, "DELETE FROM carrier_breakers WHERE carrier = ?", (carrier,))
    return _state(row)


class BreakerSqlite(SqliteBase):
    """`breaker_states`, `breaker_failed`, `take_breaker_probe`, `breaker_answered`."""

    async def breaker_states(self) -> dict[str, BreakerState]:
        rows = await self._run(
            lambda connection: fetch_all(
                connection,
                f"SELECT {_COLUMNS} FROM carrier_breakers",  # noqa: S608  # constant text
            ),
            inline=True,
        )
        return {state.carrier: state for state in map(_state, rows)}

    async def breaker_failed(
        self, carrier: str, now: datetime, open_for: Callable[[int], timedelta | None]
    ) -> BreakerState:
        return await self._run(
            lambda connection: _failed(connection, carrier, now, open_for), write=True
        )

    async def take_breaker_probe(self, carrier: str, now: datetime, until: datetime) -> bool:
        values = (utc_text(until, "until"), carrier, utc_text(now, "now"))
        taken = await self._run(
            lambda connection: change(connection, _PROBE, values), write=True, inline=True
        )
        return taken == 1

    async def breaker_answered(self, carrier: str) -> BreakerState | None:
        return await self._run(lambda connection: _answered(connection, carrier), write=True)
