"""Conversation state (schema: migration 2): sessions, verification attempts and lockouts,
verified pairs, rate windows, and the message log by sender.

Keys are `keys.sender_key`s: sessions are per channel and sender; verification and limits
are per sender, on every channel at once.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from typing import Any

from smsbot.store.keys import phone_key
from smsbot.store.records import Continuation, SenderMessage, Session, Verdict, WrongAnswer
from smsbot.store.sqlite.connection import SqliteBase, change, fetch_one
from smsbot.store.sqlite.core import CLAIM_SQL, claim_values
from smsbot.store.times import parse_utc, time_or_none, utc_text

#: What a postal-code answer is logged as, instead of the code itself.
REDACTED = "[postal code]"


class ConversationStore(SqliteBase):
    """Sessions, verification, verified (sender, order) pairs and per-sender rate limits."""

    # Sessions

    async def session(self, channel: str, key: str, now: datetime) -> Session:
        """The sender's session; its context reads as empty once it has expired."""
        return await self._run(lambda connection: read_session(connection, channel, key, now))

    async def begin_turn(
        self, channel: str, key: str, now: datetime, *, limit: int, window_s: float
    ) -> tuple[Verdict, Session]:
        """`hit_limit(key, "messages", ...)` and `session(channel, key, now)` in one trip."""

        def work(connection: sqlite3.Connection) -> tuple[Verdict, Session]:
            verdict = hit_window(connection, key, "messages", now, limit=limit, window_s=window_s)
            return verdict, read_session(connection, channel, key, now)

        return await self._run(work, write=True)

    async def save_session(
        self, channel: str, key: str, session: Session, now: datetime, ttl_s: float
    ) -> None:
        """Store `session`; its context expires `ttl_s` after `now`."""
        expires = utc_text(now + timedelta(seconds=ttl_s), "expires_at")
        hint = None if session.hint_at is None else utc_text(session.hint_at, "hint_at")
        menu = json.dumps(list(session.menu)) if session.menu else None
        await self._change(
            """INSERT INTO sessions (channel, sender_key, language, menu, pending_order,
                   last_order, expires_at, hint_at, continuation)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (channel, sender_key) DO UPDATE SET language = excluded.language,
                   menu = excluded.menu, pending_order = excluded.pending_order,
                   last_order = excluded.last_order, expires_at = excluded.expires_at,
                   hint_at = excluded.hint_at, continuation = excluded.continuation""",
            (channel, key, session.language, menu, session.pending_order, session.last_order,
             expires, hint, continuation_text(session.more)),
        )  # fmt: skip

    async def forget_expired(self, now: datetime, *, hint_window_s: float, lockout_s: float) -> int:
        """Delete state nobody can use any more; the number of rows deleted."""
        at = utc_text(now, "now")
        hint_cutoff = utc_text(now - timedelta(seconds=hint_window_s), "cutoff")
        attempts_cutoff = utc_text(now - timedelta(seconds=lockout_s), "cutoff")
        statements = (
            (
                """DELETE FROM sessions WHERE expires_at <= ?
                       AND (hint_at IS NULL OR hint_at <= ?)""",
                (at, hint_cutoff),
            ),
            ("DELETE FROM verified_orders WHERE expires_at <= ?", (at,)),
            (
                """DELETE FROM verify_attempts WHERE locked_until <= ?
                       OR (locked_until IS NULL AND first_at <= ?)""",
                (at, attempts_cutoff),
            ),
        )

        def work(connection: sqlite3.Connection) -> int:
            return sum(change(connection, sql, params) for sql, params in statements)

        return await self._run(work, write=True)

    # Verification

    async def locked_until(self, key: str, now: datetime) -> datetime | None:
        """The end of the sender's lockout, or None when they are not locked out."""
        return await self._run(lambda connection: read_lockout(connection, key, now))

    async def record_wrong_answer(
        self, key: str, now: datetime, *, max_attempts: int, lockout_s: float
    ) -> WrongAnswer:
        """Count one wrong postal code; the `max_attempts`-th locks the sender out.

        Wrong answers are counted for `lockout_s` from the first one, then forgotten; a
        right answer does not reset them (knowing one code must not buy more guesses).
        """

        def work(connection: sqlite3.Connection) -> WrongAnswer:
            row = fetch_one(
                connection,
                "SELECT attempts, first_at FROM verify_attempts WHERE sender_key = ?",
                (key,),
            )
            attempts = 0
            first = now
            if row and parse_utc(row[1]) + timedelta(seconds=lockout_s) > now:
                attempts, first = int(row[0]), parse_utc(row[1])
            attempts += 1
            locked = now + timedelta(seconds=lockout_s) if attempts >= max_attempts else None
            change(
                connection,
                """INSERT INTO verify_attempts (sender_key, attempts, first_at, locked_until)
                   VALUES (?, ?, ?, ?)
                   ON CONFLICT (sender_key) DO UPDATE SET attempts = excluded.attempts,
                       first_at = excluded.first_at, locked_until = excluded.locked_until""",
                (
                    key,
                    0 if locked else attempts,
                    utc_text(now if locked else first, "first_at"),
                    None if locked is None else utc_text(locked, "locked_until"),
                ),
            )
            return WrongAnswer(attempts, locked)

        return await self._run(work, write=True)

    async def remember_verified(self, key: str, order_number: str, until: datetime) -> None:
        """Remember that this sender proved they may see `order_number`, until `until`."""
        await self._change(
            """INSERT INTO verified_orders (sender_key, order_number, expires_at)
               VALUES (?, ?, ?) ON CONFLICT (sender_key, order_number)
               DO UPDATE SET expires_at = excluded.expires_at""",
            (key, order_number, utc_text(until, "until")),
        )

    async def is_verified(self, key: str, order_number: str, now: datetime) -> bool:
        """Whether this sender is (still) verified for `order_number`."""
        rows = await self._fetch(
            """SELECT 1 FROM verified_orders
               WHERE sender_key = ? AND order_number = ? AND expires_at > ?""",
            (key, order_number, utc_text(now, "now")),
        )
        return bool(rows)

    # Rate limits

    async def hit_limit(
        self, key: str, kind: str, now: datetime, *, limit: int, window_s: float
    ) -> Verdict:
        """Count one hit of `kind` for the sender in its window (which starts at the first hit).

        Atomic across processes: one conditional upsert reads and writes the counter.
        """

        def work(connection: sqlite3.Connection) -> Verdict:
            return hit_window(connection, key, kind, now, limit=limit, window_s=window_s)

        return await self._run(work, write=True)

    async def hit_lookup_limit(
        self, key: str, now: datetime, *, limit: int, window_s: float
    ) -> Verdict | None:
        """None when the sender is locked out (nothing is counted), else
        `hit_limit(key, "lookups", ...)`: the lockout check and the count in one trip."""

        def work(connection: sqlite3.Connection) -> Verdict | None:
            if read_lockout(connection, key, now) is not None:
                return None
            return hit_window(connection, key, "lookups", now, limit=limit, window_s=window_s)

        return await self._run(work, write=True)

    # The message log, by sender

    async def claim_tagged(
        self, sid: str, key: str, *, channel: str, sender: str, body: str, received_at: datetime
    ) -> bool:
        """`claim_message` and, for a new `sid`, `tag_message(sid, key)`, in one trip."""
        values = claim_values(
            sid, channel=channel, sender=sender, body=body, received_at=received_at
        )

        def work(connection: sqlite3.Connection) -> bool:
            if change(connection, CLAIM_SQL, values) != 1:
                return False
            change(connection, "UPDATE messages SET phone_key = ? WHERE sid = ?", (key, sid))
            return True

        return await self._run(work, write=True)

    async def tag_message(self, sid: str, key: str) -> None:
        """Record whose message `sid` is (the log itself keeps only the masked number)."""
        await self._change("UPDATE messages SET phone_key = ? WHERE sid = ?", (key, sid))

    async def redact_message(self, sid: str) -> None:
        """Replace a logged body that was a postal-code answer: never keep it in clear."""
        await self._change("UPDATE messages SET body = ? WHERE sid = ?", (REDACTED, sid))

    async def sender_messages(self, key: str, limit: int) -> list[SenderMessage]:
        """The sender's newest `limit` logged messages, oldest first."""
        rows = await self._fetch(
            """SELECT received_at, body, reply FROM messages WHERE phone_key = ?
               ORDER BY received_at DESC, rowid DESC LIMIT ?""",
            (key, max(limit, 0)),
        )
        return [SenderMessage(parse_utc(at), body, reply) for at, body, reply in reversed(rows)]

    # Orders by phone, with their last known status

    async def open_orders(self, phone: str) -> list[tuple[str, int]]:
        """(number, shipments) of the phone's open orders, newest first.

        Open: at least one shipment whose last status the bot saw is not `delivered`
        (never looked up counts as open). Orders without shipments are not listed.
        """
        rows = await self._fetch(
            """SELECT o.number, count(s.id) FROM orders AS o
               JOIN shipments AS s ON s.order_id = o.id
               WHERE o.phone_key = ?
               GROUP BY o.id
               HAVING sum(CASE WHEN coalesce(s.last_status, '') <> 'delivered' THEN 1 ELSE 0 END)
                   > 0
               ORDER BY o.created_at DESC, o.id DESC""",
            (phone_key(phone),),
        )
        return [(str(number), int(count)) for number, count in rows]


