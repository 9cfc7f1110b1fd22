"""The PostgreSQL migrations mirror SQLite's, and two processes opening at once migrate once."""

from __future__ import annotations

import asyncio
import re

import pytest

from smsbot.errors import StoreError
from smsbot.store import open_store
from smsbot.store.postgres import MIGRATIONS as PG_MIGRATIONS
from smsbot.store.postgres.base import PostgresBase
from smsbot.store.sqlite import MIGRATIONS as SQLITE_MIGRATIONS
from tests.pgtest import fresh_url

_TABLE = re.compile(r"CREATE TABLE (\w+)")
_INDEX = re.compile(r"CREATE (?:UNIQUE )?INDEX (\w+)")


def test_every_sqlite_migration_has_a_postgresql_twin() -> None:
    assert len(PG_MIGRATIONS) == len(SQLITE_MIGRATIONS)
    for number, (sqlite, pg) in enumerate(zip(SQLITE_MIGRATIONS, PG_MIGRATIONS, strict=True), 1):
        for pattern in (_TABLE, _INDEX):
            made_sqlite = pattern.findall(" ".join(sqlite))
            made_pg = pattern.findall(" ".join(pg))
            assert made_pg == made_sqlite, f"migration {number}: {pattern.pattern}"


async def test_two_stores_opening_at_once_migrate_once() -> None:
    url = fresh_url()
    first, second = await asyncio.gather(open_store(url), open_store(url))
    try:
        assert isinstance(first, PostgresBase)
        assert await first.schema_version() == len(PG_MIGRATIONS)
        assert await second.schema_version() == len(PG_MIGRATIONS)
        rows = await first._fetch("SELECT version FROM smsbot_schema ORDER BY version", ())
        assert [row[0] for row in rows] == list(range(1, len(PG_MIGRATIONS) + 1))
    finally:
        await first.close()
        await second.close()


async def test_a_newer_database_is_refused() -> None:
    url = fresh_url()
    await (await open_store(url)).close()
    with pytest.raises(StoreError, match="newer than this smsbot knows"):
        await PostgresBase.open(url, migrations=PG_MIGRATIONS[:-1])


async def test_the_first_eta_trigger_keeps_the_first_eta_only() -> None:
    from smsbot.orders.model import Order, Shipment

    async with await open_store(fresh_url()) as store:
        assert isinstance(store, PostgresBase)
        await store.upsert_orders([Order("1", None, shipments=(Shipment("ups", "1Z1"),))])
        for eta in ("2024-11-25", "2024-11-27"):
            await store._change("UPDATE shipments SET last_eta = ?", (eta,))
        rows = await store._fetch("SELECT eta FROM shipment_first_eta", ())
        assert rows == [("2024-11-25",)]


async def test_a_claim_racing_another_process_keeps_the_daily_cap() -> None:
    """Another process claimed the recipient's other message in a transaction still open:
    whichever commits second is aborted (READ COMMITTED would let both through)."""
    from datetime import UTC, datetime, timedelta

    import psycopg

    from smsbot.store import OutboxState
    from smsbot.store.postgres.adapter import translate
    from smsbot.store.sqlite.outbox import CLAIM_UPDATE
    from smsbot.store.times import utc_text

    now = datetime(2024, 11, 23, 14, 0, tzinfo=UTC)
    day = (now.replace(hour=0), now.replace(hour=0) + timedelta(days=1))
    url = fresh_url()
    async with await open_store(url) as store:
        for key in ("a", "b"):
            await store.add_outbox(
                key=key,
                phone="+12025550101",
                channel="sms",
                body=key,
                order_number=None,
                state=OutboxState.QUEUED,
                at=now,
            )
        first, second = sorted(m.id for m in await store.due_outbox(now, 10))
        stamps = [utc_text(t, "t") for t in (now, now, day[0], day[1])]
        other = psycopg.connect(url, autocommit=False)
        other.isolation_level = psycopg.IsolationLevel.SERIALIZABLE
        try:
            cursor = psycopg.RawCursor(other)
            params = (stamps[0], stamps[1], first, stamps[2], stamps[3], 1)
            cursor.execute(translate(CLAIM_UPDATE), params)
            assert cursor.rowcount == 1  # claimed, not yet committed
            mine = await store.claim_outbox(second, now=now, lease_until=now, day=day, daily_cap=1)
            try:
                other.commit()
                theirs = True
            except psycopg.errors.SerializationFailure:
                theirs = False
        finally:
            other.close()
        assert [mine, theirs].count(True) == 1
