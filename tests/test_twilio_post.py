"""Both posters say the same thing about a POST that got no answer: never connected
(`TwilioRetryable`: resend) or maybe sent (`TwilioUncertain`: look it up, never resend);
and carry the answer's status, Retry-After and body unchanged."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
import pytest

from smsbot.channels import twilio_post
from smsbot.channels.twilio_errors import TwilioRetryable, TwilioUncertain
from smsbot.channels.twilio_post import AiohttpPoster, FormPoster, HttpxPoster
from tests.faketwilio import ACCOUNT_SID, AUTH_TOKEN, serve_fake_twilio

AUTH = (ACCOUNT_SID, AUTH_TOKEN)
FORM = {"To": "+12125550100", "From": "+12025550100", "Body": "Hi & bye ü"}

PosterFactory = Callable[[], AbstractAsyncContextManager[FormPoster]]


@pytest.fixture(params=["httpx", "aiohttp"])
def open_poster(request: pytest.FixtureRequest) -> PosterFactory:
    @asynccontextmanager
    async def opened() -> AsyncIterator[FormPoster]:
        if request.param == "httpx":
            async with httpx.AsyncClient() as http:
                yield HttpxPoster(http)
        else:
            async with AiohttpPoster("smsbot/test") as poster:
                yield poster

    return opened


def messages_url(base: str) -> str:
    return f"{base}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


async def test_the_form_and_the_answer_go_through_unchanged(open_poster: PosterFactory) -> None:
    with serve_fake_twilio() as twilio:
        async with open_poster() as poster:
            created = await poster.post_form(messages_url(twilio.url), FORM, AUTH)
            twilio.fake.fail_next(429, code=20429, retry_after=7)
            busy = await poster.post_form(messages_url(twilio.url), FORM, AUTH)
            refused = await poster.post_form(messages_url(twilio.url), FORM, (ACCOUNT_SID, "no"))
    assert created.status == 201 and json.loads(created.body)["sid"].startswith("SM")
    assert twilio.fake.posts()[0] == FORM  # urlencoded and decoded back, non-ASCII included
    assert (busy.status, busy.retry_after) == (429, "7")
    assert json.loads(busy.body)["code"] == 20429
    assert refused.status == 401  # Basic auth is checked by the fake


async def test_no_connection_is_retryable(open_poster: PosterFactory) -> None:
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    async with open_poster() as poster:
        with pytest.raises(TwilioRetryable):
            await poster.post_form(messages_url(f"http://127.0.0.1:{port}"), FORM, AUTH)


async def test_no_answer_after_sending_is_uncertain(
    open_poster: PosterFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(twilio_post, "TOTAL_S", 0.3)
    with serve_fake_twilio() as twilio:
        twilio.fake.hang_next()  # creates the message, then holds the answer
        async with open_poster() as poster:
            with pytest.raises(TwilioUncertain):
                await poster.post_form(messages_url(twilio.url), FORM, AUTH)
        assert len(twilio.fake.created) == 1  # it was sent: resending would text twice