# The statements of the methods above as plain functions, for `SqliteBase._run` (they run on
# the store's worker thread; several of them make one trip).


#: The sender's session row (`read_session`, `session_of`).
SESSION_SQL = """SELECT language, menu, pending_order, last_order, expires_at, hint_at,
                        continuation
                 FROM sessions WHERE channel = ? AND sender_key = ?"""


def read_session(connection: sqlite3.Connection, channel: str, key: str, now: datetime) -> Session:
    return session_of(fetch_one(connection, SESSION_SQL, (channel, key)), now)


def session_of(row: Any, now: datetime) -> Session:
    """The session a `SESSION_SQL` row (or None) holds at `now`."""
    if row is None:
        return Session()
    language, menu, pending, last, expires_at, hint_at, more = row
    hint = time_or_none(hint_at)
    if parse_utc(expires_at) <= now:
        return Session(hint_at=hint)
    numbers = tuple(str(number) for number in json.loads(menu)) if menu else ()
    return Session(language, numbers, pending, last, hint, continuation_of(more))


def continuation_text(more: Continuation) -> str | None:
    """`more` as the sessions.continuation column keeps it (JSON; NULL for nothing)."""
    if not more:
        return None
    return json.dumps({"menu_at": more.menu_at, "orders": list(more.orders),
                       "package_at": more.package_at})  # fmt: skip


