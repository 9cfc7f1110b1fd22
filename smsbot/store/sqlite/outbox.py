"""The outbox (durable outbound messages) and merchant alerts (schema: migration 3).

The rules (when to send, retry, defer, reconcile) live in `smsbot.watch.outbox` and
`smsbot.watch.alerts`; this module only keeps the rows and moves them between states with
conditional updates, so two processes never both own one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from smsbot.errors import StoreValueError
from smsbot.store.keys import phone_key
from smsbot.store.records import (
    COUNTED,
    WAITING,
    AlertState,
    OutboxMessage,
    OutboxState,
    StoredAlert,
)
from smsbot.store.sqlite.connection import SqliteBase, change_many, fetch_all
from smsbot.store.times import parse_utc, time_or_none, utc_text

#: The outbox columns `move_outbox` may set (the column names are never caller text).
_SETTABLE = frozenset(
    {
        "state", "defer_reason", "not_before", "lease_until", "attempt_started_at", "sid",
        "twilio_status", "status_rank", "error_code", "error_message", "sent_at",
    }
)  # fmt: skip
_TIMES = frozenset({"not_before", "lease_until", "attempt_started_at", "sent_at"})

_OUTBOX_COLUMNS = """id, key, phone, channel, body, order_number, state, defer_reason,
    attempts, not_before, lease_until, attempt_started_at, sid, twilio_status, error_code,
    error_message, created_at, sent_at"""
_ALERT_COLUMNS = """id, key, kind, order_number, carrier, tracking_number, status,
    phone_masked, detail, state, attempts, next_attempt_at, last_error, created_at,
    delivered_at"""


#: What SQLite's INTEGER holds (signed 64 bits).
_INTEGER = range(-(2**63), 2**63)


def error_code_or_none(code: object) -> object:
    """A Twilio error code SQLite can keep; None for one it cannot hold (say 10**30): such a
    code is garbage, and storing it would fail the whole status update."""
    if isinstance(code, int) and not isinstance(code, bool) and code not in _INTEGER:
        return None
    return code


#: Claim one message (?3) at ?1 with a lease until ?2, if it waits, is due, and its
#: recipient got fewer than ?6 messages in their local day [?4, ?5).
CLAIM_UPDATE = """UPDATE outbox SET state = 'sending', attempts = attempts + 1,
        attempt_started_at = ?1, lease_until = ?2, defer_reason = NULL,
        updated_at = ?1
    WHERE id = ?3 AND state IN ('queued', 'deferred') AND not_before <= ?1
    AND (SELECT count(*) FROM outbox AS o WHERE o.phone_key = outbox.phone_key
         AND o.state IN ('sending', 'sent', 'delivered', 'undelivered')
         AND o.attempt_started_at >= ?4 AND o.attempt_started_at < ?5) < ?6"""


#: A status callback (state, status, rank, error code, at, sid): it moves a sent message
#: on, never back in rank; an error code once known is kept.
DELIVERY_UPDATE = """UPDATE outbox SET state = ?1, twilio_status = ?2, status_rank = ?3,
        error_code = coalesce(?4, error_code), updated_at = ?5
    WHERE sid = ?6 AND status_rank <= ?3
    AND state IN ('sent', 'delivered', 'undelivered', 'failed')"""


def _outbox_row(row: Any) -> OutboxMessage:
    (id_, key, phone, channel, body, order_number, state, reason, attempts, not_before,
     lease, started, sid, status, code, message, created, sent) = row  # fmt: skip
    return OutboxMessage(
        id_, key, phone, channel, body, order_number, OutboxState(state), reason, attempts,
        parse_utc(not_before), time_or_none(lease), time_or_none(started), sid, status, code,
        message, parse_utc(created), time_or_none(sent),
    )  # fmt: skip


def _alert_row(row: Any) -> StoredAlert:
    (id_, key, kind, order_number, carrier, number, status, phone, detail, state, attempts,
     next_at, error, created, delivered) = row  # fmt: skip
    return StoredAlert(
        id_, key, kind, order_number, carrier, number, status, phone, detail, AlertState(state),
        attempts,
        parse_utc(next_at), error, parse_utc(created), time_or_none(delivered),
    )  # fmt: skip


class OutboxStore(SqliteBase):
    """The outbox and merchant alerts."""

    # Outbox

    async def add_outbox(
        self,
        *,
        key: str,
        phone: str,
        channel: str,
        body: str,
        order_number: str | None,
        state: OutboxState,
        at: datetime,
    ) -> bool:
        """Insert one message under `key`: True if new, False if the key was used before."""
        now = utc_text(at, "at")
        inserted = await self._change(
            """INSERT INTO outbox (key, phone, phone_key, channel, body, order_number, state,
                   not_before, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING""",
            (
                key,
                phone,
                phone_key(phone),
                channel,
                body,
                order_number,
                _outbox_state(state),
                now,
                now,
                now,
            ),
        )
        return inserted == 1

    async def due_outbox(self, now: datetime, limit: int = 100) -> list[OutboxMessage]:
        """Waiting messages whose time has come, oldest first."""
        rows = await self._fetch(
            f"""SELECT {_OUTBOX_COLUMNS} FROM outbox
                WHERE state IN (?, ?) AND not_before <= ?
                ORDER BY not_before, id LIMIT ?""",  # noqa: S608  # constant column list
            (*WAITING, utc_text(now, "now"), limit),
        )
        return [_outbox_row(row) for row in rows]

    async def stale_outbox(self, now: datetime, limit: int = 100) -> list[OutboxMessage]:
        """Messages left in "sending" whose lease has run out (their sender died or gave up)."""
        rows = await self._fetch(
            f"""SELECT {_OUTBOX_COLUMNS} FROM outbox
                WHERE state = 'sending' AND lease_until <= ? ORDER BY lease_until, id LIMIT ?""",  # noqa: S608
            (utc_text(now, "now"), limit),
        )
        return [_outbox_row(row) for row in rows]

    async def counted_outbox(self, phone: str, start: datetime, end: datetime) -> int:
        """How many messages to `phone` were handed to Twilio in [start, end)."""
        rows = await self._fetch(
            """SELECT count(*) FROM outbox WHERE phone_key = ?
               AND state IN (?, ?, ?, ?)
               AND attempt_started_at >= ? AND attempt_started_at < ?""",
            (phone_key(phone), *COUNTED, utc_text(start, "start"), utc_text(end, "end")),
        )
        return int(rows[0][0])

    async def claim_outbox(
        self,
        message_id: int,
        *,
        now: datetime,
        lease_until: datetime,
        day: tuple[datetime, datetime],
        daily_cap: int,
    ) -> bool:
        """Take a waiting, due message for sending: True if this caller now owns it.

        One statement, so it is atomic across processes: it fails when another sender took
        the message first, or when its recipient already got `daily_cap` messages in `day`.
        """
        now_text = utc_text(now, "now")
        claimed = await self._change(
            CLAIM_UPDATE,
            (
                now_text,
                utc_text(lease_until, "lease_until"),
                message_id,
                utc_text(day[0], "day start"),
                utc_text(day[1], "day end"),
                daily_cap,
            ),
        )
        return claimed == 1

    async def move_outbox(
        self, message_id: int, expect: tuple[OutboxState, ...], at: datetime, **changes: object
    ) -> bool:
        """See `OutboxStore.move_outbox`. Datetimes are stored as UTC text."""
        sql, params = move_statement(message_id, expect, utc_text(at, "at"), changes)
        moved = await self._change(sql, params)
        return moved == 1

    async def outbox_message(self, key: str) -> OutboxMessage | None:
        """The message enqueued under `key`, if any."""
        rows = await self._fetch(
            f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE key = ?",  # noqa: S608
            (key,),
        )
        return _outbox_row(rows[0]) if rows else None

    async def recent_outbox(self, limit: int = 50) -> list[OutboxMessage]:
        """The newest `limit` messages of the outbox, newest first."""
        rows = await self._fetch(
            f"SELECT {_OUTBOX_COLUMNS} FROM outbox ORDER BY created_at DESC, id DESC LIMIT ?",  # noqa: S608
            (max(limit, 0),),
        )
        return [_outbox_row(row) for row in rows]

    # Merchant alerts

    async def add_alert(
        self, fields: Mapping[str, str], *, state: AlertState, at: datetime
    ) -> bool:
        """Insert an alert (`key`, `kind`, `order_number`, `carrier`, `tracking_number`,
        `status`, `phone_masked`, `detail`): True if new, False if its key was seen before."""
        now = utc_text(at, "at")
        names = (
            "key", "kind", "order_number", "carrier", "tracking_number", "status",
            "phone_masked", "detail",
        )  # fmt: skip
        inserted = await self._change(
            """INSERT INTO alerts (key, kind, order_number, carrier, tracking_number, status,
                   phone_masked, detail, state, next_attempt_at, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING""",
            (*(fields[name] for name in names), _alert_state(state), now, now),
        )
        return inserted == 1

    async def claim_alerts(
        self, now: datetime, lease_until: datetime, *, key: str | None = None, limit: int = 50
    ) -> list[StoredAlert]:
        """Take the pending alerts that are due (or just the one with `key`) for one attempt.

        Their next attempt moves to `lease_until`, so a sender that dies mid-POST leaves them
        to be retried then, and no other sender takes them meanwhile.
        """
        now_text = utc_text(now, "now")
        lease = utc_text(lease_until, "lease_until")
        only = "AND key = ?" if key is not None else ""
        params = (now_text, key, limit) if key is not None else (now_text, limit)

        def work(connection: sqlite3.Connection) -> list[Any]:
            rows = fetch_all(
                connection,
                f"""SELECT {_ALERT_COLUMNS} FROM alerts
                    WHERE state = 'pending' AND next_attempt_at <= ? {only}
                    ORDER BY next_attempt_at, id LIMIT ?""",  # noqa: S608  # constant text
                params,
            )
            change_many(
                connection,
                "UPDATE alerts SET attempts = attempts + 1, next_attempt_at = ? WHERE id = ?",
                [(lease, row[0]) for row in rows],
            )
            return rows

        return [_alert_row(row) for row in await self._run(work, write=True)]

    async def finish_alert(
        self,
        alert_id: int,
        *,
        state: AlertState,
        at: datetime,
        next_attempt_at: datetime | None = None,
        error: str | None = None,
    ) -> None:
        """Record the outcome of one delivery attempt."""
        state = _alert_state(state)
        delivered = utc_text(at, "at") if state is AlertState.DELIVERED else None
        await self._change(
            """UPDATE alerts SET state = ?, last_error = ?,
                   next_attempt_at = coalesce(?, next_attempt_at),
                   delivered_at = coalesce(?, delivered_at)
               WHERE id = ?""",
            (
                state,
                error,
                None if next_attempt_at is None else utc_text(next_attempt_at, "next"),
                delivered,
                alert_id,
            ),
        )

    async def recent_alerts(self, limit: int = 50) -> list[StoredAlert]:
        """The newest `limit` alerts, newest first."""
        rows = await self._fetch(
            f"SELECT {_ALERT_COLUMNS} FROM alerts ORDER BY created_at DESC, id DESC LIMIT ?",  # noqa: S608
            (max(limit, 0),),
        )
        return [_alert_row(row) for row in rows]


def move_statement(
    message_id: int, expect: tuple[object, ...], at: str, changes: Mapping[str, object]
) -> tuple[str, tuple[object, ...]]:
    """The conditional UPDATE of `move_outbox` (`at` as UTC text) and its parameters;
    StoreValueError for a column it may not set, or for nothing to set or expect."""
    unknown = set(changes) - _SETTABLE
    if unknown or not changes or not expect:
        raise StoreValueError(f"move_outbox cannot set {sorted(unknown) or 'nothing'}")
    values: list[object] = []
    for column, value in changes.items():
        if column in _TIMES and isinstance(value, datetime):
            value = utc_text(value, column)
        elif column == "state":
            value = _outbox_state(value)
        elif column == "error_code":
            value = error_code_or_none(value)
        values.append(value)
    states = tuple(_outbox_state(state) for state in expect)
    assignments = ", ".join(f"{column} = ?" for column in changes)
    marks = ", ".join("?" for _ in states)
    sql = (
        f"UPDATE outbox SET {assignments}, updated_at = ? "  # noqa: S608  # whitelisted names
        f"WHERE id = ? AND state IN ({marks})"
    )
    return sql, (*values, at, message_id, *states)


def _outbox_state(value: object) -> OutboxState:
    """`value` as an OutboxState; anything else raises StoreValueError."""
    try:
        return OutboxState(str(value))
    except ValueError:
        raise StoreValueError(f"not an outbox state: {value!r}") from None


def _alert_state(value: object) -> AlertState:
    """`value` as an AlertState; anything else raises StoreValueError."""
    try:
        return AlertState(str(value))
    except ValueError:
        raise StoreValueError(f"not an alert state: {value!r}") from None
