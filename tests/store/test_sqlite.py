"""The SQLite backend: WAL, numbered migrations, databases written before the store contract,
the worker thread (one trip per store method, none on the event loop), busy databases, two
stores on one file. The behaviour every backend shares is in the other tests/store/ files."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from smsbot.channels.inbound import parse_inbound
from smsbot.errors import StoreError
from smsbot.orders.model import Order, Shipment
from smsbot.services import open_services
from smsbot.store import Claim, Session, TurnStart, Verdict, open_store
from smsbot.store.sqlite import MIGRATIONS, SqliteStore
from smsbot.store.sqlite.connection import in_transaction
from smsbot.store.sqlite.worker import Worker
from smsbot.tracking import Status
from tests.conftest import OWNER, SettingsFactory
from tests.store import test_message_log as message_log
from tests.store.conftest import NOW, order
from tests.store.test_tracking_cache import tracking

FIXTURES = Path(__file__).parent / "fixtures"

#: The schema version this smsbot brings a database to: core, conversation, outbox, watch,
#: events out of order, inbox, links, console (escalations, users, first ETAs), leases, csat,
#: shop order ids, eta history, carrier breakers,
#: MORE's continuation, watcher claims and carrier budgets.
LATEST = 15


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "smsbot.db"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[SqliteStore]:
    async with await SqliteStore.open(db_path) as opened:
        yield opened


def query(path: Path, sql: str) -> list[tuple[object, ...]]:
    """Read the database file the way another process would."""
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()


# Opening and migrations


async def test_open_creates_the_schema_and_the_directory(store: SqliteStore, db_path: Path) -> None:
    assert await store.schema_version() == len(MIGRATIONS) == LATEST
    tables = {row[0] for row in query(db_path, "SELECT name FROM sqlite_master")}
    assert {"orders", "shipments", "tracking_cache", "messages", "opt_outs"} <= tables
    assert {"orders_phone_key", "shipments_tracking"} <= tables


async def test_the_database_is_in_wal_mode(store: SqliteStore, db_path: Path) -> None:
    assert query(db_path, "PRAGMA journal_mode") == [("wal",)]


async def test_a_database_written_before_the_store_contract_opens(db_path: Path) -> None:
    dump = (FIXTURES / "schema_v4.sql").read_text(encoding="utf-8")
    db_path.parent.mkdir(parents=True)
    with sqlite3.connect(db_path) as db:
        db.executescript(dump)
        db.execute("PRAGMA user_version = 4")  # the dump is schema version 4
    before = columns(db_path)

    async with await open_store(str(db_path)) as store:
        assert await store.schema_version() == LATEST
        found = await store.get_order("1001")
        assert found is not None and found.shipments[0].tracking_number == "1Z1"
        cached = await store.cached_tracking("ups", "1Z1")
        assert cached is not None and cached.result.status is Status.IN_TRANSIT
        assert not await store.claim_message(
            "SM1", channel="sms", sender=OWNER, body="x", received_at=NOW
        )
        assert await store.is_opted_out("+15557654321")
        assert await store.upsert_orders([order("1002")], now=NOW)

    # Later migrations only add: every table and column of version 4 is still there.
    after = columns(db_path)
    assert all(before[table] <= after.get(table, set()) for table in before)


def columns(path: Path) -> dict[str, set[str]]:
    """Every table of the database at `path` and its column names."""
    tables = [
        str(name) for (name,) in query(path, "SELECT name FROM sqlite_master WHERE type = 'table'")
    ]
    return {
        table: {str(row[1]) for row in query(path, f"PRAGMA table_info({table})")}
        for table in tables
    }


async def test_a_memory_database(tmp_path: Path) -> None:
    async with await open_store("sqlite://:memory:") as store:
        await store.upsert_orders([order("1001")])
        assert await store.count_orders() == 1
    async with await open_store(":memory:") as other:  # another, private database
        assert await other.count_orders() == 0


async def test_a_later_migration_is_applied_once(db_path: Path) -> None:
    extra = ("CREATE TABLE extra (value INTEGER)", "INSERT INTO extra VALUES (7)")
    await (await SqliteStore.open(db_path)).close()

    for _ in range(2):
        async with await SqliteStore.open(db_path, migrations=[*MIGRATIONS, extra]) as store:
            assert await store.schema_version() == LATEST + 1

    assert query(db_path, "SELECT value FROM extra") == [(7,)]


async def test_all_migrations_run_on_a_fresh_database(db_path: Path) -> None:
    extra = ("CREATE TABLE extra (value INTEGER)",)
    async with await SqliteStore.open(db_path, migrations=[*MIGRATIONS, extra]) as store:
        assert await store.schema_version() == LATEST + 1


async def test_a_failing_migration_changes_nothing(db_path: Path) -> None:
    await (await SqliteStore.open(db_path)).close()
    broken = ("CREATE TABLE extra (value INTEGER)", "THIS IS NOT SQL")

    with pytest.raises(StoreError, match=f"migration {LATEST + 1} failed"):
        await SqliteStore.open(db_path, migrations=[*MIGRATIONS, broken])

    assert query(db_path, "PRAGMA user_version") == [(LATEST,)]
    assert query(db_path, "SELECT name FROM sqlite_master WHERE name = 'extra'") == []


async def test_a_database_newer_than_the_code_is_refused(db_path: Path) -> None:
    await (await SqliteStore.open(db_path)).close()
    with sqlite3.connect(db_path) as db:
        db.execute("PRAGMA user_version = 99")

    with pytest.raises(StoreError, match="schema version 99, newer than this smsbot knows"):
        await SqliteStore.open(db_path)


async def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    not_a_database = tmp_path / "orders.csv"
    not_a_database.write_bytes(b"order_number,phone\n" * 100)

    with pytest.raises(StoreError, match="cannot open the database"):
        await open_store(not_a_database)


# What the file holds


async def test_save_tracking_records_the_status_on_shipments(
    store: SqliteStore, db_path: Path
) -> None:
    await store.upsert_orders([order("1001", None, "1Z1", "1Z2"), order("1002", None, "1Z1")])

    await store.save_tracking(tracking(Status.OUT_FOR_DELIVERY), NOW)

    rows = query(
        db_path,
        "SELECT tracking_number, last_status, last_eta, last_event_at, checked_at"
        " FROM shipments ORDER BY id",
    )
    fresh = ("out_for_delivery", "2024-11-26", "2024-11-22T09:00:00.000000+00:00")
    assert rows == [
        ("1Z1", *fresh, "2024-11-23T14:14:00.000000+00:00"),
        ("1Z2", None, None, None, None),
        ("1Z1", *fresh, "2024-11-23T14:14:00.000000+00:00"),
    ]


async def test_an_unreadable_cache_row_is_absent(
    store: SqliteStore, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await store.save_tracking(tracking(Status.IN_TRANSIT), NOW)
    with sqlite3.connect(db_path) as db:
        db.execute("UPDATE tracking_cache SET result_json = '{\"version\": 99}'")

    with caplog.at_level(logging.WARNING, logger="smsbot.store"):
        assert await store.cached_tracking("ups", "1Z1") is None

    assert "unsupported version 99" in caplog.text


async def test_the_full_number_is_never_logged(store: SqliteStore, db_path: Path) -> None:
    await message_log.test_the_log_keeps_the_sender_masked(store)  # whatsapp, a long body

    rows = query(db_path, "SELECT * FROM messages")
    assert len(rows) == 1
    assert all("5551234567" not in str(value) for value in rows[0])
    assert query(db_path, "SELECT length(body) FROM messages") == [(1600,)]


async def test_the_combined_calls_of_a_message_tag_the_log(
    store: SqliteStore, db_path: Path
) -> None:
    key = "+15551234567"
    assert await store.claim_tagged(
        "SM1", key, channel="sms", sender=key, body="1001", received_at=NOW
    )
    assert not await store.claim_tagged(
        "SM1", "+15559999999", channel="sms", sender=key, body="1001", received_at=NOW
    )
    assert query(db_path, "SELECT phone_key FROM messages") == [(key,)]

    await store.begin_turn("sms", key, NOW, limit=1, window_s=60)
    assert await store.hit_lookup_limit(key, NOW, limit=5, window_s=3600) is Verdict.ALLOWED
    await store.record_wrong_answer(key, NOW, max_attempts=1, lockout_s=900)
    assert await store.hit_lookup_limit(key, NOW, limit=5, window_s=3600) is None
    assert query(db_path, "SELECT hits FROM rate_windows WHERE kind = 'lookups'") == [(1,)]


async def test_sqlite_errors_are_store_errors(store: SqliteStore, db_path: Path) -> None:
    with sqlite3.connect(db_path) as db:
        db.execute("DROP TABLE opt_outs")

    with pytest.raises(StoreError, match="no such table"):
        await store.is_opted_out("+15551234567")


# The worker thread


async def test_the_worker_runs_functions_off_the_event_loop() -> None:
    worker = Worker("test")
    await worker.start(lambda: sqlite3.connect(":memory:"))
    try:
        thread = await worker.run(lambda connection: threading.get_ident())
        row = await worker.run(lambda connection: connection.execute("SELECT 7").fetchone())
        assert row == (7,)
        with pytest.raises(ZeroDivisionError):
            await worker.run(lambda connection: 1 // 0)
    finally:
        await worker.stop()
    await worker.stop()  # stopping twice is harmless

    assert thread != threading.get_ident()
    assert worker.trips == 5  # connect, the three calls, close
    with pytest.raises(RuntimeError, match="stopped"):
        await worker.run(lambda connection: None)


def insert_order_then_fail(connection: sqlite3.Connection) -> None:
    connection.execute(
        "INSERT INTO orders (number, created_at, updated_at) VALUES ('ghost', 'x', 'x')"
    )
    raise ValueError("halfway")


async def test_a_write_that_raises_is_rolled_back(store: SqliteStore, db_path: Path) -> None:
    connection = sqlite3.connect(db_path, isolation_level=None)
    try:
        with pytest.raises(ValueError, match="halfway"):
            in_transaction(insert_order_then_fail, connection)
        assert not connection.in_transaction
    finally:
        connection.close()

    assert query(db_path, "SELECT count(*) FROM orders") == [(0,)]
    await store.upsert_orders([order("after")])
    assert await store.count_orders() == 1


async def test_every_store_call_is_one_trip(store: SqliteStore) -> None:
    key = OWNER
    calls = (
        store.claim_tagged("SM1", key, channel="sms", sender=key, body="1", received_at=NOW),
        store.begin_turn("sms", key, NOW, limit=5, window_s=60),
        store.hit_lookup_limit(key, NOW, limit=5, window_s=60),
        store.get_order("1001"),
        store.orders_for_phone(key),
        store.cached_tracking("ups", "1Z1"),
        store.save_session("sms", key, Session(last_order="1001"), NOW, 600),
        store.finish_message("SM1", intent="order", reply="Hi", latency_ms=1),
        store.upsert_orders([order("1001", key, "1Z1")]),
        store.save_tracking(tracking(Status.IN_TRANSIT), NOW),
        store.due_shipments(NOW, NOW - timedelta(days=30), after_order=0, limit=1),
        store.due_triggers(NOW, limit=5),
    )
    for call in calls:
        before = store.trips
        await call
        assert store.trips == before + 1, call


async def test_a_cached_text_makes_two_trips(
    make_settings: SettingsFactory,
) -> None:
    """The conversation's store work on the cached path is two calls, one trip each:
    `open_turn` (claim, limits, session, lockout, the order, its cache) and `close_turn`
    (session, finish)."""
    settings = make_settings()
    orders = (Order("2001", OWNER, shipments=(Shipment("demo", "DEMO1001"),)),)
    async with open_services(settings, seed_orders=orders, check_signatures=False) as bot:
        assert isinstance(bot.store, SqliteStore)

        async def text(sid: str) -> None:
            form = {"From": OWNER, "Body": "2001", "MessageSid": sid}
            inbound = parse_inbound(
                form,
                default_region=settings.bot.default_region,
                order_pattern=settings.bot.order_number_pattern,
            )
            assert (await bot.conversation.answer(inbound)).text

        await text("SM" + "1" * 32)  # the first text fills the cache
        await asyncio.sleep(0.05)  # a warmer may still be saving
        trips, inline = bot.store.trips, bot.store.inline_runs
        await text("SM" + "2" * 32)
        # Both run inline (no thread trip) while nobody else holds the write lock.
        assert (bot.store.trips - trips, bot.store.inline_runs - inline) == (0, 2)


async def test_a_busy_database_is_waited_for_off_the_event_loop(
    store: SqliteStore, db_path: Path
) -> None:
    """Another process holds the write lock: the write waits on the worker thread (busy
    timeout), the event loop keeps running, and the write then succeeds."""
    other = sqlite3.connect(db_path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        task = asyncio.create_task(
            store.hit_limit("+15551234567", "messages", NOW, limit=5, window_s=60)
        )
        for _ in range(20):
            await asyncio.sleep(0)  # the loop keeps running while the task waits
        assert not task.done()
        other.execute("COMMIT")
        assert await task is Verdict.ALLOWED
    finally:
        other.close()
    assert query(db_path, "SELECT hits FROM rate_windows") == [(1,)]


async def test_the_message_path_goes_to_the_worker_while_the_database_is_busy(
    store: SqliteStore, db_path: Path
) -> None:
    """The inline call finds the write lock taken, writes nothing, retries a few times for
    ~4 ms, then the worker waits for the lock (off the loop) and does the work once."""
    start = TurnStart("SM1", OWNER, "sms", OWNER, "1001", NOW, NOW + timedelta(seconds=6), limit=5)
    other = sqlite3.connect(db_path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        task = asyncio.create_task(store.open_turn(start, NOW))
        await asyncio.sleep(0.05)  # past the short inline retries
        assert not task.done()
        other.execute("COMMIT")
        assert (await task).claim is Claim.NEW
    finally:
        other.close()
    assert store.inline_busy == 1
    assert query(db_path, "SELECT hits FROM rate_windows") == [(1,)]
    assert (await store.open_turn(start, NOW)).claim is Claim.IN_PROGRESS


async def test_two_stores_on_one_file_see_each_other(db_path: Path) -> None:
    async with await open_store(db_path) as first, await open_store(db_path) as second:
        assert await first.claim_message(
            "SM1", channel="sms", sender=OWNER, body="hi", received_at=NOW
        )
        assert not await second.claim_message(
            "SM1", channel="sms", sender=OWNER, body="hi", received_at=NOW
        )
        await second.set_opted_out(OWNER, "sms", True, NOW)
        assert await first.is_opted_out(OWNER)
