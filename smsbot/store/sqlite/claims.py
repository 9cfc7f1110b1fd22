"""Claims shared by many processes in SQL (schema: the claims migration; contract in
`smsbot.store.claims`). Each claim is one conditional upsert or update: portable SQL that
SQLite and PostgreSQL both run atomically (PostgreSQL re-checks the WHERE of an ON CONFLICT
update on the locked row, so two processes never both win).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime, timedelta

from smsbot.errors import StoreValueError
from smsbot.store.sqlite.connection import SqliteBase, change, change_many, fetch_one
from smsbot.store.times import utc_text

#: Win an order nobody claimed, whose last claim ended (ran out or was released) by the
#: time the caller read it as due, or that `owner` holds already.
_CLAIM = """INSERT INTO watch_claims (order_id, owner, lease_until) VALUES (?, ?, ?)
    ON CONFLICT (order_id) DO UPDATE SET owner = excluded.owner,
        lease_until = excluded.lease_until
    WHERE watch_claims.lease_until <= ? OR watch_claims.owner = excluded.owner"""

#: Count `used` requests of a carrier's hour, only while the total stays within the limit.
_SPEND = """INSERT INTO carrier_budgets (carrier, window_start, used) VALUES (?, ?, ?)
    ON CONFLICT (carrier, window_start) DO UPDATE SET
        used = carrier_budgets.used + excluded.used
    WHERE carrier_budgets.used + excluded.used <= ?"""

#: How long spent budgets and ended claims are kept.
_KEEP = timedelta(days=1)


class ClaimStore(SqliteBase):
    """`claim_orders`, `release_orders`, `take_budget`, `budget_spent`, `take_stale_outbox`."""

    async def claim_orders(
        self, order_ids: Sequence[int], *, owner: str, now: datetime, until: datetime
    ) -> set[int]:
        if not owner:
            raise StoreValueError("a claim needs an owner")
        ids = list(dict.fromkeys(order_ids))
        if not ids:
            return set()
        now_text, until_text = utc_text(now, "now"), utc_text(until, "until")

        def work(connection: sqlite3.Connection) -> set[int]:
            # One statement per order: its changed-row count says whether this owner won.
            return {
                order_id
                for order_id in ids
                if change(connection, _CLAIM, (order_id, owner, until_text, now_text)) == 1
            }

        return await self._run(work, write=True)

    async def release_orders(self, order_ids: Sequence[int], *, owner: str, at: datetime) -> None:
        ended = utc_text(at, "at")
        forget = utc_text(at - _KEEP, "at")
        rows = [(ended, order_id, owner) for order_id in dict.fromkeys(order_ids)]

        def work(connection: sqlite3.Connection) -> None:
            # The row stays, ended at `at`: a watcher that read the order as due before
            # then must not claim it (see `_CLAIM`).
            change_many(
                connection,
                "UPDATE watch_claims SET lease_until = ? WHERE order_id = ? AND owner = ?",
                rows,
            )
            change(connection, "DELETE FROM watch_claims WHERE lease_until < ?", (forget,))

        await self._run(work, write=True)

    async def take_budget(
        self, carrier: str, *, window: datetime, limit: int, count: int = 1
    ) -> bool:
        if count < 1:
            raise StoreValueError(f"a budget is spent in whole requests, not {count}")
        if count > limit:
            return False
        start = utc_text(window, "window")
        forget = utc_text(window - _KEEP, "window")

        def work(connection: sqlite3.Connection) -> bool:
            won = change(connection, _SPEND, (carrier, start, count, limit)) == 1
            change(
                connection,
                "DELETE FROM carrier_budgets WHERE carrier = ? AND window_start < ?",
                (carrier, forget),
            )
            return won

        return await self._run(work, write=True)

    async def budget_spent(self, carrier: str, window: datetime) -> int:
        row = await self._run(
            lambda connection: fetch_one(
                connection,
                "SELECT used FROM carrier_budgets WHERE carrier = ? AND window_start = ?",
                (carrier, utc_text(window, "window")),
            )
        )
        return 0 if row is None else int(row[0])

    async def take_stale_outbox(
        self, message_id: int, *, now: datetime, lease_until: datetime
    ) -> bool:
        taken = await self._change(
            """UPDATE outbox SET lease_until = ?, updated_at = ?
               WHERE id = ? AND state = 'sending' AND lease_until <= ?""",
            (utc_text(lease_until, "lease_until"), utc_text(now, "now"), message_id,
             utc_text(now, "now")),
        )  # fmt: skip
        return taken == 1
