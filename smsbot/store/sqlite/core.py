"""Orders, shipments, the tracking cache, the message log and opt-outs (schema: migration 1)."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from smsbot.errors import StoreValueError
from smsbot.orders.model import Leg, Order, Shipment
from smsbot.phones import mask
from smsbot.store.keys import phone_key
from smsbot.store.records import (
    MAX_BODY,
    CachedTracking,
    ImportCounts,
    LoggedMessage,
    StoredReply,
)
from smsbot.store.snapshot import result_to_json
from smsbot.store.sqlite.connection import (
    SqliteBase,
    change,
    change_many,
    fetch_all,
    fetch_one,
)
from smsbot.store.sqlite.eta import capture_delivery
from smsbot.store.times import parse_utc, time_or_none, utc_or_none, utc_text
from smsbot.tracking import TrackingResult

log = logging.getLogger("smsbot.store")

# Orders joined to their shipments, newest order first, shipments in insertion order (id).
# The WHERE clauses are constants of this module; the looked-up value is always a parameter.
_ORDER_QUERIES = {
    by: f"""SELECT o.id, o.number, o.phone, o.email, o.postal_code, o.name, o.locale,
                   (SELECT cancelled_at FROM order_cancellations WHERE order_id = o.id),
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

    An empty `sid` raises StoreValueError: claiming it would replay another message's reply.
    """
    if not sid:
        raise StoreValueError("a MessageSid is required to claim a message")
    return (sid, channel, mask(sender), body[:MAX_BODY], utc_text(received_at, "received_at"))


class CoreStore(SqliteBase):
    """Orders, shipments, the tracking cache, the message log and opt-outs."""

    # Orders

    async def upsert_orders(
        self, orders: Sequence[Order], *, now: datetime | None = None
    ) -> ImportCounts:
        """See `OrderStore.upsert_orders`."""
        stamp = utc_text(datetime.now(UTC) if now is None else now, "now")
        order_rows = [
            (o.number, o.phone, phone_key(o.phone), o.email, o.postal_code, o.name, o.locale, stamp)
            for o in orders
        ]
        shipment_rows = [row for o in orders for row in shipment_rows_of(o)]
        created, added = await self._run(
            lambda connection: _upsert(connection, order_rows, shipment_rows), write=True
        )
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
        return await self._run(lambda connection: read_orders(connection, by, key))

    async def count_orders(self) -> int:
        """How many orders the store holds."""
        return int((await self._fetch("SELECT count(*) FROM orders", ()))[0][0])

    async def shipments_by_carrier(self) -> dict[str, int]:
        """How many shipments name each carrier (for `check`: carriers nothing serves)."""
        rows = await self._fetch("SELECT carrier, count(*) FROM shipments GROUP BY carrier", ())
        return {str(carrier): int(count) for carrier, count in rows}

    # Tracking cache

    async def save_tracking(self, result: TrackingResult, checked_at: datetime) -> None:
        """Cache `result` and record its status on every shipment with that carrier and number."""
        checked = utc_text(checked_at, "checked_at")
        last = result.last_event
        event_at = None if last is None else utc_text(last.time, "event time", naive_ok=True)
        eta = None if result.eta is None else result.eta.earliest.isoformat()
        values = (result.carrier, result.number, result_to_json(result), checked)
        shipment = (result.status.value, eta, event_at, checked, result.number, result.carrier)

        def work(connection: sqlite3.Connection) -> None:
            self._decoded.forget(result.carrier, result.number)
            change(
                connection,
                """INSERT INTO tracking_cache (carrier, number, result_json, checked_at)
                   VALUES (?, ?, ?, ?)
                   ON CONFLICT (carrier, number) DO UPDATE SET
                       result_json = excluded.result_json, checked_at = excluded.checked_at""",
                values,
            )
            change(
                connection,
                """UPDATE shipments
                   SET last_status = ?, last_eta = ?, last_event_at = ?, checked_at = ?
                   WHERE tracking_number = ? AND carrier = ?""",
                shipment,
            )
            capture_delivery(connection, result)  # the ETA history (issue 19)

        await self._run(work, write=True)

    async def cached_tracking(self, carrier: str, number: str) -> CachedTracking | None:
        """The cached result for this carrier and number; None when absent or unreadable."""
        return await self._run(lambda connection: self._decoded.read(connection, carrier, number))

    # Message log

    async def claim_message(
        self, sid: str, *, channel: str, sender: str, body: str, received_at: datetime
    ) -> bool:
        """Log a new message: True if `sid` is new, False if it was seen before.

        The sender is stored masked and the body cut to MAX_BODY characters. An empty `sid`
        raises StoreValueError: claiming it would replay another message's reply.
        """
        values = claim_values(
            sid, channel=channel, sender=sender, body=body, received_at=received_at
        )
        return await self._change(CLAIM_SQL, values) == 1

    async def finish_message(
        self, sid: str, *, intent: str, reply: str | None, latency_ms: float
    ) -> None:
        """Record the answer to a claimed message; `reply` None means empty TwiML."""
        updated = await self._change(
            "UPDATE messages SET intent = ?, reply = ?, replied = 1, latency_ms = ? WHERE sid = ?",
            (intent, reply, latency_ms, sid),
        )
        if updated == 0:
            # Bookkeeping only: the customer has their answer, so this is no reason to fail.
            log.warning("finish_message: MessageSid %s was never claimed", sid)

    async def message_reply(self, sid: str) -> StoredReply | None:
        """The logged reply for `sid`: None if unknown, unfinished if still being answered."""
        rows = await self._fetch("SELECT replied, reply FROM messages WHERE sid = ?", (sid,))
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


def shipment_rows_of(order: Order) -> list[tuple[str, str, str, str, str | None]]:
    """The `shipments` rows `_upsert` writes for `order`: (number, carrier, tracking, kind,
    shipped_at)."""
    return [
        (
            order.number,
            s.carrier,
            s.tracking_number,
            Leg(s.kind).value,
            utc_or_none(s.shipped_at, "shipped_at"),
        )
        for s in order.shipments
    ]


def read_orders(connection: sqlite3.Connection, by: str, key: str | None) -> list[Order]:
    """The orders found by `by` ("number", "phone" or "tracking") = `key`, newest first."""
    rows = fetch_all(connection, _ORDER_QUERIES[by], (key,))
    orders: dict[int, tuple[Any, list[Shipment]]] = {}
    for order_id, *fields, carrier, tracking_number, kind, shipped_at in rows:
        shipments = orders.setdefault(order_id, (fields, []))[1]
        if carrier is not None:
            shipments.append(
                Shipment(carrier, tracking_number, Leg(kind), time_or_none(shipped_at))
            )
    return [
        Order(number, phone, email, postal_code, name, locale, tuple(shipments), cancelled)
        for (number, phone, email, postal_code, name, locale, cancelled_text), shipments in (
            orders.values()
        )
        for cancelled in [time_or_none(cancelled_text)]
    ]


def _upsert(
    connection: sqlite3.Connection,
    order_rows: Sequence[Sequence[Any]],
    shipment_rows: Sequence[Sequence[Any]],
) -> tuple[int, int]:
    """Write the rows of `upsert_orders`; (orders created, shipments added)."""
    orders_before, shipments_before = _counts(connection)
    change_many(
        connection,
        """INSERT INTO orders (number, phone, phone_key, email, postal_code, name, locale,
               created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)
           ON CONFLICT (number) DO UPDATE SET phone = excluded.phone,
               phone_key = excluded.phone_key, email = excluded.email,
               postal_code = excluded.postal_code, name = excluded.name,
               locale = excluded.locale, updated_at = excluded.updated_at""",
        order_rows,
    )
    # A kept shipment learns its ship date when the new import has one.
    change_many(
        connection,
        """INSERT INTO shipments (order_id, carrier, tracking_number, kind, shipped_at)
           VALUES ((SELECT id FROM orders WHERE number = ?), ?, ?, ?, ?)
           ON CONFLICT (order_id, carrier, tracking_number, kind) DO UPDATE SET
               shipped_at = coalesce(excluded.shipped_at, shipments.shipped_at)""",
        shipment_rows,
    )
    orders_after, shipments_after = _counts(connection)
    return orders_after - orders_before, shipments_after - shipments_before


def _counts(connection: sqlite3.Connection) -> tuple[int, int]:
    row = fetch_one(
        connection, "SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM shipments)"
    )
    return int(row[0]), int(row[1])
