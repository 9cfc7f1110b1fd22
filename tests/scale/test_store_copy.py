"""`smsbot store copy` (issue 15): a populated store copied into another backend and back,
resumable after an interruption, counts checked, clear errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from smsbot.cli import main
from smsbot.errors import StoreError
from smsbot.orders.model import Order, Shipment
from smsbot.store import OutboxState, Store, open_store
from smsbot.store.transfer import Copied, copy_store, tables
from smsbot.tracking import Status, TrackingResult

NOW = datetime(2025, 3, 4, 15, 0, tzinfo=UTC)


async def populate(store: Store, orders: int = 120) -> None:
    """A store as a merchant's looks after a while: orders, cache, log, outbox, claims."""
    await store.upsert_orders(
        [
            Order(
                f"A-{n}", f"+1202555{n:04d}", email=f"c{n}@example.com", postal_code="11201",
                shipments=(Shipment("ups", f"1Z{n:016d}"), Shipment("usps", f"9400{n:018d}")),
            )
            for n in range(orders)
        ],
        now=NOW,
    )  # fmt: skip
    for n in range(0, orders, 3):
        await store.save_tracking(TrackingResult("ups", f"1Z{n:016d}", Status.IN_TRANSIT), NOW)
        assert await store.claim_message(
            f"SM{n:032x}", channel="sms", sender=f"+1202555{n:04d}", body=f"A-{n}",
            received_at=NOW,
        )  # fmt: skip
        await store.finish_message(f"SM{n:032x}", intent="order", reply="On its way", latency_ms=3)
        assert await store.add_outbox(
            key=f"k{n}", phone=f"+1202555{n:04d}", channel="sms", body="Shipped",
            order_number=f"A-{n}", state=OutboxState.QUEUED, at=NOW,
        )  # fmt: skip
    await store.set_opted_out("+12025550001", "sms", True, NOW)
    await store.take_budget("usps", window=NOW, limit=100, count=7)
    await store.claim_orders([1, 2], owner="w", now=NOW, until=NOW + timedelta(minutes=5))


async def snapshot(url: str) -> dict[str, object]:
    async with await open_store(url) as store:
        order = await store.get_order("A-42")
        return {
            "orders": await store.count_orders(),
            "order": order,
            "cached": await store.cached_tracking("ups", f"1Z{42:016d}"),
            "messages": [m.sid for m in await store.recent_messages(1000)],
            "outbox": [(m.key, m.state) for m in await store.recent_outbox(1000)],
            "opted_out": await store.is_opted_out("+12025550001"),
            "budget": await store.budget_spent("usps", NOW),
        }


def _postgres() -> str:
    from tests.scale.conftest import _postgres_url

    return _postgres_url()


@pytest.fixture(params=["sqlite", "postgresql"])
def middle(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where the store is copied to (and back from)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'middle.db'}"
    return _postgres()


async def test_a_store_goes_there_and_back_unchanged(tmp_path: Path, middle: str) -> None:
    source = f"sqlite:///{tmp_path / 'source.db'}"
    async with await open_store(source) as store:
        await populate(store)
    copied = await copy_store(source, middle, batch=50)
    assert [c.table for c in copied] == tables()
    assert {c.table: c.inserted for c in copied}["orders"] == 120
    back = str(tmp_path / "back.db")  # a bare path is SQLite too
    await copy_store(middle, back, batch=64)
    expected = await snapshot(source)
    assert expected["orders"] == 120 and expected["order"] is not None
    assert await snapshot(middle) == expected
    assert await snapshot(back) == expected
    # The copy takes new rows (PostgreSQL's id sequences were moved past the copied ids).
    async with await open_store(middle) as store:
        assert await store.add_outbox(
            key="new", phone="+12025559999", channel="sms", body="hi", order_number=None,
            state=OutboxState.QUEUED, at=NOW,
        )  # fmt: skip


async def test_an_interrupted_copy_resumes_without_duplicates(tmp_path: Path, middle: str) -> None:
    source = f"sqlite:///{tmp_path / 'source.db'}"
    async with await open_store(source) as store:
        await populate(store, orders=40)
    seen: list[str] = []

    def stop_after_shipments(done: Copied) -> None:
        seen.append(done.table)
        if done.table == "shipments":
            raise KeyboardInterrupt  # the operator's Ctrl-C, half-way

    with pytest.raises(KeyboardInterrupt):
        await copy_store(source, middle, batch=7, progress=stop_after_shipments)
    assert seen == ["orders", "shipments"]
    again = await copy_store(source, middle, batch=7)
    inserted = {c.table: c.inserted for c in again}
    assert inserted["orders"] == 0 and inserted["shipments"] == 0  # already there
    assert inserted["messages"] == 14 and inserted["outbox"] == 14
    assert all(c.source == c.destination for c in again)
    assert await snapshot(middle) == await snapshot(source)


async def test_a_destination_with_other_rows_is_refused(tmp_path: Path) -> None:
    source, other = str(tmp_path / "a.db"), str(tmp_path / "b.db")
    async with await open_store(source) as store:
        await populate(store, orders=5)
    async with await open_store(other) as store:
        await store.upsert_orders([Order("Z-1", "+12025550999")], now=NOW)
    with pytest.raises(StoreError, match="the destination is not empty"):
        await copy_store(source, other)
    with pytest.raises(StoreError, match="the same store"):
        await copy_store(source, source)


async def test_counts_that_differ_are_an_error_naming_the_table(tmp_path: Path) -> None:
    source, target = str(tmp_path / "a.db"), str(tmp_path / "b.db")
    async with await open_store(source) as store:
        await populate(store, orders=5)
    await copy_store(source, target)
    async with await open_store(target) as store:  # written to after the first copy
        await store.upsert_orders([Order("Z-1", "+12025550999")], now=NOW)
    with pytest.raises(StoreError, match="table orders: 5 rows in the source but 6"):
        await copy_store(source, target)


def test_the_command_copies_and_says_so(tmp_path: Path) -> None:
    runner = CliRunner()
    source, target = tmp_path / "a.db", tmp_path / "b.db"
    result = runner.invoke(main, ["store", "copy", str(source), f"sqlite:///{target}"])
    assert result.exit_code == 0, result.output
    assert "counts match" in result.output and "orders: 0 rows" in result.output
    bad = runner.invoke(main, ["store", "copy", str(source), "mysql://u:secret@h/db"])
    assert bad.exit_code == 2 and "secret" not in bad.output
    assert "unknown store URL scheme" in bad.output
