"""Issue 15, faults: the PostgreSQL server restarts while texts arrive.

A private server (Debian's binaries, run as the postgres user in a throwaway directory) is
stopped and started again under the app: texts during the outage get the honest fallback
reply with status 200 (never a 5xx into Twilio), the pool reconnects by itself, and neither
the message log nor a queued outbound message loses anything: the texts of the outage are
spooled and replayed (logged, a STOP honoured, an order question answered in the outbox).
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
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

import smsbot.spool.replay
from smsbot.config import StoreSettings
from smsbot.orders.demo import DEMO_ORDERS
from smsbot.store import OutboxState, open_store
from smsbot.web.app import create_app
from smsbot.wording import replies
from smsbot.wording.replies import Wording
from tests.conftest import (
    OWNER,
    PUBLIC_URL,
    STRANGER,
    SettingsFactory,
    post_sms,
    reply_text,
    sms_form,
)


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


async def _outbox_and_log(
    url: str,
) -> tuple[dict[str, str], list[tuple[str, str | None]], bool]:
    async with await open_store(url) as store:
        waiting = {m.key: m.body for m in await store.recent_outbox(50)}
        logged = [(m.sid, m.intent) for m in await store.recent_messages(100)]
        return waiting, logged, await store.is_opted_out(STRANGER)


def _replayed(app: Any, client: TestClient, spool: Path) -> None:
    """Replay the spool by hand until it is empty (the pool may still be reconnecting)."""
    bot, portal = app.state.services, client.portal
    assert portal is not None
    for _ in range(50):
        portal.call(bot.spool_replay.replay_once)
        if not any(spool.iterdir()):
            return
        time.sleep(0.2)
    raise AssertionError(f"the spool was not emptied: {sorted(p.name for p in spool.iterdir())}")


def test_texts_during_a_restart_get_the_fallback_and_nothing_is_lost(
    private_server: PrivateServer,
    make_settings: SettingsFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Nine texts from one sender in a minute: above the default limit of six, which a
    # replayed text counts towards like any other (its follow-up would be "too many").
    settings = make_settings(bot={"max_messages_per_minute": 20})
    spool = tmp_path / "spool"
    store = StoreSettings(path="", url=private_server.url, pool_size=3, spool_dir=str(spool))
    settings = replace(settings, store=store)
    monkeypatch.setattr(smsbot.spool.replay, "POLL_S", 3600.0)  # the test replays by hand
    fallback = replies.unavailable(
        Wording(settings.bot.language, settings.bot.timezone, datetime.now(UTC), 3)
    )
    app = create_app(settings, seed_orders=DEMO_ORDERS)
    answered: dict[str, str | None] = {}

    def text(phase: str, body: str = "1002", sender: str = OWNER) -> str | None:
        form = sms_form(body, sender)
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
        # Each text of the outage waits out the pool's timeout (5 s): three keep it short.
        during = [text("during"), text("during", "STOP", STRANGER), text("during")]
        assert during == [fallback] * 3
        spooled = {sid for sid, reply in answered.items() if reply == fallback}
        assert len(spooled) == 3 and any(spool.iterdir())

        private_server.start()
        after = [text("after") for _ in range(3)]
        assert all(reply is not None and reply.startswith("Order 1002") for reply in after)
        _replayed(app, client, spool)

    waiting, logged, opted_out = asyncio.run(_outbox_and_log(private_server.url))
    assert "restart:1" in waiting  # the queued message survived, still to be sent
    # Every text is in the log, finished (an intent recorded): those answered from the
    # database at once, and those answered with the fallback once the spool was replayed.
    intents = dict(logged)
    assert set(intents) == set(answered)
    assert all(intent is not None and intent != "error" for intent in intents.values())
    assert opted_out  # the STOP sent during the outage is honoured
    # The order questions of the outage got their answer as a follow-up, once each.
    follow_ups = {key: body for key, body in waiting.items() if key.startswith("spool:")}
    questions = {sid for sid in spooled if intents[sid] != "opt_out"}
    assert set(follow_ups) == {f"spool:{sid}" for sid in questions}
    assert all(body.startswith("Order 1002") for body in follow_ups.values())
