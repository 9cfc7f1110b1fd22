"""The watcher's memory (schema: migration 4): when each shipment is next due, its failures,
and the triggers fired.

Two tables beside core's `shipments` (never altered): `watch_state` (one row per watched
shipment, created on its first check) and `watch_triggers` (one row per shipment and trigger
kind; the primary key is what makes every trigger once-only).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from smsbot.errors import StoreValueError
from smsbot.store.records import (
    DONE_STATES,
    CheckOutcome,
    TriggerState,
    WatchedShipment,
)
from smsbot.store.sqlite.connection import SqliteBase, change_many, fetch_all
from smsbot.store.times import parse_utc, time_or_none, utc_text

_COLUMNS = """s.id, o.id, o.number, o.phone, o.locale, o.created_at, s.carrier,
    s.tracking_number, s.shipped_at, s.last_status, coalesce(w.failures, 0), w.first_scan_at,
    s.kind, o.postal_code"""
_FROM = """FROM shipments AS s JOIN orders AS o ON o.id = s.order_id
    LEFT JOIN watch_state AS w ON w.shipment_id = s.id"""
# Open (never checked, or not closed and due) and young enough; outbound and return legs.
_DUE = f"""{_FROM}
    WHERE coalesce(s.shipped_at, o.created_at) >= ?1
      AND (w.shipment_id IS NULL OR (w.closed = 0 AND w.next_check_at <= ?2))
      AND o.id NOT IN (SELECT order_id FROM order_cancellations)"""  # noqa: S608


class WatchStore(SqliteBase):
    """Due shipments, their schedule, and the once-only record of triggers."""

    async def due_shipments(
        self, now: datetime, cutoff: datetime, *, after_order: int, limit: int
    ) -> list[WatchedShipment]:
        """Up to about `limit` due shipments of orders after `after_order`, by order id.

        Pages never split an order: all due shipments of the last order are included, so one
        order's triggers can be merged into one message. Memory stays bounded by `limit`.
        """
        limit = max(1, limit)
        window = (utc_text(cutoff, "cutoff"), utc_text(now, "now"))

        def work(connection: sqlite3.Connection) -> list[WatchedShipment]:
            rows = fetch_all(
                connection,
                f"SELECT {_COLUMNS} {_DUE} AND s.order_id > ?3 "  # constants and marks only
                "ORDER BY s.order_id, s.id LIMIT ?4",
                (*window, after_order, limit),
            )
            if len(rows) == limit:
                seen = {row[0] for row in rows}
                rest = fetch_all(
                    connection,
                    f"SELECT {_COLUMNS} {_DUE} AND s.order_id = ?3 ORDER BY s.id",
                    (*window, rows[-1][1]),
                )
                rows.extend(row for row in rest if row[0] not in seen)
            return _with_fired(connection, rows)

        return await self._run(work)

    async def shipments_for_tracking(
        self, carriers: Sequence[str], number: str
    ) -> list[WatchedShipment]:
        """The shipments (either leg) with tracking `number` at one of `carriers` (pushes)."""
        if not carriers:
            return []
        marks = ", ".join("?" for _ in carriers)
        sql = (
            f"SELECT {_COLUMNS} {_FROM} WHERE s.tracking_number = ? "
            f"AND s.carrier IN ({marks}) ORDER BY s.order_id, s.id"
        )
        return await self._run(
            lambda connection: _with_fired(
                connection, fetch_all(connection, sql, (number, *carriers))
            )
        )

    async def save_checks(self, outcomes: Sequence[CheckOutcome], at: datetime) -> None:
        """Record when each shipment is next due (and its failures), in one transaction."""
        if not outcomes:
            return
        now = utc_text(at, "at")
        rows = [
            (
                o.shipment_id,
                utc_text(o.next_check_at, "next_check_at"),
                int(o.closed),
                o.failures,
                o.last_error,
                None
                if o.first_scan_at is None
                else utc_text(o.first_scan_at, "first_scan_at", naive_ok=True),
                None
                if o.last_scan_at is None
                else utc_text(o.last_scan_at, "last_scan_at", naive_ok=True),
                now,
            )
            for o in outcomes
        ]
        await self._run(
            lambda connection: change_many(
                connection,
                """INSERT INTO watch_state (shipment_id, next_check_at, closed, failures,
                       last_error, first_scan_at, last_scan_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (shipment_id) DO UPDATE SET
                       next_check_at = excluded.next_check_at, closed = excluded.closed,
                       failures = excluded.failures, last_error = excluded.last_error,
                       first_scan_at = coalesce(watch_state.first_scan_at, excluded.first_scan_at),
                       last_scan_at = coalesce(excluded.last_scan_at, watch_state.last_scan_at),
                       updated_at = excluded.updated_at""",
                rows,
            ),
            write=True,
        )

    async def record_triggers(
        self,
        done: Mapping[int, Mapping[str, TriggerState]],
        at: datetime,
        *,
        scheduled: Mapping[int, Mapping[str, datetime]] | None = None,
    ) -> None:
        """Record triggers as done (`done`: shipment id -> kind -> state), in one transaction.

        A trigger already done stays as it was (once-only). `scheduled` adds deferred
        triggers (shipment id -> kind -> due time) unless that kind is already known.
        """
        when = utc_text(at, "at")
        finished = [
            (shipment_id, kind, _done_state(state), when)
            for shipment_id, kinds in done.items()
            for kind, state in kinds.items()
        ]
        later = [
            (shipment_id, kind, utc_text(due, "due_at"))
            for shipment_id, kinds in (scheduled or {}).items()
            for kind, due in kinds.items()
        ]

        def work(connection: sqlite3.Connection) -> None:
            change_many(
                connection,
                """INSERT INTO watch_triggers (shipment_id, kind, state, done_at)
                   VALUES (?, ?, ?, ?)
                   ON CONFLICT (shipment_id, kind) DO UPDATE SET
                       state = excluded.state, done_at = excluded.done_at
                   WHERE watch_triggers.state = 'scheduled'""",
                finished,
            )
            change_many(
                connection,
                """INSERT INTO watch_triggers (shipment_id, kind, state, due_at)
                   VALUES (?, ?, 'scheduled', ?) ON CONFLICT (shipment_id, kind) DO NOTHING""",
                later,
            )

        await self._run(work, write=True)

    async def due_triggers(self, now: datetime, *, limit: int) -> list[tuple[WatchedShipment, str]]:
        """Scheduled triggers whose time has come, oldest first, with their shipments."""
        params = (utc_text(now, "now"), max(1, limit))

        def work(connection: sqlite3.Connection) -> list[tuple[WatchedShipment, str]]:
            due = fetch_all(
                connection,
                """SELECT shipment_id, kind FROM watch_triggers
                   WHERE state = 'scheduled' AND due_at <= ? ORDER BY due_at LIMIT ?""",
                params,
            )
            found: list[tuple[WatchedShipment, str]] = []
            for shipment_id, kind in due:
                rows = fetch_all(
                    connection, f"SELECT {_COLUMNS} {_FROM} WHERE s.id = ?", (shipment_id,)
                )
                found.extend((watched, kind) for watched in _with_fired(connection, rows))
            return found

        return await self._run(work)

    async def trigger_states(self, shipment_id: int) -> dict[str, TriggerState]:
        """Every trigger of a shipment and its state (for `smsbot watch` output and tests)."""
        rows = await self._fetch(
            "SELECT kind, state FROM watch_triggers WHERE shipment_id = ?", (shipment_id,)
        )
        return {kind: TriggerState(state) for kind, state in rows}


def _done_state(value: object) -> TriggerState:
    """`value` as a final TriggerState; anything else raises StoreValueError."""
    if value not in DONE_STATES:
        raise StoreValueError(f"trigger states must be one of {[str(s) for s in DONE_STATES]}")
    return TriggerState(str(value))


# Rows of `_COLUMNS` as WatchedShipments with the triggers they fired (on the worker thread).
def _with_fired(connection: sqlite3.Connection, rows: Sequence[Any]) -> list[WatchedShipment]:
    fired: dict[int, set[str]] = {}
    ids = [row[0] for row in rows]
    for start in range(0, len(ids), 500):  # stay well under SQLite's variable limit
        chunk = ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        found = fetch_all(
            connection,
            "SELECT shipment_id, kind FROM watch_triggers "  # noqa: S608  # "?" marks only
            f"WHERE state != 'scheduled' AND shipment_id IN ({marks})",
            chunk,
        )
        for shipment_id, kind in found:
            fired.setdefault(shipment_id, set()).add(kind)
    return [
        WatchedShipment(
            shipment_id,
            order_id,
            number,
            phone,
            locale,
            parse_utc(created),
            carrier,
            tracking,
            time_or_none(shipped),
            status,
            failures,
            time_or_none(first_scan),
            frozenset(fired.get(shipment_id, ())),
            kind == "return",
            postal_code,
        )
        for (
            shipment_id,
            order_id,
            number,
            phone,
            locale,
            created,
            carrier,
            tracking,
            shipped,
            status,
            failures,
            first_scan,
            kind,
            postal_code,
        ) in rows
    ]
