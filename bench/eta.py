"""Benchmark: honest ETAs (issue 19) on a simulated year.

200,000 deliveries (`--quick`: 40,000) from `smsbot.eta.simulate` (two warehouses, twelve
destinations, four carrier services, weekday effects, US holidays, a fedex slowdown);
the first nine months go into a fresh SQLite store and `LearnedEta` (default [eta]
settings) learns them; every order of the last three months is then told a window as at
checkout time (carrier, service and postal code known, no warehouse) counted from its
order date, and after its first scan a transit window; both are scored against when it
arrived. Targets: >= 90% inside the window told at order time, a median width of at most
3 business days (width = latest - earliest, in business days), a full refresh from the
store under 10 s for the whole year (all 200,000 learned at once, `history_days` = 400),
beside the nine months' refresh (default 180 days) and the incremental refresh (a day's
new deliveries).
Before/after recency (issue 19): the same nine months are also learned with every
delivery weighing alike (`half_life_days` off) and scored the same way, per carrier; and
a rolling backtest over the fedex slowdown (days 120-150) rebuilds the fedex model every
other day (as the daily rebuild does) and scores the orders of the two days after each
rebuild, with no decay, the default half-life and 14 days, by week: how fast windows
follow the slowdown and come back after it.
The API's cached p99 is `bench/eta_api.py`'s (the checkout API's side); here the
estimator's own cost per call is measured.

`python bench/eta.py [--quick]`
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import Figure, arguments, percentile, print_header, print_summary

from smsbot.config import EtaSettings
from smsbot.eta.backtest import build, rolling, score, without_decay
from smsbot.eta.history import local_date
from smsbot.eta.learned import LearnedEta
from smsbot.eta.simulate import SLOWDOWN, Simulator
from smsbot.eta.window import Estimate, Lane
from smsbot.store import Delivery, open_store

START = datetime(2025, 1, 1, tzinfo=UTC)
TRAIN_DAYS = 273  # January to September


def inside(estimate: Estimate | None, delivery: Delivery) -> bool:
    if estimate is None:
        return False
    arrived = local_date(delivery.delivered_at, "US", None, delivery.destination_postal_code)
    return estimate.earliest <= arrived <= estimate.latest


async def main(quick: bool) -> bool:
    count = 40_000 if quick else 200_000
    print_header("eta: learned windows on a simulated year", quick)
    started = time.perf_counter()
    history = list(Simulator(start=START.date(), days=365, count=count).deliveries())
    print(f"simulated {len(history):,} deliveries in {time.perf_counter() - started:.1f} s")
    now = START + timedelta(days=TRAIN_DAYS)
    train = [d for d in history if d.delivered_at < now]
    test = [d for d in history if d.ordered_at is not None and d.ordered_at >= now]
    next_day = [d for d in history if now <= d.delivered_at < now + timedelta(days=1)]
    clock = [now]
    settings = EtaSettings()
    with tempfile.TemporaryDirectory() as folder:
        async with await open_store(f"sqlite:///{Path(folder) / 'eta.db'}") as store:
            started = time.perf_counter()
            for at in range(0, len(train), 20_000):
                await store.import_deliveries(train[at : at + 20_000])
            took = time.perf_counter() - started
            print(f"imported {len(train):,} training deliveries in {took:.1f} s")
            eta = LearnedEta(settings, store, lambda: clock[0])
            full = await eta.refresh()
            print(
                f"full refresh: {full.added:,} learned ({settings.history_days} days), "
                f"{full.excluded:,} excluded, {full.seconds:.2f} s"
            )
            model = eta.model
            await store.import_deliveries(next_day)
            clock[0] = now + timedelta(hours=1)
            incremental = await eta.refresh()
            print(
                f"incremental refresh: {incremental.added:,} new deliveries, "
                f"{incremental.seconds * 1000:.0f} ms"
            )
            assert eta.model is model and not incremental.full
            # The whole year in the store, learned at once (history_days = 400).
            rest = [d for d in history if d.delivered_at >= now + timedelta(days=1)]
            await store.import_deliveries(rest)
            year_end = START + timedelta(days=400)
            everything = LearnedEta(EtaSettings(history_days=400), store, lambda: year_end)
            whole = await everything.refresh()
            print(f"full refresh of the whole year: {whole.added:,} learned, {whole.seconds:.2f} s")
    # Score the last three months with the model as it stood at the end of September.
    told: dict[str, list[tuple[bool, int, bool, int]]] = defaultdict(list)
    rungs: Counter[str] = Counter()
    calls: list[float] = []
    for delivery in test:
        lane = Lane(
            delivery.carrier, delivery.service, None, "US", delivery.destination_postal_code
        )
        today = local_date(delivery.ordered_at or now, "US", None, None)
        before = time.perf_counter()
        at_order = eta.estimate(lane, ordered_at=delivery.ordered_at, today=today)
        calls.append(time.perf_counter() - before)
        in_transit = eta.estimate(lane, first_scan_at=delivery.first_scan_at, today=today)
        if at_order is None or in_transit is None:
            rungs["none"] += 1
            continue
        rungs[at_order.basis.rung] += 1
        told[delivery.carrier].append(
            (
                inside(at_order, delivery),
                at_order.business_days[1] - at_order.business_days[0],
                inside(in_transit, delivery),
                in_transit.business_days[1] - in_transit.business_days[0],
            )
        )
    print(f"\nscored {len(test):,} orders of the last 3 months; rungs: {dict(rungs)}")
    print(f"{'carrier':<8} {'orders':>7} {'in window':>10} {'median width':>13} "
          f"{'in transit window':>18} {'median width':>13}")  # fmt: skip
    every: list[tuple[bool, int, bool, int]] = []
    for carrier, rows in sorted(told.items()):
        every += rows
        print(
            f"{carrier:<8} {len(rows):>7,} {share(r[0] for r in rows):>9.1%} "
            f"{statistics.median(r[1] for r in rows):>13} "
            f"{share(r[2] for r in rows):>17.1%} {statistics.median(r[3] for r in rows):>13}"
        )
    compare_decay(history, test, now, settings)
    slowdown_weeks(history, settings)
    hit = share(r[0] for r in every)
    width = statistics.median(r[1] for r in every)
    p99_us = percentile(calls, 99) * 1e6
    print(f"estimate() per call: p50 {percentile(calls, 50) * 1e6:.0f} us, p99 {p99_us:.0f} us")
    return print_summary(
        [
            Figure("inside the window told at order time", f"{hit:.1%}", ">= 90%", hit >= 0.9),
            Figure("median window width", f"{width:g} business days", "<= 3", width <= 3),
            Figure(
                f"full refresh, whole year ({whole.added:,} learned)",
                f"{whole.seconds:.2f} s",
                "< 10 s",
                whole.seconds < 10,
            ),
            Figure(
                "incremental refresh",
                f"{incremental.seconds * 1000:.0f} ms",
                "< full refresh",
                incremental.seconds < full.seconds,
            ),
        ]
    )


def compare_decay(
    history: list[Delivery], test: list[Delivery], now: datetime, settings: EtaSettings
) -> None:
    """Per carrier, at order time: every delivery alike (before) against recency (after)."""
    print(
        f"\nbefore (no decay) / after (half-life {settings.half_life_days:g} days), at order time:"
    )
    models = [build(history, without_decay(settings), now), build(history, settings, now)]
    for carrier in [*sorted({d.carrier for d in test}), "all"]:
        orders = [d for d in test if carrier in (d.carrier, "all")]
        before, after = (score(model, orders) for model in models)
        print(
            f"{carrier:<8} {before.orders:>7,}  {before.inside:.1%} / {after.inside:.1%} inside, "
            f"median width {before.width:g} / {after.width:g}"
        )


def slowdown_weeks(history: list[Delivery], settings: EtaSettings) -> None:
    """The fedex model rebuilt every other day from 2 weeks before the slowdown to 15
    weeks after it; by week: share inside and median width, with no decay, the default
    half-life and a 14-day one."""
    fedex = [d for d in history if d.carrier == "fedex"]
    first, last = SLOWDOWN[0] - 14, SLOWDOWN[1] + 105
    days = range(first, last, 2)
    variants = [without_decay(settings), settings, replace(settings, half_life_days=14.0)]
    runs = [rolling(fedex, s, START, days, every=2) for s in variants]
    names = " / ".join(str(s.half_life_days or "none") for s in variants)
    print(f"\nfedex slowdown (days {SLOWDOWN[0]}-{SLOWDOWN[1] - 1}), rebuilt every 2 days;")
    print(f"half-life {names} days:")
    print(f"{'days':<9} {'orders':>6} {'inside':>20} {'median width':>14}")
    for week in range(first, last, 7):
        cells = []
        for points in runs:
            chosen = [p.score for p in points if week <= p.day < week + 7 and p.score.orders]
            orders = sum(s.orders for s in chosen)
            inside = sum(s.inside * s.orders for s in chosen) / orders if orders else 0.0
            cells.append((orders, inside, statistics.median(s.width for s in chosen)))
        shares = " / ".join(f"{c[1]:.0%}" for c in cells)
        widths = " / ".join(f"{c[2]:g}" for c in cells)
        print(f"{week:>3}-{week + 6:<5} {cells[0][0]:>6} {shares:>20} {widths:>14}")


def share(flags: object) -> float:
    values = list(flags)  # type: ignore[call-overload]
    return sum(values) / len(values) if values else 0.0


if __name__ == "__main__":
    raise SystemExit(0 if asyncio.run(main(arguments(__doc__ or "").quick)) else 1)
