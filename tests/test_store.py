"""The SQLite store: migrations, orders, the tracking cache, the message log and opt-outs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from smsbot.orders.model import Leg, Order, Shipment
from smsbot.store import MIGRATIONS, ImportCounts, Store, StoredReply, StoreError
from smsbot.store.base import fetch_all
from smsbot.store.conversation import Session, Verdict
from smsbot.tracking import Eta, Event, Status, TrackingResult, carrier_local

NOW = datetime(2024, 11, 23, 14, 14, tzinfo=UTC)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "smsbot.db"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(db_path)
    yield opened
    await opened.close()


def query(path: Path, sql: str) -> list[tuple[object, ...]]:
    """Read the database file the way another process would."""
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()


def order(number: str, phone: str | None = "+15551234567", *tracking: str) -> Order:
    shipments = tuple(Shipment("ups", value) for value in tracking)
    return Order(number, phone, email=f"{number}@example.com", shipments=shipments)


# Opening and migrations

#: The schema version this smsbot brings a database to: core, conversation, outbox, watch.
LATEST = 4


async def test_open_creates_the_schema_and_the_directory(store: Store, db_path: Path) -> None:
    assert await store.schema_version() == len(MIGRATIONS) == LATEST
    tables = {row[0] for row in query(db_path, "SELECT name FROM sqlite_master")}
    assert {"orders", "shipments", "tracking_cache", "messages", "opt_outs"} <= tables
    assert {"orders_phone_key", "shipments_tracking"} <= tables


async def test_the_database_is_in_wal_mode(store: Store, db_path: Path) -> None:
    assert query(db_path, "PRAGMA journal_mode") == [("wal",)]


async def test_reopening_keeps_data_and_runs_nothing_again(db_path: Path) -> None:
    async with await Store.open(db_path) as first:
        await first.upsert_orders([order("1001", "+15551234567", "1Z1")])

    async with await Store.open(db_path) as second:
        assert await second.schema_version() == LATEST
        assert await second.count_orders() == 1


async def test_memory_database(tmp_path: Path) -> None:
    async with await Store.open(":memory:") as store:
        await store.upsert_orders([order("1001")])
        assert await store.count_orders() == 1


async def test_a_later_migration_is_applied_once(db_path: Path) -> None:
    extra = ("CREATE TABLE extra (value INTEGER)", "INSERT INTO extra VALUES (7)")
    await (await Store.open(db_path)).close()

    for _ in range(2):
        async with await Store.open(db_path, migrations=[*MIGRATIONS, extra]) as store:
            assert await store.schema_version() == LATEST + 1

    assert query(db_path, "SELECT value FROM extra") == [(7,)]


async def test_all_migrations_run_on_a_fresh_database(db_path: Path) -> None:
    extra = ("CREATE TABLE extra (value INTEGER)",)
    async with await Store.open(db_path, migrations=[*MIGRATIONS, extra]) as store:
        assert await store.schema_version() == LATEST + 1


async def test_a_failing_migration_changes_nothing(db_path: Path) -> None:
    await (await Store.open(db_path)).close()
    broken = ("CREATE TABLE extra (value INTEGER)", "THIS IS NOT SQL")

    with pytest.raises(StoreError, match=f"migration {LATEST + 1} failed"):
        await Store.open(db_path, migrations=[*MIGRATIONS, broken])

    assert query(db_path, "PRAGMA user_version") == [(LATEST,)]
    assert query(db_path, "SELECT name FROM sqlite_master WHERE name = 'extra'") == []


async def test_a_database_newer_than_the_code_is_refused(db_path: Path) -> None:
    await (await Store.open(db_path)).close()
    with sqlite3.connect(db_path) as db:
        db.execute("PRAGMA user_version = 99")

    with pytest.raises(StoreError, match="schema version 99, newer than this smsbot knows"):
        await Store.open(db_path)


@pytest.fixture
def not_a_database(tmp_path: Path) -> Path:
    path = tmp_path / "orders.csv"
    path.write_bytes(b"order_number,phone\n" * 100)
    return path


async def test_a_file_that_is_not_a_database_is_refused(not_a_database: Path) -> None:
    with pytest.raises(StoreError, match="cannot open the database"):
        await Store.open(not_a_database)


async def test_a_closed_store_raises_store_error(db_path: Path) -> None:
    store = await Store.open(db_path)
    await store.close()
    await store.close()  # closing twice is harmless

    with pytest.raises(StoreError, match="closed"):
        await store.count_orders()


# Orders


async def test_import_creates_orders_and_shipments(store: Store) -> None:
    shipped = datetime(2024, 11, 20, 8, 0, tzinfo=UTC)
    first = Order(
        "1001",
        "+15551234567",
        email="a@example.com",
        postal_code="10001",
        name="Ada",
        locale="en",
        shipments=(
            Shipment("ups", "1Z1", shipped_at=shipped),
            Shipment("fedex", "F1"),
            Shipment("ups", "1Z1", Leg.RETURN),
        ),
    )

    counts = await store.upsert_orders([first, order("1002", None)])

    assert counts == ImportCounts(2, 0, 3, 0)
    assert await store.get_order("1001") == first
    assert await store.get_order("1002") == order("1002", None)
    assert await store.get_order("9999") is None
    assert await store.count_orders() == 2


async def test_reimport_updates_fields_and_adds_shipments_never_deletes(store: Store) -> None:
    await store.upsert_orders([order("1001", "+15551234567", "1Z1", "1Z2")])
    changed = Order(
        "1001",
        "+15557654321",
        email="new@example.com",
        shipments=(Shipment("ups", "1Z3"), Shipment("ups", "1Z1")),
    )

    counts = await store.upsert_orders([changed, order("1002")])

    assert counts == ImportCounts(
        orders_created=1, orders_updated=1, shipments_added=1, shipments_kept=1
    )
    stored = await store.get_order("1001")
    assert stored is not None
    assert (stored.phone, stored.email, stored.name) == ("+15557654321", "new@example.com", None)
    assert [s.tracking_number for s in stored.shipments] == ["1Z1", "1Z2", "1Z3"]


async def test_a_kept_shipment_learns_its_ship_date(store: Store) -> None:
    await store.upsert_orders([order("1001", "+15551234567", "1Z1")])
    shipped = datetime(2024, 11, 20, 3, 0, tzinfo=UTC)

    await store.upsert_orders(
        [Order("1001", None, shipments=(Shipment("ups", "1Z1", shipped_at=shipped),))]
    )

    stored = await store.get_order("1001")
    assert stored is not None
    assert stored.shipments[0].shipped_at == shipped


async def test_a_repeated_number_in_one_import_counts_once(store: Store) -> None:
    counts = await store.upsert_orders(
        [order("1001", "+15551234567", "1Z1"), order("1001", "+15551234567", "1Z1", "1Z2")]
    )

    assert counts == ImportCounts(1, 0, 2, 0)


async def test_times_come_back_aware_in_utc(store: Store) -> None:
    shipped = datetime(2024, 11, 20, 3, 0, tzinfo=UTC)
    eastern = shipped.astimezone(ZoneInfo("America/New_York"))
    await store.upsert_orders(
        [Order("1001", None, shipments=(Shipment("ups", "1Z1", shipped_at=eastern),))]
    )

    stored = await store.get_order("1001")

    assert stored is not None
    assert stored.shipments[0].shipped_at == shipped
    assert stored.shipments[0].shipped_at is not None
    assert stored.shipments[0].shipped_at.tzinfo is UTC


async def test_naive_times_are_refused(store: Store) -> None:
    naive = Order(
        "1001", None, shipments=(Shipment("ups", "1Z1", shipped_at=datetime(2024, 1, 1)),)
    )

    with pytest.raises(ValueError, match="shipped_at must be a time-zone aware"):
        await store.upsert_orders([naive])


@pytest.mark.parametrize(
    "number",
    ["1001'; DROP TABLE orders; --", '" OR "1"="1', "%", "_", "1001\x00x", "NULL", "?"],
)
async def test_injection_looking_order_numbers_are_stored_verbatim(
    store: Store, number: str
) -> None:
    await store.upsert_orders([order("1001"), order(number, "+15550000000", "1Z'--")])

    stored = await store.get_order(number)

    assert stored is not None
    assert stored.number == number
    assert await store.count_orders() == 2
    assert [o.number for o in await store.orders_for_tracking("1Z'--")] == [number]


async def test_orders_for_phone_match_mexican_whatsapp_numbers(store: Store) -> None:
    await store.upsert_orders([order("A", "+5215512345678"), order("B", "+15551234567")])
    await store.upsert_orders([order("C", "+525512345678"), order("D", None)])

    for phone in ("+525512345678", "+5215512345678", "whatsapp:+5215512345678"):
        assert [o.number for o in await store.orders_for_phone(phone)] == ["C", "A"]
    assert [o.number for o in await store.orders_for_phone("+15551234567")] == ["B"]
    assert await store.orders_for_phone("+15559999999") == []


async def test_orders_for_tracking(store: Store) -> None:
    await store.upsert_orders(
        [order("1001", None, "1Z1", "1Z2"), order("1002", None, "1Z2"), order("1003", None)]
    )

    found = await store.orders_for_tracking("1Z2")

    assert [o.number for o in found] == ["1002", "1001"]
    assert [s.tracking_number for s in found[1].shipments] == ["1Z1", "1Z2"]
    assert await store.orders_for_tracking("1Z9") == []


async def test_a_large_import_is_one_batch(store: Store) -> None:
    orders = [order(f"N{index}", "+15551234567", f"1Z{index}") for index in range(2000)]

    assert await store.upsert_orders(orders) == ImportCounts(2000, 0, 2000, 0)
    assert await store.upsert_orders(orders) == ImportCounts(0, 2000, 0, 2000)


@pytest.mark.parametrize("steps", [0, 1, 2, 5, 20])
async def test_a_cancelled_import_leaves_a_usable_store(store: Store, steps: int) -> None:
    task = asyncio.create_task(store.upsert_orders([order(f"N{i}") for i in range(2000)]))
    for _ in range(steps):
        await asyncio.sleep(0)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task

    await store.upsert_orders([order("after")])

    assert await store.count_orders() in (1, 2001)


# Tracking cache


def tracking(status: Status, number: str = "1Z1") -> TrackingResult:
    return TrackingResult(
        "ups",
        number,
        status,
        events=(Event(carrier_local(datetime(2024, 11, 22, 9, 0)), Status.IN_TRANSIT, "Departed"),),
        eta=Eta(date(2024, 11, 26), date(2024, 11, 27)),
    )


async def test_cache_round_trip_and_overwrite(store: Store) -> None:
    assert await store.cached_tracking("ups", "1Z1") is None
    first = tracking(Status.IN_TRANSIT)
    await store.save_tracking(first, NOW)

    hit = await store.cached_tracking("ups", "1Z1")

    assert hit is not None
    assert hit.result == first
    assert hit.checked_at == NOW
    assert hit.checked_at.tzinfo is UTC

    later = NOW + timedelta(hours=1)
    await store.save_tracking(tracking(Status.DELIVERED), later)
    hit = await store.cached_tracking("ups", "1Z1")
    assert hit is not None
    assert (hit.result.status, hit.checked_at) == (Status.DELIVERED, later)
    assert await store.cached_tracking("fedex", "1Z1") is None


async def test_save_tracking_records_the_status_on_shipments(store: Store, db_path: Path) -> None:
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
    store: Store, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await store.save_tracking(tracking(Status.IN_TRANSIT), NOW)
    with sqlite3.connect(db_path) as db:
        db.execute("UPDATE tracking_cache SET result_json = '{\"version\": 99}'")

    with caplog.at_level(logging.WARNING, logger="smsbot.store"):
        assert await store.cached_tracking("ups", "1Z1") is None

    assert "unsupported version 99" in caplog.text


# Message log


async def claim(store: Store, sid: str, sender: str = "+15551234567", body: str = "1001") -> bool:
    return await store.claim_message(sid, channel="sms", sender=sender, body=body, received_at=NOW)


async def test_claim_finish_and_replay(store: Store) -> None:
    assert await store.message_reply("SM1") is None
    assert await claim(store, "SM1") is True
    assert await store.message_reply("SM1") == StoredReply(finished=False, reply=None)

    await store.finish_message(
        "SM1", intent="order", reply="Order 1001: Delivered", latency_ms=12.5
    )

    assert await claim(store, "SM1") is False
    assert await store.message_reply("SM1") == StoredReply(True, "Order 1001: Delivered")


async def test_an_empty_reply_is_distinct_from_unfinished(store: Store) -> None:
    await claim(store, "SM1")
    await claim(store, "SM2")

    await store.finish_message("SM1", intent="opt_out", reply=None, latency_ms=1.0)

    assert await store.message_reply("SM1") == StoredReply(finished=True, reply=None)
    assert await store.message_reply("SM2") == StoredReply(finished=False, reply=None)


async def test_concurrent_claims_of_one_sid_win_once(store: Store) -> None:
    results = await asyncio.gather(*(claim(store, "SM1") for _ in range(20)))

    assert sorted(results) == [False] * 19 + [True]


async def test_an_empty_sid_cannot_be_claimed(store: Store) -> None:
    with pytest.raises(ValueError, match="MessageSid"):
        await claim(store, "")


async def test_finishing_an_unclaimed_message_only_warns(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    await store.finish_message("SM404", intent="noise", reply=None, latency_ms=1.0)

    assert "never claimed" in caplog.text
    assert await store.message_reply("SM404") is None


async def test_the_full_number_is_never_logged(store: Store, db_path: Path) -> None:
    await store.claim_message(
        "SM1",
        channel="whatsapp",
        sender="whatsapp:+15551234567",
        body="x" * 2000,
        received_at=NOW,
    )
    await store.finish_message("SM1", intent="noise", reply="Text your order number", latency_ms=3)

    rows = query(db_path, "SELECT * FROM messages")
    assert len(rows) == 1
    assert all("5551234567" not in str(value) for value in rows[0])
    assert query(db_path, "SELECT length(body) FROM messages") == [(1600,)]
    logged = (await store.recent_messages())[0]
    assert (logged.sid, logged.channel, logged.sender) == ("SM1", "whatsapp", "+1******4567")
    assert (logged.intent, logged.reply, logged.latency_ms) == (
        "noise",
        "Text your order number",
        3,
    )
    assert logged.received_at == NOW


async def test_recent_messages_newest_first(store: Store) -> None:
    for minute in range(5):
        await store.claim_message(
            f"SM{minute}",
            channel="sms",
            sender="+15551234567",
            body="hi",
            received_at=NOW + timedelta(minutes=minute),
        )

    assert [m.sid for m in await store.recent_messages(limit=3)] == ["SM4", "SM3", "SM2"]
    assert await store.recent_messages(limit=0) == []
    assert len(await store.recent_messages()) == 5


# Opt-outs


async def test_opt_out_and_back_in(store: Store) -> None:
    assert await store.is_opted_out("+5215512345678") is False

    await store.set_opted_out("whatsapp:+5215512345678", "whatsapp", True, NOW)

    assert await store.is_opted_out("+525512345678") is True
    assert await store.is_opted_out("+5215512345678") is True
    assert await store.is_opted_out("+15551234567") is False

    await store.set_opted_out("+525512345678", "sms", False, NOW + timedelta(minutes=1))

    assert await store.is_opted_out("+5215512345678") is False


# One call per store method (`StoreBase._run`)


def insert_order_then_fail(connection: sqlite3.Connection) -> None:
    connection.execute(
        "INSERT INTO orders (number, created_at, updated_at) VALUES ('ghost', 'x', 'x')"
    )
    raise ValueError("halfway")


async def test_run_uses_the_aiosqlite_worker_thread(store: Store) -> None:
    """`_on_worker` relies on aiosqlite internals: this fails if an upgrade removes them."""
    loop_thread = threading.get_ident()

    worker = await store._run(lambda connection: threading.get_ident())
    inline = await store._run(lambda connection: threading.get_ident(), inline=True)

    assert worker != loop_thread
    assert inline == loop_thread


@pytest.mark.parametrize("inline", [False, True])
async def test_run_rolls_back_a_write_that_raises(
    store: Store, db_path: Path, inline: bool
) -> None:
    with pytest.raises(ValueError, match="halfway"):
        await store._run(insert_order_then_fail, write=True, inline=inline)

    assert query(db_path, "SELECT count(*) FROM orders") == [(0,)]
    await store.upsert_orders([order("after")])  # no transaction was left open
    assert await store.count_orders() == 1


@pytest.mark.parametrize("inline", [False, True])
async def test_run_maps_sqlite_errors(store: Store, inline: bool) -> None:
    with pytest.raises(StoreError, match="no such table"):
        await store._run(
            lambda connection: fetch_all(connection, "SELECT * FROM nope"), inline=inline
        )


async def test_a_busy_database_is_waited_for_off_the_event_loop(
    store: Store, db_path: Path
) -> None:
    """Another process holds the write lock: an inline write must not block the loop (it
    would for busy_timeout), but wait on the worker thread and then succeed."""
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


async def test_a_memory_store_runs_everything_on_the_worker() -> None:
    async with await Store.open(":memory:") as store:
        thread = await store._run(lambda connection: threading.get_ident(), inline=True)
        assert await store.claim_tagged(
            "SM1", "+15551234567", channel="sms", sender="+15551234567", body="hi", received_at=NOW
        )
    assert thread != threading.get_ident()


async def test_the_combined_calls_of_a_message(store: Store, db_path: Path) -> None:
    key = "+15551234567"
    assert await store.claim_tagged(
        "SM1", key, channel="sms", sender=key, body="1001", received_at=NOW
    )
    assert not await store.claim_tagged(
        "SM1", "+15559999999", channel="sms", sender=key, body="1001", received_at=NOW
    )
    assert query(db_path, "SELECT phone_key FROM messages") == [(key,)]

    first = await store.begin_turn("sms", key, NOW, limit=1, window_s=60)
    second = await store.begin_turn("sms", key, NOW, limit=1, window_s=60)
    assert [first[0], second[0]] == [Verdict.ALLOWED, Verdict.NOTICE]
    assert first[1] == second[1] == Session()

    assert await store.hit_lookup_limit(key, NOW, limit=5, window_s=3600) is Verdict.ALLOWED
    await store.record_wrong_answer(key, NOW, max_attempts=1, lockout_s=900)
    assert await store.hit_lookup_limit(key, NOW, limit=5, window_s=3600) is None
    assert query(db_path, "SELECT hits FROM rate_windows WHERE kind = 'lookups'") == [(1,)]
