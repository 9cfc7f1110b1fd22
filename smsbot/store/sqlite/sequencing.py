"""Events in an odd order (schema: migration 5): early status callbacks, superseded
notices, retried triggers and hand-off cooldowns. The contract is `store.sequencing`."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from smsbot.store.records import OutboxMessage, OutboxState
from smsbot.store.sequencing import EARLY_CALLBACK_TTL_S
from smsbot.store.sqlite.connection import SqliteBase, change, fetch_all, fetch_one
from smsbot.store.sqlite.outbox import (
    _OUTBOX_COLUMNS,
    DELIVERY_UPDATE,
    _outbox_row,
    _outbox_state,
    error_code_or_none,
)
from smsbot.store.times import parse_utc, utc_text


def _message(connection: sqlite3.Connection, sid: str) -> OutboxMessage | None:
    rows = fetch_all(
        connection,
        f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE sid = ?",  # noqa: S608  # constant columns
        (sid,),
    )
    return _outbox_row(rows[0]) if rows else None


def apply_early(connection: sqlite3.Connection, sid: str, when: str) -> OutboxMessage | None:
    """Apply the status callbacks kept for `sid` to its message (inside a write
    transaction); the message, or None while no message has that SID (they stay kept)."""
    kept = fetch_all(
        connection,
        """SELECT state, twilio_status, rank, error_code FROM early_callbacks
           WHERE sid = ? ORDER BY rank, id""",
        (sid,),
    )
    # In rank order, so the highest rank is applied last and wins; an error code
    # (carried by undelivered/failed) survives a later callback without one.
    for state, status, rank, code in kept:
        change(connection, DELIVERY_UPDATE, (state, status, rank, code, when, sid))
    message = _message(connection, sid)
    if message is not None:
        change(connection, "DELETE FROM early_callbacks WHERE sid = ?", (sid,))
    return message


class SequencingStore(SqliteBase):
    """See `smsbot.store.sequencing.SequencingStore`."""

    async def record_or_keep_delivery(
        self,
        sid: str,
        *,
        state: OutboxState,
        twilio_status: str,
        rank: int,
        error_code: int | None,
        at: datetime,
    ) -> OutboxMessage | None:
        code = error_code_or_none(error_code)
        values = (_outbox_state(state), twilio_status, rank, code, utc_text(at, "at"), sid)
        forget_before = utc_text(at - timedelta(seconds=EARLY_CALLBACK_TTL_S), "at")

        def work(connection: sqlite3.Connection) -> OutboxMessage | None:
            change(connection, DELIVERY_UPDATE, values)
            message = _message(connection, sid)
            if message is None:
                change(
                    connection,
                    "DELETE FROM early_callbacks WHERE received_at < ?",
                    (forget_before,),
                )
                change(
                    connection,
                    """INSERT INTO early_callbacks (state, twilio_status, rank, error_code,
                           received_at, sid) VALUES (?, ?, ?, ?, ?, ?)""",
                    values,
                )
            return message

        return await self._run(work, write=True)

    async def apply_early_deliveries(self, sid: str, at: datetime) -> OutboxMessage | None:
        return await self._run(partial(apply_early, sid=sid, when=utc_text(at, "at")), write=True)

    async def supersede_outbox(self, keys: Sequence[str], *, by: str, at: datetime) -> int:
        others = [key for key in dict.fromkeys(keys) if key != by]
        if not others:
            return 0
        marks = ", ".join("?" for _ in others)
        return await self._change(
            "UPDATE outbox SET state = 'suppressed', defer_reason = 'superseded', "  # noqa: S608
            f"error_message = ?, updated_at = ? WHERE key IN ({marks}) "
            "AND state IN ('queued', 'deferred')",
            (f"superseded by {by}"[:500], utc_text(at, "at"), *others),
        )

    async def postpone_trigger(
        self, shipment_id: int, kind: str, at: datetime, delay: Callable[[int], timedelta]
    ) -> int:
        utc_text(at, "at")  # refuse a naive time before anything is written

        def work(connection: sqlite3.Connection) -> int:
            row = fetch_one(
                connection,
                """SELECT attempts FROM watch_triggers
                   WHERE shipment_id = ? AND kind = ? AND state = 'scheduled'""",
                (shipment_id, kind),
            )
            if row is None:
                return 0
            attempts = int(row[0]) + 1
            change(
                connection,
                """UPDATE watch_triggers SET due_at = ?, attempts = ?
                   WHERE shipment_id = ? AND kind = ? AND state = 'scheduled'""",
                (utc_text(at + delay(attempts), "due_at"), attempts, shipment_id, kind),
            )
            return attempts

        return await self._run(work, write=True)

    async def claim_handoff(self, key: str, now: datetime, window_s: float) -> datetime | None:
        when = utc_text(now, "now")
        since = utc_text(now - timedelta(seconds=window_s), "now")

        def work(connection: sqlite3.Connection) -> Any:
            # Hand-offs older than the window say nothing any more: forget them.
            change(connection, "DELETE FROM handoff_cooldowns WHERE handed_at <= ?", (since,))
            taken = change(
                connection,
                """INSERT INTO handoff_cooldowns (sender_key, handed_at) VALUES (?, ?)
                   ON CONFLICT (sender_key) DO NOTHING""",
                (key, when),
            )
            if taken:
                return None
            return fetch_one(
                connection, "SELECT handed_at FROM handoff_cooldowns WHERE sender_key = ?", (key,)
            )[0]

        last = await self._run(work, write=True)
        return None if last is None else parse_utc(last)

    async def release_handoff(self, key: str, handed_at: datetime) -> None:
        await self._change(
            "DELETE FROM handoff_cooldowns WHERE sender_key = ? AND handed_at = ?",
            (key, utc_text(handed_at, "handed_at")),
        )
