"""`LearnedEta` over a real store: the first refresh builds, later ones add only new
deliveries, the daily rebuild ages old ones out, the Estimator contract picks the stage,
the handling load, and the background loop."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from smsbot.config import EtaSettings
from smsbot.eta.learned import LearnedEta
from smsbot.eta.simulate import Simulator
from smsbot.eta.window import Lane, Rung, Stage
from smsbot.orders.model import Order, Shipment
from smsbot.store import Store

START = date(2025, 1, 1)
NOW = datetime(2025, 7, 1, tzinfo=UTC)
LANE = Lane("ups", "ground", None, "US", "11201")


async def _loaded(store: Store, count: int = 4_000) -> list[object]:
    history = [
        d
        for d in Simulator(start=START, days=180, count=count).deliveries()
        if d.delivered_at < NOW
    ]
    await store.import_deliveries(history)
    return list(history)


async def test_refresh_builds_then_adds_only_new_deliveries(store: Store) -> None:
    history = await _loaded(store)
    clock = [NOW]
    eta = LearnedEta(EtaSettings(), store, lambda: clock[0])
    assert eta.estimate(LANE, today=NOW.date()) is None  # nothing learned yet
    first = await eta.refresh()
    assert first.full and first.added + first.excluded <= len(history)
    model = eta.model
    assert model.samples == first.added > 3_000
    late = Simulator(start=date(2025, 6, 10), days=5, count=50, seed=7).deliveries()
    await store.import_deliveries(list(late))
    clock[0] = NOW + timedelta(hours=2)
    second = await eta.refresh()
    assert not second.full and second.added == 50 and eta.model is model
    assert model.samples == first.added + 50
    clock[0] = NOW + timedelta(days=1, hours=3)
    third = await eta.refresh()  # a day later: rebuilt from the store, a new model
    assert third.full and eta.model is not model and eta.model.samples == model.samples


async def test_the_contract_picks_the_stage_and_its_start(store: Store) -> None:
    await _loaded(store)
    # 4,000 deliveries: about 80 on this lane, too few for stable tails once recent ones
    # weigh more; this test is about the stage and its start, so all weigh alike.
    eta = LearnedEta(EtaSettings(half_life_days=None), store, lambda: NOW)
    await eta.refresh()
    scanned = datetime(2025, 7, 1, 22, tzinfo=UTC)  # 18:00 in New York: still July 1st
    transit = eta.estimate(LANE, first_scan_at=scanned, ordered_at=NOW, today=date(2025, 7, 3))
    assert transit is not None and transit.stage is Stage.TRANSIT
    assert transit.since == date(2025, 7, 1) and transit.basis.rung is Rung.LANE
    ordered = eta.estimate(LANE, ordered_at=datetime(2025, 6, 30, 3, tzinfo=UTC), today=NOW.date())
    assert ordered is not None and ordered.stage is Stage.DELIVERY
    assert ordered.since == date(2025, 6, 29)  # 23:00 the day before in New York
    checkout = eta.estimate(LANE, today=date(2025, 7, 2))
    assert checkout is not None and checkout.since == date(2025, 7, 2)
    assert checkout.business_days[1] > transit.business_days[1]  # handling comes first
    assert checkout.earliest > checkout.since
    # A bad date far from today (a carrier's year 2099) gets no window, never a crash.
    odd = datetime(2099, 1, 1, tzinfo=UTC)
    assert eta.estimate(LANE, first_scan_at=odd, today=NOW.date()) is None
    assert eta.estimate(LANE, ordered_at=datetime(1999, 1, 1, tzinfo=UTC), today=NOW.date()) is None


async def test_a_backlog_shows_as_a_high_load_and_later_checkout_windows(store: Store) -> None:
    await _loaded(store)
    eta = LearnedEta(EtaSettings(load_days=10), store, lambda: NOW)
    await eta.refresh()
    assert eta.handling_load(NOW.date()) is None  # no recent fulfilment to measure
    usual = eta.estimate(LANE, today=NOW.date())
    # 20 orders fulfilled over the last 10 days (7 business days after June 21st).
    shipped = [
        Order(
            f"F{i}",
            None,
            shipments=(Shipment("ups", f"1ZF{i}", shipped_at=NOW - timedelta(days=1 + i % 9)),),
        )
        for i in range(20)
    ]
    await store.upsert_orders(shipped, now=NOW - timedelta(days=12))
    await store.upsert_orders([Order(f"W{i}", None) for i in range(4)], now=NOW - timedelta(days=1))
    await eta.refresh()
    calm = eta.handling_load(NOW.date())
    assert calm is not None and calm.open_orders == 4 and not calm.high
    assert calm.daily_rate == 20 / 7 and calm.usual_days >= 1
    await store.upsert_orders(
        [Order(f"X{i}", None) for i in range(30)], now=NOW - timedelta(days=1)
    )
    await eta.refresh()
    busy = eta.handling_load(NOW.date())
    assert busy is not None and busy.high and busy.expected_days == 34 / (20 / 7)
    later = eta.estimate(LANE, today=NOW.date())
    assert usual is not None and later is not None
    assert later.business_days[0] > usual.business_days[0]  # checkout windows move out
    # A parcel already ordered is not shifted: its handling has begun.
    ordered = eta.estimate(LANE, ordered_at=NOW, today=NOW.date())
    assert ordered is not None and ordered.business_days == usual.business_days


async def test_the_loop_refreshes_until_stopped(store: Store) -> None:
    eta = LearnedEta(EtaSettings(refresh_s=0.05), store, lambda: NOW)
    stop = asyncio.Event()
    task = asyncio.create_task(eta.run(stop))
    await asyncio.sleep(0.02)
    await _loaded(store, 1_000)
    for _ in range(100):
        if eta.model.samples:
            break
        await asyncio.sleep(0.02)
    stop.set()
    await asyncio.wait_for(task, 2)
    assert eta.model.samples > 500


async def test_the_demo_history_gives_the_demo_orders_learned_windows(store: Store) -> None:
    from smsbot.eta.simulate import demo_history

    now = datetime(2026, 3, 2, 15, tzinfo=UTC)
    history = demo_history(now)
    assert all(d.delivered_at < now for d in history)
    await store.import_deliveries(history)
    eta = LearnedEta(EtaSettings(), store, lambda: now)
    await eta.refresh()
    demo = eta.estimate(Lane("demo", None, None, "US", "11201"), today=now.date())
    assert demo is not None and demo.basis.rung is Rung.LANE
    assert demo.basis.label == "demo -> US-112" and demo.basis.samples >= 30
    ups = eta.estimate(Lane("ups", "ground", None, "US", "11201"), today=now.date())
    assert ups is not None and ups.basis.rung is Rung.LANE
