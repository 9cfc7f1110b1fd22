"""Benchmarks 1 and 7: webhook throughput on the cached path, and the memory of `smsbot serve`.

1. One `smsbot serve --workers 1` process (signature checks on) answers signed
   webhooks from the owners of orders whose tracking is cached, sent by `loadgen.py` from
   another process over keep-alive loopback connections. Baseline, same run: `bareapp.py`, a
   bare Starlette app that parses the same form and returns the same TwiML. The generator's
   own ceiling is measured against a canned-response server. Target: >= 0.5 x baseline.
   Then the same with `--workers 2` and `--workers N` (N: the CPUs, capped); target for 2
   workers on 2 cores: >= 1.6 x the 1-worker figure.
7. RSS of `smsbot serve` idle (after start) and after the throughput run. Target: <= 120 MB.

`python bench/webhook.py [--quick]`
"""

from __future__ import annotations

import asyncio
import json
import os
import pickle
import resource
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx
from common import (
    PYTHON,
    Figure,
    arguments,
    free_port,
    print_header,
    print_summary,
    rss_mb,
    start,
    stop,
    write_config,
)

from smsbot.channels.twiml import sign
from smsbot.cli.server import default_workers
from smsbot.orders.model import Order, Shipment
from smsbot.store import open_store
from smsbot.tracking import Eta, Event, Status, TrackingResult

HERE = Path(__file__).resolve().parent
TOKEN = "bench-auth-token"  # noqa: S105  # a made-up token for a local server
PUBLIC_URL = "https://bench.smsbot.test"  # not an example host: `serve` refuses those
ORDERS = 1000  # distinct orders, each texted by its own phone
CONNECTIONS = 16
WARMUP_S = 1.0


