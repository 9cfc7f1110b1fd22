"""The per-carrier circuit breaker: a carrier that keeps failing is not waited for by every
text; replies answer at once with the last known status, and one probe tests it again."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from smsbot.config import TrackingSettings
from smsbot.errors import CarrierUnavailable
from smsbot.lookup import breaker
from smsbot.lookup.breaker import BREAKER_FAILURES, BREAKER_OPEN, breaker_wait
from smsbot.lookup.gateway import CarrierGateway
from smsbot.lookup.registry import Registry
from smsbot.orders.model import Shipment
from smsbot.store import Store, open_store
from smsbot.view.package import Failure
from tests.test_lookup import (  # noqa: F401  # `store` is a fixture
    Clock,
    FakeAdapter,
    store,
)

PARCEL = Shipment("x", "N1")
STALE = timedelta(seconds=601)  # past tracking.cache_ttl_s: every text asks the carrier


@pytest.fixture
async def rig(store: Store) -> AsyncIterator[tuple[CarrierGateway, FakeAdapter, Clock]]:  # noqa: F811
    adapter = FakeAdapter("x")
    clock = Clock()
    registry = Registry({"x": adapter}, {"x": "test"})
    settings = TrackingSettings(reply_deadline_s=1.0, carrier_timeout_s=0.5)
    gateway = CarrierGateway(registry, store, settings, clock)
    yield gateway, adapter, clock
    await gateway.close()


def test_the_open_period_doubles_per_failed_probe_up_to_five_minutes() -> None:
    assert breaker_wait(BREAKER_FAILURES) == BREAKER_OPEN
    assert breaker_wait(BREAKER_FAILURES + 1) == 2 * BREAKER_OPEN
    assert breaker_wait(100) == timedelta(minutes=5)


async def test_after_failures_texts_get_the_last_status_at_once_then_one_probe(
    rig: tuple[CarrierGateway, FakeAdapter, Clock],
) -> None:
    gateway, adapter, clock = rig
    [known] = await gateway.track([PARCEL])  # a good answer, cached
    assert known.failure is None and known.result is not None
    adapter.delay = 5.0  # now it hangs: each call ends at the carrier timeout
    for _ in range(BREAKER_FAILURES):
        clock.now += STALE
        [failed] = await gateway.track([PARCEL])
        assert failed.failure is Failure.TIMEOUT and failed.result is not None
        await gateway.drain()  # the call itself ends at the carrier timeout
    asked = len(adapter.asked)

    clock.now += timedelta(seconds=1)
    started = time.monotonic()
    [fast] = await gateway.track([PARCEL])
    assert time.monotonic() - started < 0.05
    assert fast.failure is Failure.UNAVAILABLE  # "not answering", with the last status
    assert fast.result == known.result
    assert len(adapter.asked) == asked  # the carrier was not asked

    # Half-open: the next text probes (and waits for it); meanwhile others answer at once.
    clock.now += BREAKER_OPEN
    adapter.delay = 0.0
    gate = asyncio.Event()
    adapter.gate = gate
    probe = asyncio.create_task(gateway.track([PARCEL]))
    await asyncio.wait_for(adapter.calls.get(), 1)
    while not adapter.calls.empty():
        adapter.calls.get_nowait()
    [meanwhile] = await gateway.track([Shipment("x", "N2")])
    assert meanwhile.failure is Failure.UNAVAILABLE and len(adapter.asked) == asked + 1
    gate.set()
    [probed] = await probe
    assert probed.failure is None

    adapter.gate = None
    [closed] = await gateway.track([Shipment("x", "N3")])  # the breaker is closed again
    assert closed.failure is None and len(adapter.asked) == asked + 2


async def test_a_failed_probe_opens_the_breaker_for_longer(
    rig: tuple[CarrierGateway, FakeAdapter, Clock],
) -> None:
    gateway, adapter, clock = rig
    adapter.error = CarrierUnavailable("x", "HTTP 503")
    for _ in range(BREAKER_FAILURES):
        await gateway.track([PARCEL])
    clock.now += BREAKER_OPEN
    [probe] = await gateway.track([PARCEL])
    assert probe.failure is Failure.UNAVAILABLE
    asked = len(adapter.asked)
    clock.now += BREAKER_OPEN  # not yet: it is open for twice as long now
    await gateway.track([PARCEL])
    assert len(adapter.asked) == asked
    clock.now += BREAKER_OPEN
    await gateway.track([PARCEL])
    assert len(adapter.asked) == asked + 1


async def test_the_breaker_is_shared_by_processes_and_one_of_them_probes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two gateways over two store connections to one file (two `serve` workers): the
    failures of one open the breaker for the other, and only one of them probes."""
    monkeypatch.setattr(breaker, "FRESH_S", 0.0)  # see the other worker's writes at once
    clock = Clock()
    settings = TrackingSettings(reply_deadline_s=1.0, carrier_timeout_s=0.5)
    path = tmp_path / "shared.db"
    async with await open_store(path) as one_store, await open_store(path) as two_store:
        one_adapter, two_adapter = FakeAdapter("x"), FakeAdapter("x")
        one = CarrierGateway(Registry({"x": one_adapter}, {"x": "t"}), one_store, settings, clock)
        two = CarrierGateway(Registry({"x": two_adapter}, {"x": "t"}), two_store, settings, clock)
        try:
            one_adapter.error = CarrierUnavailable("x", "HTTP 503")
            for _ in range(BREAKER_FAILURES):
                await one.track([PARCEL])
            started = time.monotonic()
            [fast] = await two.track([PARCEL])  # the other worker answers at once
            assert time.monotonic() - started < 0.05
            assert fast.failure is Failure.UNAVAILABLE and two_adapter.asked == []

            clock.now += BREAKER_OPEN  # half-open: both get a text; one probe between them
            two_adapter.gate = asyncio.Event()
            probe = asyncio.create_task(two.track([PARCEL]))
            await asyncio.wait_for(two_adapter.calls.get(), 1)
            asked = len(one_adapter.asked)
            [meanwhile] = await one.track([PARCEL])
            assert meanwhile.failure is Failure.UNAVAILABLE and len(one_adapter.asked) == asked
            two_adapter.gate.set()
            [probed] = await probe
            assert probed.failure is None  # the carrier is back: closed for everyone

            one_adapter.error = None
            [closed] = await one.track([Shipment("x", "N2")])
            assert closed.failure is None and len(one_adapter.asked) == asked + 1
            assert await one_store.breaker_states() == {}
        finally:
            await one.close()
            await two.close()
