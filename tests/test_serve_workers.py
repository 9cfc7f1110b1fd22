"""`smsbot serve --workers N`: N processes on one port, sharing the store."""

from __future__ import annotations

import time
from pathlib import Path

from click.testing import CliRunner

from smsbot.cli.server import MAX_DEFAULT_WORKERS, default_workers, serve
from tests.conftest import sms_form
from tests.served import launch
from tests.test_end_to_end import OWNER, message, smsbot, text, workdir

__all__ = ["workdir"]  # the fixture, shared with the end-to-end tests


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def test_two_workers_answer_and_share_the_log_and_the_limits(workdir: tuple[Path, int]) -> None:
    path, port = workdir
    assert smsbot("import-orders", "orders.csv", cwd=path).returncode == 0
    process = launch(path, port, "--workers", "2")
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while len(children(process.pid)) < 2:  # uvicorn starts the workers one by one
            assert time.monotonic() < deadline, "two worker processes never started"
            time.sleep(0.1)
        form = sms_form("A-2001", sender=OWNER)
        replies = [message(text(base, form)) for _ in range(6)]  # whichever worker answers
        assert replies[0] is not None and replies[0].startswith("Order A-2001: In transit")
        assert replies == [replies[0]] * 6  # one answer, replayed by every worker
        for i in range(5):  # bot.max_messages_per_minute = 6, counted in the store
            reply = message(text(base, sms_form("a-2002", sender=OWNER)))
            assert reply is not None and reply.startswith("Order A-2002, 2 packages"), i
        limited = message(text(base, sms_form("a-2002", sender=OWNER)))
        assert limited is not None and "a lot of messages" in limited  # across both workers
    finally:
        process.terminate()
        logs = process.communicate(timeout=20)[0]
    assert process.returncode == 0, logs
    assert logs.count("Started server process") >= 2, logs


def test_the_default_is_the_cpus_capped() -> None:
    assert 1 <= default_workers() <= MAX_DEFAULT_WORKERS


def test_demo_runs_one_worker() -> None:
    result = CliRunner().invoke(serve, ["--demo", "--workers", "2"])
    assert result.exit_code == 2
    assert "one worker" in result.output
