"""Outbox sends per second against a fake Twilio REST API at 20 ms latency (issue 20).

The fake is the tests' (`tests/faketwilio.py`: Basic auth, Twilio's JSON shapes) served by
uvicorn in its own process, every request held 20 ms first, so its CPU does not share this
process's interpreter. N messages to N different numbers are enqueued, then `send_due()` is
called until all are sent, with one outbox in one process (one worker). Reported: sends/s,
store calls per send, and the figure set against Twilio's own sending rates: the default of
1 message/s per long code, 3/s per toll-free number and 100/s per short code (Twilio queues
what it accepts and releases it at the sender's rate, so past those rates sending faster
only queues longer at Twilio). The baseline in the same run is the latency floor: one POST
at a time, N x 20 ms, i.e. what a sender doing one send after another could reach at best.
Several numbers of POSTs in flight are tried; CPU per send is measured in both processes, so
a run starved of CPU by a busy machine shows it ("this process N% busy").
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from common import (
    ROOT,
    Figure,
    arguments,
    free_port,
    print_header,
    print_summary,
    start,
    stop,
    write_config,
)

sys.path.insert(0, str(ROOT))  # the fake Twilio of the tests
from smsbot.channels.twilio_post import AiohttpPoster
from smsbot.config import load_settings
from smsbot.store import Store, open_store
from smsbot.watch import outbox_send
from smsbot.watch.outbox import Outbox
from tests.faketwilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio, create_app

LATENCY_S = 0.020
TARGET = 500.0
#: POSTs in flight tried, one run each (BENCH_CONCURRENCY=8,16 to choose).
_TRIED = os.environ.get("BENCH_CONCURRENCY", "8,12,16,32")
CONCURRENCIES = tuple(int(c) for c in _TRIED.split(","))
DEFAULT_CONCURRENCY = outbox_send.CONCURRENCY
#: The POST's client: aiohttp (what `open_services` uses), httpx (the shared client, before).
CLIENTS = tuple(os.environ.get("BENCH_CLIENTS", "aiohttp,httpx").split(","))
#: Twilio's sending rates (messages per second per sender) the figure is compared with.
TWILIO_RATES = {"long code": 1.0, "toll-free": 3.0, "short code": 100.0}

Scope = MutableMapping[str, Any]
Asgi = Callable[[Scope, Any, Any], Awaitable[None]]


def slowed(app: Asgi, latency: float) -> Asgi:
    """`app` answering every request `latency` seconds late, plus GET /healthz."""

    async def wrapped(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/healthz":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})
            return
        if scope["type"] == "http":
            await asyncio.sleep(latency)
        await app(scope, receive, send)

    return wrapped


def serve_fake(port: int) -> None:
    """Serve the slowed fake on 127.0.0.1:`port` until terminated (the child process)."""
    import uvicorn  # only the child needs it

    app = slowed(create_app(FakeTwilio()), LATENCY_S)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


class Counting:
    """The store, counting the calls made through it."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._store, name)
        if callable(attribute):
            self.calls += 1
        return attribute


