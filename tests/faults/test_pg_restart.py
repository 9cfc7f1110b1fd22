"""Issue 15, faults: the PostgreSQL server restarts while texts arrive.

A private server (Debian's binaries, run as the postgres user in a throwaway directory) is
stopped and started again under the app: texts during the outage get the honest fallback
reply with status 200 (never a 5xx into Twilio), the pool reconnects by itself, and neither
the message log nor a queued outbound message loses anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from smsbot.config import Settings, StoreSettings
from smsbot.orders.demo import DEMO_ORDERS
from smsbot.store import OutboxState, open_store
from smsbot.web.app import create_app
from smsbot.wording import replies
from smsbot.wording.replies import Wording
from tests.conftest import PUBLIC_URL, post_sms, reply_text, sms_form


def _missing() -> str | None:
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "needs root, to run PostgreSQL as the postgres user"
    if shutil.which("runuser") is None:
        return "needs runuser (util-linux)"
    if not _bin_dir():
        return "needs Debian's postgresql package (/usr/lib/postgresql/*/bin)"
    return None


def _bin_dir() -> str:
    named = os.environ.get("SMSBOT_TEST_PG_BIN", "")
    if named:
        return named
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    return found[-1] if found else ""


class PrivateServer:
    """A throwaway PostgreSQL on 127.0.0.1 that the test may stop and start."""

    def __init__(self) -> None:
        self.bin = _bin_dir()
        self.dir = Path(tempfile.mkdtemp(prefix="smsbot-pg-"))
        shutil.chown(self.dir, "postgres")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self._as_postgres("initdb", "-D", str(self.dir / "data"), "-U", "postgres", "-A", "trust")
        self.start()

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, program: str, *args: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", f"{self.bin}/{program}", *args],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        data, log = str(self.dir / "data"), str(self.dir / "log")
        self._as_postgres("pg_ctl", "-D", data, "-l", log, "-w", "-o", options, "start")

    def stop(self) -> None:
        self._as_postgres("pg_ctl", "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def private_server() -> Iterator[PrivateServer]:
    missing = _missing()
    if missing is not None:
        if os.environ.get("CI"):
            pytest.fail(f"the PostgreSQL restart test {missing}", pytrace=False)
        pytest.skip(f"the PostgreSQL restart test {missing}")
    server = PrivateServer()
    try:
        yield server
    finally:
        server.remove()


async def _outbox_and_log(url: str) -> tuple[list[str], list[tuple[str, str | None]]]:
    async with await open_store(url) as store:
        waiting = [m.key for m in await store.recent_outbox(50)]
        logged = [(m.sid, m.intent) for m in await store.recent_messages(100)]
        return waiting, logged


def test_texts_during_a_restart_get_the_fallback_and_nothing_is_lost(
    private_server: PrivateServer, settings: Settings
) -> None:
    settings = replace(settings, store=StoreSettings(path="", url=private_server.url, pool_size=3))
    fallback = replies.unavailable(
        Wording(settings.bot.language, settings.bot.timezone, datetime.now(UTC), 3)
    )
    app = create_app(settings, seed_orders=DEMO_ORDERS)
    answered: dict[str, str | None] = {}

    def text(phase: str) -> str | None:
        form = sms_form("1002")
        response = post_sms(client, form)
        assert response.status_code == 200, (phase, response.status_code)
        answered[form["MessageSid"]] = reply_text(response)
        return answered[form["MessageSid"]]

    with TestClient(app, base_url=PUBLIC_URL) as client:

        async def queue_one() -> None:
            async with await open_store(private_server.url) as store:
                await store.add_outbox(
                    key="restart:1",
                    phone="+12025550123",
                    channel="sms",
                    body="Your order shipped.",
                    order_number="1002",
                    state=OutboxState.QUEUED,
                    at=datetime.now(UTC),
                )

        asyncio.run(queue_one())
        before = [text("before") for _ in range(3)]
        assert all(reply is not None and reply.startswith("Order 1002") for reply in before)

        private_server.stop()
        during = [text("during") for _ in range(3)]
        assert during == [fallback] * 3

        private_server.start()
        after = [text("after") for _ in range(3)]
        assert all(reply is not None and reply.startswith("Order 1002") for reply in after)

    waiting, logged = asyncio.run(_outbox_and_log(private_server.url))
    assert waiting == ["restart:1"]  # the queued message survived, still to be sent
    # Every text answered from the database is in the log, finished (an intent recorded);
    # those answered with the fallback were never claimed, and Twilio got a reply for each.
    intents = dict(logged)
    answered_normally = {sid for sid, reply in answered.items() if reply != fallback}
    assert set(intents) == answered_normally
    assert all(intent is not None and intent != "error" for intent in intents.values())
