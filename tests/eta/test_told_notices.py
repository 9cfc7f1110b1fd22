"""The watcher's "shipped" notice with a learned window (issue 19): told when the carrier
gives no date, kept in the store as told; the carrier's own date alone otherwise."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from smsbot.eta.window import Lane
from smsbot.lookup.gateway import CarrierGateway
from smsbot.lookup.registry import Registry
from smsbot.store import Store, open_store
from smsbot.tracking import Eta, Status
from smsbot.watch.watcher import Watcher
from tests.conftest import SettingsFactory
from tests.eta.windows import FixedEstimator
from tests.test_watcher import (
    START,
    UPS1,
    Clock,
    FakeAlerts,
    FakeCarrier,
    FakeOutbox,
    event,
    order,
    result,
)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await open_store(tmp_path / "smsbot.db")
    await opened.upsert_orders([order("1001", ("ups", UPS1))])
    try:
        yield opened
    finally:
        await opened.close()


async def shipped_notice(
    make_settings: SettingsFactory, store: Store, eta: Eta | None, asked: list[Lane] | None = None
) -> tuple[str, FakeOutbox]:
    settings = make_settings()
    clock = Clock()
    ups = FakeCarrier("ups", "UPS")
    registry = Registry({"ups": ups}, {"ups": "test"})
    outbox = FakeOutbox()
    gateway = CarrierGateway(registry, store, settings.tracking, clock)
    estimator = FixedEstimator({"ups": (2, 4)})  # from the scan on Mon Nov 24: Wed-Fri
    if asked is not None:
        estimator.asked = asked
    watcher = Watcher(settings, store, gateway, outbox, FakeAlerts(), clock=clock, eta=estimator)
    scanned = event(1, Status.IN_TRANSIT, "Columbus, OH", at=START + timedelta(hours=1))
    ups.results[UPS1] = result("ups", UPS1, Status.IN_TRANSIT, scanned, eta=eta)
    await watcher.run_once()
    [body] = outbox.bodies()
    return body, outbox


async def test_no_carrier_date_the_notice_tells_the_window_and_keeps_it(
    make_settings: SettingsFactory, store: Store
) -> None:
    body, _ = await shipped_notice(make_settings, store, None)
    assert body == (
        "Order 1001 has shipped with UPS, usually arriving Wed Nov 26-Fri Nov 28 (estimate). "
        "Text 1001 for updates."
    )
    [kept] = await store.told_outcomes()
    assert (kept.order_number, kept.tracking_number, kept.stage) == ("1001", UPS1, "transit")
    assert (kept.earliest, kept.latest) == (date(2025, 11, 26), date(2025, 11, 28))


async def test_a_carrier_date_in_the_window_is_told_alone(
    make_settings: SettingsFactory, store: Store
) -> None:
    body, _ = await shipped_notice(make_settings, store, Eta(date(2025, 11, 27)))
    assert body == "Order 1001 has shipped with UPS, arriving Thu Nov 27. Text 1001 for updates."
    assert await store.told_outcomes() == []


async def test_the_notice_asks_the_lane_of_the_orders_postal_code(
    make_settings: SettingsFactory, store: Store
) -> None:
    """The watcher knows the order's postal code, so a notice stands on the same lane rung
    as a reply about the same parcel would."""
    kept = await store.get_order("1001")
    assert kept is not None
    await store.upsert_orders([replace(kept, postal_code="11201")])
    asked: list[Lane] = []
    await shipped_notice(make_settings, store, None, asked)
    assert [(lane.carrier, lane.destination_postal_code) for lane in asked] == [("ups", "11201")]
