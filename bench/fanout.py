"""Benchmarks 2, 3 and 4: fan-out, the deadline under failure, and carrier economy.

The whole inbound pipeline runs in this process (`open_services`: store, conversation,
lookup, adapters), as `smsbot text` runs it, with fake carriers (`fakecarrier.py`).

2. Orders of 1, 3 and 10 packages, each on its own carrier answering in 500 ms: reply
   latency <= 1.3 x the slowest single call; the sequential time is shown for comparison.
3. One carrier hangs, one answers 503, one 429: every reply within reply_deadline_s + 0.2 s
   at p99, and each package said to be not answering (with its last update when cached).
3b. The breaker: a carrier that hangs; a first wave of simultaneous texts waits for it
   (each within the reply deadline) and opens its breaker; then texts arrive open loop
   (100/s) and are answered at once with the last known status: p99 <= 50 ms.
4. Ten texts about one order within ten minutes, and ten at the same moment: one carrier
   call per shipment; then carrier calls per inbound message under a mix of orders, repeat
   texts, simultaneous texts about one order, tracking numbers and keywords.

`python bench/fanout.py [--quick]`
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import Figure, arguments, percentile, print_header, print_summary, write_config
from fakecarrier import FakeCarrier

from smsbot.channels.inbound import parse_inbound
from smsbot.config import load_settings
from smsbot.orders.model import Order, Shipment
from smsbot.services import Services, open_services
from smsbot.tracking import Status, TrackingResult

LATENCY_S = 0.5
NOT_ANSWERING = re.compile(r"not answering|isn't answering", re.IGNORECASE)


class Clock:
    """The bot's clock, moved by the benchmark (the cache's TTL reads it)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@asynccontextmanager
async def bot(
    work: Path, carriers: dict[str, dict[str, object]], clock: Clock, **tracking: object
) -> AsyncIterator[Services]:
    """The bot on a fresh store, with these fake carriers and [tracking] settings."""
    name = f"{uuid.uuid4().hex[:8]}"
    config = write_config(
        work / f"{name}.toml",
        {
            "store": {"path": str(work / f"{name}.db")},
            # Several texts a second from one phone here: the limits are not what we measure.
            "bot": {"max_messages_per_minute": 1_000_000, "max_lookups_per_hour": 1_000_000},
            "tracking": dict(tracking),
            **{
                f"carriers.{carrier}": {"module": "fakecarrier", **options}
                for carrier, options in carriers.items()
            },
        },
    )
    settings = load_settings(config)
    async with open_services(settings, clock=clock, check_signatures=False) as services:
        yield services


def phone(i: int) -> str:
    return f"+1415{3000000 + i:07d}"


async def text(services: Services, sender: str, body: str) -> tuple[str, float]:
    """Send one message through the pipeline; the reply and how long it took (s)."""
    form = {"From": sender, "Body": body, "MessageSid": "SM" + uuid.uuid4().hex}
    started = time.perf_counter()
    message = parse_inbound(
        form,
        default_region=services.settings.bot.default_region,
        order_pattern=services.settings.bot.order_number_pattern,
    )
    answer = await services.conversation.answer(message)
    return answer.text or "", time.perf_counter() - started


def carrier(services: Services, name: str) -> FakeCarrier:
    adapter = services.registry.get(name)
    if not isinstance(adapter, FakeCarrier):
        raise RuntimeError(f"{name} is not a fake carrier")
    return adapter


async def fanout(work: Path, rounds: int) -> tuple[list[Figure], list[str]]:
    lines: list[str] = []
    figures: list[Figure] = []
    names = [f"c{i}" for i in range(1, 11)]
    async with bot(work, {n: {"latency_s": LATENCY_S} for n in names}, Clock()) as services:
        orders = [
            Order(
                f"F{size}-{r}",
                phone(size * 100 + r),
                shipments=tuple(Shipment(names[i], f"F{size}R{r}P{i}") for i in range(size)),
            )
            for size in (1, 3, 10)
            for r in range(rounds)
        ]
        await services.store.upsert_orders(orders)
        # The slowest single call and the sequential time, measured on the same carriers.
        singles = []
        for name in names:
            started = time.perf_counter()
            await services.registry.track(name, ["SINGLE"])
            singles.append(time.perf_counter() - started)
        slowest = max(singles)
        for size in (1, 3, 10):
            latencies = []
            for order in (o for o in orders if len(o.shipments) == size):
                reply, took = await text(services, order.phone or "", order.number)
                if NOT_ANSWERING.search(reply):
                    raise RuntimeError(f"a fake carrier failed: {reply}")
                latencies.append(took)
            sequential = sum(singles[:size])
            worst = max(latencies)
            lines.append(
                f"fan-out {size:2d} package(s): reply p50 {percentile(latencies, 50):.3f} s, "
                f"max {worst:.3f} s; slowest single call {slowest:.3f} s; "
                f"sequential {sequential:.3f} s"
            )
            figures.append(
                Figure(
                    f"fanout_{size}_ratio",
                    f"{worst / slowest:.2f} x slowest call ({worst:.3f} s)",
                    "<= 1.3 x",
                    worst <= 1.3 * slowest,
                )
            )
    return figures, lines


