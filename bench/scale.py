"""Benchmark (issue 15): one process on SQLite vs 2 serve + 2 watch processes on PostgreSQL.

1. Webhook throughput and p99 on the cached path: signed webhooks (fresh MessageSids) from
   order owners whose tracking is cached, sent by `loadgen.py` (16 keep-alive connections
   per server). SQLite: one `smsbot serve --workers 1`. Shared: two `smsbot serve` processes
   on their own ports over one store, each loaded by its own generator at the same time.
2. Watcher throughput: shipments refreshed per second by `smsbot watch --once` against
   fake carriers answering after a fixed latency (`bench/fakecarrier.py`, 50 ms, batches of
   10, four carriers), the fixed cost of a process (start-up, an empty pass) subtracted.
   SQLite: one watcher; shared: two watchers at once, splitting the shipments by claims.
3. Duplicate sends under `kill -9`: two `smsbot watch` processes send queued messages to the
   tests' fake Twilio (in this process, on 127.0.0.1); one is killed with SIGKILL mid-run.
   Its messages left "sending" get their lease moved back (the 2-minute wait, skipped) and
   the survivor reconciles them against Twilio's message list. Target: 0 duplicates, 0 lost.

The shared store is PostgreSQL when `--pg-url` (or SMSBOT_TEST_PG_URL) names a server: a
fresh schema is made there and dropped at the end. Without one, the shared side runs on one
SQLite file (said so in the output): the same processes, the database's limits differ.

`python bench/scale.py [--quick] [--pg-url postgresql://...]`
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import webhook
from common import PYTHON, Figure, free_port, machine, print_summary, start, stop, write_config
from webhook import TOKEN, Run, measure, seed

#: Where the servers say Twilio posts (webhook.py's example host is refused by `check`
#: rules since issue 14); the generator signs for it too.
PUBLIC_URL = webhook.PUBLIC_URL = "https://sms.scale-bench.test"

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # the fake Twilio of the tests
from smsbot.orders.model import Order, Shipment  # noqa: E402
from smsbot.store import OutboxState, open_store  # noqa: E402
from tests.faketwilio import ACCOUNT_SID, AUTH_TOKEN, serve_fake_twilio  # noqa: E402

LATENCY_S = 0.05
CARRIERS = ("slow1", "slow2", "slow3", "slow4")


# The shared store


def fresh_schema(url: str) -> tuple[str, str]:
    """A new schema on the PostgreSQL server at `url`: (its name, the URL using it)."""
    psycopg = importlib.import_module("psycopg")
    schema = f"bench_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}".encode())
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "options"]
    query.append(("options", f"-csearch_path={schema}"))
    return schema, urlunsplit(parts._replace(query=urlencode(query)))


def drop_schema(url: str, schema: str) -> None:
    psycopg = importlib.import_module("psycopg")
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE".encode())


def config(folder: Path, url: str, port: int, extra: dict[str, dict[str, object]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    write_config(
        folder / "smsbot.toml",
        {
            "server": {"public_url": PUBLIC_URL, "host": "127.0.0.1", "port": port},
            "twilio": {"auth_token": TOKEN, "validate_signature": True},
            "store": {"url": url},
            "bot": {"max_messages_per_minute": 1_000_000, "max_lookups_per_hour": 1_000_000},
            "tracking": {"cache_ttl_s": 86400},
            "watch": {"quiet_hours": "", "max_messages_per_day": 100},
            "carriers.demo": {},
            **extra,
        },
    )


def env() -> dict[str, str]:
    found = {k: v for k, v in os.environ.items() if not k.startswith("SMSBOT_")}
    found["PYTHONPATH"] = os.pathsep.join([str(HERE), str(ROOT)])  # the fake carriers
    return found


# 1. Webhooks


async def seed_store(url: str) -> None:
    async with await open_store(url) as store:
        del store  # migrated once, before any process starts
    await seed(url)  # type: ignore[arg-type]


def cpu_s(pids: list[int]) -> float:
    """CPU seconds (user + system) used so far by these processes (gone ones count 0)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def postgres_pids(url: str) -> list[int]:
    """The processes of the PostgreSQL server `url` names, when it runs on this machine:
    its postmaster (started with `-p PORT`) and that postmaster's children. Other servers
    on the machine are left out. None for SQLite or a server elsewhere."""
    if not url.startswith("postgres"):
        return []
    port = str(urlsplit(url).port or 5432)
    stats: dict[int, tuple[str, int]] = {}
    for folder in Path("/proc").glob("[0-9]*"):
        try:
            command = (folder / "cmdline").read_bytes().split(b"\0")
            parent = int((folder / "stat").read_text().rpartition(")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        stats[int(folder.name)] = (" ".join(c.decode(errors="replace") for c in command), parent)
    masters = [
        pid
        for pid, (command, _) in stats.items()
        if "postgres" in command and (f"-p {port}" in command or f"port={port}" in command)
    ]
    return masters + [pid for pid, (_, parent) in stats.items() if parent in masters]


def transactions(url: str) -> tuple[int, int]:
    """PostgreSQL's (commits, rollbacks) so far in the database `url` names; (0, 0) else."""
    if not url.startswith("postgres"):
        return 0, 0
    time.sleep(1.5)  # backends report their counts within a second of going idle
    psycopg = importlib.import_module("psycopg")
    with psycopg.connect(url, autocommit=True) as connection:
        row = connection.execute(
            "SELECT xact_commit, xact_rollback FROM pg_stat_database "
            "WHERE datname = current_database()"
        ).fetchone()
    return int(row[0]), int(row[1])


#: Per request, from the last `webhooks` run on PostgreSQL: (commits, rollbacks).
PER_REQUEST: dict[str, float] = {}


def webhooks(work: Path, url: str, servers: int, seconds: float) -> tuple[list[Run], float, float]:
    """Load `servers` serve processes at once: their runs, and the CPU milliseconds per
    request spent by the serve processes and by the PostgreSQL server (0 on SQLite)."""
    ports = [free_port() for _ in range(servers)]
    processes = []
    for n, port in enumerate(ports):
        folder = work / f"serve{n}"
        config(folder, url, port, {})
        command = [PYTHON, "-m", "smsbot", "serve", "--workers", "1"]
        processes.append(start(command, folder, f"http://127.0.0.1:{port}/healthz"))
    pids, database = [p.pid for p in processes], postgres_pids(url)
    try:
        app_cpu, db_cpu = cpu_s(pids), cpu_s(database)
        commits, rollbacks = transactions(url)
        with ThreadPoolExecutor(servers) as pool:
            runs = list(
                pool.map(
                    lambda n: measure(
                        work, ports[n], seconds, 4000, f"s{servers}-{n}", processes[n].pid
                    ),
                    range(servers),
                )
            )
        # Backends forked during the load count from their start: list them again.
        app_cpu, db_cpu = cpu_s(pids) - app_cpu, max(cpu_s(postgres_pids(url)) - db_cpu, 0.0)
    finally:
        for process in processes:
            stop(process)
    # The warm-up requests ran inside the window too: count them.
    answered = sum(r.requests for r in runs) * (1 + webhook.WARMUP_S / seconds)
    after = transactions(url)
    PER_REQUEST["commits"] = (after[0] - commits) / answered
    PER_REQUEST["rollbacks"] = (after[1] - rollbacks) / answered
    return runs, app_cpu * 1000 / answered, db_cpu * 1000 / answered


async def statement_cost(url: str, count: int = 400) -> float:
    """Microseconds per store write (one conditional upsert, `take_budget`), one caller."""
    async with await open_store(url) as store:
        window = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        began = time.perf_counter()
        for _ in range(count):
            await store.take_budget("bench", window=window, limit=10**9)
        return (time.perf_counter() - began) * 1e6 / count


# 2. Watchers


async def seed_shipments(url: str, count: int) -> None:
    shipped = datetime.now(UTC) - timedelta(days=2)
    async with await open_store(url) as store:
        for first in range(0, count, 1000):
            await store.upsert_orders(
                [
                    Order(
                        f"W{i}", f"+1{3000000000 + i:010d}",
                        shipments=(Shipment(CARRIERS[i % 4], f"W{i:09d}", shipped_at=shipped),),
                    )
                    for i in range(first, min(count, first + 1000))
                ]
            )  # fmt: skip


def watch_once(work: Path, url: str, watchers: int) -> tuple[float, int]:
    """`watchers` x `smsbot watch --once` at once: (wall seconds, shipments checked)."""
    processes = []
    began = time.perf_counter()
    for n in range(watchers):
        folder = work / f"watch{n}"
        slow = {
            f"carriers.{name}": {"module": "fakecarrier", "latency_s": LATENCY_S}
            for name in CARRIERS
        }
        config(folder, url, free_port(), slow)
        processes.append(
            subprocess.Popen(  # noqa: S603
                [PYTHON, "-m", "smsbot", "watch", "--once"],
                cwd=folder,
                env=env(),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        )
    outputs = [process.communicate(timeout=900)[0] for process in processes]
    wall = time.perf_counter() - began
    checked = 0
    for output in outputs:
        found = re.search(r"watch: (\d+) shipments checked", output)
        if found is None:
            raise RuntimeError(f"smsbot watch --once failed:\n{output[-3000:]}")
        checked += int(found.group(1))
    return wall, checked


def watching(work: Path, url: str, watchers: int, shipments: int) -> tuple[float, int, float]:
    """Shipments refreshed per second by `watchers` processes (fixed cost subtracted)."""
    asyncio.run(seed_shipments(url, shipments))
    wall, checked = watch_once(work, url, watchers)
    idle, _ = watch_once(work, url, watchers)  # nothing due now: start-up and an empty pass
    return checked / max(wall - idle, 1e-3), checked, wall - idle


# 3. kill -9 under the outbox


async def enqueue(url: str, count: int) -> None:
    now = datetime.now(UTC)
    async with await open_store(url) as store:
        for n in range(count):
            await store.add_outbox(
                key=f"kill-{n}", phone=f"+1{4000000000 + n:010d}", channel="sms",
                body=f"kill test {n}", order_number=None, state=OutboxState.QUEUED, at=now,
            )  # fmt: skip


async def release_stale(url: str) -> int:
    """Move back the leases of messages left "sending" (what 2 minutes would do)."""
    past = datetime.now(UTC) - timedelta(seconds=1)
    moved = 0
    async with await open_store(url) as store:
        for message in await store.recent_outbox(100_000):
            if message.state is OutboxState.SENDING:
                moved += await store.move_outbox(
                    message.id, (OutboxState.SENDING,), past, lease_until=past
                )
    return moved


async def unsent(url: str) -> int:
    async with await open_store(url) as store:
        return sum(m.state is not OutboxState.SENT for m in await store.recent_outbox(100_000))


def kill_run(work: Path, url: str, messages: int) -> tuple[int, int, int]:
    """(duplicates, lost, stale messages reconciled) with one of two senders killed."""
    asyncio.run(enqueue(url, messages))
    with serve_fake_twilio() as twilio:
        extra = {
            "twilio": {
                "auth_token": AUTH_TOKEN, "account_sid": ACCOUNT_SID,
                "from_number": "+12025550100", "api_base_url": twilio.url,
            }
        }  # fmt: skip
        processes = []
        for n in range(2):
            folder = work / f"sender{n}"
            config(folder, url, free_port(), extra)
            processes.append(
                subprocess.Popen(  # noqa: S603
                    [PYTHON, "-m", "smsbot", "watch"],
                    cwd=folder,
                    env=env(),
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        try:
            deadline = time.monotonic() + 60
            while len(twilio.fake.created) < messages // 4:  # well under way
                if time.monotonic() > deadline:
                    raise RuntimeError("the senders did not start sending")
                time.sleep(0.01)
            processes[0].send_signal(signal.SIGKILL)
            processes[0].wait()
            time.sleep(1.0)
            stale = asyncio.run(release_stale(url))
            deadline = time.monotonic() + 300
            while asyncio.run(unsent(url)) and time.monotonic() < deadline:
                time.sleep(0.5)
            time.sleep(1.0)  # room for a late duplicate
        finally:
            for process in processes:
                if process.poll() is None:
                    process.terminate()
                    process.wait(timeout=20)
        bodies = Counter(m["body"] for m in twilio.fake.created)
    duplicates = sum(count - 1 for count in bodies.values())
    return duplicates, messages - len(bodies), stale


# The run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    parser.add_argument("--pg-url", default=os.environ.get("SMSBOT_TEST_PG_URL", ""))
    parser.add_argument(
        "--webhooks-only", action="store_true", help="only the webhook phase (for repeats)"
    )
    options = parser.parse_args()
    seconds = 5.0 if options.quick else 15.0
    shipments = 1000 if options.quick else 2000
    messages = 400 if options.quick else 1500
    print(f"bench/scale.py{' --quick' if options.quick else ''}: {machine()}")
    with tempfile.TemporaryDirectory(prefix="smsbot-scale-") as tmp:
        work = Path(tmp)
        schemas: list[str] = []
        kind = "PostgreSQL" if options.pg_url else "SQLite (no --pg-url given)"

        def fresh(name: str, shared: bool) -> str:
            """A new, empty store for one phase (a new schema on PostgreSQL)."""
            if shared and options.pg_url:
                schema, url = fresh_schema(options.pg_url)
                schemas.append(schema)
                return url
            return f"sqlite:///{work / (name + '.db')}"

        print(f"shared store: {kind}")
        try:
            figures = run(work, fresh, kind, seconds, shipments, messages, options.webhooks_only)
        finally:
            for schema in schemas:
                drop_schema(options.pg_url, schema)
    print_summary(figures)


def run(
    work: Path,
    fresh: Callable[[str, bool], str],
    kind: str,
    seconds: float,
    shipments: int,
    messages: int,
    webhooks_only: bool = False,
) -> list[Figure]:
    one, shared = fresh("one", False), fresh("shared", True)
    asyncio.run(seed_store(one))
    asyncio.run(seed_store(shared))
    (single,), app1, _ = webhooks(work, one, 1, seconds)
    pair, app2, db2 = webhooks(work, shared, 2, seconds)
    pair_rps = sum(r.rps for r in pair)
    pair_p99 = max(r.p99_ms for r in pair)
    print(single.line("1 serve, SQLite"))
    for n, r in enumerate(pair):
        print(r.line(f"serve {n + 1} of 2, {kind}"))
    print(f"2 serve together: {pair_rps:,.0f} req/s = {pair_rps / single.rps:.2f} x 1 on SQLite")
    write_us = asyncio.run(statement_cost(shared))
    if kind == "PostgreSQL":
        commits, rollbacks = PER_REQUEST["commits"], PER_REQUEST["rollbacks"]
        print(f"PostgreSQL per webhook: {commits:.1f} commits, {rollbacks:.2f} rollbacks "
              f"(serialization retries and read-only ends); "
              f"{db2 / max(commits + rollbacks, 1e-9):.2f} ms of server CPU "
              "a transaction")  # fmt: skip
    print(f"CPU per request: {app1:.2f} ms in serve (1, SQLite); {app2:.2f} ms in serve + "
          f"{db2:.2f} ms in the PostgreSQL server (2, {kind}); one store write "
          f"{write_us:.0f} us from one caller")  # fmt: skip
    print("model, webhooks/s = min(N cores / app CPU per request, D database cores / "
          "database CPU per request):")  # fmt: skip
    for n in (4, 8, 16):
        app_bound = n * 1000 / app2
        db_bound = [d * 1000 / db2 if db2 > 0 else float("inf") for d in (4, 8)]
        print(f"  {n:>2} serve processes on {n} cores: app-bound {app_bound:,.0f}/s; "
              f"with a 4-core database {min(app_bound, db_bound[0]):,.0f}/s, "
              f"8-core {min(app_bound, db_bound[1]):,.0f}/s")  # fmt: skip
    webhook_figures = [
        Figure("webhook_1_sqlite", f"{single.rps:,.0f} req/s, p99 {single.p99_ms:.0f} ms",
               "reported", True),
        Figure("webhook_2_shared", f"{pair_rps:,.0f} req/s, p99 {pair_p99:.0f} ms "
               f"({pair_rps / single.rps:.2f} x)", "reported (2 cores)", True),
        Figure("cpu_per_request", f"serve {app2:.2f} ms + database {db2:.2f} ms",
               "reported", True),
    ]  # fmt: skip
    if webhooks_only:
        return webhook_figures

    rate1, checked1, busy1 = watching(work / "w1", fresh("watch-one", False), 1, shipments)
    rate2, checked2, busy2 = watching(work / "w2", fresh("watch-shared", True), 2, shipments)
    print(f"1 watch, SQLite: {checked1:,} shipments in {busy1:.1f} s = {rate1:,.0f}/s")
    print(f"2 watch, {kind}: {checked2:,} shipments in {busy2:.1f} s = {rate2:,.0f}/s "
          f"({rate2 / rate1:.2f} x)")  # fmt: skip

    duplicates, lost, stale = kill_run(work / "kill", fresh("kill", True), messages)
    print(f"kill -9 of 1 of 2 senders, {messages} messages: {stale} left sending, "
          f"{duplicates} sent twice, {lost} lost")  # fmt: skip
    return [
        *webhook_figures,
        Figure("watch_1_sqlite", f"{rate1:,.0f} shipments/s", "reported", True),
        Figure("watch_2_shared", f"{rate2:,.0f} shipments/s ({rate2 / rate1:.2f} x)",
               "reported", True),
        Figure("watch_each_once", f"{checked2:,}/{shipments:,}", "all, once",
               checked2 == shipments),
        Figure("kill9_duplicates", str(duplicates), "0", duplicates == 0),
        Figure("kill9_lost", str(lost), "0", lost == 0),
    ]  # fmt: skip


if __name__ == "__main__":
    main()
