"""The guard of the webhook tests (`no_error_path`) trips when the code takes an error path.

The webhook's catch-all answers valid TwiML whatever happens under it; these tests show
that the guard the webhook test modules use sees what the TwiML hides.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from smsbot.orders.demo import DEMO_ORDERS
from smsbot.store import open_store
from smsbot.web.app import create_app
from tests.conftest import (
    ERROR_INTENT,
    PUBLIC_URL,
    SettingsFactory,
    error_path,
    post_sms,
    reply_text,
    sms_form,
)


def test_a_failing_store_trips_the_guard_behind_valid_twiml(
    make_settings: SettingsFactory, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings()
    path = Path(settings.store.path)
    caplog.set_level(logging.INFO, logger="smsbot")
    with TestClient(create_app(settings, seed_orders=DEMO_ORDERS), base_url=PUBLIC_URL) as client:
        with sqlite3.connect(path) as broken:  # the store starts failing under the bot
            broken.execute("DROP TABLE messages")
        response = post_sms(client, sms_form("1002"))
    # The honest fallback in valid TwiML (no 500 to Twilio; issue 15: not silence either)...
    assert (reply_text(response) or "").startswith("Sorry")
    problems = error_path(caplog.records, path)
    assert problems  # ...but the guard sees the error path behind it
    assert any(
        problem.startswith("ERROR smsbot.dialog.conversation: could not open the turn")
        for problem in problems
    ), problems


def test_a_clean_answer_passes_the_guard(
    make_settings: SettingsFactory, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings()
    caplog.set_level(logging.INFO, logger="smsbot")
    with TestClient(create_app(settings, seed_orders=DEMO_ORDERS), base_url=PUBLIC_URL) as client:
        assert reply_text(post_sms(client, sms_form("1002")))
    assert error_path(caplog.records, Path(settings.store.path)) == []


def test_an_error_intent_in_the_message_log_trips_the_guard(tmp_path: Path) -> None:
    path = tmp_path / "smsbot.db"

    async def log_an_error_answer() -> None:
        async with await open_store(str(path)) as store:
            now = datetime.now(UTC)
            await store.claim_message(
                "SM1", channel="sms", sender="+12025550123", body="1002", received_at=now
            )
            await store.finish_message("SM1", intent=ERROR_INTENT, reply="Sorry", latency_ms=1)

    asyncio.run(log_an_error_answer())
    assert error_path([], path) == ["message SM1 was answered with the 'error' intent"]
