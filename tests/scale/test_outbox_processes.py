"""The outbox with many senders over one store (issue 15): three `smsbot watch` and one
`smsbot serve` process send every message exactly once to a fake Twilio on 127.0.0.1; a
sender killed with `kill -9` mid-POST leaves its message to be reconciled by another, which
finds it at Twilio and does not send it again; status callbacks land on any process."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from smsbot.channels.twiml import sign
from smsbot.store import OutboxState, Store, open_store
from tests.faketwilio import AUTH_TOKEN, FakeTwilioServer, serve_fake_twilio
from tests.scale.procs import config, finish, port_of, start, wait_for


@pytest.fixture
def twilio() -> Iterator[FakeTwilioServer]:
    with serve_fake_twilio() as server:
        yield server


def phone(n: int) -> str:
    return f"+1202555{n:04d}"


async def enqueue(store: Store, count: int, prefix: str) -> None:
    now = datetime.now(UTC)
    for n in range(count):
        assert await store.add_outbox(
            key=f"{prefix}-{n}", phone=phone(n), channel="sms", body=f"{prefix} message {n}",
            order_number=None, state=OutboxState.QUEUED, at=now,
        )  # fmt: skip


def senders(tmp_path: Path, url: str, twilio: FakeTwilioServer, names: list[str]) -> list[Path]:
    return [config(tmp_path / name, url, twilio_url=twilio.url, token=AUTH_TOKEN) for name in names]


def stop_all(processes: list[subprocess.Popen[str]]) -> list[str]:
    return [finish(process) for process in processes]


async def test_many_senders_send_every_message_once(
    tmp_path: Path, shared_url: str, twilio: FakeTwilioServer
) -> None:
    async with await open_store(shared_url) as store:  # migrates the shared store once
        await enqueue(store, 1, "warm-up")
    folders = senders(tmp_path, shared_url, twilio, ["w1", "w2", "w3", "web"])
    processes = [start(folder.parent, "watch") for folder in folders[:3]]
    processes.append(start(folders[3].parent, "serve", "--workers", "1"))
    try:
        async with await open_store(shared_url) as store:
            await enqueue(store, 60, "bulk")
            wait_for(lambda: len(twilio.fake.created) >= 61, "61 messages at Twilio", 60)
            await asyncio.sleep(1.0)  # room for a duplicate to show up
            bodies = Counter(m["body"] for m in twilio.fake.created)
            assert len(bodies) == 61 and set(bodies.values()) == {1}, bodies.most_common(3)
            # Status callbacks for messages another process sent, posted to the web process.
            base = f"http://127.0.0.1:{port_of(folders[3].parent)}"
            for created in twilio.fake.created[:5]:
                form = {
                    "MessageSid": created["sid"], "MessageStatus": "delivered",
                    "AccountSid": "AC" + "0" * 32, "To": created["to"],
                }  # fmt: skip
                signature = sign(AUTH_TOKEN, base + "/twilio/status", form)
                async with httpx.AsyncClient() as client:
                    answer = await client.post(
                        base + "/twilio/status",
                        data=form,
                        headers={"X-Twilio-Signature": signature},
                    )
                assert answer.status_code < 300, answer.text
            states = Counter(m.state for m in await store.recent_outbox(100))
            assert states == {OutboxState.DELIVERED: 5, OutboxState.SENT: 56}, states
    finally:
        logs = stop_all(processes)
    assert not any("Traceback" in log for log in logs), "\n".join(logs)


async def test_a_sender_killed_mid_send_is_reconciled_not_resent(
    tmp_path: Path, shared_url: str, twilio: FakeTwilioServer
) -> None:
    async with await open_store(shared_url) as store:
        await enqueue(store, 1, "killed")
        message = await store.outbox_message("killed-0")
        assert message is not None
    first, *others = senders(tmp_path, shared_url, twilio, ["w1", "w2", "w3"])
    twilio.fake.hang_next()  # Twilio creates the message, then never answers the POST
    victim = start(first.parent, "watch")
    try:
        wait_for(lambda: len(twilio.fake.created) == 1, "the POST to reach Twilio")
    finally:
        victim.send_signal(signal.SIGKILL)  # kill -9: no cleanup, the row stays "sending"
        finish(victim)  # reaps it and closes its pipe
    async with await open_store(shared_url) as store:
        stuck = await store.outbox_message("killed-0")
        assert stuck is not None and stuck.state is OutboxState.SENDING
        # The lease (2 minutes) runs out: moved back here rather than waited for.
        past = datetime.now(UTC) - timedelta(seconds=1)
        assert await store.move_outbox(message.id, (OutboxState.SENDING,), past, lease_until=past)
        processes = [start(folder.parent, "watch") for folder in others]
        try:

            def settled() -> bool:
                found = asyncio.run_coroutine_threadsafe(
                    store.outbox_message("killed-0"), loop
                ).result()
                return found is not None and found.state is OutboxState.SENT

            loop = asyncio.get_running_loop()
            await asyncio.to_thread(wait_for, settled, "the message to be reconciled", 60)
        finally:
            stop_all(processes)
        done = await store.outbox_message("killed-0")
    assert done is not None and done.sid == twilio.fake.created[0]["sid"]
    assert len(twilio.fake.posts()) == 1  # found at Twilio: never POSTed again
