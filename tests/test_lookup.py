"""The carrier gateway for replies: concurrent carriers, per-carrier timeouts, one deadline,
failures as values, the cache."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

import pytest

from smsbot.config import TrackingSettings
from smsbot.errors import CarrierRateLimited, CarrierUnavailable
from smsbot.lookup.gateway import CarrierGateway
from smsbot.lookup.registry import Registry
from smsbot.orders.model import Shipment
from smsbot.store import Store, open_store
from smsbot.tracking import CarrierAdapter, Status, TrackingResult
from smsbot.view.package import Failure

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
        gate: asyncio.Event | None = None,
    ) -> None:
        self.name = name
        self.display_name = name.upper()
        self.delay = delay
        self.error = error
        self.barrier = barrier
        self.drop = drop
        self.gate = gate
        self.asked: list[list[str]] = []
        self.calls: asyncio.Queue[list[str]] = asyncio.Queue()  # each call, once in flight
        self.cancelled = 0  # calls cancelled while in flight

    async def track(self, numbers: Sequence[str]) -> Mapping[str, TrackingResult]:
        self.asked.append(list(numbers))
        self.calls.put_nowait(list(numbers))
        if self.gate is not None:
            try:
                await self.gate.wait()  # answers only when the test opens the gate
            except asyncio.CancelledError:
                self.cancelled += 1
                raise
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
    opened = await open_store(tmp_path / "store.db")
    try:
        yield opened
    finally:
        await opened.close()


class MakeLookup(Protocol):
    def __call__(
        self,
        clock: Clock,
        *adapters: FakeAdapter,
        deadline: float = 5.0,
        carrier_timeout: float = 4.0,
    ) -> CarrierGateway: ...


@pytest.fixture
async def make_lookup(store: Store) -> AsyncIterator[MakeLookup]:
    """Lookups over `store` and fake adapters, closed (their carrier calls cancelled) after."""
    made: list[CarrierGateway] = []

    def make(
        clock: Clock,
        *adapters: FakeAdapter,
        deadline: float = 5.0,
        carrier_timeout: float = 4.0,
    ) -> CarrierGateway:
        found: dict[str, CarrierAdapter] = {a.name: a for a in adapters}
        registry = Registry(found, {name: "test" for name in found})
        settings = TrackingSettings(reply_deadline_s=deadline, carrier_timeout_s=carrier_timeout)
        made.append(CarrierGateway(registry, store, settings, clock))
        return made[-1]

    yield make
    for lookup in made:
        await lookup.close()


async def test_carriers_are_asked_concurrently_and_batched(make_lookup: MakeLookup) -> None:
    barrier = asyncio.Barrier(2)
    ups, fedex = FakeAdapter("ups", barrier=barrier), FakeAdapter("fedex", barrier=barrier)
    lookup = make_lookup(Clock(), ups, fedex)
    shipments = [Shipment("ups", "U1"), Shipment("fedex", "F1"), Shipment("ups", "U2")]
    statuses = await asyncio.wait_for(lookup.track(shipments), timeout=2)
    assert [s.shipment for s in statuses] == shipments
    assert all(s.result is not None and s.failure is None for s in statuses)
    assert ups.asked == [["U1", "U2"]]
    assert fedex.asked == [["F1"]]
    assert [s.display_name for s in statuses] == ["UPS", "FEDEX", "UPS"]


async def test_slow_carrier_times_out_inside_the_deadline(make_lookup: MakeLookup) -> None:
    slow, quick = FakeAdapter("slow", delay=30), FakeAdapter("quick")
    lookup = make_lookup(Clock(), slow, quick, deadline=0.6, carrier_timeout=4.0)
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
async def test_failures_become_values(
    make_lookup: MakeLookup, error: Exception, failure: Failure
) -> None:
    lookup = make_lookup(Clock(), FakeAdapter("x", error=error))
    [status] = await lookup.track([Shipment("x", "N1")])
    assert status.failure is failure
    assert status.result is None


async def test_missing_adapter_and_missing_result(make_lookup: MakeLookup) -> None:
    lookup = make_lookup(Clock(), FakeAdapter("x", drop=True))
    statuses = await lookup.track([Shipment("x", "N1"), Shipment("nope", "N2")])
    assert [s.failure for s in statuses] == [Failure.BAD_RESPONSE, Failure.NO_ADAPTER]
    assert statuses[1].display_name == "Nope"


async def test_fresh_cache_spares_the_carrier_until_ttl(make_lookup: MakeLookup) -> None:
    clock = Clock()
    adapter = FakeAdapter("x")
    lookup = make_lookup(clock, adapter)
    await lookup.track([Shipment("x", "N1")])
    clock.now += timedelta(seconds=599)
    [cached] = await lookup.track([Shipment("x", "N1")])
    assert len(adapter.asked) == 1
    assert cached.checked_at == NOW and cached.failure is None
    clock.now += timedelta(seconds=2)
    await lookup.track([Shipment("x", "N1")])
    assert len(adapter.asked) == 2


async def test_last_known_status_when_carrier_fails(make_lookup: MakeLookup) -> None:
    clock = Clock()
    adapter = FakeAdapter("x")
    lookup = make_lookup(clock, adapter)
    await lookup.track([Shipment("x", "N1")])
    clock.now += timedelta(hours=3)
    adapter.error = CarrierUnavailable("x", "503")
    [status] = await lookup.track([Shipment("x", "N1")])
    assert status.failure is Failure.UNAVAILABLE
    assert status.stale
    assert status.result is not None and status.result.status is Status.IN_TRANSIT
    assert status.checked_at == NOW


async def test_delivered_is_cached_longer(store: Store, make_lookup: MakeLookup) -> None:
    clock = Clock()
    await store.save_tracking(TrackingResult("x", "N1", Status.DELIVERED), NOW)
    adapter = FakeAdapter("x")
    lookup = make_lookup(clock, adapter)
    clock.now += timedelta(hours=5)
    [status] = await lookup.track([Shipment("x", "N1")])
    assert adapter.asked == []
    assert status.result is not None and status.result.status is Status.DELIVERED


async def test_concurrent_texts_share_one_carrier_call(make_lookup: MakeLookup) -> None:
    gate = asyncio.Event()
    adapter = FakeAdapter("x", gate=gate)
    lookup = make_lookup(Clock(), adapter)
    first = asyncio.create_task(lookup.track([Shipment("x", "N1")]))
    await adapter.calls.get()  # the first text's carrier call is in flight
    others = [asyncio.create_task(lookup.track([Shipment("x", "N1")])) for _ in range(4)]
    await asyncio.sleep(0)  # each later text joins the call before the carrier answers
    gate.set()
    statuses = await asyncio.gather(first, *others)
    assert adapter.asked == [["N1"]]
    assert all(s.failure is None and s.result is not None for [s] in statuses)


async def test_a_joined_call_is_not_asked_again_but_new_numbers_are(
    make_lookup: MakeLookup,
) -> None:
    gate = asyncio.Event()
    adapter = FakeAdapter("x", gate=gate)
    lookup = make_lookup(Clock(), adapter)
    first = asyncio.create_task(lookup.track([Shipment("x", "N1")]))
    await adapter.calls.get()
    second = asyncio.create_task(lookup.track([Shipment("x", "N1"), Shipment("x", "N2")]))
    assert await adapter.calls.get() == ["N2"]  # the second text asks for N2 alone
    gate.set()
    await asyncio.gather(first, second)
    assert adapter.asked == [["N1"], ["N2"]]


async def test_joined_call_that_fails_keeps_the_last_known_status(
    store: Store, make_lookup: MakeLookup
) -> None:
    clock = Clock()
    await store.save_tracking(TrackingResult("x", "N1", Status.IN_TRANSIT, "Moving"), NOW)
    clock.now += timedelta(hours=3)
    gate = asyncio.Event()
    adapter = FakeAdapter("x", gate=gate, error=CarrierUnavailable("x", "503"))
    lookup = make_lookup(clock, adapter)
    first = asyncio.create_task(lookup.track([Shipment("x", "N1")]))
    await adapter.calls.get()
    second = asyncio.create_task(lookup.track([Shipment("x", "N1")]))
    await asyncio.sleep(0)
    gate.set()
    for [status] in await asyncio.gather(first, second):
        assert status.failure is Failure.UNAVAILABLE and status.stale
        assert status.checked_at == NOW
    assert len(adapter.asked) == 1


async def test_late_carrier_answers_for_the_next_text(
    store: Store, make_lookup: MakeLookup
) -> None:
    gate = asyncio.Event()
    adapter = FakeAdapter("x", gate=gate)
    lookup = make_lookup(Clock(), adapter, deadline=0.35)  # 0.05 s left for carriers
    [late] = await lookup.track([Shipment("x", "N1")])
    # The reply went out while the carrier was still busy (the gate is closed).
    assert late.failure is Failure.TIMEOUT and late.result is None
    assert lookup.in_flight == 1
    gate.set()
    await lookup.drain()
    assert (await store.cached_tracking("x", "N1")) is not None
    [warm] = await lookup.track([Shipment("x", "N1")])
    assert warm.failure is None and warm.result is not None
    assert len(adapter.asked) == 1


async def test_a_late_call_is_bounded_by_the_carrier_timeout(make_lookup: MakeLookup) -> None:
    adapter = FakeAdapter("x", gate=asyncio.Event())  # never answers
    lookup = make_lookup(Clock(), adapter, deadline=0.35, carrier_timeout=0.1)
    [status] = await lookup.track([Shipment("x", "N1")])
    assert status.failure is Failure.TIMEOUT
    await lookup.drain()  # returns: the call gave up on its own
    assert lookup.in_flight == 0 and adapter.cancelled == 1


async def test_close_cancels_calls_still_running(make_lookup: MakeLookup) -> None:
    adapter = FakeAdapter("x", gate=asyncio.Event())  # never answers
    lookup = make_lookup(Clock(), adapter, deadline=0.35, carrier_timeout=60)
    await lookup.track([Shipment("x", "N1")])
    assert lookup.in_flight == 1
    await lookup.close()
    assert lookup.in_flight == 0 and adapter.cancelled == 1
    [after] = await lookup.track([Shipment("x", "N2")])  # shutting down: nobody is asked
    assert after.failure is Failure.UNAVAILABLE
    assert adapter.asked == [["N1"]]


async def test_one_failed_request_keeps_the_other_numbers_answers(
    make_lookup: MakeLookup, store: Store
) -> None:
    error = CarrierRateLimited("ups", "429 on the second request", 30)
    error.partial = {"U1": TrackingResult("ups", "U1", Status.OUT_FOR_DELIVERY, "On the van")}
    lookup = make_lookup(Clock(), FakeAdapter("ups", error=error))
    first, second = await lookup.track([Shipment("ups", "U1"), Shipment("ups", "U2")])
    assert first.failure is None and first.result is not None
    assert first.result.status is Status.OUT_FOR_DELIVERY
    assert second.failure is Failure.RATE_LIMITED and second.result is None
    assert await store.cached_tracking("ups", "U1") is not None  # the good answer is cached
    assert await store.cached_tracking("ups", "U2") is None