def continuation_of(text: str | None) -> Continuation:
    """The sessions.continuation column read back; anything unreadable is nothing to continue."""
    try:
        data = json.loads(text) if text else {}
        return Continuation(
            int(data.get("menu_at", 0)),
            tuple(str(number) for number in data.get("orders", ())),
            int(data.get("package_at", 0)),
        )
    except (ValueError, TypeError, AttributeError):
        return Continuation()


#: The sender's lock-out row (`read_lockout`, `lockout_of`).
LOCKOUT_SQL = "SELECT locked_until FROM verify_attempts WHERE sender_key = ?"


def read_lockout(connection: sqlite3.Connection, key: str, now: datetime) -> datetime | None:
    return lockout_of(fetch_one(connection, LOCKOUT_SQL, (key,)), now)


def lockout_of(row: Any, now: datetime) -> datetime | None:
    """Until when a `LOCKOUT_SQL` row (or None) locks the sender out at `now`; None: not."""
    until = time_or_none(row[0]) if row else None
    return until if until is not None and until > now else None


#: One hit in one statement. `noticed` is 0 (no notice yet in this window), 1 (this hit
#: was the first past the limit: it gets the notice) or 2 (the notice was given before):
#: the statement writes what the verdict needs, since RETURNING sees only the new row.
#: ?3 is now, ?4 the earliest start still inside the window, ?5 the limit.
HIT_SQL = """INSERT INTO rate_windows (sender_key, kind, started_at, hits, noticed)
                  VALUES (?1, ?2, ?3, 1, CASE WHEN 1 > ?5 THEN 1 ELSE 0 END)
              ON CONFLICT (sender_key, kind) DO UPDATE SET
                  started_at = CASE WHEN rate_windows.started_at > ?4
                      THEN rate_windows.started_at ELSE excluded.started_at END,
                  hits = CASE WHEN rate_windows.started_at > ?4
                      THEN rate_windows.hits + 1 ELSE 1 END,
                  noticed = CASE
                      WHEN rate_windows.started_at > ?4 AND rate_windows.noticed >= 1
                          THEN CASE WHEN rate_windows.hits + 1 > ?5 THEN 2 ELSE 1 END
                      WHEN rate_windows.started_at > ?4 AND rate_windows.hits + 1 > ?5 THEN 1
                      WHEN rate_windows.started_at <= ?4 AND 1 > ?5 THEN 1
                      ELSE 0 END
              RETURNING hits, noticed"""


def hit_window(
    connection: sqlite3.Connection,
    key: str,
    kind: str,
    now: datetime,
    *,
    limit: int,
    window_s: float,
) -> Verdict:
    """Count one hit in one conditional upsert: atomic on its own on both backends (SQLite's
    single writer; on PostgreSQL the upsert locks the row and computes from its latest
    version, so concurrent hits never lose a count at any isolation level)."""
    return verdict_of(
        fetch_one(connection, HIT_SQL, hit_params(key, kind, now, window_s, limit)), limit
    )


def hit_params(key: str, kind: str, now: datetime, window_s: float, limit: int) -> tuple[Any, ...]:
    """`HIT_SQL`'s parameters for one hit of `kind` at `now`."""
    earliest = utc_text(now - timedelta(seconds=window_s), "now")
    return (key, kind, utc_text(now, "now"), earliest, limit)


def verdict_of(row: Any, limit: int) -> Verdict:
    """The verdict of the hit whose `HIT_SQL` returned `row` (hits, noticed)."""
    if int(row[0]) <= limit:
        return Verdict.ALLOWED
    return Verdict.SILENT if int(row[1]) == 2 else Verdict.NOTICE
