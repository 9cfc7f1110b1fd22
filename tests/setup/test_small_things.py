"""Issue 14, item 14: the small things a user notices at the command line and in the log."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from click.testing import CliRunner

from smsbot.channels.twilio_titles import error_text
from smsbot.cli import main
from smsbot.config import load_settings
from smsbot.store import OutboxMessage, OutboxState, open_store
from smsbot.watch.outbox import Outbox, describe
from tests.faketwilio import ACCOUNT_SID, AUTH_TOKEN, serve_fake_twilio
from tests.served import clean_env

NEW_YORK = ZoneInfo("America/New_York")
WHEN = datetime(2024, 11, 23, 15, 0, tzinfo=UTC)


def _message(code: int | None, text: str | None) -> OutboxMessage:
    return OutboxMessage(
        id=1, key="watch:1:shipped", phone="+12025550123", channel="sms", body="Hi",
        order_number="1001", state=OutboxState.UNDELIVERED, defer_reason=None, attempts=1,
        not_before=WHEN, lease_until=None, attempt_started_at=None, sid="SM" + "a" * 32,
        twilio_status="undelivered", error_code=code, error_message=text, created_at=WHEN,
        sent_at=WHEN,
    )  # fmt: skip


def test_outbox_errors_say_what_twilio_documents_and_times_carry_their_zone() -> None:
    line = describe(_message(30003, None), NEW_YORK)
    assert line.startswith("2024-11-23 10:00 EST  sms")
    assert "[error 30003: Unreachable destination handset]" in line
    assert "[error 21610: Attempt to send to unsubscribed recipient" in describe(
        _message(21610, ""), NEW_YORK
    )
    # Twilio's own text wins; an unknown code points at Twilio's page.
    assert error_text(21211, "The 'To' number +1******0123 is not valid") == (
        "error 21211: The 'To' number +1******0123 is not valid"
    )
    assert error_text(39999, None) == "error 39999: see https://www.twilio.com/docs/errors/39999"


def test_text_refuses_a_sender_that_is_not_a_phone_number() -> None:
    result = CliRunner().invoke(main, ["text", "not a phone", "1001", "--demo"])
    assert result.exit_code == 2
    assert "'not a phone' is not a phone number" in result.stderr
    assert "+12025550123" in result.stderr


def test_chat_refuses_a_from_that_is_not_a_phone_number() -> None:
    result = CliRunner().invoke(main, ["chat", "--demo", "--from", "not a phone"], input="")
    assert result.exit_code == 2
    assert "'not a phone' is not a phone number" in result.stderr
    assert "Demo orders" not in result.stdout  # refused before anything else


def test_chat_ends_its_prompt_line_on_ctrl_d() -> None:
    result = CliRunner().invoke(main, ["chat", "--demo"], input="")
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("you> \n")


def test_the_scaffolds_tests_run_without_a_deprecation_warning(tmp_path: Path) -> None:
    assert CliRunner().invoke(main, ["new-adapter", "acme", "--dir", str(tmp_path)]).exit_code == 0
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_acme.py"],
        cwd=tmp_path,
        env={**clean_env(), "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "warning" not in (ran.stdout + ran.stderr).lower()


def test_a_folder_with_its_own_pytest_settings_keeps_them(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    assert CliRunner().invoke(main, ["new-adapter", "acme", "--dir", str(tmp_path)]).exit_code == 0
    assert not (tmp_path / "pytest.ini").exists()


@pytest.mark.parametrize("verbose", [False, True])
def test_watch_once_logs_no_request_lines_and_no_sender_error_with_a_service(
    tmp_path: Path, verbose: bool
) -> None:
    with serve_fake_twilio() as twilio:
        config = tmp_path / "smsbot.toml"
        config.write_text(
            '[server]\npublic_url = "https://bot.shop.test"\n'
            f'[twilio]\naccount_sid = "{ACCOUNT_SID}"\nauth_token = "{AUTH_TOKEN}"\n'
            f'messaging_service_sid = "MG{"1" * 32}"\napi_base_url = "{twilio.url}"\n'
            f"[store]\npath = {str(tmp_path / 'smsbot.db')!r}\n"
            '[carriers.demo]\n[watch]\nquiet_hours = ""\n',
            encoding="utf-8",
        )

        async def queue_one() -> None:
            settings = load_settings(config, {})
            store = await open_store(settings.store.url)
            try:
                async with httpx.AsyncClient() as http:
                    outbox = Outbox(settings, store, http, lambda: datetime.now(UTC))
                    await outbox.enqueue(to="+12025550123", channel="sms", body="Hi", key="k:1")
            finally:
                await store.close()

        asyncio.run(queue_one())
        ran = subprocess.run(
            [sys.executable, "-m", "smsbot", "watch", "--once", "--config", str(config)]
            + (["-v"] if verbose else []),
            env=clean_env(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert ran.returncode == 0, ran.stderr
    assert "1 sent" in ran.stdout and "0 alerts delivered" in ran.stdout
    assert twilio.fake.posts()[0]["MessagingServiceSid"] == "MG" + "1" * 32
    assert "from_number" not in ran.stderr and " ERROR " not in ran.stderr
    # Twilio's POSTs go over aiohttp (issue 20); httpx's per-request lines (carrier calls)
    # are quieted without -v: `test_httpx_request_lines_show_with_verbose_only`.
    assert "HTTP Request:" not in ran.stderr


@pytest.mark.parametrize("verbose", [False, True])
def test_httpx_request_lines_show_with_verbose_only(verbose: bool) -> None:
    import logging

    from smsbot.cli.base import setup_logging

    httpx_logger = logging.getLogger("httpx")
    before = httpx_logger.level
    try:
        setup_logging(verbose)
        assert httpx_logger.isEnabledFor(logging.INFO) is verbose
        assert not logging.getLogger("httpcore").isEnabledFor(logging.DEBUG)
    finally:
        httpx_logger.setLevel(before)


def test_a_protection_switched_off_is_one_warning_not_two(tmp_path: Path) -> None:
    config = tmp_path / "smsbot.toml"
    config.write_text(
        "[twilio]\nvalidate_signature = false\n"
        f"[store]\npath = {str(tmp_path / 'smsbot.db')!r}\n[carriers.demo]\n",
        encoding="utf-8",
    )
    from smsbot.cli.base import setup_logging
    from smsbot.services import warn_if_unsafe

    records: list[str] = []
    handler = logging.Handler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.emit = lambda record: records.append(handler.format(record))  # type: ignore[method-assign]
    logger = logging.getLogger("smsbot")
    logger.addHandler(handler)
    try:
        setup_logging(False)
        warn_if_unsafe(load_settings(config, {}))
    finally:
        logger.removeHandler(handler)
    [line] = [r for r in records if "validate_signature" in r]
    assert line.startswith("WARNING smsbot") and line.count("WARNING") == 1, line
