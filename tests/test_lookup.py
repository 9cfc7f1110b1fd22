"""Lookup: concurrent carriers, per-carrier timeouts, one deadline, failures as values, cache."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from smsbot.config import TrackingSettings
from smsbot.errors import CarrierRateLimited, CarrierUnavailable
from smsbot.lookup import Failure, Lookup
from smsbot.orders import Shipment
from smsbot.registry import Registry
from smsbot.store import Store
from smsbot.tracking import CarrierAdapter, Status, TrackingResult

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


class FakeAdapter:
    """An adapter whose behaviour each test sets: answer, sleep, raise, or wait for a peer."""

    def __init__(
        self,
        name: str,
        *,
        delay: float = 0.0,
        error: Exception | None = None,
        barrier: asyncio.Barrier | None = None,
        drop: bool = False,
    ) -> None:
        self.name = name
        self.display_name = name.upper()
        self.delay = delay
        self.error = error
        self.barrier = barrier
        self.drop = drop
        self.asked: list[list[str]] = []

    async def track(self, numbers: Sequence[str]) -> Mapping[str, TrackingResult]:
        self.asked.append(list(numbers))
        if self.barrier is not None:
            await self.barrier.wait()  # proceeds only when every carrier is in flight at once
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.error is not None:
            raise self.error
        if self.drop:
            return {}
        return {n: TrackingResult(self.name, n, Status.IN_TRANSIT, "Moving") for n in numbers}


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(tmp_path / "store.db")
    try:
        yield opened
    finally:
        await opened.close()


def make_lookup(
    store: Store,
    clock: Clock,
    *adapters: FakeAdapter,
    deadline: float = 5.0,
    carrier_timeout: float = 4.0,
) -> Lookup:
    found: dict[str, CarrierAdapter] = {a.name: a for a in adapters}
    registry = Registry(found, {name: "test" for name in found})
    settings = TrackingSettings(reply_deadline_s=deadline, carrier_timeout_s=carrier_timeout)
    return Lookup(registry, store, settings, clock)


async def test_carriers_are_asked_concurrently_and_batched(store: Store) -> None:
    barrier = asyncio.Barrier(2)
    ups, fedex = FakeAdapter("ups", barrier=barrier), FakeAdapter("fedex", barrier=barrier)
    lookup = make_lookup(store, Clock(), ups, fedex)
    shipments = [Shipment("ups", "U1"), Shipment("fedex", "F1"), Shipment("ups", "U2")]
    statuses = await asyncio.wait_for(lookup.track(shipments), timeout=2)
    assert [s.shipment for s in statuses] == shipments
    assert all(s.result is not None and s.failure is None for s in statuses)
    assert ups.asked == [["U1", "U2"]]
    assert fedex.asked == [["F1"]]
    assert [s.display_name for s in statuses] == ["UPS", "FEDEX", "UPS"]


async def test_slow_carrier_times_out_inside_the_deadline(store: Store) -> None:
    slow, quick = FakeAdapter("slow", delay=30), FakeAdapter("quick")
    lookup = make_lookup(store, Clock(), slow, quick, deadline=0.6, carrier_timeout=4.0)
    started = time.monotonic()
    statuses = await lookup.track([Shipment("slow", "S1"), Shipment("quick", "Q1")])
    assert time.monotonic() - started < 0.6
    assert statuses[0].failure is Failure.TIMEOUT and statuses[0].result is None
    assert statuses[1].failure is None and statuses[1].result is not None


@pytest.mark.parametrize(
    ("error", "failure"),
    [
        (CarrierUnavailable("x", "503"), Failure.UNAVAILABLE),
        (CarrierRateLimited("x", "429", 30), Failure.RATE_LIMITED),
        (ValueError("adapter bug"), Failure.BAD_RESPONSE),
    ],
)
async def test_failures_become_values(store: Store, error: Exception, failure: Failure) -> None:
    lookup = make_lookup(store, Clock(), FakeAdapter("x", error=error))
    [status] = await lookup.track([Shipment("x", "N1")])
    assert status.failure is failure
    assert status.result is None


async def test_missing_adapter_and_missing_result(store: Store) -> None:
    lookup = make_lookup(store, Clock(), FakeAdapter("x", drop=True))
    statuses = await lookup.track([Shipment("x", "N1"), Shipment("nope", "N2")])
    assert [s.failure for s in statuses] == [Failure.BAD_RESPONSE, Failure.NO_ADAPTER]
    assert statuses[1].display_name == "Nope"


async def test_fresh_cache_spares_the_carrier_until_ttl(store: Store) -> None:
    clock = Clock()
    adapter = FakeAdapter("x")
    lookup = make_lookup(store, clock, adapter)
    await lookup.track([Shipment("x", "N1")])
    clock.now += timedelta(seconds=599)
    [cached] = await lookup.track([Shipment("x", "N1")])
    assert len(adapter.asked) == 1
    assert cached.checked_at == NOW and cached.failure is None
    clock.now += timedelta(seconds=2)
    await lookup.track([Shipment("x", "N1")])
    assert len(adapter.asked) == 2


async def test_last_known_status_when_carrier_fails(store: Store) -> None:
    clock = Clock()
    adapter = FakeAdapter("x")
    lookup = make_lookup(store, clock, adapter)
    await lookup.track([Shipment("x", "N1")])
    clock.now += timedelta(hours=3)
    adapter.error = CarrierUnavailable("x", "503")
    [status] = await lookup.track([Shipment("x", "N1")])
    assert status.failure is Failure.UNAVAILABLE
    assert status.stale
    assert status.result is not None and status.result.status is Status.IN_TRANSIT
    assert status.checked_at == NOW


async def test_delivered_is_cached_longer(store: Store) -> None:
    clock = Clock()
    await store.save_tracking(TrackingResult("x", "N1", Status.DELIVERED), NOW)
    adapter = FakeAdapter("x")
    lookup = make_lookup(store, clock, adapter)
    clock.now += timedelta(hours=5)
    [status] = await lookup.track([Shipment("x", "N1")])
    assert adapter.asked == []
    assert status.result is not None and status.result.status is Status.DELIVERED
