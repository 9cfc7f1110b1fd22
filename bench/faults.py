"""The fault bench (issue 21): the reliability promises under broken carriers and kill -9.

1. Broken carriers: N texts at once (150; `--quick`: 50) to `smsbot serve`, each about an
   order on one of four carriers that hang, answer 503, answer 429, or drip their body a
   byte at a time (`fakecarrier.py`). Then N more. Reports 5xx answers and replies that are
   not well-formed TwiML (must be 0), replies lost (an empty `<Response/>` for a text that
   deserves an answer: must be 0), p99 against `reply_deadline_s`, and the RSS growth of
   `serve` between the two rounds.
2. kill -9 of `serve` with N texts in flight (the carrier takes 0.5 s), a restart, and
   Twilio's retry of every text that got no answer (same MessageSid). Replies lost: 0.
3. kill -9 of `smsbot watch` while it texts N customers (every parcel out for delivery),
   a restart, and the fake Twilio's count: customers never texted (lost, 0) and texted
   twice (duplicates, 0).

`python bench/faults.py [--quick]`
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from common import (
    PYTHON,
    ROOT,
    Figure,
    arguments,
    free_port,
    percentile,
    print_header,
    print_summary,
    rss_mb,
    start,
    stop,
    write_config,
)

from smsbot.channels.twiml import sign
from smsbot.orders.model import Order, Shipment
from smsbot.store import open_store

sys.path.insert(0, str(ROOT))  # the fake Twilio of the tests
from tests.faketwilio import ACCOUNT_SID, AUTH_TOKEN, serve_fake_twilio

HERE = Path(__file__).resolve().parent
PUBLIC_URL = "https://bench.smsbot.test"  # serve refuses example hosts (issue 14)
DEADLINE_S = 3.0
BROKEN = ("hung", "down", "limited", "dripping")


def phone(i: int) -> str:
    return f"+1202555{i:04d}"


@contextmanager
def drip_server() -> Iterator[str]:
    """An HTTP server that answers 200 and then sends its body one byte every 0.5 s."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    stopping = threading.Event()

    def serve(connection: socket.socket) -> None:
        with connection:
            try:
                connection.recv(65536)
                connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 4096\r\n\r\n")
                for _ in range(4096):
                    if stopping.wait(0.5):
                        return
                    connection.sendall(b" ")
            except OSError:
                return

    def accept() -> None:
        while not stopping.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(connection,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{port}/track"
    finally:
        stopping.set()
        listener.close()


async def seed(path: Path, orders: list[Order]) -> None:
    async with await open_store(path) as store:
        await store.upsert_orders(orders)


def configure(
    work: Path, port: int, carriers: dict[str, dict[str, object]], **extra: object
) -> None:
    tables: dict[str, dict[str, object]] = {
        "server": {"public_url": PUBLIC_URL, "host": "127.0.0.1", "port": port},
        "twilio": {"auth_token": AUTH_TOKEN, "account_sid": ACCOUNT_SID},
        "store": {"path": str(work / "smsbot.db")},
        "bot": {"max_messages_per_minute": 1_000_000, "max_lookups_per_hour": 1_000_000},
        "tracking": {"reply_deadline_s": DEADLINE_S, "carrier_timeout_s": 2.0},
    }
    for name, options in carriers.items():
        tables[f"carriers.{name}"] = {"module": "fakecarrier", **options}
    for table, values in extra.items():
        tables[table] = {**tables.get(table, {}), **values}  # type: ignore[dict-item]
    write_config(work / "smsbot.toml", tables)


def form(i: int, sid: str) -> dict[str, str]:
    return {"MessageSid": sid, "AccountSid": ACCOUNT_SID, "From": phone(i),
            "To": "+12025550100", "Body": f"F{i}", "NumMedia": "0"}  # fmt: skip


async def text(client: httpx.AsyncClient, base: str, i: int, sid: str) -> tuple[int, str, float]:
    """POST one signed text; (status, body, seconds), status 0 when the server is gone."""
    data = form(i, sid)
    headers = {"X-Twilio-Signature": sign(AUTH_TOKEN, PUBLIC_URL + "/sms", data)}
    started = time.monotonic()
    try:
        response = await client.post(base + "/sms", data=data, headers=headers, timeout=20)
    except httpx.TransportError:
        return 0, "", time.monotonic() - started
    return response.status_code, response.text, time.monotonic() - started


def message_of(body: str) -> str | None:
    """The `<Message>` text, "" for an empty `<Response/>`, None when not well-formed."""
    try:
        root = ET.fromstring(body)  # noqa: S314  # smsbot's own TwiML, being checked
    except ET.ParseError:
        return None
    found = root.find("Message")
    return "" if found is None else (found.text or "")


async def burst(base: str, indexes: range) -> list[tuple[int, str, float]]:
    limits = httpx.Limits(max_connections=len(indexes))
    async with httpx.AsyncClient(limits=limits) as client:
        return await asyncio.gather(
            *(text(client, base, i, "SM" + uuid.uuid4().hex) for i in indexes)
        )


def broken_carriers(work: Path, count: int, drip_url: str) -> list[Figure]:
    modes = {"hung": "hang", "down": "unavailable", "limited": "rate_limited", "dripping": "drip"}
    carriers = {
        name: {"mode": modes[name], "latency_s": 0.2, "drip_url": drip_url} for name in BROKEN
    }
    orders = [Order(f"F{i}", phone(i), shipments=(Shipment(BROKEN[i % 4], f"N{i}"),))
              for i in range(2 * count)]  # fmt: skip
    asyncio.run(seed(work / "smsbot.db", orders))
    port = free_port()
    configure(work, port, carriers)
    base = f"http://127.0.0.1:{port}"
    server = start([PYTHON, "-m", "smsbot", "serve"], work, base + "/healthz")
    try:
        first = asyncio.run(burst(base, range(count)))
        after_first = rss_mb(server.pid)
        second = asyncio.run(burst(base, range(count, 2 * count)))
        after_second = rss_mb(server.pid)
    finally:
        stop(server)
    answers = first + second
    errors = sum(1 for status, _, _ in answers if status >= 500 or status == 0)
    malformed = sum(1 for status, body, _ in answers if status == 200 and message_of(body) is None)
    lost = sum(1 for status, body, _ in answers if status == 200 and message_of(body) == "")
    p99 = percentile([seconds for _, _, seconds in answers], 99)
    growth = after_second - after_first
    print(f"broken carriers: {len(answers)} texts, RSS {after_first:.0f} -> {after_second:.0f} MB")
    return [
        Figure("1 5xx or malformed TwiML (hung/503/429/drip)", f"{errors} / {malformed}", "0 / 0",
               errors == 0 and malformed == 0),
        Figure("1 replies lost (hung/503/429/drip)", str(lost), "0", lost == 0),
        Figure("1 p99 reply time", f"{p99:.2f} s", f"<= {DEADLINE_S + 0.5:.1f} s "
               f"(deadline {DEADLINE_S:.0f} s + HTTP)", p99 <= DEADLINE_S + 0.5),
        Figure("1 RSS growth of serve, 2nd round", f"{growth:+.1f} MB", "<= 10 MB", growth <= 10),
    ]  # fmt: skip


def kill_serve(work: Path, count: int) -> list[Figure]:
    orders = [
        Order(f"F{i}", phone(i), shipments=(Shipment("slow", f"N{i}"),)) for i in range(count)
    ]
    asyncio.run(seed(work / "smsbot.db", orders))
    port = free_port()
    configure(work, port, {"slow": {"latency_s": 0.5}})
    base = f"http://127.0.0.1:{port}"
    sids = {i: "SM" + uuid.uuid4().hex for i in range(count)}

    async def first_round(server: subprocess.Popen[bytes]) -> dict[int, tuple[int, str, float]]:
        limits = httpx.Limits(max_connections=count)
        async with httpx.AsyncClient(limits=limits) as client:
            tasks = {i: asyncio.create_task(text(client, base, i, sids[i])) for i in range(count)}
            await asyncio.sleep(0.3)  # every text claimed, none answered (the carrier: 0.5 s)
            os.kill(server.pid, signal.SIGKILL)
            return {i: await task for i, task in tasks.items()}

    server = start([PYTHON, "-m", "smsbot", "serve"], work, base + "/healthz")
    try:
        answered = asyncio.run(first_round(server))
    finally:
        server.wait()
    unanswered = [i for i, (status, _, _) in answered.items() if status != 200]
    server = start([PYTHON, "-m", "smsbot", "serve"], work, base + "/healthz")

    async def retries() -> list[tuple[int, str, float]]:
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=max(1, count))) as client:
            return await asyncio.gather(*(text(client, base, i, sids[i]) for i in unanswered))

    try:
        retried = asyncio.run(retries())
    finally:
        stop(server)
    lost = sum(1 for status, body, _ in retried if status != 200 or not message_of(body))
    print(f"kill -9 serve: {len(unanswered)} of {count} texts cut off, retried with their SID")
    return [Figure("2 replies lost after kill -9 of serve (Twilio retried)",
                   f"{lost} of {len(unanswered)}", "0", lost == 0)]  # fmt: skip


