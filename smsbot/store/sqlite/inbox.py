"""Orders that flow in live (schema: migration 5): the webhook inbox, the shops' clock per
resource, order replacement and cancellation. See `smsbot.store.inbox` for the contract."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from smsbot.errors import StoreValueError
from smsbot.orders.model import Leg, Order, Shipment
from smsbot.store.inbox import MAX_INBOX_BODY, InboxEvent, InboxState
from smsbot.store.keys import phone_key
from smsbot.store.records import ImportCounts
from smsbot.store.sqlite.connection import SqliteBase, change, fetch_all, fetch_one
from smsbot.store.sqlite.core import _upsert, shipment_rows_of
from smsbot.store.times import parse_utc, utc_text

_EVENT = """SELECT id, source, event_id, topic, shop, body, received_at, state, attempts, note
            FROM inbox"""


class InboxStore(SqliteBase):
    """The inbox, `source_versions` and `order_cancellations` tables."""

    async def add_inbox(
        self,
        *,
        source: str,
        event_id: str,
        topic: str,
        shop: str,
        body: bytes,
        received_at: datetime,
    ) -> int | None:
        """See `smsbot.store.inbox.InboxStore.add_inbox`."""
        if not event_id:
            raise StoreValueError("a webhook id is required to store a webhook")
        if len(body) > MAX_INBOX_BODY:
            raise StoreValueError(f"a webhook body is kept up to {MAX_INBOX_BODY} bytes")
        values = (source, event_id, topic, shop, body, utc_text(received_at, "received_at"))

        def work(connection: sqlite3.Connection) -> int | None:
            row = fetch_one(
                connection,
                """INSERT INTO inbox (source, event_id, topic, shop, body, received_at, state)
                   VALUES (?, ?, ?, ?, ?, ?, 'pending')
                   ON CONFLICT (source, event_id) DO NOTHING RETURNING id""",
                values,
            )
            return None if row is None else int(row[0])

        return await self._run(work, write=True)

    async def inbox_event(self, event_id: int) -> InboxEvent | None:
        """One stored event by its id."""
        rows = await self._fetch(f"{_EVENT} WHERE id = ?", (event_id,))
        return _event(rows[0]) if rows else None

    async def pending_inbox(self, limit: int = 100) -> list[InboxEvent]:
        """PENDING events, oldest first; each read counts one attempt."""

        def work(connection: sqlite3.Connection) -> list[InboxEvent]:
            rows = fetch_all(
                connection,
                f"{_EVENT} WHERE state = 'pending' ORDER BY id LIMIT ?",  # constant text
                (max(1, limit),),
            )
            connection.executemany(
                "UPDATE inbox SET attempts = attempts + 1 WHERE id = ?", [(r[0],) for r in rows]
            ).close()
            return [_event(row, bump=1) for row in rows]

        return await self._run(work, write=True)

    async def finish_inbox(
        self, event_id: int, state: InboxState, *, at: datetime, note: str | None = None
    ) -> bool:
        """Close a PENDING event as `state` with `note`; False when it was not pending."""
        changed = await self._change(
            """UPDATE inbox SET state = ?, note = ?, finished_at = ?
               WHERE id = ? AND state = 'pending'""",
            (InboxState(state).value, note, utc_text(at, "at"), event_id),
        )
        return changed == 1

    async def flagged_inbox(self, limit: int = 50) -> list[InboxEvent]:
        """The newest FLAGGED events, newest first."""
        rows = await self._fetch(
            f"{_EVENT} WHERE state = 'flagged' ORDER BY id DESC LIMIT ?", (max(0, limit),)
        )
        return [_event(row) for row in rows]

    async def inbox_counts(self) -> dict[InboxState, int]:
        """How many events are in each state."""
        rows = await self._fetch("SELECT state, count(*) FROM inbox GROUP BY state", ())
        counts = dict.fromkeys(InboxState, 0)
        counts.update({InboxState(state): int(count) for state, count in rows})
        return counts

    async def claim_version(
        self, resource: str, updated_at: datetime, *, tracking: Sequence[Shipment] = ()
    ) -> tuple[bool, tuple[Shipment, ...]]:
        """See `smsbot.store.inbox.InboxStore.claim_version`."""
        stamp = utc_text(updated_at, "updated_at")
        remembered = json.dumps(
            [[s.carrier, s.tracking_number, Leg(s.kind).value] for s in tracking]
        )

        def work(connection: sqlite3.Connection) -> tuple[bool, tuple[Shipment, ...]]:
            row = fetch_one(
                connection,
                "SELECT updated_at, tracking FROM source_versions WHERE resource = ?",
                (resource,),
            )
            if row is not None and row[0] > stamp:  # fixed-precision UTC text sorts as time
                return False, ()
            change(
                connection,
                """INSERT INTO source_versions (resource, updated_at, tracking) VALUES (?, ?, ?)
                   ON CONFLICT (resource) DO UPDATE SET updated_at = excluded.updated_at,
                       tracking = excluded.tracking""",
                (resource, stamp, remembered),
            )
            before = [] if row is None else json.loads(row[1])
            return True, tuple(Shipment(c, t, Leg(k)) for c, t, k in before)

        return await self._run(work, write=True)

    async def replace_order(self, order: Order, *, now: datetime) -> ImportCounts:
        """See `smsbot.store.inbox.InboxStore.replace_order`."""
        stamp = utc_text(now, "now")
        o = order
        order_row = (o.number, o.phone, phone_key(o.phone), o.email, o.postal_code, o.name)
        shipment_rows = shipment_rows_of(o)
        keep = {row[1:4] for row in shipment_rows}

        def work(connection: sqlite3.Connection) -> ImportCounts:
            created, added = _upsert(connection, [(*order_row, o.locale, stamp)], shipment_rows)
            order_id = int(
                fetch_one(connection, "SELECT id FROM orders WHERE number = ?", (o.number,))[0]
            )
            stored = fetch_all(
                connection,
                "SELECT id, carrier, tracking_number, kind FROM shipments WHERE order_id = ?",
                (order_id,),
            )
            gone = [(row[0],) for row in stored if tuple(row[1:]) not in keep]
            connection.executemany("DELETE FROM shipments WHERE id = ?", gone).close()
            change(connection, "DELETE FROM order_cancellations WHERE order_id = ?", (order_id,))
            return ImportCounts(created, 1 - created, added, len(keep) - added)

        return await self._run(work, write=True)

    async def remove_shipments(self, number: str, shipments: Sequence[Shipment]) -> int:
        """Delete these shipments of order `number`; how many were deleted."""
        rows = [(number, s.carrier, s.tracking_number, Leg(s.kind).value) for s in shipments]

        def work(connection: sqlite3.Connection) -> int:
            removed = 0
            for row in rows:
                removed += change(
                    connection,
                    """DELETE FROM shipments WHERE order_id =
                           (SELECT id FROM orders WHERE number = ?)
                       AND carrier = ? AND tracking_number = ? AND kind = ?""",
                    row,
                )
            return removed

        return await self._run(work, write=True)

    async def cancel_order(self, number: str, *, at: datetime) -> bool:
        """Mark order `number` cancelled; False when there is no such order."""
        changed = await self._run(
            lambda connection: change(
                connection,
                """INSERT INTO order_cancellations (order_id, cancelled_at)
                   SELECT id, ? FROM orders WHERE number = ?
                   ON CONFLICT (order_id) DO NOTHING""",
                (utc_text(at, "at"), number),
            ),
            write=True,
        )
        return changed == 1 or await self.cancelled_at(number) is not None

    async def cancelled_at(self, number: str) -> datetime | None:
        """When order `number` was cancelled, or None."""
        rows = await self._fetch(
            """SELECT c.cancelled_at FROM order_cancellations AS c
               JOIN orders AS o ON o.id = c.order_id WHERE o.number = ?""",
            (number,),
        )
        return parse_utc(rows[0][0]) if rows else None


def _event(row: Sequence[Any], *, bump: int = 0) -> InboxEvent:
    event_id, source, delivery, topic, shop, body, received, state, attempts, note = row
    return InboxEvent(
        id=int(event_id),
        source=source,
        event_id=delivery,
        topic=topic,
        shop=shop,
        body=bytes(body),
        received_at=parse_utc(received),
        state=InboxState(state),
        attempts=int(attempts) + bump,
        note=note,
    )
