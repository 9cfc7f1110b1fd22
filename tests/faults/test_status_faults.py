"""POST /twilio/status with what no real callback carries: no 500, no ERROR, no forged log line.

Issue 21 items 2, 3 and 5: a non-ASCII digit in ErrorCode (`²`, `٣`), a code SQLite's
INTEGER cannot hold, and control characters in MessageSid/MessageStatus.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from smsbot.channels.twiml import sign
from smsbot.config import Settings
from smsbot.store import OutboxMessage, open_store
from smsbot.web.app import create_app
from tests.conftest import PUBLIC_URL, TOKEN
from tests.test_status_callback import SID, _prepare, callback

pytestmark = pytest.mark.usefixtures("no_error_path")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    asyncio.run(_prepare(settings.store.path))
    app = create_app(settings)
    with TestClient(app, base_url=PUBLIC_URL, raise_server_exceptions=False) as test_client:
        yield test_client


def post(client: TestClient, form: dict[str, str]) -> int:
    header = sign(TOKEN, PUBLIC_URL + "/twilio/status", form)
    response = client.post("/twilio/status", data=form, headers={"X-Twilio-Signature": header})
    return response.status_code


async def _message(path: str) -> OutboxMessage:
    async with await open_store(path) as store:
        message = await store.outbox_message("k")
        assert message is not None
        return message


@pytest.mark.parametrize("code", ["²", "٣", "30٣03", "¹²³", "３０００３"])
def test_a_non_ascii_digit_in_errorcode_is_no_500(
    client: TestClient, settings: Settings, code: str
) -> None:
    assert post(client, callback("undelivered", error=code)) == 200
    message = asyncio.run(_message(settings.store.path))
    # The status is applied; the unreadable code is dropped, never guessed.
    assert (message.state, message.error_code) == ("undelivered", None)


@pytest.mark.parametrize("code", ["99999999999999999999999", "9223372036854775808", "-1"])
def test_an_out_of_range_errorcode_is_dropped_quietly(
    client: TestClient, settings: Settings, code: str
) -> None:
    assert post(client, callback("failed", error=code)) == 200
    message = asyncio.run(_message(settings.store.path))
    assert (message.state, message.error_code) == ("failed", None)


def test_the_store_drops_a_code_it_cannot_hold(settings: Settings) -> None:
    """The store's own guard, for any caller: a huge code is not an ERROR, it is no code."""
    from datetime import UTC, datetime

    from smsbot.store import OutboxState

    asyncio.run(_prepare(settings.store.path))

    async def record() -> OutboxMessage | None:
        async with await open_store(settings.store.path) as store:
            return await store.record_or_keep_delivery(
                SID,
                state=OutboxState.FAILED,
                twilio_status="failed",
                rank=3,
                error_code=10**30,
                at=datetime(2024, 11, 23, 16, tzinfo=UTC),
            )

    message = asyncio.run(record())
    assert message is not None and (message.state, message.error_code) == ("failed", None)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("MessageSid", "SM1\n2024-11-23 15:00:00 ERROR smsbot: forged"),
        ("MessageSid", "SM" + "a" * 30 + "\r\x1b[2J"),
        ("MessageStatus", "weird\nINFO smsbot.web: forged line"),
        ("ErrorCode", "1\n2024-11-23 ERROR forged"),
    ],
)
def test_control_characters_never_forge_a_log_line(
    client: TestClient, caplog: pytest.LogCaptureFixture, field: str, value: str
) -> None:
    # An unknown status: the callback is logged as ignored, naming its MessageSid.
    form = callback("partially_delivered", error="30003")
    form[field] = value
    if field == "MessageStatus":
        form["SmsStatus"] = value
    with caplog.at_level(logging.DEBUG, logger="smsbot"):
        assert post(client, form) == 200
    for record in caplog.records:
        text = record.getMessage()
        assert not any(ch in text for ch in "\r\n\x1b"), text
    assert any(record.name.startswith("smsbot") for record in caplog.records)
