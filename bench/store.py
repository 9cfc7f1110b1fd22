"""Benchmark 5: the store at scale.

1,000,000 orders / 1,500,000 shipments (`--quick`: 100,000 / 150,000) imported with
`Store.upsert_orders` in batches of 10,000 orders, then looked up at random by order number,
phone and tracking number. Targets: import >= 20,000 rows/s (one row = one shipment, as in
the CSV); lookup p99 <= 2 ms. The CSV reading that `smsbot import-orders` adds (phone
normalization, carrier detection) is measured on a sample and reported beside it.

Then the message path: in-process (`open_services`, no HTTP), texts from the orders' own
phones whose tracking is cached go through `Conversation.answer`, one at a time and 16 at
once; messages/s and latency are reported (no target: compare runs made close together).

`python bench/store.py [--quick]`
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import Figure, arguments, percentile, print_header, print_summary, write_config

from smsbot.channels.inbound import parse_inbound
from smsbot.config import load_settings
from smsbot.lookup.detect import carriers_for
from smsbot.orders.file import parse_csv
from smsbot.orders.model import Order, Shipment
from smsbot.services import Services, open_services
from smsbot.store import open_store
from smsbot.tracking import Event, Status, TrackingResult

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
        store = await open_store(Path(tmp) / "smsbot.db")
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


PATH_ORDERS = 1000


def path_phone(i: int) -> str:
    return f"+1415{2000000 + i:07d}"  # valid numbers: the sender must match its order


async def message_path(messages: int) -> list[Figure]:
    """Cached-path texts through the conversation: one at a time, then 16 at once."""
    with tempfile.TemporaryDirectory(prefix="smsbot-bench-") as tmp:
        work = Path(tmp)
        config = write_config(
            work / "smsbot.toml",
            {
                "store": {"path": str(work / "smsbot.db")},
                # One phone texts many times a second here; the limits are not what we measure.
                "bot": {"max_messages_per_minute": 1_000_000, "max_lookups_per_hour": 1_000_000},
                "tracking": {"cache_ttl_s": 86400},
                "carriers.demo": {},
            },
        )
        settings = load_settings(config)
        async with open_services(settings, check_signatures=False) as services:
            await seed_cached(services)
            figures = []
            for concurrency in (1, 16):
                rate, p50, p99 = await texts(services, messages, concurrency)
                print(f"message path, {concurrency} at once: {messages:,} cached texts, "
                      f"{rate:,.0f} messages/s, p50 {p50:.3f} ms, p99 {p99:.3f} ms")  # fmt: skip
                figures.append(
                    Figure(
                        f"store_message_path_{concurrency}_per_s", f"{rate:,.0f}", "reported", True
                    )
                )
            return figures


async def seed_cached(services: Services) -> None:
    now = datetime.now(UTC)
    orders = [
        Order(str(500_000 + i), path_phone(i), shipments=(Shipment("demo", f"DEMOBENCH{i:06d}"),))
        for i in range(PATH_ORDERS)
    ]
    await services.store.upsert_orders(orders)
    for o in orders:
        event = Event(now - timedelta(hours=8), Status.IN_TRANSIT, "Departed facility")
        number = o.shipments[0].tracking_number
        result = TrackingResult("demo", number, Status.IN_TRANSIT, events=(event,))
        await services.store.save_tracking(result, now)


async def texts(services: Services, messages: int, concurrency: int) -> tuple[float, float, float]:
    """(messages/s, p50 ms, p99 ms) of `messages` cached texts, `concurrency` at a time."""
    bot = services.settings.bot
    latencies: list[float] = []

    async def one(i: int) -> None:
        form = {
            "From": path_phone(i % PATH_ORDERS),
            "Body": f"Where is my order #{500_000 + i % PATH_ORDERS}?",
            "MessageSid": f"SM{concurrency:02d}{i:030d}",
        }
        started = time.perf_counter()
        inbound = parse_inbound(
            form, default_region=bot.default_region, order_pattern=bot.order_number_pattern
        )
        answer = await services.conversation.answer(inbound)
        latencies.append((time.perf_counter() - started) * 1000)
        if not answer.text or "transit" not in answer.text.lower():
            raise RuntimeError(f"unexpected reply: {answer.text!r}")

    async def lane(start: int) -> None:
        for i in range(start, messages, concurrency):
            await one(i)

    started = time.perf_counter()
    await asyncio.gather(*(lane(start) for start in range(concurrency)))
    rate = messages / (time.perf_counter() - started)
    return rate, percentile(latencies, 50), percentile(latencies, 99)


def main() -> None:
    options = arguments(__doc__ or "")
    orders = 100_000 if options.quick else 1_000_000
    print_header("bench/store.py: import and lookups at scale", options.quick)
    figures = asyncio.run(run(orders, 2_000 if options.quick else 20_000))
    figures += asyncio.run(message_path(4_000 if options.quick else 20_000))
    print_summary(figures)


if __name__ == "__main__":
    main()