@dataclass(frozen=True)
class Run:
    """One run: sends/s, store calls and CPU (this process, µs) per send, wall seconds."""

    rate: float
    calls: float
    cpu_us: float
    seconds: float


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(work: Path, url: str, count: int, concurrency: int, client: str) -> Run:
    """Enqueue `count` messages and send them all with `concurrency` POSTs in flight, over
    `client` ("aiohttp" as `open_services` sends, or "httpx", the shared client)."""
    outbox_send.CONCURRENCY = concurrency  # read when the outbox is built
    config = write_config(
        work / f"smsbot-{client}-{concurrency}.toml",
        {
            "store": {"path": str(work / f"smsbot-{client}-{concurrency}.db")},
            "twilio": {
                "account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN,
                "from_number": "+12025550100", "api_base_url": url,
            },
            "watch": {"quiet_hours": "", "max_messages_per_day": 100},
        },
    )  # fmt: skip
    settings = load_settings(config)
    async with await open_store(settings.store.url) as store:
        counting = Counting(store)
        async with (
            httpx.AsyncClient(limits=httpx.Limits(max_connections=64)) as http,
            AiohttpPoster("smsbot/bench") as aiohttp,
        ):
            poster = aiohttp if client == "aiohttp" else None
            outbox = Outbox(settings, counting, http, lambda: datetime.now(UTC), poster=poster)
            for i in range(count):
                await outbox.enqueue(
                    to=f"+1202{5_000_000 + i:07d}", channel="sms", body=f"Your parcel {i}",
                    key=f"bench:{i}",
                )  # fmt: skip
            counting.calls = 0
            began, cpu = time.perf_counter(), time.process_time()
            sent = 0
            while sent < count:
                done = await outbox.send_due()
                if done == 0:
                    raise RuntimeError(f"only {sent} of {count} sent")
                sent += done
            elapsed = time.perf_counter() - began
            cpu = time.process_time() - cpu
        return Run(count / elapsed, counting.calls / count, cpu / count * 1e6, elapsed)


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--serve-fake":
        serve_fake(int(sys.argv[2]))
        return 0
    options = arguments("Outbox sends per second against a fake Twilio at 20 ms.")
    count = 1_000 if options.quick else 5_000
    print_header("outbox", options.quick)
    load = f"{os.getloadavg()[0]:.1f}"
    with tempfile.TemporaryDirectory(prefix="smsbot-bench-outbox-") as directory:
        work = Path(directory)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        fake = start(
            [sys.executable, str(Path(__file__).resolve()), "--serve-fake", str(port)],
            work,
            url + "/healthz",
        )
        try:
            runs: dict[tuple[str, int], tuple[Run, float]] = {}
            for concurrency in CONCURRENCIES:
                for client in CLIENTS:  # interleaved: both see the same machine
                    fake_cpu = cpu_seconds(fake.pid)
                    run = asyncio.run(measure(work, url, count, concurrency, client))
                    fake_us = (cpu_seconds(fake.pid) - fake_cpu) / count * 1e6
                    runs[client, concurrency] = run, fake_us
        finally:
            stop(fake)
    floor = 1 / LATENCY_S
    print(f"{count} messages per run, fake Twilio at {LATENCY_S * 1000:.0f} ms, 1 worker")
    print(f"load average before/after: {load} / {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for (client, concurrency), (run, fake_us) in runs.items():
        busy = run.cpu_us * count / 1e6 / run.seconds
        print(f"{client:>7}, {concurrency:>3} POSTs in flight: {run.rate:,.0f} sends/s; per send "
              f"{run.calls:.3f} store calls, {run.cpu_us:,.0f} µs CPU here (this process "
              f"{busy:.0%} busy), {fake_us:,.0f} µs in the fake; one free core at "
              f"{run.cpu_us:,.0f} µs/send would allow {1e6 / run.cpu_us:,.0f}/s")  # fmt: skip
    mine = {key: value for key, value in runs.items() if key[0] == "aiohttp"} or runs
    (client, best), (run, _) = max(mine.items(), key=lambda item: item[1][0].rate)
    rate = run.rate
    print(f"one POST at a time (the latency floor): {floor:.0f} sends/s; best ratio "
          f"{rate / floor:.1f}x ({client}, {best} in flight; the outbox's default is "
          f"{DEFAULT_CONCURRENCY})")  # fmt: skip
    for sender, per_second in TWILIO_RATES.items():
        print(
            f"Twilio {sender}: {per_second:g} msg/s per sender; "
            f"ours = {rate / per_second:,.0f} such senders"
        )
    figures = [
        Figure(
            "outbox sends/s (1 worker, 20 ms)", f"{rate:,.0f}", f">= {TARGET:.0f}", rate >= TARGET
        ),
    ]
    return 0 if print_summary(figures) else 1


if __name__ == "__main__":
    sys.exit(main())
