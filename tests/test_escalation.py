"""AGENT / HUMAN / REPRESENTATIVE: the JSON escalation, and what the customer is told."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.conftest import OWNER, STRANGER, SettingsFactory
from tests.test_conversation import chatting
from tests.test_end_to_end import free_port

HOOK = "https://helpdesk.example.com/hooks/smsbot"
TAKEN = "Thanks! A person from Acme Outfitters will text you back soon."
CONTACT = "To reach a person, please contact help@acme.example."

Received = list[tuple[dict[str, str], dict[str, Any]]]


def receiver(received: Received, status: int = 200) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.host != "helpdesk.example.com":
            return httpx.Response(404)
        received.append((dict(request.headers), json.loads(request.content)))
        return httpx.Response(status, json={"ok": status == 200})

    return httpx.MockTransport(handle)


async def test_payload_has_sender_order_and_last_messages(
    make_settings: SettingsFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="smsbot")
    settings = make_settings(escalation={"webhook_url": HOOK, "token": "hook-secret"})
    received: Received = []
    async with chatting(settings, transport=receiver(received)) as chat:
        await chat.says("1001", whatsapp=True)
        assert await chat.says("agent", whatsapp=True) == TAKEN
    [(headers, payload)] = received
    assert headers["authorization"] == "Bearer hook-secret"
    assert payload["type"] == "escalation"
    assert payload["sender"] == OWNER  # in full: the helpdesk texts them back
    assert payload["address"] == f"whatsapp:{OWNER}"
    assert payload["channel"] == "whatsapp"
    assert payload["order"] == "1001" and payload["verified"] is True
    assert [m["body"] for m in payload["messages"]] == ["1001", "agent"]
    assert payload["messages"][0]["reply"].startswith("Order 1001: ")
    assert OWNER not in caplog.text and "hook-secret" not in caplog.text


async def test_pending_order_and_redacted_answers(make_settings: SettingsFactory) -> None:
    settings = make_settings(escalation={"webhook_url": HOOK})
    received: Received = []
    async with chatting(settings, transport=receiver(received)) as chat:
        await chat.says("1001", sender=STRANGER)
        await chat.says("90210", sender=STRANGER)
        assert await chat.says("HUMAN", sender=STRANGER) == TAKEN
    [(headers, payload)] = received
    assert "authorization" not in headers
    assert payload["order"] == "1001" and payload["verified"] is False
    assert [m["body"] for m in payload["messages"]] == ["1001", "[postal code]", "HUMAN"]


@pytest.mark.parametrize("status", [500, 401, 404])
async def test_refused_escalation_gives_the_support_contact(
    make_settings: SettingsFactory, status: int
) -> None:
    settings = make_settings(escalation={"webhook_url": HOOK})
    received: Received = []
    async with chatting(settings, transport=receiver(received, status)) as chat:
        assert await chat.says("Representative") == CONTACT
    assert len(received) == 1


async def test_unreachable_or_slow_webhook_gives_the_support_contact(
    make_settings: SettingsFactory,
) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("too slow", request=request)

    settings = make_settings(escalation={"webhook_url": HOOK})
    async with chatting(settings, transport=httpx.MockTransport(handle)) as chat:
        assert await chat.says("agent") == CONTACT


async def test_without_a_webhook_the_support_contact(make_settings: SettingsFactory) -> None:
    async with chatting(make_settings()) as chat:
        assert await chat.says("AGENT") == CONTACT
        spanish = await chat.says("agente")
    assert spanish == "Para hablar con una persona, contacta a help@acme.example."


@pytest.fixture
def helpdesk() -> Iterator[tuple[str, Received]]:
    """A fake helpdesk on a real socket at 127.0.0.1, served by uvicorn in a thread."""
    received: Received = []

    async def hook(request: Request) -> Response:
        received.append((dict(request.headers), await request.json()))
        return JSONResponse({"ticket": 1})

    port = free_port()
    app = Starlette(routes=[Route("/hooks/smsbot", hook, methods=["POST"])])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="fake-helpdesk", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the helpdesk did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}/hooks/smsbot", received
    finally:
        server.should_exit = True
        thread.join(timeout=10)


async def test_escalation_reaches_a_real_receiver(
    make_settings: SettingsFactory, helpdesk: tuple[str, Received]
) -> None:
    url, received = helpdesk
    settings = make_settings(escalation={"webhook_url": url, "token": "t0k"})
    async with chatting(settings) as chat:
        assert await chat.says("HUMAN") == TAKEN
    [(headers, payload)] = received
    assert headers["authorization"] == "Bearer t0k"
    assert headers["content-type"] == "application/json"
    assert payload["sender"] == OWNER and payload["order"] is None


# One hand-off per sender per window (issue 13, item 10)

PENDING = "We've already passed your message to the Acme Outfitters team. They will text you soon."


async def test_a_repeated_agent_opens_no_second_ticket(make_settings: SettingsFactory) -> None:
    settings = make_settings(escalation={"webhook_url": HOOK})
    received: Received = []
    async with chatting(settings, transport=receiver(received)) as chat:
        assert await chat.says("AGENT") == TAKEN
        for _ in range(5):
            chat.clock.advance(60)
            assert await chat.says("agent") == PENDING
        assert await chat.says("HUMAN", whatsapp=True) == PENDING  # the same customer
        assert await chat.says("agent", sender=STRANGER) == TAKEN  # someone else: their own
        chat.clock.advance(settings.escalation.cooldown_s)
        assert await chat.says("AGENT") == TAKEN  # the window has passed
    assert len(received) == 3
    assert settings.escalation.cooldown_s == 4 * 3600


async def test_the_window_is_configurable_and_spanish_is_told_too(
    make_settings: SettingsFactory,
) -> None:
    settings = make_settings(escalation={"webhook_url": HOOK, "cooldown_s": 600})
    received: Received = []
    async with chatting(settings, transport=receiver(received)) as chat:
        assert (
            await chat.says("agente")
            == "Gracias. Una persona de Acme Outfitters te va a escribir pronto."
        )
        assert await chat.says("agente") == (
            "Ya pasamos tu mensaje al equipo de Acme Outfitters. Te van a escribir pronto."
        )
        chat.clock.advance(601)
        await chat.says("agente")
    assert len(received) == 2


async def test_a_failed_hand_off_does_not_count(make_settings: SettingsFactory) -> None:
    answers = [503, 200]
    received: Received = []

    def handle(request: httpx.Request) -> httpx.Response:
        received.append((dict(request.headers), json.loads(request.content)))
        return httpx.Response(answers.pop(0))

    settings = make_settings(escalation={"webhook_url": HOOK})
    async with chatting(settings, transport=httpx.MockTransport(handle)) as chat:
        assert await chat.says("AGENT") == CONTACT  # the helpdesk was down: nobody has it
        assert await chat.says("AGENT") == TAKEN  # so asking again goes through
        assert await chat.says("AGENT") == PENDING
    assert len(received) == 2
