"""Shop order ids, inbox waits and inbox purging in SQLite (schema: the shop_orders
migration). See `smsbot.store.shop_orders` for the contract."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from smsbot.errors import StoreValueError
from smsbot.store.sqlite.connection import SqliteBase, change, fetch_all, fetch_one
from smsbot.store.times import utc_text


class ShopOrderStore(SqliteBase):
    """The `shop_orders` and `inbox_waits` tables, and the inbox's old rows."""

    async def map_shop_order(self, source: str, shop_order_id: str, number: str) -> None:
        """See `smsbot.store.shop_orders.ShopOrderStore.map_shop_order`."""
        if not source or not shop_order_id or not number:
            raise StoreValueError("a shop order mapping needs a source, an id and a number")
        await self._change(
            """INSERT INTO shop_orders (source, shop_order_id, number) VALUES (?, ?, ?)
               ON CONFLICT (source, shop_order_id) DO UPDATE SET number = excluded.number""",
            (source, shop_order_id, number),
        )

    async def shop_order_number(self, source: str, shop_order_id: str) -> str | None:
        """Our order number for this shop order id, or None."""
        rows = await self._fetch(
            "SELECT number FROM shop_orders WHERE source = ? AND shop_order_id = ?",
            (source, shop_order_id),
        )
        return str(rows[0][0]) if rows else None

    async def wait_for_order(
        self, event_id: int, source: str, shop_order_id: str, *, at: datetime, note: str
    ) -> bool:
        """Flag a pending event and record what it waits for, in one transaction."""
        stamp = utc_text(at, "at")

        def work(connection: sqlite3.Connection) -> bool:
            arrived = fetch_one(
                connection,
                "SELECT number FROM shop_orders WHERE source = ? AND shop_order_id = ?",
                (source, shop_order_id),
            )
            if arrived is not None:
                return False
            closed = change(
                connection,
                """UPDATE inbox SET state = 'flagged', note = ?, finished_at = ?
                   WHERE id = ? AND state = 'pending'""",
                (note, stamp, event_id),
            )
            if closed != 1:
                return False
            change(
                connection,
                """INSERT INTO inbox_waits (inbox_id, source, shop_order_id) VALUES (?, ?, ?)
                   ON CONFLICT (inbox_id) DO UPDATE SET source = excluded.source,
                       shop_order_id = excluded.shop_order_id""",
                (event_id, source, shop_order_id),
            )
            return True

        return await self._run(work, write=True)

    async def release_waiting(self, source: str, shop_order_id: str) -> list[int]:
        """Waiting events of this order back to PENDING; their ids, oldest first."""

        def work(connection: sqlite3.Connection) -> list[int]:
            rows = fetch_all(
                connection,
                """SELECT inbox_id FROM inbox_waits WHERE source = ? AND shop_order_id = ?
                   ORDER BY inbox_id""",
                (source, shop_order_id),
            )
            return [int(inbox_id) for (inbox_id,) in rows if _reopen(connection, inbox_id)]

        return await self._run(work, write=True)

    async def reopen_flagged(self, event_id: int) -> bool:
        """See `smsbot.store.shop_orders.ShopOrderStore.reopen_flagged`."""

        return await self._run(lambda connection: _reopen(connection, event_id), write=True)

    async def purge_inbox(self, *, flagged_before: datetime, finished_before: datetime) -> int:
        """Delete closed events past their keeping time; how many."""
        flagged = utc_text(flagged_before, "flagged_before")
        finished = utc_text(finished_before, "finished_before")

        def work(connection: sqlite3.Connection) -> int:
            # Waits go first: the foreign key would refuse (or cascade) otherwise.
            change(
                connection,
                """DELETE FROM inbox_waits WHERE inbox_id IN (SELECT id FROM inbox
                       WHERE state = 'flagged' AND finished_at < ?)""",
                (flagged,),
            )
            deleted = change(
                connection,
                "DELETE FROM inbox WHERE state = 'flagged' AND finished_at < ?",
                (flagged,),
            )
            return deleted + change(
                connection,
                "DELETE FROM inbox WHERE state IN ('done', 'ignored') AND finished_at < ?",
                (finished,),
            )

        return await self._run(work, write=True)


def _reopen(connection: sqlite3.Connection, inbox_id: int) -> bool:
    """A FLAGGED event back to PENDING (attempts from zero), no longer waiting; whether it
    was flagged. Its wait goes either way: a closed event waits for nothing."""
    reopened = change(
        connection,
        """UPDATE inbox SET state = 'pending', attempts = 0, note = NULL, finished_at = NULL
           WHERE id = ? AND state = 'flagged'""",
        (inbox_id,),
    )
    change(connection, "DELETE FROM inbox_waits WHERE inbox_id = ?", (inbox_id,))
    return reopened == 1