@dataclass(frozen=True)
class Run:
    """What loadgen.py measured against one server."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    statuses: dict[str, int]
    ran_out: bool
    server_us: float = 0.0  # CPU of the server's processes (all workers) per request
    loadgen_us: float = 0.0  # CPU of the load generator per request

    def line(self, name: str) -> str:
        statuses = ", ".join(f"{code}: {count}" for code, count in sorted(self.statuses.items()))
        note = " (ran out of prepared requests)" if self.ran_out else ""
        return (
            f"{name}: {self.rps:,.0f} req/s, p50 {self.p50_ms:.1f} ms, p99 {self.p99_ms:.1f} ms, "
            f"{self.requests:,} requests ({statuses}){note}; CPU a request: server "
            f"{self.server_us:,.0f} µs, generator {self.loadgen_us:,.0f} µs"
        )


def tree_cpu(pid: int) -> float:
    """User + system CPU seconds of process `pid` and all its descendants (the workers)."""
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(c) for c in (task / "children").read_text().split())
        except FileNotFoundError:  # a process that just ended
            continue
    return total


def phone(i: int) -> str:
    return f"+1415{2000000 + i:07d}"


def order_number(i: int) -> str:
    return str(500000 + i)


async def seed(path: Path) -> None:
    """ORDERS orders of one demo shipment each, whose tracking is in the cache."""
    now = datetime.now(UTC)
    store = await open_store(path)
    try:
        orders = [
            Order(order_number(i), phone(i), shipments=(Shipment("demo", f"DEMOBENCH{i:06d}"),))
            for i in range(ORDERS)
        ]
        await store.upsert_orders(orders)
        for order in orders:
            number = order.shipments[0].tracking_number
            events = (
                Event(
                    now - timedelta(hours=30),
                    Status.IN_TRANSIT,
                    "Picked up",
                    location="Columbus, OH",
                ),
                Event(
                    now - timedelta(hours=8),
                    Status.IN_TRANSIT,
                    "Departed facility",
                    location="Indianapolis, IN",
                ),
            )
            result = TrackingResult(
                "demo", number, Status.IN_TRANSIT, "In transit", "in_transit", events,
                eta=Eta((now + timedelta(days=2)).date()),
            )  # fmt: skip
            await store.save_tracking(result, now)
    finally:
        await store.close()


def form(i: int) -> dict[str, str]:
    """The fields Twilio posts for an inbound SMS (all of them are signed)."""
    sid = "SM" + uuid.uuid4().hex
    return {
        "ToCountry": "US",
        "ToState": "CA",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "ToCity": "",
        "FromZip": "",
        "SmsSid": sid,
        "FromState": "CA",
        "SmsStatus": "received",
        "FromCity": "SAN FRANCISCO",
        "Body": f"Where is my order #{order_number(i % ORDERS)}?",
        "FromCountry": "US",
        "To": "+15005550006",
        "ToZip": "",
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": phone(i % ORDERS),
        "ApiVersion": "2010-04-01",
    }


def raw_request(port: int, fields: dict[str, str]) -> bytes:
    body = urlencode(fields).encode()
    signature = sign(TOKEN, PUBLIC_URL + "/sms", fields)
    head = (
        f"POST /sms HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"X-Twilio-Signature: {signature}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def prepare(work: Path, name: str, port: int, count: int, first: int) -> Path:
    """`count` signed requests with fresh MessageSids, pickled for loadgen.py."""
    path = work / f"{name}.pkl"
    path.write_bytes(pickle.dumps([raw_request(port, form(first + i)) for i in range(count)]))
    return path


def load(requests: Path, port: int, seconds: float) -> Run:
    command = [PYTHON, str(HERE / "loadgen.py"), "run", str(requests), str(port)]
    command += ["--connections", str(CONNECTIONS), "--seconds", str(seconds)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    found = json.loads(output)
    used = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return Run(
        found["rps"],
        found["p50_ms"] or 0.0,
        found["p99_ms"] or 0.0,
        found["requests"],
        {str(k): v for k, v in found["statuses"].items()},
        found["ran_out"],
        loadgen_us=used / max(found["requests"], 1) * 1e6,
    )


def measure(work: Path, port: int, seconds: float, rate: int, tag: str, pid: int) -> Run:
    """Warm up, then the measured run, each with requests nobody has sent before; the CPU
    of server process `pid` and its children during the measured run, per request."""
    warmup = prepare(work, f"{tag}-warmup", port, int(rate * WARMUP_S), first=0)
    load(warmup, port, WARMUP_S)
    main = prepare(work, tag, port, int(rate * seconds), first=7)
    cpu = tree_cpu(pid)
    run = load(main, port, seconds)
    return replace(run, server_us=(tree_cpu(pid) - cpu) / max(run.requests, 1) * 1e6)


def main() -> None:
    options = arguments(__doc__ or "")
    seconds = 5.0 if options.quick else 20.0
    print_header("bench/webhook.py: throughput of the cached path, and memory", options.quick)
    print(f"load: {CONNECTIONS} keep-alive connections, {seconds:.0f} s per server, loopback")
    with tempfile.TemporaryDirectory(prefix="smsbot-bench-") as tmp:
        work = Path(tmp)
        port = free_port()
        asyncio.run(seed(work / "smsbot.db"))
        write_config(
            work / "smsbot.toml",
            {
                "server": {"public_url": PUBLIC_URL, "host": "127.0.0.1", "port": port},
                "twilio": {"auth_token": TOKEN, "validate_signature": True},
                "store": {"path": str(work / "smsbot.db")},
                # One phone texts many times a second here; the limits are not what we measure.
                "bot": {"max_messages_per_minute": 1_000_000, "max_lookups_per_hour": 1_000_000},
                "tracking": {"cache_ttl_s": 86400},
                "carriers.demo": {},
            },
        )
        base = f"http://127.0.0.1:{port}"

        command = [PYTHON, "-m", "smsbot", "serve", "--workers", "1"]
        server = start(command, work, base + "/healthz")
        try:
            idle_mb = rss_mb(server.pid)
            probe = form(1)
            reply = httpx.post(
                base + "/sms",
                data=probe,
                headers={"X-Twilio-Signature": sign(TOKEN, PUBLIC_URL + "/sms", probe)},
            )
            twiml = reply.text
            if reply.status_code != 200 or "<Message>" not in twiml:
                raise RuntimeError(f"smsbot did not answer the probe: {reply.status_code} {twiml}")
            print(f"reply: {twiml}")
            smsbot = measure(work, port, seconds, 4000, "smsbot", server.pid)
            after_mb = rss_mb(server.pid)
            peak_mb = rss_mb(server.pid, "VmHWM")
        finally:
            stop(server)
        (work / "twiml.xml").write_text(twiml, encoding="utf-8")

        scaled: dict[int, Run] = {1: smsbot}
        for workers in sorted({2, default_workers()}):
            command = [PYTHON, "-m", "smsbot", "serve", "--workers", str(workers)]
            server = start(command, work, base + "/healthz")
            try:
                time.sleep(2.0)  # every worker up, not only the first
                scaled[workers] = measure(
                    work, port, seconds, 4000 * workers, f"w{workers}", server.pid
                )
            finally:
                stop(server)

        bare_port = free_port()
        bare_cmd = [PYTHON, str(HERE / "bareapp.py"), str(bare_port), str(work / "twiml.xml")]
        bare = start(bare_cmd, work, f"http://127.0.0.1:{bare_port}/healthz")
        try:
            baseline = measure(work, bare_port, seconds, 8000, "baseline", bare.pid)
        finally:
            stop(bare)

        canned_port = free_port()
        canned_cmd = [PYTHON, str(HERE / "loadgen.py"), "canned", str(canned_port)]
        canned = start(canned_cmd, work, f"http://127.0.0.1:{canned_port}/")
        try:
            ceiling = measure(work, canned_port, min(seconds, 5.0), 30000, "ceiling", canned.pid)
        finally:
            stop(canned)

    print(ceiling.line("generator ceiling (canned server)"))
    print(baseline.line("baseline (bare Starlette)"))
    print(smsbot.line("smsbot serve (1 worker)"))
    for workers, run in scaled.items():
        if workers > 1:
            print(run.line(f"smsbot serve --workers {workers}"))
    ratio = smsbot.rps / baseline.rps if baseline.rps else 0.0
    print(f"smsbot / baseline: {ratio:.2f}; baseline / generator ceiling: "
          f"{baseline.rps / ceiling.rps if ceiling.rps else 0:.2f}")  # fmt: skip
    cores = os.cpu_count() or 1
    cpu_ratio = baseline.server_us / smsbot.server_us if smsbot.server_us else 0.0
    print(
        f"scaling model from the measured CPU ({smsbot.server_us:,.0f} µs a request in smsbot, "
        f"{baseline.server_us:,.0f} µs in the baseline): one free core serves "
        f"{1e6 / max(smsbot.server_us, 1):,.0f} texts/s; 8 cores "
        f"{8e6 / max(smsbot.server_us, 1):,.0f}, 32 cores {32e6 / max(smsbot.server_us, 1):,.0f} "
        f"before the SQLite write lock (two short transactions a text) bounds it; this machine "
        f"has {cores} cores shared with the generator ({smsbot.loadgen_us:,.0f} µs a request)"
    )
    print(f"memory: idle {idle_mb:.0f} MB, after the run {after_mb:.0f} MB, peak {peak_mb:.0f} MB")
    ok_statuses = set(smsbot.statuses) == {"200"}
    print_summary(
        [
            Figure(
                "webhook_throughput_ratio",
                f"{ratio:.2f} x baseline ({smsbot.rps:,.0f} vs {baseline.rps:,.0f} req/s)",
                ">= 0.5 x baseline",
                ratio >= 0.5 and ok_statuses,
            ),
            Figure("webhook_p99_ms", f"{smsbot.p99_ms:.1f} ms", "reported", True),
            Figure(
                "webhook_cpu_ratio",
                f"{cpu_ratio:.2f} x baseline ({smsbot.server_us:,.0f} vs "
                f"{baseline.server_us:,.0f} µs of server CPU a request)",
                "reported: what one free core would give; robust to a busy machine",
                True,
            ),
            Figure(
                "webhook_2_workers",
                f"{scaled[2].rps / smsbot.rps if smsbot.rps else 0:.2f} x 1 worker "
                f"({scaled[2].rps:,.0f} req/s)",
                ">= 1.6 x 1 worker",
                scaled[2].rps >= 1.6 * smsbot.rps and set(scaled[2].statuses) == {"200"},
            ),
            Figure("rss_idle_mb", f"{idle_mb:.0f} MB", "<= 120 MB", idle_mb <= 120),
            Figure("rss_after_load_mb", f"{after_mb:.0f} MB", "<= 120 MB", after_mb <= 120),
        ]
    )


if __name__ == "__main__":
    main()
