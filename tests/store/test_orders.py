"""The store contract: orders and shipments."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from smsbot.orders.model import Leg, Order, Shipment
from smsbot.store import ImportCounts, Store, StoreValueError
from tests.store.conftest import NOW, order


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


async def test_import_time_comes_from_the_caller(store: Store) -> None:
    """Newest first means by the `now` each import was stamped with, not the wall clock."""
    await store.upsert_orders([order("B")], now=NOW)
    await store.upsert_orders([order("A")], now=NOW + timedelta(days=1))
    await store.upsert_orders([order("C")], now=NOW - timedelta(days=1))

    assert [o.number for o in await store.orders_for_phone("+15551234567")] == ["A", "B", "C"]


async def test_a_naive_import_time_is_refused(store: Store) -> None:
    with pytest.raises(StoreValueError, match="now must be a time-zone aware"):
        await store.upsert_orders([order("1001")], now=datetime(2024, 1, 1))
    assert await store.count_orders() == 0


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

    with pytest.raises(StoreValueError, match="shipped_at must be a time-zone aware"):
        await store.upsert_orders([naive])
    assert await store.count_orders() == 0


@pytest.mark.parametrize(
    "number",
    ["1001'; DROP TABLE orders; --", '" OR "1"="1', "%", "_", "1001\x00x", "NULL", "?"],
)
async def test_injection_looking_order_numbers_are_stored_verbatim(
    store: Store, store_url: str, number: str
) -> None:
    if "\x00" in number and store_url.startswith("postgresql"):
        # PostgreSQL text cannot hold NUL: refused with a clear error, nothing written.
        with pytest.raises(StoreValueError, match="NUL"):
            await store.upsert_orders([order("1001"), order(number, "+15550000000", "1Z'--")])
        assert await store.count_orders() == 0
        return
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


async def test_open_orders_lists_orders_with_an_undelivered_shipment(store: Store) -> None:
    phone = "+15551234567"
    await store.upsert_orders([order("1001", phone, "1Z1")], now=NOW)
    await store.upsert_orders([order("1002", phone, "1Z2", "1Z3")], now=NOW + timedelta(hours=1))
    await store.upsert_orders([order("1003", phone)], now=NOW + timedelta(hours=2))

    assert await store.open_orders("whatsapp:" + phone) == [("1002", 2), ("1001", 1)]


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


async def test_shipments_are_counted_by_carrier(store: Store) -> None:
    assert await store.shipments_by_carrier() == {}
    fedex = Order("2", "+15551234567", shipments=(Shipment("fedex", "794843185271"),))
    await store.upsert_orders([order("1", "+15551234567", "1ZA", "1ZB"), fedex], now=NOW)
    assert await store.shipments_by_carrier() == {"ups": 2, "fedex": 1}
