"""A postal code never stays in clear in the message log, whatever the conversation state
(issue 21 item 7, issue 13 item 11): texted while locked out or rate-limited, or out of
context, it is redacted like a verification answer, and so never reaches the escalation
payload either. A body that was looked up as an order or tracking number is kept."""

from __future__ import annotations

import json

import httpx
import pytest

from smsbot.store import sender_key
from tests.conftest import OWNER, STRANGER, SettingsFactory
from tests.test_conversation import Chat, chatting
from tests.test_verification import ours

pytestmark = pytest.mark.usefixtures("no_error_path")

REDACTED = "[postal code]"


async def bodies(chat: Chat, sender: str) -> list[str]:
    """The sender's logged bodies, oldest first (as the escalation payload reads them)."""
    key = sender_key(sender, sender)
    return [m.body for m in await chat.bot.store.sender_messages(key, 100)]


async def test_a_postal_code_texted_while_locked_out_is_redacted(
    make_settings: SettingsFactory,
) -> None:
    async with chatting(make_settings(), (ours(),)) as chat:
        await chat.says("5001", sender=STRANGER)
        for wrong in ("99999", "10001", "10002"):  # the third wrong answer locks them out
            await chat.says(wrong, sender=STRANGER)
            chat.clock.advance(20)
        for body in ("11201", "SW1A 1AA", "90210-1234"):  # silence, or the usage hint
            await chat.text(body, sender=STRANGER)
            chat.clock.advance(20)
        logged = await bodies(chat, STRANGER)
    assert logged == ["5001"] + [REDACTED] * 6


async def test_a_postal_code_texted_while_rate_limited_is_redacted(
    make_settings: SettingsFactory,
) -> None:
    settings = make_settings(bot={"max_messages_per_minute": 1})
    async with chatting(settings, (ours(),)) as chat:
        await chat.says("hello", sender=OWNER)
        await chat.text("11201", sender=OWNER)  # the notice
        await chat.text("K1A 0B1", sender=OWNER)  # silence
        logged = await bodies(chat, OWNER)
    assert logged == ["hello", REDACTED, REDACTED]


async def test_order_and_tracking_numbers_are_kept(make_settings: SettingsFactory) -> None:
    async with chatting(make_settings(), (ours(),)) as chat:
        assert (await chat.says("5001", sender=OWNER)).startswith("Order 5001")
        logged = await bodies(chat, OWNER)
    assert logged == ["5001"]


async def test_an_out_of_context_postal_code_never_reaches_the_helpdesk(
    make_settings: SettingsFactory,
) -> None:
    posted: list[dict[str, object]] = []

    def helpdesk(request: httpx.Request) -> httpx.Response:
        posted.append(json.loads(request.content))
        return httpx.Response(200, json={"ok": True})

    settings = make_settings(escalation={"webhook_url": "https://helpdesk.example/hook"})
    async with chatting(settings, (ours(),), transport=httpx.MockTransport(helpdesk)) as chat:
        await chat.text("SW1A 1AA", sender=STRANGER)  # out of context: the usage hint
        chat.clock.advance(20)
        await chat.text("K1A 0B1", sender=STRANGER)
        chat.clock.advance(20)
        # "11201" may be an order number: taken as one (the bot asks for that order's
        # postal code, naming it), it is kept, like any order number.
        await chat.text("11201", sender=STRANGER)
        chat.clock.advance(20)
        await chat.says("AGENT", sender=STRANGER)
    (payload,) = posted
    sent = json.dumps(payload)
    assert "SW1A" not in sent and "K1A" not in sent
    messages = payload["messages"]
    assert isinstance(messages, list)
    assert [m["body"] for m in messages] == [REDACTED, REDACTED, "11201", "AGENT"]