async def deadline(work: Path, deadline_s: float, texts: int) -> tuple[list[Figure], list[str]]:
    carriers: dict[str, dict[str, object]] = {
        "hangs": {"mode": "hang"},
        "down": {"mode": "unavailable", "latency_s": 0.2},
        "busy": {"mode": "rate_limited", "latency_s": 0.05},
    }
    clock = Clock()
    async with bot(work, carriers, clock, reply_deadline_s=deadline_s) as services:
        orders = [
            Order(
                f"D{i}",
                phone(5000 + i),
                shipments=tuple(Shipment(name, f"D{i}{name}") for name in carriers),
            )
            for i in range(texts)
        ]
        await services.store.upsert_orders(orders)
        # Half the orders have a last known status, an hour old.
        for order in orders[::2]:
            for shipment in order.shipments:
                result = TrackingResult(
                    shipment.carrier, shipment.tracking_number, Status.IN_TRANSIT
                )
                await services.store.save_tracking(result, clock.now - timedelta(hours=1))
        replies = await asyncio.gather(
            *(text(services, order.phone or "", order.number) for order in orders)
        )
    latencies = [took for _, took in replies]
    honest = sum(len(NOT_ANSWERING.findall(reply)) == 3 for reply, _ in replies)
    stale = sum("last update" in reply.lower() for reply, _ in replies[::2])
    p99 = percentile(latencies, 99)
    lines = [
        f"deadline: {texts} simultaneous texts, carriers hang / 503 / 429, reply_deadline_s "
        f"{deadline_s}: p50 {percentile(latencies, 50):.3f} s, p99 {p99:.3f} s, "
        f"max {max(latencies):.3f} s",
        f"deadline: {honest}/{texts} replies say all 3 carriers are not answering; "
        f"{stale}/{len(replies[::2])} with a cached status give the last update",
        f"deadline: example reply: {replies[0][0]}",
    ]
    figures = [
        Figure(
            "deadline_p99_s",
            f"{p99:.3f} s",
            f"<= {deadline_s + 0.2:.1f} s (reply_deadline_s + 0.2)",
            p99 <= deadline_s + 0.2,
        ),
        Figure(
            "deadline_honest_replies",
            f"{honest}/{texts}",
            f"{texts}/{texts}",
            honest == texts and stale == len(replies[::2]),
        ),
    ]
    return figures, lines


async def breaker(work: Path, first: int, later: int) -> tuple[list[Figure], list[str]]:
    """A hanging carrier: `first` simultaneous texts open its breaker, then `later` texts at
    100/s are answered from the last known status at once."""
    deadline_s, rate = 2.0, 100.0
    clock = Clock()
    carriers: dict[str, dict[str, object]] = {"hangs": {"mode": "hang"}}
    async with bot(
        work, carriers, clock, reply_deadline_s=deadline_s, carrier_timeout_s=1.0
    ) as services:
        orders = [
            Order(f"B{i}", phone(8000 + i), shipments=(Shipment("hangs", f"B{i}"),))
            for i in range(first + later)
        ]
        await services.store.upsert_orders(orders)
        for order in orders:  # every one has a last known status, an hour old
            result = TrackingResult("hangs", order.number, Status.IN_TRANSIT)
            await services.store.save_tracking(result, clock.now - timedelta(hours=1))
        clock.now += timedelta(hours=1)  # ... and stale, so a text asks the carrier
        opening = await asyncio.gather(
            *(text(services, order.phone or "", order.number) for order in orders[:first])
        )
        await services.gateway.drain()  # the calls end at carrier_timeout_s: failures
        calls = len(carrier(services, "hangs").calls)

        async def spaced(index: int, order: Order) -> tuple[str, float]:
            await asyncio.sleep(index / rate)
            return await text(services, order.phone or "", order.number)

        open_ = await asyncio.gather(*(spaced(i, order) for i, order in enumerate(orders[first:])))
        extra = len(carrier(services, "hangs").calls) - calls
    first_p99 = percentile([took for _, took in opening], 99)
    p99 = percentile([took for _, took in open_], 99)
    honest = sum(
        bool(NOT_ANSWERING.search(reply)) and "last update" in reply.lower()
        for reply, _ in opening + open_
    )
    lines = [
        f"breaker: {first} simultaneous texts while the carrier hangs (reply_deadline_s "
        f"{deadline_s}): p99 {first_p99:.3f} s; they opened its breaker",
        f"breaker: then {later} texts at {rate:.0f}/s: p50 "
        f"{percentile([took for _, took in open_], 50) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms; "
        f"carrier calls made meanwhile: {extra}; {honest}/{first + later} replies give the "
        "last update and say it is not answering",
    ]
    figures = [
        Figure("breaker_first_p99_s", f"{first_p99:.3f} s", f"<= {deadline_s:.1f} s",
               first_p99 <= deadline_s),
        Figure("breaker_open_p99_ms", f"{p99 * 1000:.1f} ms", "<= 50 ms",
               p99 <= 0.050 and extra == 0 and honest == first + later),
    ]  # fmt: skip
    return figures, lines


