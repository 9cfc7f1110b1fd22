"""The ETA history concern through the Protocol: a delivered result is captured once with
its order's data; bulk import keeps new rows only and refuses bad ones whole; told windows
(first stands) meet their deliveries; handling counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from smsbot.errors import StoreValueError
from smsbot.orders.model import Order, Shipment
from smsbot.results import Eta, Event, Status, TrackingResult
from smsbot.store import Delivery, Store

T0 = datetime(2024, 11, 4, 15, tzinfo=UTC)


@dataclass(frozen=True)
class _Basis:
    rung: str
    label: str


@dataclass(frozen=True)
class _Window:
    stage: str
    earliest: date
    latest: date
    business_days: tuple[int, int]
    basis: _Basis


def _delivery(number: str, days: int = 3, **fields: object) -> Delivery:
    values: dict[str, object] = {
        "carrier": "ups",
        "tracking_number": number,
        "ordered_at": T0,
        "first_scan_at": T0 + timedelta(days=1),
        "delivered_at": T0 + timedelta(days=days),
        "service": "ground",
        "origin": "us-ca",
        "destination_country": "US",
        "destination_region": "US-NY",
        "destination_postal_code": "11201",
        "carrier_eta": date(2024, 11, 6),
        "order_number": f"O{number}",
    }
    values.update(fields)
    return Delivery(**values)  # type: ignore[arg-type]


async def test_a_delivered_result_is_captured_once_with_its_order(store: Store) -> None:
    order = Order("1001", "+15551234567", postal_code="94105", shipments=(Shipment("ups", "1Z1"),))
    await store.upsert_orders([order], now=T0)
    scan = Event(
        T0 + timedelta(hours=20), Status.IN_TRANSIT, "Origin scan", state="CA", country="US"
    )
    label = Event(T0 + timedelta(hours=2), Status.LABEL_CREATED, "Label created")
    moving = TrackingResult(
        "ups", "1Z1", Status.IN_TRANSIT, events=(label, scan), eta=Eta(date(2024, 11, 7))
    )
    await store.save_tracking(moving, T0 + timedelta(hours=21))
    assert await store.deliveries() == []  # not delivered yet: nothing to learn
    done = Event(
        T0 + timedelta(days=3),
        Status.DELIVERED,
        "Delivered",
        state="NY",
        country="US",
        postal_code="11201",
    )
    delivered = TrackingResult(
        "ups", "1Z1", Status.DELIVERED, events=(label, scan, done), eta=Eta(date(2024, 11, 8))
    )
    await store.save_tracking(delivered, T0 + timedelta(days=3, hours=1))
    await store.save_tracking(delivered, T0 + timedelta(days=4))  # seen again: kept once
    (row,) = await store.deliveries()
    _, kept = row
    assert kept.order_number == "1001" and kept.ordered_at == T0
    assert kept.first_scan_at == scan.time  # the label is not a scan
    assert kept.delivered_at == done.time
    assert (kept.origin, kept.destination_country, kept.destination_region) == (
        "US-CA",
        "US",
        "US-NY",
    )
    assert kept.destination_postal_code == "11201"  # the delivery scan's, over the order's
    assert kept.carrier_eta == date(2024, 11, 7)  # the FIRST eta the carrier gave


async def test_a_delivery_of_an_unknown_shipment_is_not_history(store: Store) -> None:
    done = Event(T0, Status.DELIVERED, "Delivered")
    await store.save_tracking(TrackingResult("ups", "1Z9", Status.DELIVERED, events=(done,)), T0)
    assert await store.deliveries() == []


async def test_import_keeps_new_rows_and_reads_in_pages(store: Store) -> None:
    assert await store.import_deliveries([_delivery(str(n)) for n in range(5)]) == 5
    assert await store.import_deliveries([_delivery("3"), _delivery("9")]) == 1
    first = await store.deliveries(limit=4)
    assert [d.tracking_number for _, d in first] == ["0", "1", "2", "3"]
    rest = await store.deliveries(after_id=first[-1][0])
    assert [d.tracking_number for _, d in rest] == ["4", "9"]
    assert rest[0][1] == _delivery("4", origin="US-CA")  # read back as given (regions upper)
    recent = await store.deliveries(since=T0 + timedelta(days=3, hours=1))
    assert [d.tracking_number for _, d in recent] == []
    recent = await store.deliveries(since=T0 + timedelta(days=3))
    assert len(recent) == 6  # delivered exactly then: included
    assert not await store.record_delivery(_delivery("9"))
    assert await store.record_delivery(_delivery("10", ordered_at=None, first_scan_at=None))


async def test_import_refuses_bad_rows_whole(store: Store) -> None:
    naive = _delivery("2", delivered_at=datetime(2024, 11, 5))
    with pytest.raises(StoreValueError):
        await store.import_deliveries([_delivery("1"), naive])
    with pytest.raises(StoreValueError):
        await store.import_deliveries([_delivery("")])
    assert await store.deliveries() == []
    # An inconsistent but well-formed row is kept: the model excludes and counts it.
    assert await store.import_deliveries([_delivery("3", days=-2)]) == 1


async def test_the_first_window_told_stands_and_meets_its_delivery(store: Store) -> None:
    window = _Window(
        "delivery", date(2024, 11, 6), date(2024, 11, 8), (2, 4), _Basis("lane", "ups ground")
    )
    later = _Window("transit", date(2024, 11, 7), date(2024, 11, 7), (1, 1), _Basis("service", "x"))
    assert await store.record_told("O1", "ups", "1", window, T0)
    assert not await store.record_told("O1", "ups", "1", later, T0 + timedelta(hours=1))
    assert await store.record_told("O2", "ups", "2", window, T0 + timedelta(hours=2))
    await store.import_deliveries([_delivery("1")])
    outcomes = await store.told_outcomes()
    assert [(o.tracking_number, o.stage, o.rung) for o in outcomes] == [
        ("1", "delivery", "lane"),
        ("2", "delivery", "lane"),
    ]
    assert outcomes[0].delivered_at == T0 + timedelta(days=3)
    assert outcomes[0].business_days == (2, 4) and outcomes[0].label == "ups ground"
    assert (outcomes[0].destination_country, outcomes[0].destination_postal_code) == ("US", "11201")
    assert outcomes[1].delivered_at is None  # not delivered yet
    assert [o.tracking_number for o in await store.told_outcomes(T0 + timedelta(hours=1))] == ["2"]
    with pytest.raises(StoreValueError):
        await store.record_told("", "ups", "1", window, T0)


async def test_handling_counts(store: Store) -> None:
    shipped = Shipment("ups", "1Z1", shipped_at=T0 - timedelta(days=2))
    old = Shipment("ups", "1Z2", shipped_at=T0 - timedelta(days=20))
    undated = Shipment("ups", "1Z3")
    orders = [
        Order("1", None, shipments=(shipped,)),
        Order("2", None, shipments=(old,)),
        Order("3", None, shipments=(undated,)),  # counts when it was stored
        Order("4", None),  # waiting
        Order("5", None, shipments=(Shipment("ups", "R1", kind="return"),)),  # type: ignore[arg-type]
    ]
    await store.upsert_orders(orders, now=T0 - timedelta(days=1))
    await store.upsert_orders([Order("6", None)], now=T0 - timedelta(days=40))  # too old
    counts = await store.handling_counts(T0, since=T0 - timedelta(days=7), open_days=30)
    assert (counts.open_orders, counts.fulfilled) == (2, 2)