def kill_watcher(work: Path, count: int) -> list[Figure]:
    orders = [
        Order(f"W{i}", phone(i), shipments=(Shipment("today", f"W{i}"),)) for i in range(count)
    ]
    asyncio.run(seed(work / "smsbot.db", orders))
    with serve_fake_twilio() as twilio:
        configure(
            work, free_port(), {"today": {"latency_s": 0.05, "status": "out_for_delivery"}},
            twilio={"api_base_url": twilio.url, "from_number": "+12025550100"},
            watch={"enabled": True, "poll_interval_s": 1.0, "quiet_hours": ""},
        )  # fmt: skip
        command = [PYTHON, "-m", "smsbot", "watch"]
        log = (work / "watch.log").open("ab")
        watcher = subprocess.Popen(command, cwd=work, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        deadline = time.monotonic() + 60
        while len(twilio.fake.posts()) < count // 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        watcher.send_signal(signal.SIGKILL)
        watcher.wait()
        at_kill = len(twilio.fake.posts())
        watcher = subprocess.Popen(command, cwd=work, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        deadline = time.monotonic() + 120
        while len({p["To"] for p in twilio.fake.posts()}) < count and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(3)  # anything sent twice would come now
        stop(watcher)
        log.close()
        texted = Counter(p["To"] for p in twilio.fake.posts())
    lost = sum(1 for i in range(count) if texted[phone(i)] == 0)
    duplicates = sum(n - 1 for n in texted.values() if n > 1)
    print(f"kill -9 watch: killed after {at_kill} of {count} texts")
    return [
        Figure("3 texts lost after kill -9 of watch", str(lost), "0", lost == 0),
        Figure("3 texts sent twice after kill -9 of watch", str(duplicates), "0", duplicates == 0),
    ]


def main() -> None:
    options = arguments(__doc__ or "")
    count = 50 if options.quick else 150
    print_header("bench/faults.py: broken carriers and kill -9", options.quick)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(HERE), os.environ.get("PYTHONPATH")])
    )
    figures: list[Figure] = []
    with drip_server() as drip_url:
        scenarios: list[Callable[[Path], list[Figure]]] = [
            lambda work: broken_carriers(work, count, drip_url),
            lambda work: kill_serve(work, count),
            lambda work: kill_watcher(work, count),
        ]
        for scenario in scenarios:
            with tempfile.TemporaryDirectory(prefix="smsbot-faults-") as tmp:
                figures += scenario(Path(tmp))
    sys.exit(0 if print_summary(figures) else 1)


if __name__ == "__main__":
    main()
