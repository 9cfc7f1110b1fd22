"""Issue 14, item 12: `smsbot chat` on a merchant's own configuration (no --demo) is not
cut off by the per-sender limits, says so, and keeps log lines out of the transcript."""

from __future__ import annotations

import asyncio
from pathlib import Path

from click.testing import CliRunner

from smsbot.cli import main
from smsbot.config import load_settings
from smsbot.orders.model import Order, Shipment
from smsbot.store import open_store
from tests.conftest import OWNER, STRANGER

TWILIO = f'account_sid = "AC{"0123456789abcdef" * 2}"\nauth_token = "{"0123456789abcdef" * 2}"'


def configured(tmp_path: Path) -> Path:
    """A merchant's configuration (demo carrier) with order 1001 of OWNER in its store."""
    path = tmp_path / "smsbot.toml"
    store = tmp_path / "smsbot.db"
    path.write_text(
        f'[server]\npublic_url = "https://bot.shop.test"\n[twilio]\n{TWILIO}\n'
        f"[store]\npath = {str(store)!r}\n[carriers.demo]\n",
        encoding="utf-8",
    )

    async def seed() -> None:
        opened = await open_store(load_settings(path, {}).store.url)
        try:
            order = Order("1001", OWNER, postal_code="11201",
                          shipments=(Shipment("demo", "DEMO1001"),))  # fmt: skip
            await opened.upsert_orders([order])
        finally:
            await opened.close()

    asyncio.run(seed())
    return path


def chat(path: Path, sender: str, lines: list[str]) -> tuple[list[str], str]:
    """The replies (stdout, one per line) and stderr of `smsbot chat` fed `lines`."""
    result = CliRunner().invoke(
        main, ["chat", "--config", str(path), "--from", sender], input="\n".join(lines) + "\n"
    )
    assert result.exit_code == 0, result.output
    replies = [line.removeprefix("you> ") for line in result.stdout.splitlines() if line.strip()]
    return [line for line in replies if line], result.stderr


def test_a_local_chat_is_not_cut_off_by_the_sender_limits(tmp_path: Path) -> None:
    replies, stderr = chat(configured(tmp_path), OWNER, ["1001"] * 12)
    assert len(replies) == 12
    assert all(reply.startswith("Order 1001: In transit with DemoPost") for reply in replies)
    assert "exempt from the per-sender message and lookup limits" in stderr


def test_log_lines_go_to_stderr_not_into_the_transcript(tmp_path: Path) -> None:
    replies, stderr = chat(configured(tmp_path), STRANGER, ["1001", "99999", "99998", "99997"])
    assert replies[0].startswith("To protect your privacy")
    assert replies[-1].startswith("Too many wrong answers.")
    assert not any("locked out" in reply or "WARNING" in reply for reply in replies)
    assert "log: WARNING smsbot.dialog.access:" in stderr and "locked out" in stderr
