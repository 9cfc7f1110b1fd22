"""The outbox (durable outbound messages) and merchant alerts.

Schema version 3 (`SCHEMA`) and the queries on it. The rules (when to send, retry, defer,
reconcile) live in `smsbot.watch.outbox` and `smsbot.watch.alerts`; this module only keeps the rows
and moves them between states with conditional updates, so two processes never both own one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from smsbot.store.base import StoreBase, parse_utc, phone_key, time_or_none, utc_text

#: Migration 3: the tables of this module.
SCHEMA: tuple[str, ...] = (
    """CREATE TABLE outbox (
        id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE,
        phone TEXT NOT NULL, phone_key TEXT NOT NULL,
        channel TEXT NOT NULL CHECK (channel IN ('sms', 'whatsapp')),
        body TEXT NOT NULL, order_number TEXT,
        state TEXT NOT NULL CHECK (state IN ('queued', 'deferred', 'sending', 'sent',
            'delivered', 'undelivered', 'failed', 'suppressed')),
        defer_reason TEXT, attempts INTEGER NOT NULL DEFAULT 0,
        not_before TEXT NOT NULL, lease_until TEXT, attempt_started_at TEXT,
        sid TEXT UNIQUE, twilio_status TEXT, status_rank INTEGER NOT NULL DEFAULT 0,
        error_code INTEGER, error_message TEXT,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL, sent_at TEXT)""",
    "CREATE INDEX outbox_due ON outbox (state, not_before)",
    "CREATE INDEX outbox_recipient ON outbox (phone_key, attempt_started_at)",
    """CREATE TABLE alerts (
        id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,
        order_number TEXT NOT NULL, carrier TEXT NOT NULL, tracking_number TEXT NOT NULL,
        status TEXT NOT NULL, phone_masked TEXT NOT NULL, detail TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'local')),
        attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at TEXT NOT NULL,
        last_error TEXT, created_at TEXT NOT NULL, delivered_at TEXT)""",
    "CREATE INDEX alerts_due ON alerts (state, next_attempt_at)",
)

#: Outbox states a message waits in before it is sent.
WAITING = ("queued", "deferred")
#: Outbox states that count against the daily cap: handed (or being handed) to Twilio.
COUNTED = ("sending", "sent", "delivered", "undelivered")

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


@dataclass(frozen=True)
class OutboxMessage:
    """One outbound message and where it stands. `phone` is E.164, without a channel prefix."""

    id: int
    key: str
    phone: str
    channel: str
    body: str
    order_number: str | None
    state: str
    defer_reason: str | None
    attempts: int
    not_before: datetime
    lease_until: datetime | None
    attempt_started_at: datetime | None
    sid: str | None
    twilio_status: str | None
    error_code: int | None
    error_message: str | None
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True)
class StoredAlert:
    """One merchant alert; the customer's phone is kept masked only."""

    id: int
    key: str
    kind: str
    order_number: str
    carrier: str
    tracking_number: str
    status: str
    phone_masked: str
    detail: str
    state: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


def _outbox_row(row: Any) -> OutboxMessage:
    (id_, key, phone, channel, body, order_number, state, reason, attempts, not_before,
     lease, started, sid, status, code, message, created, sent) = row  # fmt: skip
    return OutboxMessage(
        id_, key, phone, channel, body, order_number, state, reason, attempts,
        parse_utc(not_before), time_or_none(lease), time_or_none(started), sid, status, code,
        message, parse_utc(created), time_or_none(sent),
    )  # fmt: skip


def _alert_row(row: Any) -> StoredAlert:
    (id_, key, kind, order_number, carrier, number, status, phone, detail, state, attempts,
     next_at, error, created, delivered) = row  # fmt: skip
    return StoredAlert(
        id_, key, kind, order_number, carrier, number, status, phone, detail, state, attempts,
        parse_utc(next_at), error, parse_utc(created), time_or_none(delivered),
    )  # fmt: skip


