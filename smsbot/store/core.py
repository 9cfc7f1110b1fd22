"""Orders, shipments, the tracking cache, the message log and opt-outs.

Schema version 1 (`SCHEMA`) and the queries on it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from smsbot.orders.model import Leg, Order, Shipment
from smsbot.phones import mask
from smsbot.store.base import (
    StoreBase,
    parse_utc,
    phone_key,
    time_or_none,
    utc_or_none,
    utc_text,
)
from smsbot.store.snapshot import result_from_json, result_to_json
from smsbot.tracking import TrackingResult

log = logging.getLogger("smsbot.store")

#: Longest message body kept in the log: Twilio's own limit for one message.
MAX_BODY = 1600

#: Migration 1: the tables of this module.
SCHEMA: tuple[str, ...] = (
    """CREATE TABLE orders (
        id INTEGER PRIMARY KEY, number TEXT NOT NULL UNIQUE, phone TEXT, phone_key TEXT,
        email TEXT, postal_code TEXT, name TEXT, locale TEXT,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL)""",
    "CREATE INDEX orders_phone_key ON orders (phone_key)",
    """CREATE TABLE shipments (
        id INTEGER PRIMARY KEY,
        order_id INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
        carrier TEXT NOT NULL, tracking_number TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('outbound', 'return')), shipped_at TEXT,
        last_status TEXT, last_eta TEXT, last_event_at TEXT, checked_at TEXT,
        UNIQUE (order_id, carrier, tracking_number, kind))""",
    # Serves orders_for_tracking and the (carrier, number) update in save_tracking.
    "CREATE INDEX shipments_tracking ON shipments (tracking_number, carrier)",
    """CREATE TABLE tracking_cache (
        carrier TEXT NOT NULL, number TEXT NOT NULL, result_json TEXT NOT NULL,
        checked_at TEXT NOT NULL, PRIMARY KEY (carrier, number))""",
    """CREATE TABLE messages (
        sid TEXT PRIMARY KEY, channel TEXT NOT NULL, sender_masked TEXT NOT NULL,
        body TEXT NOT NULL, intent TEXT, reply TEXT, replied INTEGER NOT NULL DEFAULT 0,
        latency_ms REAL, received_at TEXT NOT NULL)""",
    "CREATE INDEX messages_received_at ON messages (received_at)",
    """CREATE TABLE opt_outs (
        phone_key TEXT PRIMARY KEY, channel TEXT NOT NULL, opted_out INTEGER NOT NULL,
        updated_at TEXT NOT NULL)""",
)


@dataclass(frozen=True)
class ImportCounts:
    """What one `upsert_orders` call did."""

    orders_created: int
    orders_updated: int
    shipments_added: int
    shipments_kept: int


@dataclass(frozen=True)
class CachedTracking:
    """A tracking result from the cache and when it was fetched (aware, UTC)."""

    result: TrackingResult
    checked_at: datetime


@dataclass(frozen=True)
class StoredReply:
    """The reply logged for a MessageSid. `reply` None with `finished` means empty TwiML."""

    finished: bool
    reply: str | None


@dataclass(frozen=True)
class LoggedMessage:
    """One row of the message log; `sender` is masked."""

    sid: str
    channel: str
    sender: str
    intent: str | None
    reply: str | None
    latency_ms: float | None
    received_at: datetime


# Orders joined to their shipments, newest order first, shipments in insertion order (id).
# The WHERE clauses are constants of this module; the looked-up value is always a parameter.
_ORDER_QUERIES = {
    by: f"""SELECT o.id, o.number, o.phone, o.email, o.postal_code, o.name, o.locale,
                   s.carrier, s.tracking_number, s.kind, s.shipped_at
            FROM orders AS o LEFT JOIN shipments AS s ON s.order_id = o.id
            WHERE {where} ORDER BY o.created_at DESC, o.id DESC, s.id"""  # noqa: S608
    for by, where in {
        "number": "o.number = ?",
        "phone": "o.phone_key = ?",
        "tracking": "o.id IN (SELECT order_id FROM shipments WHERE tracking_number = ?)",
    }.items()
}


#: Log a new message; changes one row if its MessageSid is new, none if seen before.
CLAIM_SQL = """INSERT INTO messages (sid, channel, sender_masked, body, received_at)
               VALUES (?, ?, ?, ?, ?) ON CONFLICT (sid) DO NOTHING"""


def claim_values(
    sid: str, *, channel: str, sender: str, body: str, received_at: datetime
) -> tuple[str, str, str, str, str]:
    """The parameters of CLAIM_SQL: the sender masked, the body cut to MAX_BODY.

    An empty `sid` raises ValueError: claiming it would replay another message's reply.
    """
    if not sid:
        raise ValueError("a MessageSid is required to claim a message")
    return (sid, channel, mask(sender), body[:MAX_BODY], utc_text(received_at, "received_at"))


class CoreStore(StoreBase):
    """Orders, shipments, the tracking cache, the message log and opt-outs."""

    # Orders

    async def upsert_orders(self, orders: Sequence[Order]) -> ImportCounts:
        """Insert or update `orders` in one transaction.

        An existing order (same number) takes the new fields; its shipments are kept and the
        new ones added (same carrier, tracking number and kind = the same shipment). An import
        never deletes a shipment. A later duplicate of a number in `orders` wins.
        """
        now = utc_text(datetime.now(UTC), "now")
        order_rows = [
            (o.number, o.phone, phone_key(o.phone), o.email, o.postal_code, o.name, o.locale, now)
            for o in orders
        ]
        shipment_rows = [
            (o.number, s.carrier, s.tracking_number, Leg(s.kind).value, utc_or_none(s.shipped_at))
            for o in orders
            for s in o.shipments
        ]
        async with self._session(write=True):
            orders_before = await self._scalar("SELECT count(*) FROM orders")
            shipments_before = await self._scalar("SELECT count(*) FROM shipments")
            await self._db.executemany(
                """INSERT INTO orders (number, phone, phone_key, email, postal_code, name, locale,
                       created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)
                   ON CONFLICT (number) DO UPDATE SET phone = excluded.phone,
                       phone_key = excluded.phone_key, email = excluded.email,
                       postal_code = excluded.postal_code, name = excluded.name,
                       locale = excluded.locale, updated_at = excluded.updated_at""",
                order_rows,
            )
            # A kept shipment learns its ship date when the new import has one.
            await self._db.executemany(
                """INSERT INTO shipments (order_id, carrier, tracking_number, kind, shipped_at)
                   VALUES ((SELECT id FROM orders WHERE number = ?), ?, ?, ?, ?)
                   ON CONFLICT (order_id, carrier, tracking_number, kind) DO UPDATE SET
                       shipped_at = coalesce(excluded.shipped_at, shipped_at)""",
                shipment_rows,
            )
            orders_after = await self._scalar("SELECT count(*) FROM orders")
            shipments_after = await self._scalar("SELECT count(*) FROM shipments")
        created = orders_after - orders_before
        added = shipments_after - shipments_before
        numbers = {row[0] for row in order_rows}
        distinct_shipments = {row[:4] for row in shipment_rows}
        return ImportCounts(created, len(numbers) - created, added, len(distinct_shipments) - added)

    async def get_order(self, number: str) -> Order | None:
        """The order with this (already normalized) number, shipments in insertion order."""
        orders = await self._orders("number", number)
        return orders[0] if orders else None

    async def orders_for_phone(self, phone: str) -> list[Order]:
        """The orders of this phone number (Mexico `+521…` ≡ `+52…`), newest first."""
        return await self._orders("phone", phone_key(phone))

    async def orders_for_tracking(self, tracking_number: str) -> list[Order]:
        """The orders with a shipment of this (compact) tracking number, newest first."""
        return await self._orders("tracking", tracking_number)

    async def _orders(self, by: str, key: str | None) -> list[Order]:
        rows = await self._fetch(_ORDER_QUERIES[by], (key,), inline=True)
        orders: dict[int, tuple[Any, list[Shipment]]] = {}
        for order_id, *fields, carrier, tracking_number, kind, shipped_at in rows:
            shipments = orders.setdefault(order_id, (fields, []))[1]
            if carrier is not None:
                shipments.append(
                    Shipment(carrier, tracking_number, Leg(kind), time_or_none(shipped_at))
                )
        return [
            Order(number, phone, email, postal_code, name, locale, tuple(shipments))
            for (number, phone, email, postal_code, name, locale), shipments in orders.values()
        ]

    async def count_orders(self) -> int:
        """How many orders the store holds."""
        return int((await self._fetch("SELECT count(*) FROM orders", ()))[0][0])

    # Tracking cache

    async def save_tracking(self, result: TrackingResult, checked_at: datetime) -> None:
        """Cache `result` and record its status on every shipment with that carrier and number."""
        checked = utc_text(checked_at, "checked_at")
        last = result.last_event
        event_at = None if last is None else utc_text(last.time, "event time", naive_ok=True)
        eta = None if result.eta is None else result.eta.earliest.isoformat()
        async with self._session(write=True):
            await self._db.execute(
                """INSERT INTO tracking_cache (carrier, number, result_json, checked_at)
                   VALUES (?, ?, ?, ?)
                   ON CONFLICT (carrier, number) DO UPDATE SET
                       result_json = excluded.result_json, checked_at = excluded.checked_at""",
                (result.carrier, result.number, result_to_json(result), checked),
            )
            await self._db.execute(
                """UPDATE shipments
                   SET last_status = ?, last_eta = ?, last_event_at = ?, checked_at = ?
                   WHERE tracking_number = ? AND carrier = ?""",
                (result.status.value, eta, event_at, checked, result.number, result.carrier),
            )

    async def cached_tracking(self, carrier: str, number: str) -> CachedTracking | None:
        """The cached result for this carrier and number; None when absent or unreadable."""
        rows = await self._fetch(
            "SELECT result_json, checked_at FROM tracking_cache WHERE carrier = ? AND number = ?",
            (carrier, number),
            inline=True,
        )
        if not rows:
            return None
        try:
            return CachedTracking(result_from_json(rows[0][0]), parse_utc(rows[0][1]))
        except ValueError as exc:
            log.warning("ignoring the cached tracking of %s %s: %s", carrier, number, exc)
            return None

    # Message log

    async def claim_message(
        self, sid: str, *, channel: str, sender: str, body: str, received_at: datetime
    ) -> bool:
        """Log a new message: True if `sid` is new, False if it was seen before.

        The sender is stored masked and the body cut to MAX_BODY characters. An empty `sid`
        raises ValueError: claiming it would replay another message's reply.
        """
        values = claim_values(
            sid, channel=channel, sender=sender, body=body, received_at=received_at
        )
        return await self._change(CLAIM_SQL, values, inline=True) == 1

    async def finish_message(
        self, sid: str, *, intent: str, reply: str | None, latency_ms: float
    ) -> None:
        """Record the answer to a claimed message; `reply` None means empty TwiML."""
        updated = await self._change(
            "UPDATE messages SET intent = ?, reply = ?, replied = 1, latency_ms = ? WHERE sid = ?",
            (intent, reply, latency_ms, sid),
            inline=True,
        )
        if updated == 0:
            # Bookkeeping only: the customer has their answer, so this is no reason to fail.
            log.warning("finish_message: MessageSid %s was never claimed", sid)

    async def message_reply(self, sid: str) -> StoredReply | None:
        """The logged reply for `sid`: None if unknown, unfinished if still being answered."""
        rows = await self._fetch(
            "SELECT replied, reply FROM messages WHERE sid = ?", (sid,), inline=True
        )
        return StoredReply(bool(rows[0][0]), rows[0][1]) if rows else None

    async def recent_messages(self, limit: int = 20) -> list[LoggedMessage]:
        """The newest `limit` messages of the log, newest first."""
        rows = await self._fetch(
            """SELECT sid, channel, sender_masked, intent, reply, latency_ms, received_at
               FROM messages ORDER BY received_at DESC, rowid DESC LIMIT ?""",
            (max(limit, 0),),
        )
        return [
            LoggedMessage(sid, channel, sender, intent, reply, latency, parse_utc(received))
            for sid, channel, sender, intent, reply, latency, received in rows
        ]

    # Opt-outs

    async def set_opted_out(self, phone: str, channel: str, opted_out: bool, at: datetime) -> None:
        """Record that `phone` opted out (or back in) on `channel`; it holds on every channel."""
        await self._change(
            """INSERT INTO opt_outs (phone_key, channel, opted_out, updated_at)
               VALUES (?, ?, ?, ?)
               ON CONFLICT (phone_key) DO UPDATE SET channel = excluded.channel,
                   opted_out = excluded.opted_out, updated_at = excluded.updated_at""",
            (phone_key(phone), channel, int(opted_out), utc_text(at, "at")),
        )

    async def is_opted_out(self, phone: str) -> bool:
        """Whether `phone` has opted out (and not back in)."""
        rows = await self._fetch(
            "SELECT opted_out FROM opt_outs WHERE phone_key = ?", (phone_key(phone),)
        )
        return bool(rows and rows[0][0])
