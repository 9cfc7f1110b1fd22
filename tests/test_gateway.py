"""The carrier gateway as replies and the watcher share it: batches by the adapter's
`batch_size`, pauses after a 429 or failures, one call per number for both, and the
watcher's `refresh` (fresh, failed or postponed, per number)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest

from smsbot.config import TrackingSettings
from smsbot.errors import CarrierRateLimited, CarrierUnavailable
from smsbot.lookup.gateway import CarrierGateway, Failed, Fresh, Postponed
from smsbot.lookup.registry import Registry
from smsbot.orders.model import Shipment
from smsbot.store import Store
from smsbot.tracking import CarrierAdapter, Status, TrackingResult
from smsbot.view.package import Failure
from tests.test_lookup import (  # noqa: F401  # `store` is a fixture
    NOW,
    Clock,
    FakeAdapter,
    store,
)

MakeGateway = Callable[..., CarrierGateway]


class Batching(FakeAdapter):
    """A fake adapter that declares how many numbers one call takes."""

    batch_size = 2


@pytest.fixture
async def make_gateway(store: Store) -> AsyncIterator[MakeGateway]:  # noqa: F811
    made: list[CarrierGateway] = []

    def make(clock: Clock, *adapters: FakeAdapter) -> CarrierGateway:
        found: dict[str, CarrierAdapter] = {a.name: a for a in adapters}
        registry = Registry(found, {name: "test" for name in found})
        made.append(CarrierGateway(registry, store, TrackingSettings(), clock))
        return made[-1]

    yield make
    for gateway in made:
        await gateway.close()


async def test_replies_and_refreshes_batch_by_the_adapters_size(
    make_gateway: MakeGateway,
) -> None:
    adapter, plain = Batching("x"), FakeAdapter("y")
    clock = Clock()
    gateway = make_gateway(clock, adapter, plain)
    await gateway.track([Shipment("x", n) for n in ("A", "B", "C")])
    assert sorted(adapter.asked) == [["A", "B"], ["C"]]
    refreshed = await gateway.refresh("y", [f"N{n}" for n in range(12)])
    assert [len(call) for call in plain.asked] == [10, 2]  # DEFAULT_BATCH_SIZE
    assert all(isinstance(r, Fresh) and not r.from_cache for r in refreshed.values())


async def test_refresh_uses_the_fresh_cache_and_says_why_it_failed(
    make_gateway: MakeGateway,
    store: Store,  # noqa: F811
) -> None:
    await store.save_tracking(TrackingResult("x", "OLD", Status.IN_TRANSIT), NOW)
    adapter = FakeAdapter("x", error=CarrierUnavailable("x", "server error (HTTP 503)"))
    gateway = make_gateway(Clock(), adapter)
    refreshed = await gateway.refresh("x", ["OLD", "NEW", "NEW"])
    assert refreshed["OLD"] == Fresh(TrackingResult("x", "OLD", Status.IN_TRANSIT), True)
    assert refreshed["NEW"] == Failed(Failure.UNAVAILABLE, "x: server error (HTTP 503)")
    assert adapter.asked == [["NEW"]]


async def test_a_429_pauses_the_carrier_for_replies_and_the_watcher(
    make_gateway: MakeGateway,
) -> None:
    clock = Clock()
    adapter = FakeAdapter("x", error=CarrierRateLimited("x", "HTTP 429", retry_after=120))
    gateway = make_gateway(clock, adapter)
    [first] = await gateway.track([Shipment("x", "N1")])
    assert first.failure is Failure.RATE_LIMITED
    adapter.error = None
    clock.now += timedelta(seconds=60)
    [paused] = await gateway.track([Shipment("x", "N1")])
    assert paused.failure is Failure.RATE_LIMITED and len(adapter.asked) == 1
    refreshed = await gateway.refresh("x", ["N1"])
    assert refreshed["N1"] == Postponed(NOW + timedelta(seconds=120), Failure.RATE_LIMITED)
    assert len(adapter.asked) == 1
    clock.now += timedelta(seconds=61)
    [answered] = await gateway.track([Shipment("x", "N1")])
    assert answered.failure is None and len(adapter.asked) == 2


async def test_failures_back_off_the_watcher_but_not_a_customer(
    make_gateway: MakeGateway,
) -> None:
    clock = Clock()
    adapter = FakeAdapter("x", error=CarrierUnavailable("x", "HTTP 503"))
    gateway = make_gateway(clock, adapter)
    first = await gateway.refresh("x", ["N1"])
    assert isinstance(first["N1"], Failed)
    clock.now += timedelta(minutes=4)
    assert await gateway.refresh("x", ["N1"]) == {
        "N1": Postponed(NOW + timedelta(minutes=5), Failure.UNAVAILABLE)
    }
    adapter.error = None
    [status] = await gateway.track([Shipment("x", "N1")])  # a customer still gets a try
    assert status.failure is None and len(adapter.asked) == 2
    clock.now += timedelta(minutes=11)  # past the cache; the success lifted the back-off
    assert isinstance((await gateway.refresh("x", ["N1"]))["N1"], Fresh)
    assert len(adapter.asked) == 3


async def test_a_carrier_nobody_serves_is_postponed_a_day(make_gateway: MakeGateway) -> None:
    gateway = make_gateway(Clock())
    refreshed = await gateway.refresh("ontrac", ["C1"])
    assert refreshed == {"C1": Postponed(NOW + timedelta(hours=24), Failure.NO_ADAPTER)}


async def test_the_watcher_and_a_reply_share_one_call(make_gateway: MakeGateway) -> None:
    gate = asyncio.Event()
    adapter = FakeAdapter("x", gate=gate)
    gateway = make_gateway(Clock(), adapter)
    refreshing = asyncio.create_task(gateway.refresh("x", ["N1", "N2"]))
    await adapter.calls.get()  # the watcher's call is in flight
    replying = asyncio.create_task(gateway.track([Shipment("x", "N2")]))
    await asyncio.sleep(0.01)
    gate.set()
    refreshed, [status] = await asyncio.gather(refreshing, replying)
    assert adapter.asked == [["N1", "N2"]]
    assert status.failure is None and isinstance(refreshed["N2"], Fresh)
