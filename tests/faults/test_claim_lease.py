"""A message in flight when `serve` dies is answered on Twilio's retry (issue 21, item 1).

The MessageSid is claimed with a lease (the reply deadline plus a margin); a retry after the
lease ran out (here: after a SIGKILL and a restart) takes the message over and answers it.
STOP/START are recorded in the claim's own transaction, so a crash never loses them.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from smsbot.channels.inbound import parse_inbound
from smsbot.channels.twiml import sign
from smsbot.orders.model import Order, Shipment
from smsbot.services import open_services
from smsbot.store import TurnEnd
from tests.conftest import SettingsFactory, sms_form
from tests.served import clean_env, launch

TOKEN = "fault-auth-token"
OWNER = "+12025550123"
SID = "SM" + "7" * 32


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def hanging_carrier() -> Iterator[str]:
    """A carrier host that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=5)
        for connection in held:
            connection.close()
        listener.close()


def message_row(db: Path, sid: str) -> tuple[int, str | None] | None:
    with sqlite3.connect(db) as connection:
        row = connection.execute("SELECT replied, reply FROM messages WHERE sid = ?", (sid,))
        found = row.fetchone()
    return None if found is None else (int(found[0]), found[1])


def test_a_text_in_flight_at_a_kill_is_answered_on_twilios_retry(tmp_path: Path) -> None:
    port = free_port()
    db = tmp_path / "bot.db"
    with hanging_carrier() as carrier_url:
        (tmp_path / "smsbot.toml").write_text(
            f"""
[server]
public_url = "http://127.0.0.1:{port}"
port = {port}

[twilio]
auth_token = "{TOKEN}"

[store]
path = "{db}"

[tracking]
reply_deadline_s = 2.0
carrier_timeout_s = 2.0

[carriers.dhl]
base_url = "{carrier_url}"
api_key = "fault-dhl-key"
""",
            encoding="utf-8",
        )
        (tmp_path / "orders.csv").write_text(
            "order_number,phone,email,postal_code,name,carrier,tracking_number\n"
            "A-3001,(202) 555-0123,pat@example.com,11201,Pat Lee,dhl,1234567890\n",
            encoding="utf-8",
        )
        imported = subprocess.run(
            [sys.executable, "-m", "smsbot", "import-orders", "orders.csv"],
            cwd=tmp_path,
            env=clean_env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert imported.returncode == 0, imported.stderr
        url = f"http://127.0.0.1:{port}/sms"
        form = sms_form("A-3001", OWNER, MessageSid=SID)
        headers = {"X-Twilio-Signature": sign(TOKEN, url, form)}

        process = launch(tmp_path, port, "--workers", "1")
        try:
            first: list[BaseException] = []

            def post() -> None:
                try:
                    httpx.post(url, data=form, headers=headers, timeout=10)
                except httpx.TransportError as exc:  # the server dies under it
                    first.append(exc)

            sender = threading.Thread(target=post)
            sender.start()
            deadline = time.monotonic() + 10
            while message_row(db, SID) is None:  # claimed, now waiting on the carrier
                assert time.monotonic() < deadline, "the message was never claimed"
                time.sleep(0.02)
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
            sender.join(timeout=15)
            assert first, "the first request should have died with the server"
        finally:
            if process.poll() is None:
                process.kill()
            process.communicate()
        assert message_row(db, SID) == (0, None)  # claimed, never finished

        process = launch(tmp_path, port, "--workers", "1")
        try:
            started = time.monotonic()
            retry = httpx.post(url, data=form, headers=headers, timeout=15)
            elapsed = time.monotonic() - started
        finally:
            process.terminate()
            logs = process.communicate(timeout=10)[0]
        assert retry.status_code == 200, logs
        assert "<Message>" in retry.text and "A-3001" in retry.text, retry.text
        assert elapsed < 12  # within Twilio's 15 s
        replied = message_row(db, SID)
        assert replied is not None and replied[0] == 1 and replied[1] and "A-3001" in replied[1]


async def test_a_stop_in_flight_at_a_crash_is_kept_and_answered_on_retry(
    make_settings: SettingsFactory,
) -> None:
    """WhatsApp STOP, and the process dies before the finish (the hook: `close_turn` never
    returns, then everything is dropped): the opt-out is already recorded, and Twilio's retry
    after the lease gets the reply."""
    settings = make_settings()
    orders = (Order("2001", OWNER, shipments=(Shipment("demo", "DEMO1001"),)),)
    form = {"From": f"whatsapp:{OWNER}", "Body": "STOP", "MessageSid": SID}
    inbound = parse_inbound(
        form,
        default_region=settings.bot.default_region,
        order_pattern=settings.bot.order_number_pattern,
    )
    hung = asyncio.Event()
    async with open_services(settings, seed_orders=orders, check_signatures=False) as bot:

        async def never(_: TurnEnd) -> None:
            hung.set()
            await asyncio.Event().wait()

        bot.store.close_turn = never  # type: ignore[method-assign,assignment]
        crashed = asyncio.create_task(bot.conversation.answer(inbound))
        await asyncio.wait_for(hung.wait(), 5)
        crashed.cancel()
        assert await bot.store.is_opted_out(OWNER)  # recorded with the claim

    # The restart: a fresh process on the same database. The lease (reply deadline + 1 s)
    # is still running, so the retry waits for it to end, then answers.
    async with open_services(settings, check_signatures=False) as bot:
        answer = await asyncio.wait_for(bot.conversation.answer(inbound), 20)
        assert answer.text and not answer.replayed
        assert await bot.store.is_opted_out(OWNER)
        replay = await bot.conversation.answer(inbound)
        assert replay.replayed and replay.text == answer.text
