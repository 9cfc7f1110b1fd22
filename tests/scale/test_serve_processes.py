"""Two `smsbot serve` processes (separate ports, separate pools) over one store: an inbound
MessageSid is answered once whichever process gets it, and limits, lockouts and
conversation state are the store's, so they hold across processes (issue 15)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from smsbot.store import open_store
from tests.conftest import sms_form
from tests.scale.procs import TOKEN, config, finish, port_of, start
from tests.test_end_to_end import OWNER, message, smsbot, text

STRANGER = "+12025550199"


@pytest.fixture
def two(tmp_path: Path, shared_url: str) -> Iterator[list[str]]:
    """Two serve processes sharing `shared_url`, the demo orders imported once; their URLs."""
    folders = [tmp_path / "a", tmp_path / "b"]
    for folder in folders:
        config(folder, shared_url, extra="[carriers.demo]\n")
    (folders[0] / "orders.csv").write_text(
        "order_number,phone,email,postal_code,name,carrier,tracking_number,kind\n"
        "A-2001,(202) 555-0123,pat@example.com,11201,Pat Lee,demo,DEMO1001,outbound\n"
        "A-2002,(202) 555-0123,pat@example.com,11201,Pat Lee,demo,DEMO1006A,outbound\n",
        encoding="utf-8",
    )
    imported = smsbot("import-orders", "orders.csv", cwd=folders[0])
    assert imported.returncode == 0, imported.stdout + imported.stderr
    processes = [start(folder, "serve", "--workers", "1") for folder in folders]
    try:
        yield [f"http://127.0.0.1:{port_of(folder)}" for folder in folders]
    finally:
        logs = [finish(process) for process in processes]
        for log in logs:
            assert TOKEN not in log and OWNER not in log, log


async def test_one_message_sid_is_answered_once_across_processes(
    two: list[str], shared_url: str
) -> None:
    form = sms_form("where is A-2001?", sender=OWNER)
    with ThreadPoolExecutor(4) as pool:  # the same signed webhook, to both, at once, twice
        replies = list(pool.map(lambda base: message(text(base, form, TOKEN)), two * 2))
    assert replies[0] is not None and replies[0].startswith("Order A-2001: In transit")
    assert replies == [replies[0]] * 4
    async with await open_store(shared_url) as store:
        logged = [m for m in await store.recent_messages(50) if m.sid == form["MessageSid"]]
    assert len(logged) == 1


def test_rate_limits_and_lockouts_hold_on_every_process(two: list[str]) -> None:
    for i in range(6):  # bot.max_messages_per_minute = 6, alternating processes
        reply = message(text(two[i % 2], sms_form("A-2002", sender=OWNER), TOKEN))
        assert reply is not None and reply.startswith("Order A-2002"), (i, reply)
    limited = [message(text(base, sms_form("A-2002", sender=OWNER), TOKEN)) for base in two]
    # Told once (on whichever process noticed first), then silence: never an answer.
    assert limited[0] is not None and "a lot of messages" in limited[0]
    assert limited[1] is None, limited
    # A stranger asks on one process and answers wrongly on the other: one conversation.
    asked = message(text(two[0], sms_form("A-2001", sender=STRANGER), TOKEN))
    assert asked is not None and "postal code" in asked
    answers = [
        message(text(two[(i + 1) % 2], sms_form("99999", sender=STRANGER), TOKEN)) for i in range(3)
    ]
    assert answers[-1] is not None and "Too many wrong answers" in answers[-1], answers
    # Locked out everywhere, even with the right postal code.
    for base in two:
        reply = message(text(base, sms_form("11201", sender=STRANGER), TOKEN))
        assert reply is None or "In transit" not in reply, reply
