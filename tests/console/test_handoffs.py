"""Escalations handed to Zendesk, Gorgias and Slack (local fakes of their documented APIs):
the ticket's contents, retries with backoff, and dead letters."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from smsbot.config import settings_from_mapping
from smsbot.handoff.sender import MAX_ATTEMPTS, HandoffSender, backoff
from smsbot.handoff.targets import build_targets
from smsbot.orders.demo import DEMO_ORDERS
from smsbot.orders.model import Order, Shipment
from smsbot.store import HandoffState, Store, open_store
from smsbot.web.app import create_app
from tests.conftest import PUBLIC_URL, SettingsFactory, post_sms, reply_text, sms_form
from tests.console.fake_helpdesks import Helpdesk, gorgias, slack, zendesk

PHONE = "+12025550177"
MASKED = "+1******0177"
SLACK_PATH = "/services/T000/B000/XXXX"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2024, 11, 23, 14, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with await open_store(f"sqlite:///{tmp_path / 'smsbot.db'}") as opened:
        yield opened


def desks() -> dict[str, Helpdesk]:
    return {
        "zendesk": Helpdesk("agent@acme.example/token", "zd-token"),
        "gorgias": Helpdesk("api@acme.example", "gg-key"),
        "slack": Helpdesk("", ""),
    }


def sender_for(store: Store, found: dict[str, Helpdesk], clock: Clock) -> HandoffSender:
    settings = settings_from_mapping(
        {
            "escalation": {
                "zendesk": {"base_url": "https://acme.zendesk.test", "email": "agent@acme.example",
                            "api_token": "zd-token"},
                "gorgias": {"base_url": "https://acme.gorgias.test", "username": "api@acme.example",
                            "api_key": "gg-key"},
                "slack": {"webhook_url": f"https://hooks.slack.test{SLACK_PATH}"},
            }
        }
    )  # fmt: skip
    apps = {
        "acme.zendesk.test": zendesk(found["zendesk"]),
        "acme.gorgias.test": gorgias(found["gorgias"]),
        "hooks.slack.test": slack(found["slack"], SLACK_PATH),
    }

    async def route(request: httpx.Request) -> httpx.Response:
        transport = httpx.ASGITransport(app=apps[request.url.host])
        return await transport.handle_async_request(request)

    http = httpx.AsyncClient(transport=httpx.MockTransport(route))
    return HandoffSender(store, http, build_targets(settings.escalation.targets), clock)


async def escalate(
    store: Store, clock: Clock, targets: tuple[str, ...] = ("zendesk", "gorgias", "slack")
) -> int:
    order = Order("1042", PHONE, shipments=(Shipment("ups", "1Z999AA10123456784"),))
    await store.upsert_orders([order], now=clock.now)
    await store.claim_tagged(
        "SM1", PHONE, channel="sms", sender=PHONE, body="where is 1042", received_at=clock.now
    )
    await store.finish_message("SM1", intent="order_number", reply="In transit.", latency_ms=9)
    return await store.add_escalation(
        channel="sms", phone=PHONE, order_number="1042", verified=True, language="en",
        at=clock.now, targets=targets,
    )  # fmt: skip


async def test_each_helpdesk_gets_the_ticket(store: Store) -> None:
    clock, found = Clock(), desks()
    escalation = await escalate(store, clock)
    assert await sender_for(store, found, clock).send_due() == 3
    (zd,) = found["zendesk"].received
    assert MASKED in zd["ticket"]["subject"] and PHONE not in zd["ticket"]["subject"]
    body = zd["ticket"]["comment"]["body"]
    assert PHONE in body and "Order: 1042" in body and "where is 1042" in body
    assert "1Z999AA10123456784" in body and "In transit." in body
    (gg,) = found["gorgias"].received
    assert gg["messages"][0]["body_text"] == body
    assert gg["customer"]["channels"] == [{"type": "phone", "address": PHONE}]
    (sl,) = found["slack"].received
    assert MASKED in sl["text"]
    refs = {h.target: h.external_ref for h in await store.handoffs(escalation_id=escalation)}
    assert refs == {"zendesk": "35436", "gorgias": "35436", "slack": "ok"}
    assert await sender_for(store, found, clock).send_due() == 0  # nothing twice


async def test_a_failing_helpdesk_is_retried_with_backoff(store: Store) -> None:
    clock, found = Clock(), desks()
    found["zendesk"].fail_with = [503, 502]
    await escalate(store, clock)
    sender = sender_for(store, found, clock)
    assert await sender.send_due() == 2  # gorgias and slack
    clock.now += backoff(1) - timedelta(seconds=1)
    assert await sender.send_due() == 0  # not due yet
    clock.now += timedelta(seconds=1)
    assert await sender.send_due() == 0  # the second failure
    clock.now += backoff(2)
    assert await sender.send_due() == 1
    delivered = {h.target: h.attempts for h in await store.handoffs(state=HandoffState.DELIVERED)}
    assert delivered == {"zendesk": 3, "gorgias": 1, "slack": 1}
    assert len(found["zendesk"].received) == 1


async def test_refused_credentials_and_endless_failures_are_dead_letters(store: Store) -> None:
    clock, found = Clock(), desks()
    found["gorgias"].password = "rotated"  # the merchant's key no longer works: 401
    found["slack"].fail_with = [500] * MAX_ATTEMPTS
    await escalate(store, clock)
    sender = sender_for(store, found, clock)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        await sender.send_due()
        clock.now += backoff(attempt)
    dead = {h.target: h for h in await store.handoffs(state=HandoffState.DEAD)}
    assert set(dead) == {"gorgias", "slack"}
    assert dead["gorgias"].attempts == 1 and dead["gorgias"].last_error == "HTTP 401"
    assert dead["slack"].attempts == MAX_ATTEMPTS
    assert (await store.ops_snapshot(clock.now)).handoffs_dead == 2


def test_targets_are_checked_at_load() -> None:
    from smsbot.errors import ConfigError

    with pytest.raises(ConfigError, match=r"escalation\.zendesk\.email"):
        settings_from_mapping({"escalation": {"zendesk": {"subdomain": "acme", "api_token": "t"}}})
    with pytest.raises(ConfigError, match=r"escalation\.slack\.webhook_url"):
        settings_from_mapping({"escalation": {"slack": {"webhook_url": "ftp://x"}}})
    with pytest.raises(ConfigError, match=r"escalation\.gorgias\.colour"):
        settings_from_mapping(
            {"escalation": {"gorgias": {"domain": "acme", "username": "u", "api_key": "k",
                                        "colour": "red"}}}
        )  # fmt: skip


def test_an_agent_text_reaches_zendesk_through_the_running_app(
    make_settings: SettingsFactory,
) -> None:
    desk = desks()["zendesk"]
    app_for_zendesk = zendesk(desk)

    async def route(request: httpx.Request) -> httpx.Response:
        return await httpx.ASGITransport(app=app_for_zendesk).handle_async_request(request)

    settings = make_settings(
        escalation={"zendesk": {"base_url": "https://acme.zendesk.test",
                                "email": "agent@acme.example", "api_token": "zd-token"}}
    )  # fmt: skip
    app = create_app(settings, transport=httpx.MockTransport(route), seed_orders=DEMO_ORDERS)
    with TestClient(app, base_url=PUBLIC_URL) as client:
        post_sms(client, sms_form("1001"))
        assert "A person from" in (reply_text(post_sms(client, sms_form("AGENT"))) or "")
        deadline = time.monotonic() + 15  # the sender polls every few seconds
        while not desk.received and time.monotonic() < deadline:
            time.sleep(0.1)
    (ticket,) = desk.received
    assert "1001" in ticket["ticket"]["subject"]


async def test_smsbot_watch_delivers_hand_offs_too(make_settings: SettingsFactory) -> None:
    """The sender is one of `background`'s loops, so a process running only `smsbot watch`
    (no web app) hands escalations over as well."""
    import asyncio

    from smsbot.background import background
    from smsbot.services import open_services

    desk = desks()["zendesk"]
    app_for_zendesk = zendesk(desk)

    async def route(request: httpx.Request) -> httpx.Response:
        return await httpx.ASGITransport(app=app_for_zendesk).handle_async_request(request)

    settings = make_settings(
        escalation={"zendesk": {"base_url": "https://acme.zendesk.test",
                                "email": "agent@acme.example", "api_token": "zd-token"}}
    )  # fmt: skip
    clock = Clock()
    async with open_services(
        settings, transport=httpx.MockTransport(route), check_signatures=False
    ) as bot:
        await escalate(bot.store, clock, ("zendesk",))
        async with background(bot, watch=False, clock=clock):
            for _ in range(150):
                if desk.received:
                    break
                await asyncio.sleep(0.1)
    (ticket,) = desk.received
    assert MASKED in ticket["ticket"]["subject"]
