"""POST /twilio/status: signed callbacks update the outbox; forged ones touch nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest
from starlette.testclient import TestClient

from smsbot.channels.twiml import sign
from smsbot.config import Settings
from smsbot.store import OutboxMessage, OutboxState, open_store
from smsbot.watch.outbox import Outbox
from smsbot.web.app import create_app
from tests.conftest import PUBLIC_URL, TOKEN

NOW = datetime(2024, 11, 23, 15, 0, tzinfo=UTC)
PHONE = "+12125550123"
SID = "SM" + "a" * 32
SENDER = "+12025550100"


async def _prepare(path: str) -> None:
    """One message the outbox sent (SID known), as the outbox would have left it."""
    store = await open_store(path)
    try:
        await store.add_outbox(
            key="k", phone=PHONE, channel="sms", body="Hi", order_number="1001",
            state=OutboxState.QUEUED, at=NOW,
        )  # fmt: skip
        message = await store.outbox_message("k")
        assert message is not None
        await store.move_outbox(
            message.id,
            (OutboxState.QUEUED,),
            NOW,
            state="sent",
            sid=SID,
            status_rank=1,
            sent_at=NOW,
        )
    finally:
        await store.close()


async def _read(path: str) -> tuple[OutboxMessage, bool]:
    store = await open_store(path)
    try:
        message = await store.outbox_message("k")
        assert message is not None
        return message, await store.is_opted_out(PHONE)
    finally:
        await store.close()


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    asyncio.run(_prepare(settings.store.path))
    with TestClient(create_app(settings), base_url=PUBLIC_URL) as test_client:
        yield test_client


def callback(status: str, *, sid: str = SID, error: str | None = None) -> dict[str, str]:
    """A status callback form as Twilio posts it."""
    form = {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": "+12025550100",
        "To": PHONE,
        "MessageStatus": status,
        "SmsStatus": status,
        "ApiVersion": "2010-04-01",
    }
    if error is not None:
        form["ErrorCode"] = error
    return form


def post(client: TestClient, form: dict[str, str], signature: str | None = None) -> int:
    header = sign(TOKEN, PUBLIC_URL + "/twilio/status", form) if signature is None else signature
    response = client.post("/twilio/status", data=form, headers={"X-Twilio-Signature": header})
    return response.status_code


def test_delivered_is_recorded(client: TestClient, settings: Settings) -> None:
    assert post(client, callback("delivered")) == 200
    message, _ = asyncio.run(_read(settings.store.path))
    assert (message.state, message.twilio_status) == ("delivered", "delivered")


def test_a_late_sent_does_not_undo_delivered(client: TestClient, settings: Settings) -> None:
    assert post(client, callback("delivered")) == 200
    assert post(client, callback("sent")) == 200
    message, _ = asyncio.run(_read(settings.store.path))
    assert message.state == "delivered"


def test_undelivered_keeps_the_error_code(client: TestClient, settings: Settings) -> None:
    assert post(client, callback("undelivered", error="30003")) == 200
    message, opted_out = asyncio.run(_read(settings.store.path))
    assert (message.state, message.error_code, opted_out) == ("undelivered", 30003, False)


def test_21610_records_the_opt_out(client: TestClient, settings: Settings) -> None:
    assert post(client, callback("failed", error="21610")) == 200
    message, opted_out = asyncio.run(_read(settings.store.path))
    assert (message.state, message.error_code, opted_out) == ("failed", 21610, True)


def test_21610_for_an_unknown_message_still_opts_out(
    client: TestClient, settings: Settings
) -> None:
    assert post(client, callback("failed", sid="SM" + "b" * 32, error="21610")) == 200
    message, opted_out = asyncio.run(_read(settings.store.path))
    assert message.state == "sent" and opted_out


@pytest.mark.parametrize("signature", ["", "forged", "wrong-token"])
def test_unsigned_or_forged_callbacks_are_refused(
    client: TestClient, settings: Settings, signature: str
) -> None:
    form = callback("failed", error="21610")
    if signature == "wrong-token":
        signature = sign("another-token", PUBLIC_URL + "/twilio/status", form)
    assert post(client, form, signature=signature) == 403
    message, opted_out = asyncio.run(_read(settings.store.path))
    assert (message.state, opted_out) == ("sent", False)


def test_a_signature_for_another_path_is_refused(client: TestClient, settings: Settings) -> None:
    form = callback("delivered")
    assert post(client, form, signature=sign(TOKEN, PUBLIC_URL + "/sms", form)) == 403
    message, _ = asyncio.run(_read(settings.store.path))
    assert message.state == "sent"


def test_a_callback_that_beats_the_sid_is_applied_when_the_outbox_catches_up(
    client: TestClient, settings: Settings
) -> None:
    early = "SM" + "d" * 32
    # Twilio calls back before the outbox has recorded the SID its POST got back.
    assert post(client, callback("undelivered", sid=early, error="30005")) == 200
    assert post(client, callback("sent", sid=early)) == 200

    def twilio(request: httpx.Request) -> httpx.Response:  # the POST's answer, arriving late
        return httpx.Response(201, json={"sid": early, "status": "queued", "to": PHONE})

    async def send() -> OutboxMessage:
        store = await open_store(settings.store.path)
        try:
            async with httpx.AsyncClient(transport=httpx.MockTransport(twilio)) as http:
                sending = replace(settings, twilio=replace(settings.twilio, from_number=SENDER))
                outbox = Outbox(sending, store, http, lambda: NOW)
                await outbox.enqueue(to=PHONE, channel="sms", body="Hello", key="late")
                assert await outbox.send_due() == 1
            message = await store.outbox_message("late")
            assert message is not None
            return message
        finally:
            await store.close()

    message = asyncio.run(send())
    assert (message.sid, message.state, message.error_code) == (early, "undelivered", 30005)
