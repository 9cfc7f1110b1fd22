"""Shared fixtures: settings factory, the app under TestClient, a Twilio signer, TwiML reader."""

from __future__ import annotations

import asyncio
import itertools
import logging
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx  # starlette.testclient speaks httpx2
import pytest
from starlette.testclient import TestClient

from smsbot.channels.twiml import sign
from smsbot.config import Settings, settings_from_mapping
from smsbot.orders.demo import DEMO_ORDERS, DEMO_PHONE

PUBLIC_URL = "https://bot.example.com"
TOKEN = "test-auth-token-0123456789abcdef"
OWNER = DEMO_PHONE
STRANGER = "+12025550199"

SettingsFactory = Callable[..., Settings]


@pytest.fixture
def make_settings(tmp_path: Path) -> SettingsFactory:
    """Settings for one test: a fresh store in tmp_path, the demo carrier, signed webhooks."""

    def build(**sections: dict[str, Any]) -> Settings:
        data: dict[str, Any] = {
            "server": {"public_url": PUBLIC_URL},
            "twilio": {"auth_token": TOKEN, "account_sid": "AC" + "0" * 32},
            "store": {"path": str(tmp_path / "smsbot.db")},
            "bot": {
                "brand": "Acme Outfitters",
                "support_contact": "help@acme.example",
                "timezone": "America/New_York",
            },
            "carriers": {"demo": {}},
        }
        for name, values in sections.items():
            data[name] = {**data.get(name, {}), **values}
        return settings_from_mapping(data, source="test.toml", environ={})

    return build


@pytest.fixture
def settings(make_settings: SettingsFactory) -> Settings:
    return make_settings()


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The app with the demo orders, under its lifespan, reached at the public URL."""
    from smsbot.web.app import create_app  # imported here so carrier tests need no app modules

    app = create_app(settings, seed_orders=DEMO_ORDERS)
    with TestClient(app, base_url=PUBLIC_URL) as test_client:
        yield test_client


_sids = itertools.count(1)


def sms_form(body: str | None, sender: str = OWNER, **extra: str) -> dict[str, str]:
    """A realistic inbound SMS webhook form (geographic fields included: they are signed)."""
    sid = extra.pop("MessageSid", f"SM{next(_sids):032d}")
    form = {
        "MessageSid": sid,
        "SmsSid": sid,
        "SmsMessageSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": sender,
        "To": "+12025550100",
        "NumMedia": "0",
        "NumSegments": "1",
        "SmsStatus": "received",
        "ApiVersion": "2010-04-01",
        "FromCity": "",
        "FromState": "",
        "FromZip": "",
        "FromCountry": "US",
        **extra,
    }
    if body is not None:
        form["Body"] = body
    return form


def whatsapp_form(body: str, sender: str = OWNER) -> dict[str, str]:
    """A WhatsApp sandbox webhook form."""
    sid = f"SM{next(_sids):032d}"
    return {
        "MessageSid": sid,
        "SmsMessageSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": f"whatsapp:{sender}",
        "To": "whatsapp:+14155238886",
        "Body": body,
        "NumMedia": "0",
        "ProfileName": "Pat",
        "WaId": sender.lstrip("+"),
        "MessageType": "text",
    }


def post_sms(
    client: TestClient,
    form: dict[str, str],
    *,
    token: str = TOKEN,
    signed_url: str = PUBLIC_URL + "/sms",
    signature: str | None = None,
) -> httpx.Response:
    """POST a form to /sms, signed as Twilio would sign it."""
    header = sign(token, signed_url, form) if signature is None else signature
    return client.post("/sms", data=form, headers={"X-Twilio-Signature": header})


def reply_text(response: httpx.Response) -> str | None:
    """The `<Message>` text of a TwiML response (None for an empty `<Response/>`)."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(response.content)  # noqa: S314  # our own TwiML, not untrusted input
    assert root.tag == "Response"
    messages = root.findall("Message")
    assert len(messages) <= 1
    return messages[0].text if messages else None


#: The intent the conversation records when it could not answer (its catch-all).
ERROR_INTENT = "error"


def error_path(records: Iterable[logging.LogRecord], store_path: Path) -> list[str]:
    """What shows that the code under a test took an error path: ERROR records of smsbot's
    loggers, and messages the store logged with the error intent. Empty when all went well.

    The webhook answers valid TwiML even when the code under it raises (its catch-all), so
    a webhook test that only reads the TwiML cannot fail on a bug: `no_error_path` adds this.
    """
    problems = [
        f"{record.levelname} {record.name}: {record.getMessage()}"
        for record in records
        if record.levelno >= logging.ERROR and record.name.split(".")[0] == "smsbot"
    ]
    if store_path.exists():

        async def intents() -> list[tuple[str, str | None]]:
            from smsbot.store import open_store

            async with await open_store(str(store_path)) as store:
                return [(m.sid, m.intent) for m in await store.recent_messages(100_000)]

        try:
            logged = asyncio.run(intents())
        except Exception as exc:  # a store the test broke is itself an error path
            problems.append(f"the message log cannot be read: {exc}")
            logged = []
        problems += [
            f"message {sid} was answered with the {ERROR_INTENT!r} intent"
            for sid, intent in logged
            if intent == ERROR_INTENT
        ]
    return problems


@pytest.fixture
def no_error_path(caplog: pytest.LogCaptureFixture, tmp_path: Path) -> Iterator[None]:
    """Fail the test if the code under it logged an ERROR or answered with the error intent
    (used autouse by the webhook test modules; see `error_path`)."""
    caplog.set_level(logging.INFO, logger="smsbot")
    yield
    problems = error_path(caplog.records, tmp_path / "smsbot.db")
    assert not problems, "the code took an error path:\n" + "\n".join(problems)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say once, not per test, that the PostgreSQL tests had no server (issue 15)."""
    from tests.pgtest import summarize_skips

    summarize_skips(terminalreporter)
