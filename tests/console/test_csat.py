"""The optional CSAT survey: the question goes through the outbox once per order (opt-outs
respected), a lone 1-5 from that sender is recorded instead of being read as an order
number, a low score raises a merchant alert, and the KPIs show it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from starlette.testclient import TestClient

from smsbot.orders.demo import DEMO_ORDERS, DEMO_PHONE
from smsbot.services import open_services
from smsbot.store import OutboxState, WatchedShipment, phone_key
from smsbot.watch.csat import Surveys
from smsbot.web.app import create_app
from smsbot.wording.context import Wording
from tests.conftest import PUBLIC_URL, SettingsFactory, post_sms, reply_text, sms_form

NOW = datetime(2024, 11, 20, 15, tzinfo=UTC)


def delivered(number: str, phone: str) -> WatchedShipment:
    return WatchedShipment(
        1, 1, number, phone, "en", NOW, "ups", "1Z1", NOW, "delivered", 0, None, frozenset()
    )


async def test_the_question_is_queued_once_per_order_and_never_to_an_opted_out_number(
    make_settings: SettingsFactory,
) -> None:
    settings = make_settings(csat={"enabled": True, "window_h": 48})
    async with open_services(settings, check_signatures=False, clock=lambda: NOW) as bot:
        surveys = Surveys(settings, bot.store, bot.outbox)
        wording = Wording("es", settings.bot.timezone, NOW, 3)
        assert await surveys.ask(delivered("2001", "+12025550111"), wording, NOW)
        assert not await surveys.ask(delivered("2001", "+12025550111"), wording, NOW)
        queued = await bot.store.outbox_message("csat:2001")
        assert queued is not None and queued.state is OutboxState.QUEUED
        assert "2001" in queued.body and "1 al 5" in queued.body
        survey = await bot.store.pending_survey("+12025550111", NOW + timedelta(hours=47))
        assert survey is not None and survey.order_number == "2001"
        assert await bot.store.pending_survey("+12025550111", NOW + timedelta(hours=48)) is None
        await bot.store.set_opted_out("+12025550122", "sms", True, NOW)
        assert not await surveys.ask(delivered("2002", "+12025550122"), wording, NOW)
        stopped = await bot.store.outbox_message("csat:2002")
        assert stopped is not None and stopped.state is OutboxState.SUPPRESSED
        assert await bot.store.pending_survey("+12025550122", NOW) is None


async def test_off_by_default(make_settings: SettingsFactory) -> None:
    settings = make_settings()
    assert not settings.csat.enabled
    async with open_services(settings, check_signatures=False, clock=lambda: NOW) as bot:
        wording = Wording("en", settings.bot.timezone, NOW, 3)
        assert not await Surveys(settings, bot.store, bot.outbox).ask(
            delivered("2001", "+12025550111"), wording, NOW
        )
        assert await bot.store.outbox_message("csat:2001") is None


def app_with(make_settings: SettingsFactory, enabled: bool) -> Iterator[TestClient]:
    settings = make_settings(csat={"enabled": enabled, "low_score": 2})
    with TestClient(create_app(settings, seed_orders=DEMO_ORDERS), base_url=PUBLIC_URL) as c:
        yield c


@pytest.fixture
def surveyed(make_settings: SettingsFactory) -> Iterator[TestClient]:
    yield from app_with(make_settings, True)


def call(client: TestClient, method: str, *args: object) -> object:
    portal = client.portal
    assert portal is not None
    store = client.app.state.services.store  # type: ignore[attr-defined]
    return portal.call(getattr(store, method), *args)


def open_survey(client: TestClient, order: str) -> None:
    now = datetime.now(UTC)
    key = phone_key(DEMO_PHONE)
    assert call(client, "open_survey", order, key, now, now + timedelta(hours=72))


def test_a_score_is_recorded_not_read_as_an_order(surveyed: TestClient) -> None:
    without = reply_text(post_sms(surveyed, sms_form("5"))) or ""
    assert "rating" not in without  # no survey pending: read as before
    open_survey(surveyed, "1001")
    assert reply_text(post_sms(surveyed, sms_form(" 5 "))) == "Thanks for your rating!"
    assert call(surveyed, "pending_survey", phone_key(DEMO_PHONE), datetime.now(UTC)) is None
    again = reply_text(post_sms(surveyed, sms_form("5"))) or ""
    assert "rating" not in again  # answered: the next 5 is not an answer
    assert call(surveyed, "recent_alerts") == []  # 5 is not a low score
    now = datetime.now(UTC)
    kpis = call(surveyed, "kpis", now - timedelta(days=1), now + timedelta(minutes=1))
    assert (kpis.csat_sent, kpis.csat_answers, kpis.csat_mean) == (1, 1, 5.0)  # type: ignore[attr-defined]


def test_a_low_score_alerts_the_merchant(surveyed: TestClient) -> None:
    open_survey(surveyed, "1003")
    text = reply_text(post_sms(surveyed, sms_form("2"))) or ""
    assert text.startswith("Thanks for telling us") and "AGENT" in text
    alerts = call(surveyed, "recent_alerts")
    assert isinstance(alerts, list) and len(alerts) == 1
    alert = alerts[0]
    assert alert.kind == "low_csat" and alert.order_number == "1003"
    assert DEMO_PHONE not in alert.phone_masked


def test_when_off_a_digit_is_never_an_answer(make_settings: SettingsFactory) -> None:
    for client in app_with(make_settings, False):
        open_survey(client, "1001")
        assert "rating" not in (reply_text(post_sms(client, sms_form("4"))) or "")
        assert call(client, "pending_survey", phone_key(DEMO_PHONE), datetime.now(UTC))
