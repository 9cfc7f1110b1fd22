"""A message's store work in two transactions (`smsbot.store.turns`), on SQLite.

Each call is one trip to the worker thread and one BEGIN IMMEDIATE ... COMMIT inside it
(on PostgreSQL at READ COMMITTED, see `store.postgres.turns`):
nothing can pause while the write lock is held, so a message never keeps another process
(the watcher, another server worker, the cleanup) waiting on it.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from datetime import datetime, timedelta
from typing import Any

from smsbot.store.keys import phone_key
from smsbot.store.records import CachedTracking
from smsbot.store.sqlite.connection import SqliteBase, change, fetch_one
from smsbot.store.sqlite.conversation import (
    HIT_SQL,
    LOCKOUT_SQL,
    REDACTED,
    SESSION_SQL,
    continuation_text,
    hit_params,
    hit_window,
    lockout_of,
    session_of,
    verdict_of,
)
from smsbot.store.sqlite.core import claim_values, read_orders
from smsbot.store.times import utc_text
from smsbot.store.turns import Claim, TrackingKey, TurnEnd, TurnOpening, TurnStart

log = logging.getLogger("smsbot.store")

_OPT_OUT_SQL = """INSERT INTO opt_outs (phone_key, channel, opted_out, updated_at)
                  VALUES (?, ?, ?, ?)
                  ON CONFLICT (phone_key) DO UPDATE SET channel = excluded.channel,
                      opted_out = excluded.opted_out, updated_at = excluded.updated_at"""

#: `core.CLAIM_SQL` with the sender's key and the lease.
_CLAIM_SQL = """INSERT INTO messages (sid, channel, sender_masked, body, received_at, phone_key,
                    lease_until) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sid) DO NOTHING"""

_SESSION_SQL = """INSERT INTO sessions (channel, sender_key, language, menu, pending_order,
                      last_order, expires_at, hint_at, continuation)
                      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                  ON CONFLICT (channel, sender_key) DO UPDATE SET language = excluded.language,
                      menu = excluded.menu, pending_order = excluded.pending_order,
                      last_order = excluded.last_order, expires_at = excluded.expires_at,
                      hint_at = excluded.hint_at, continuation = excluded.continuation"""


class TurnStore(SqliteBase):
    """`open_turn` and `close_turn`: one transaction each."""

    async def open_turn(self, start: TurnStart, now: datetime) -> TurnOpening:
        """See `smsbot.store.turns.TurnStore.open_turn`."""
        values = None  # no MessageSid (`smsbot text`, tests): nothing to claim or log
        if start.sid:
            values = claim_values(
                start.sid,
                channel=start.channel,
                sender=start.sender,
                body=start.body,
                received_at=start.received_at,
            )
        at = utc_text(now, "now")
        lease = utc_text(start.lease_until, "lease_until")
        opt = None
        if start.opt_out is not None and start.phone:
            opt = (phone_key(start.phone), start.channel, int(start.opt_out), at)

        def work(connection: sqlite3.Connection) -> TurnOpening:
            claim, reply = Claim.NEW, None
            if values is not None:
                claim, reply = _claim(connection, values, start.key, lease, at)
            if not claim.mine:
                return TurnOpening(claim, reply)
            if opt is not None:  # in the claim's transaction: a crash cannot lose it
                # Its count is not needed: on PostgreSQL it then goes with the COMMIT.
                connection.execute(_OPT_OUT_SQL, opt).close()
                return TurnOpening(claim)
            return self._read_turn(connection, start, now, claim)

        return await self._run(work, write=True, inline=True)

    def _read_turn(
        self, connection: sqlite3.Connection, start: TurnStart, now: datetime, claim: Claim
    ) -> TurnOpening:
        key = start.key
        # Three statements sent before any is read: on PostgreSQL (pipelined) one round trip.
        hit = connection.execute(
            HIT_SQL, hit_params(key, "messages", now, start.window_s, start.limit)
        )
        held = connection.execute(SESSION_SQL, (start.channel, key))
        lock = connection.execute(LOCKOUT_SQL, (key,))
        verdict = verdict_of(_row(hit), start.limit)
        session = session_of(_row(held), now)
        locked = lockout_of(_row(lock), now)
        plan = start.plan(session) if start.plan is not None else None
        if plan is None:
            return TurnOpening(claim, None, verdict, session, locked)
        lookup = None
        if plan.count and locked is None:
            lookup = hit_window(
                connection,
                key,
                "lookups",
                now,
                limit=start.lookup_limit,
                window_s=start.lookup_window_s,
            )
        if plan.order is None:
            return TurnOpening(claim, None, verdict, session, locked, plan.count, lookup)
        found = read_orders(connection, "number", plan.order)
        order = found[0] if found else None
        verified = False
        tracking: dict[TrackingKey, CachedTracking | None] = {}
        if order is not None:
            verified = (
                fetch_one(
                    connection,
                    """SELECT 1 FROM verified_orders
                       WHERE sender_key = ? AND order_number = ? AND expires_at > ?""",
                    (key, order.number, utc_text(now, "now")),
                )
                is not None
            )
            for shipment in order.shipments:
                pair = (shipment.carrier, shipment.tracking_number)
                if pair not in tracking:
                    tracking[pair] = self._decoded.read(connection, *pair)
        return TurnOpening(
            claim, None, verdict, session, locked, plan.count, lookup, plan.order, order,
            verified, tracking,
        )  # fmt: skip

    async def close_turn(self, end: TurnEnd) -> None:
        """See `smsbot.store.turns.TurnStore.close_turn`."""
        saved = None
        if end.session is not None and end.now is not None:
            session = end.session
            saved = (
                end.channel,
                end.key,
                session.language,
                json.dumps(list(session.menu)) if session.menu else None,
                session.pending_order,
                session.last_order,
                utc_text(end.now + timedelta(seconds=end.ttl_s), "expires_at"),
                None if session.hint_at is None else utc_text(session.hint_at, "hint_at"),
                continuation_text(session.more),
            )

        def work(connection: sqlite3.Connection) -> int:
            # Only the last statement's count is read: on PostgreSQL (pipelined) the others
            # go to the server with it, in one round trip.
            if saved is not None:
                connection.execute(_SESSION_SQL, saved).close()
            if not end.sid:
                return 1
            if end.redact:
                connection.execute(
                    "UPDATE messages SET body = ? WHERE sid = ?", (REDACTED, end.sid)
                ).close()
            return change(
                connection,
                """UPDATE messages SET intent = ?, reply = ?, replied = 1, latency_ms = ?,
                       lease_until = NULL WHERE sid = ?""",
                (end.intent, end.reply, end.latency_ms, end.sid),
            )

        if await self._run(work, write=True, inline=True) == 0:
            log.warning("close_turn: MessageSid %s was never claimed", end.sid)


def _row(cursor: sqlite3.Cursor) -> Any:
    """The first row of a statement already sent, and its cursor closed."""
    try:
        return cursor.fetchone()
    finally:
        cursor.close()


def _claim(
    connection: sqlite3.Connection,
    values: tuple[str, str, str, str, str],
    key: str,
    lease: str,
    at: str,
) -> tuple[Claim, str | None]:
    """Claim a MessageSid (inside the caller's transaction); its reply when finished."""
    sid = values[0]
    if change(connection, _CLAIM_SQL, (*values, key, lease)) == 1:
        return Claim.NEW, None
    row = fetch_one(connection, "SELECT replied, reply FROM messages WHERE sid = ?", (sid,))
    if row[0]:
        return Claim.FINISHED, row[1]
    # Unfinished: its answerer holds a lease; past it (a crash, a restart), take it over.
    taken = change(
        connection,
        """UPDATE messages SET lease_until = ? WHERE sid = ? AND replied = 0
               AND (lease_until IS NULL OR lease_until <= ?)""",
        (lease, sid, at),
    )
    return (Claim.TAKEN_OVER, None) if taken == 1 else (Claim.IN_PROGRESS, None)
