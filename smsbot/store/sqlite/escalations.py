"""Escalations, their hand-offs and console users in SQLite (schema: migration 5)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from smsbot.store.admin import AdminUser
from smsbot.store.escalations import HandoffState, StoredEscalation, StoredHandoff
from smsbot.store.keys import phone_key
from smsbot.store.sqlite.connection import SqliteBase, change, fetch_all, fetch_one
from smsbot.store.times import parse_utc, time_or_none, utc_text

_ESCALATION = """SELECT id, created_at, channel, phone, phone_key, order_number, verified,
    language, handled_at, handled_by FROM escalations"""
_HANDOFF = """SELECT id, escalation_id, target, state, attempts, next_attempt_at, last_error,
    external_ref FROM handoffs"""


def _escalation(row: Any) -> StoredEscalation:
    return StoredEscalation(
        int(row[0]), parse_utc(row[1]), row[2], row[3], row[4], row[5], bool(row[6]), row[7],
        time_or_none(row[8]), row[9],
    )  # fmt: skip


def _handoff(row: Any) -> StoredHandoff:
    return StoredHandoff(
        int(row[0]), int(row[1]), row[2], HandoffState(row[3]), int(row[4]), parse_utc(row[5]),
        row[6], row[7],
    )  # fmt: skip


class EscalationStore(SqliteBase):
    """The escalation queue, hand-offs, and console users."""

    async def add_escalation(
        self,
        *,
        channel: str,
        phone: str,
        order_number: str | None,
        verified: bool,
        language: str,
        at: datetime,
        targets: Sequence[str] = (),
    ) -> int:
        """Record an escalation and a pending hand-off per target; its id."""
        when = utc_text(at, "at")
        key = phone_key(phone) or phone

        def work(connection: sqlite3.Connection) -> int:
            cursor = connection.execute(
                """INSERT INTO escalations (created_at, channel, phone, phone_key, order_number,
                   verified, language) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id""",
                (when, channel, phone, key, order_number, int(verified), language),
            )
            new_id = int(cursor.fetchone()[0])
            cursor.close()
            connection.executemany(
                """INSERT INTO handoffs (escalation_id, target, state, next_attempt_at,
                   created_at, updated_at) VALUES (?, ?, 'pending', ?, ?, ?)""",
                [(new_id, target, when, when, when) for target in dict.fromkeys(targets)],
            ).close()
            return new_id

        return await self._run(work, write=True)

    async def escalations(self, *, open_only: bool, limit: int = 100) -> list[StoredEscalation]:
        """Escalations, newest first."""
        where = " WHERE handled_at IS NULL" if open_only else ""
        rows = await self._fetch(f"{_ESCALATION}{where} ORDER BY id DESC LIMIT ?", (limit,))
        return [_escalation(row) for row in rows]

    async def escalation(self, escalation_id: int) -> StoredEscalation | None:
        rows = await self._fetch(f"{_ESCALATION} WHERE id = ?", (escalation_id,))
        return _escalation(rows[0]) if rows else None

    async def mark_handled(self, escalation_id: int, *, by: str, at: datetime) -> bool:
        changed = await self._change(
            "UPDATE escalations SET handled_at = ?, handled_by = ? "
            "WHERE id = ? AND handled_at IS NULL",
            (utc_text(at, "at"), by, escalation_id),
        )
        return changed == 1

    async def due_handoffs(self, now: datetime, *, lease_until: datetime) -> list[StoredHandoff]:
        moment, lease = utc_text(now, "now"), utc_text(lease_until, "lease_until")

        def work(connection: sqlite3.Connection) -> list[StoredHandoff]:
            rows = fetch_all(
                connection,
                f"{_HANDOFF} WHERE state = 'pending' AND next_attempt_at <= ? "
                "ORDER BY next_attempt_at, id LIMIT 50",
                (moment,),
            )
            for row in rows:
                change(
                    connection,
                    "UPDATE handoffs SET next_attempt_at = ?, updated_at = ? WHERE id = ?",
                    (lease, moment, row[0]),
                )
            return [_handoff(row) for row in rows]

        return await self._run(work, write=True)

    async def finish_handoff(
        self,
        handoff_id: int,
        *,
        state: HandoffState,
        at: datetime,
        next_attempt_at: datetime | None = None,
        error: str | None = None,
        external_ref: str | None = None,
    ) -> None:
        when = utc_text(at, "at")
        following = utc_text(next_attempt_at or at, "next_attempt_at")
        await self._change(
            """UPDATE handoffs SET state = ?, attempts = attempts + 1, next_attempt_at = ?,
               last_error = ?, external_ref = coalesce(?, external_ref), updated_at = ?
               WHERE id = ?""",
            (state.value, following, (error or "")[:500] or None, external_ref, when, handoff_id),
        )

    async def handoffs(
        self, *, escalation_id: int | None = None, state: HandoffState | None = None
    ) -> list[StoredHandoff]:
        if escalation_id is not None:
            rows = await self._fetch(
                f"{_HANDOFF} WHERE escalation_id = ? ORDER BY id DESC", (escalation_id,)
            )
        elif state is not None:
            rows = await self._fetch(
                f"{_HANDOFF} WHERE state = ? ORDER BY id DESC LIMIT 200", (state.value,)
            )
        else:
            rows = await self._fetch(f"{_HANDOFF} ORDER BY id DESC LIMIT 200", ())
        return [_handoff(row) for row in rows]

    # Console users

    async def save_admin_user(self, name: str, password_hash: str, at: datetime) -> bool:
        when = utc_text(at, "at")

        def work(connection: sqlite3.Connection) -> bool:
            known = fetch_one(connection, "SELECT 1 FROM admin_users WHERE name = ?", (name,))
            change(
                connection,
                """INSERT INTO admin_users (name, password_hash, created_at) VALUES (?, ?, ?)
                   ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash,
                   failures = 0, locked_until = NULL,
                   session_epoch = admin_users.session_epoch + 1""",
                (name, password_hash, when),
            )
            return known is None

        return await self._run(work, write=True)

    async def admin_user(self, name: str) -> AdminUser | None:
        rows = await self._fetch(
            "SELECT name, password_hash, failures, locked_until, session_epoch "
            "FROM admin_users WHERE name = ?",
            (name,),
        )
        if not rows:
            return None
        row = rows[0]
        return AdminUser(row[0], row[1], int(row[2]), time_or_none(row[3]), int(row[4]))

    async def admin_login_failed(
        self, name: str, at: datetime, *, max_failures: int, lockout_s: float
    ) -> bool:
        until = utc_text(at + timedelta(seconds=lockout_s), "at")

        def work(connection: sqlite3.Connection) -> bool:
            row = fetch_one(
                connection,
                "UPDATE admin_users SET failures = failures + 1 WHERE name = ? RETURNING failures",
                (name,),
            )
            if row is None or int(row[0]) < max_failures:
                return False
            change(
                connection,
                "UPDATE admin_users SET failures = 0, locked_until = ? WHERE name = ?",
                (until, name),
            )
            return True

        return await self._run(work, write=True)

    async def admin_login_succeeded(self, name: str, at: datetime) -> None:
        await self._change(
            "UPDATE admin_users SET failures = 0, locked_until = NULL WHERE name = ?", (name,)
        )