async def economy(work: Path, batches: int) -> tuple[list[Figure], list[str]]:
    names = ["ups", "fedex", "usps", "dhl"]
    clock = Clock()
    async with bot(work, {n: {"latency_s": 0.02} for n in names}, clock) as services:
        fakes = [carrier(services, n) for n in names]

        def calls() -> int:
            return sum(len(fake.calls) for fake in fakes)

        # Ten texts about one 3-package order, one a minute; then ten at the same moment.
        order = Order("E1", phone(7000), shipments=tuple(Shipment(n, f"E1{n}") for n in names[:3]))
        later = Order("E2", phone(7001), shipments=tuple(Shipment(n, f"E2{n}") for n in names[:3]))
        await services.store.upsert_orders([order, later])
        for _ in range(10):
            await text(services, order.phone or "", order.number)
            clock.now += timedelta(minutes=1)
        spaced = calls()
        await asyncio.gather(*(text(services, later.phone or "", later.number) for _ in range(10)))
        burst = calls() - spaced
        lines = [
            f"economy: 10 texts about one 3-package order over 10 minutes: {spaced} carrier calls",
            f"economy: 10 simultaneous texts about one 3-package order: {burst} carrier calls",
        ]
        figures = [
            Figure("economy_spaced_calls_per_shipment", f"{spaced / 3:.2f}", "1", spaced == 3),
            Figure("economy_burst_calls_per_shipment", f"{burst / 3:.2f}", "1", burst == 3),
        ]

        # The mix: popular orders texted again and again, some at the same moment.
        rng = random.Random(7)
        mix = [
            Order(
                f"M{i}",
                phone(8000 + i),
                shipments=tuple(
                    Shipment(rng.choice(names), f"M{i}P{p}")
                    for p in range(rng.choice((1, 1, 2, 3)))
                ),
            )
            for i in range(300)
        ]
        await services.store.upsert_orders(mix)
        weights = [1 / (rank + 1) for rank in range(len(mix))]  # a few orders are hot
        before, messages, packages, began = calls(), 0, 0, clock.now
        for _ in range(batches):
            clock.now += timedelta(seconds=rng.expovariate(1 / 6))  # ~10 texts a minute
            picked = rng.choices(mix, weights)[0]
            kind = rng.random()
            if kind < 0.1:
                batch = [(picked.phone or "", "HELP")]
            elif kind < 0.2:
                batch = [(picked.phone or "", picked.shipments[0].tracking_number)]
            elif kind < 0.3:  # the same order, texted by several at once (or resent)
                batch = [(picked.phone or "", picked.number)] * rng.randint(2, 4)
            else:
                batch = [(picked.phone or "", f"where is my order {picked.number}?")]
            await asyncio.gather(*(text(services, sender, body) for sender, body in batch))
            messages += len(batch)
            packages += sum(len(picked.shipments) for _, body in batch if body != "HELP")
        per_message = (calls() - before) / messages
        lines.append(
            f"economy mix: {messages} messages about {len(mix)} orders over "
            f"{(clock.now - began).total_seconds() / 60:.0f} simulated minutes: "
            f"{calls() - before} carrier calls = {per_message:.2f} per message "
            f"(a bot without cache and shared calls: {packages / messages:.2f})"
        )
        figures.append(
            Figure("economy_mix_calls_per_message", f"{per_message:.2f}", "reported", True)
        )
    return figures, lines


async def run(quick: bool) -> list[Figure]:
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="smsbot-bench-") as tmp:
        work = Path(tmp)
        for part in (
            fanout(work, 3 if quick else 10),
            deadline(work, 2.0 if quick else 5.0, 50 if quick else 200),
            breaker(work, 10, 100 if quick else 500),
            economy(work, 150 if quick else 600),
        ):
            found, lines = await part
            for line in lines:
                print(line)
            figures.extend(found)
    return figures


def main() -> None:
    options = arguments(__doc__ or "")
    # Carrier failures are the point of benchmark 3: their warnings would drown the figures.
    logging.basicConfig(level=logging.ERROR)
    print_header("bench/fanout.py: fan-out, deadline under failure, carrier economy", options.quick)
    print(f"fake carriers answer in {LATENCY_S} s (fan-out), 20 ms (economy)")
    print_summary(asyncio.run(run(options.quick)))


if __name__ == "__main__":
    main()
