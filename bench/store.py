"""Benchmark 5: the store at scale.

1,000,000 orders / 1,500,000 shipments (`--quick`: 100,000 / 150,000) imported with
`Store.upsert_orders` in batches of 10,000 orders, then looked up at random by order number,
phone and tracking number. Targets: import >= 20,000 rows/s (one row = one shipment, as in
the CSV); lookup p99 <= 2 ms. The CSV reading that `smsbot import-orders` adds (phone
normalization, carrier detection) is measured on a sample and reported beside it.

`python bench/store.py [--quick]`
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from common import Figure, arguments, percentile, print_header, print_summary

from smsbot.lookup.detect import carriers_for
from smsbot.orders.file import parse_csv
from smsbot.orders.model import Order, Shipment
from smsbot.store import Store

BATCH = 10_000
CARRIERS = ("ups", "fedex", "usps", "dhl")


def phone(i: int) -> str:
    return f"+1{2000000000 + 3 * i:010d}"  # +12000000000, +12000000003, ...


def tracking(i: int, p: int) -> str:
    return f"BT{i:09d}{p}"


def order(i: int) -> Order:
    """Order i: every other order has two shipments, so 2 orders make 3 rows."""
    shipments = tuple(Shipment(CARRIERS[(i + p) % 4], tracking(i, p)) for p in range(1 + i % 2))
    return Order(str(10_000_000 + i), phone(i), f"c{i}@example.com", "10001", f"Customer {i}",
                 shipments=shipments)  # fmt: skip


def batches(count: int) -> Iterator[list[Order]]:
    for start in range(0, count, BATCH):
        yield [order(i) for i in range(start, min(count, start + BATCH))]


def csv_sample(rows: int) -> str:
    lines = ["order_number,phone,email,postal_code,name,carrier,tracking_number"]
    for i in range(rows):
        o = order(i)
        national = f"({o.phone[2:5]}) {o.phone[5:8]}-{o.phone[8:]}" if o.phone else ""
        for s in o.shipments:
            lines.append(
                f"{o.number},{national},{o.email},10001,{o.name},{s.carrier},{s.tracking_number}"
            )
    return "\n".join(lines) + "\n"


async def run(orders: int, lookups: int) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="smsbot-bench-") as tmp:
        store = await Store.open(Path(tmp) / "smsbot.db")
        try:
            rows, spent = 0, 0.0
            for batch in batches(orders):
                started = time.perf_counter()
                await store.upsert_orders(batch)
                spent += time.perf_counter() - started
                rows += sum(len(o.shipments) for o in batch)
            rate = rows / spent
            print(f"import: {orders:,} orders, {rows:,} shipment rows in {spent:.1f} s "
                  f"= {rate:,.0f} rows/s")  # fmt: skip

            # Re-import of the last batch: every order and shipment already known.
            last = [order(i) for i in range(max(0, orders - BATCH), orders)]
            started = time.perf_counter()
            counts = await store.upsert_orders(last)
            again = time.perf_counter() - started
            kept = counts.shipments_kept
            print(f"re-import of {BATCH:,} known orders: {kept / again:,.0f} rows/s "
                  f"({counts.orders_updated:,} updated, {kept:,} shipments kept)")  # fmt: skip

            rng = random.Random(5)
            timings: dict[str, list[float]] = {"number": [], "phone": [], "tracking": []}
            for _ in range(lookups):
                i = rng.randrange(orders)
                for by, call in (
                    ("number", store.get_order(str(10_000_000 + i))),
                    ("phone", store.orders_for_phone(phone(i))),
                    ("tracking", store.orders_for_tracking(tracking(i, 0))),
                ):
                    started = time.perf_counter()
                    found = await call
                    timings[by].append((time.perf_counter() - started) * 1000)
                    if not found:
                        raise RuntimeError(f"order {i} not found by {by}")
            for by, values in timings.items():
                print(f"lookup by {by}: {lookups:,} random, p50 {percentile(values, 50):.3f} ms, "
                      f"p99 {percentile(values, 99):.3f} ms, max {max(values):.3f} ms")  # fmt: skip
        finally:
            await store.close()

    sample = min(orders, 20_000)
    text = csv_sample(sample)
    started = time.perf_counter()
    parsed = parse_csv(text, source="bench.csv", default_region="US", detect=carriers_for)
    parse_rate = parsed.rows / (time.perf_counter() - started)
    both = 1 / (1 / rate + 1 / parse_rate)
    print(f"CSV reading (import-orders adds it before the store): {parsed.rows:,} rows, "
          f"{parse_rate:,.0f} rows/s; store + CSV: {both:,.0f} rows/s")  # fmt: skip

    worst = max(percentile(values, 99) for values in timings.values())
    return [
        Figure("store_import_rows_per_s", f"{rate:,.0f}", ">= 20,000", rate >= 20_000),
        Figure(
            "store_lookup_p99_ms",
            f"{worst:.3f} ms (worst of number, phone, tracking)",
            "<= 2 ms",
            worst <= 2.0,
        ),
    ]


def main() -> None:
    options = arguments(__doc__ or "")
    orders = 100_000 if options.quick else 1_000_000
    print_header("bench/store.py: import and lookups at scale", options.quick)
    print_summary(asyncio.run(run(orders, 2_000 if options.quick else 20_000)))


if __name__ == "__main__":
    main()
