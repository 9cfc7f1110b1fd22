"""Benchmark 6: the watcher at scale.

100,000 open shipments (`--quick`: 10,000) on four fake carriers answering in 50 ms, one
`Watcher.run_once()` pass over all of them, with the outbox and the alerts replaced by
counters (sending is not measured). Reports shipments refreshed per second, the share of
the wall time this process spent on CPU (well under 100 % = the carriers' latency is the
limit, not our CPU), and peak memory. Target: peak RSS <= 200 MB.

`python bench/watch.py [--quick]`
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import httpx
from common import Figure, arguments, print_header, print_summary, rss_mb, write_config

from smsbot.config import load_settings
from smsbot.lookup.gateway import CarrierGateway
from smsbot.orders.model import Order, Shipment
from smsbot.services import build_registry
from smsbot.store import open_store
from smsbot.watch.watcher import Watcher

CARRIERS = ("ups", "fedex", "usps", "dhl")
BATCH_SIZES = {"fedex": 30}  # as the real adapters declare them (FedEx's Track API takes 30)
LATENCY_S = 0.05
BATCH = 10_000


class Counted:
    """The outbox and the alerts, as counters: the watcher's decisions, not their delivery."""

    def __init__(self) -> None:
        self.messages = 0
        self.alerts = 0

    async def enqueue(
        self, *, to: str, channel: str, body: str, key: str, order_number: str | None = None
    ) -> bool:
        self.messages += 1
        return True

    async def send_due(self) -> int:
        return 0

    async def raise_alert(self, **fields: str | None) -> bool:
        self.alerts += 1
        return True

    async def deliver_due(self) -> int:
        return 0


async def run(work: Path, shipments: int) -> list[Figure]:
    config = write_config(
        work / "smsbot.toml",
        {
            "store": {"path": str(work / "smsbot.db")},
            **{
                f"carriers.{name}": {
                    "module": "fakecarrier",
                    "latency_s": LATENCY_S,
                    "batch_size": BATCH_SIZES.get(name, 10),
                }
                for name in CARRIERS
            },
        },
    )
    settings = load_settings(config)
    store = await open_store(settings.store.url)
    try:
        shipped = datetime.now(UTC) - timedelta(days=2)
        for start in range(0, shipments, BATCH):
            await store.upsert_orders(
                [
                    Order(
                        str(20_000_000 + i),
                        f"+1{3000000000 + i:010d}",
                        shipments=(Shipment(CARRIERS[i % 4], f"W{i:09d}", shipped_at=shipped),),
                    )
                    for i in range(start, min(shipments, start + BATCH))
                ]
            )
        rss_before = rss_mb(os.getpid())
        counted = Counted()
        async with httpx.AsyncClient() as http:
            clock = partial(datetime.now, UTC)
            gateway = CarrierGateway(
                build_registry(settings, http), store, settings.tracking, clock
            )
            watcher = Watcher(
                settings,
                store,
                gateway,
                counted,
                counted,
                clock=clock,
                max_checks=shipments,
            )
            cpu, wall = time.process_time(), time.perf_counter()
            summary = await watcher.run_once()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    finally:
        await store.close()
    peak = rss_mb(os.getpid(), "VmHWM")
    rate = summary.checked / wall
    print(f"pass: {summary}")
    print(f"refreshed {summary.checked:,} of {shipments:,} shipments in {wall:.1f} s = "
          f"{rate:,.0f} shipments/s at {LATENCY_S * 1000:.0f} ms a carrier call; "
          f"CPU {cpu:.1f} s = {cpu / wall:.0%} of one core")  # fmt: skip
    print(f"memory: {rss_before:.0f} MB before the pass, peak {peak:.0f} MB")
    return [
        Figure("watch_shipments_per_s", f"{rate:,.0f}", "reported", True),
        Figure(
            "watch_cpu_share",
            f"{cpu / wall:.0%} of one core",
            "< 100 % (carrier-bound)",
            cpu / wall < 0.9,
        ),
        Figure("watch_peak_rss_mb", f"{peak:.0f} MB", "<= 200 MB", peak <= 200),
        Figure(
            "watch_all_checked",
            f"{summary.checked:,}/{shipments:,}",
            "all",
            summary.checked == shipments,
        ),
    ]


def main() -> None:
    options = arguments(__doc__ or "")
    logging.basicConfig(level=logging.ERROR)
    print_header("bench/watch.py: one watcher pass over many open shipments", options.quick)
    with tempfile.TemporaryDirectory(prefix="smsbot-bench-") as tmp:
        figures = asyncio.run(run(Path(tmp), 10_000 if options.quick else 100_000))
    print_summary(figures)


if __name__ == "__main__":
    main()