class OutboxStore(StoreBase):
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
        state: str,
        at: datetime,
    ) -> bool:
        """Insert one message under `key`: True if new, False if the key was used before."""
        now = utc_text(at, "at")
        inserted = await self._change(
            """INSERT INTO outbox (key, phone, phone_key, channel, body, order_number, state,
                   not_before, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING""",
            (key, phone, phone_key(phone), channel, body, order_number, state, now, now, now),
        )
        return inserted == 1

    async def due_outbox(self, now: datetime, limit: int = 100) -> list[OutboxMessage]:
        """Waiting messages whose time has come, oldest first."""
        rows = await self._fetch(
            f"""SELECT {_OUTBOX_COLUMNS} FROM outbox
                WHERE state IN ('queued', 'deferred') AND not_before <= ?
                ORDER BY not_before, id LIMIT ?""",  # noqa: S608  # constant column list
            (utc_text(now, "now"), limit),
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
               AND state IN ('sending', 'sent', 'delivered', 'undelivered')
               AND attempt_started_at >= ? AND attempt_started_at < ?""",
            (phone_key(phone), utc_text(start, "start"), utc_text(end, "end")),
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
            """UPDATE outbox SET state = 'sending', attempts = attempts + 1,
                   attempt_started_at = ?1, lease_until = ?2, defer_reason = NULL,
                   updated_at = ?1
               WHERE id = ?3 AND state IN ('queued', 'deferred') AND not_before <= ?1
               AND (SELECT count(*) FROM outbox AS o WHERE o.phone_key = outbox.phone_key
                    AND o.state IN ('sending', 'sent', 'delivered', 'undelivered')
                    AND o.attempt_started_at >= ?4 AND o.attempt_started_at < ?5) < ?6""",
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
        self, message_id: int, expect: tuple[str, ...], at: datetime, **changes: object
    ) -> bool:
        """Set `changes` on a message that is in one of the `expect` states; True if it was.

        Datetimes are stored as UTC text. Only the outbox's own bookkeeping columns can be
        set; a state it was not in means another sender or a callback moved it first.
        """
        unknown = set(changes) - _SETTABLE
        if unknown or not changes or not expect:
            raise ValueError(f"move_outbox cannot set {sorted(unknown) or 'nothing'}")
        values: list[object] = []
        for column, value in changes.items():
            if column in _TIMES and isinstance(value, datetime):
                value = utc_text(value, column)
            values.append(value)
        assignments = ", ".join(f"{column} = ?" for column in changes)
        marks = ", ".join("?" for _ in expect)
        moved = await self._change(
            f"UPDATE outbox SET {assignments}, updated_at = ? "  # noqa: S608  # whitelisted names
            f"WHERE id = ? AND state IN ({marks})",
            (*values, utc_text(at, "at"), message_id, *expect),
        )
        return moved == 1

    async def record_delivery(
        self,
        sid: str,
        *,
        state: str,
        twilio_status: str,
        rank: int,
        error_code: int | None,
        at: datetime,
    ) -> OutboxMessage | None:
        """Apply a status callback to the message with this SID; the message, or None.

        A callback ranked below the one already applied is ignored (callbacks arrive out of
        order), but the message is still returned.
        """
        now = utc_text(at, "at")
        async with self._session(write=True):
            await self._db.execute(
                """UPDATE outbox SET state = ?, twilio_status = ?, status_rank = ?,
                       error_code = coalesce(?, error_code), updated_at = ?
                   WHERE sid = ? AND status_rank <= ?
                   AND state IN ('sent', 'delivered', 'undelivered', 'failed')""",
                (state, twilio_status, rank, error_code, now, sid, rank),
            )
            rows = list(
                await self._db.execute_fetchall(
                    f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE sid = ?",  # noqa: S608
                    (sid,),
                )
            )
        return _outbox_row(rows[0]) if rows else None

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

    async def add_alert(self, fields: Mapping[str, str], *, state: str, at: datetime) -> bool:
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
            (*(fields[name] for name in names), state, now, now),
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
        only = "AND key = ?" if key is not None else ""
        async with self._session(write=True):
            rows = list(
                await self._db.execute_fetchall(
                    f"""SELECT {_ALERT_COLUMNS} FROM alerts
                        WHERE state = 'pending' AND next_attempt_at <= ? {only}
                        ORDER BY next_attempt_at, id LIMIT ?""",  # noqa: S608  # constant text
                    (now_text, key, limit) if key is not None else (now_text, limit),
                )
            )
            await self._db.executemany(
                """UPDATE alerts SET attempts = attempts + 1, next_attempt_at = ?
                   WHERE id = ?""",
                [(utc_text(lease_until, "lease_until"), row[0]) for row in rows],
            )
        return [_alert_row(row) for row in rows]

    async def finish_alert(
        self,
        alert_id: int,
        *,
        state: str,
        at: datetime,
        next_attempt_at: datetime | None = None,
        error: str | None = None,
    ) -> None:
        """Record the outcome of one delivery attempt."""
        now = utc_text(at, "at")
        await self._change(
            """UPDATE alerts SET state = ?, last_error = ?,
                   next_attempt_at = coalesce(?, next_attempt_at),
                   delivered_at = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_at END
               WHERE id = ?""",
            (
                state,
                error,
                None if next_attempt_at is None else utc_text(next_attempt_at, "next"),
                state,
                now,
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
