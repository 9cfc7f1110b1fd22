"""The store contract: the tracking cache."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from smsbot.store import Store
from smsbot.tracking import Eta, Event, Status, TrackingResult, carrier_local
from tests.store.conftest import NOW, order


def tracking(status: Status, number: str = "1Z1") -> TrackingResult:
    """A UPS result with one carrier-local event and an ETA window."""
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


async def test_a_delivered_result_closes_the_shipments_it_names(store: Store) -> None:
    phone = "+15551234567"
    await store.upsert_orders([order("1001", phone, "1Z1"), order("1002", phone, "1Z1", "1Z2")])

    await store.save_tracking(tracking(Status.DELIVERED), NOW)

    assert await store.open_orders(phone) == [("1002", 2)]
