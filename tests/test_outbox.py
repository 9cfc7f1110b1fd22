"""The outbox against a fake Twilio on 127.0.0.1, with a clock the tests move."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

import httpx
import pytest
from click.testing import CliRunner

from smsbot.channels.twilio_post import AiohttpPoster, FormPoster
from smsbot.cli import main
from smsbot.config import Settings
from smsbot.errors import MessageRejected
from smsbot.store import OutboxMessage, OutboxState, Store, open_store
from smsbot.watch.outbox import LEASE, MAX_ATTEMPTS, RECHECK_AFTER, RECONCILE_GIVE_UP, Outbox
from smsbot.watch.quiet import RecipientZones, quiet_until, recipient_zones
from tests.conftest import PUBLIC_URL, SettingsFactory
from tests.faketwilio import FakeTwilio, FakeTwilioServer, serve_fake_twilio

SENDER = "+12025550100"
NEW_YORK = "+12125550123"
LONDON = "+442071838750"
#: Saturday 2024-11-23 15:00 UTC: 10:00 in New York, 15:00 in London.
START = datetime(2024, 11, 23, 15, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def twilio(clock: Clock) -> Iterator[FakeTwilioServer]:
    with serve_fake_twilio(FakeTwilio(clock=clock)) as server:
        yield server


@pytest.fixture
def fake(twilio: FakeTwilioServer) -> FakeTwilio:
    return twilio.fake


class OutboxUnderTest(Outbox):
    """An outbox that keeps its store at hand for the tests' reads; jitter seeded."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        http: httpx.AsyncClient,
        clock: Clock,
        poster: FormPoster | None = None,
    ) -> None:
        super().__init__(settings, store, http, clock, rng=random.Random(7), poster=poster)
        self.store = store


OutboxFactory = Callable[..., AbstractAsyncContextManager[OutboxUnderTest]]


@pytest.fixture
def make_settings_for(
    make_settings: SettingsFactory, twilio: FakeTwilioServer
) -> Callable[..., Settings]:
    """Settings that send through the fake, quiet hours off unless a test sets them."""

    def build(**sections: dict[str, Any]) -> Settings:
        base: dict[str, dict[str, Any]] = {
            "twilio": {"api_base_url": twilio.url, "from_number": SENDER},
            "watch": {"quiet_hours": ""},
        }
        for name, values in sections.items():
            base[name] = {**base.get(name, {}), **values}
        return make_settings(**base)

    return build


@pytest.fixture(params=["httpx", "aiohttp"])
def open_outbox(
    make_settings_for: Callable[..., Settings], clock: Clock, request: pytest.FixtureRequest
) -> OutboxFactory:
    """`async with open_outbox(**sections) as outbox`: a store, a client, an outbox; its
    POSTs over the shared httpx client or (as `open_services` sends) over aiohttp."""

    @asynccontextmanager
    async def opened(**sections: dict[str, Any]) -> AsyncIterator[OutboxUnderTest]:
        settings = make_settings_for(**sections)
        store = await open_store(settings.store.path)
        try:
            async with httpx.AsyncClient() as http, AiohttpPoster("smsbot/test") as aiohttp:
                poster = aiohttp if request.param == "aiohttp" else None
                yield OutboxUnderTest(settings, store, http, clock, poster)
        finally:
            await store.close()

    return opened


async def row(outbox: OutboxUnderTest, key: str) -> OutboxMessage:
    found = await outbox.store.outbox_message(key)
    assert found is not None
    return found


async def claim_at_start(outbox: OutboxUnderTest, key: str) -> bool:
    """Claim `key` for sending at START, as a sender that then dies would."""
    return await outbox.store.claim_outbox(
        (await row(outbox, key)).id,
        now=START,
        lease_until=START + LEASE,
        day=(START - timedelta(hours=12), START + timedelta(hours=12)),
        daily_cap=3,
    )


async def created(fake: FakeTwilio) -> None:
    """Wait until the fake has created a message (its answer may still be held)."""
    for _ in range(500):
        if fake.created:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the fake never got the message")


async def test_send_records_the_sid(open_outbox: OutboxFactory, fake: FakeTwilio) -> None:
    async with open_outbox() as outbox:
        assert await outbox.enqueue(to=NEW_YORK, channel="sms", body="Hi", key="k1")
        assert await outbox.send_due() == 1
        sent = await row(outbox, "k1")
    assert fake.posts() == [
        {
            "To": NEW_YORK,
            "From": SENDER,
            "Body": "Hi",
            "StatusCallback": PUBLIC_URL + "/twilio/status",
        }
    ]
    assert fake.requests[0].authorized
    assert sent.state == "sent"
    assert sent.sid == fake.created[0]["sid"]
    assert sent.sent_at == START


async def test_a_key_is_queued_once(open_outbox: OutboxFactory, fake: FakeTwilio) -> None:
    async with open_outbox() as outbox:
        assert await outbox.enqueue(to=NEW_YORK, channel="sms", body="Hi", key="k1")
        assert not await outbox.enqueue(to=NEW_YORK, channel="sms", body="Hi", key="k1")
        assert await outbox.send_due() == 1
        assert not await outbox.enqueue(to=NEW_YORK, channel="sms", body="Hi again", key="k1")
        assert await outbox.send_due() == 0
    assert len(fake.posts()) == 1


@pytest.mark.parametrize(
    ("to", "channel", "body", "key"),
    [
        (NEW_YORK, "fax", "Hi", "k"),
        ("2125550123", "sms", "Hi", "k"),
        (NEW_YORK, "sms", "", "k"),
        (NEW_YORK, "sms", "x" * 1601, "k"),
        (NEW_YORK, "sms", "Hi", ""),
    ],
)
async def test_enqueue_rejects_bad_input(
    open_outbox: OutboxFactory, to: str, channel: str, body: str, key: str
) -> None:
    async with open_outbox() as outbox:
        with pytest.raises(MessageRejected, match=r"\w"):
            await outbox.enqueue(to=to, channel=channel, body=body, key=key)


async def test_whatsapp_addresses_both_ends(open_outbox: OutboxFactory, fake: FakeTwilio) -> None:
    async with open_outbox() as outbox:
        await outbox.enqueue(to="whatsapp:" + NEW_YORK, channel="whatsapp", body="Hi", key="w")
        assert await outbox.send_due() == 1
    assert fake.posts()[0]["To"] == "whatsapp:" + NEW_YORK
    assert fake.posts()[0]["From"] == "whatsapp:" + SENDER


async def test_messaging_service_replaces_from(
    open_outbox: OutboxFactory, fake: FakeTwilio
) -> None:
    service = "MG" + "1" * 32
    async with open_outbox(twilio={"messaging_service_sid": service}) as outbox:
        await outbox.enqueue(to=NEW_YORK, channel="sms", body="Hi", key="k")
        assert await outbox.send_due() == 1
        assert (await row(outbox, "k")).state == "sent"
    assert fake.posts()[0]["MessagingServiceSid"] == service
    assert "From" not in fake.posts()[0]


async def test_no_status_callback_without_public_url(
    open_outbox: OutboxFactory, fake: FakeTwilio
) -> None:
    async with open_outbox(server={"public_url": ""}) as outbox:
        await outbox.enqueue(to=NEW_YORK, channel="sms", body="Hi", key="k")
        assert await outbox.send_due() == 1
    assert "StatusCallback" not in fake.posts()[0]


async def test_nothing_is_sent_without_a_sender(
    open_outbox: OutboxFactory, fake: FakeTwilio
) -> None:
    async with open_outbox(twilio={"from_number": None}) as outbox:
        problem = outbox.twilio.problem()
        assert problem is not None and problem.key == "twilio.from_number"
        await outbox.enqueue(to=NEW_YORK, channel="sms", body="Hi", key="k")
        assert await outbox.send_due() == 0
        assert (await row(outbox, "k")).state == "queued"
    assert fake.requests == []


async def test_500_is_retried_after_a_backoff(
    open_outbox: OutboxFactory, fake: FakeTwilio, clock: Clock
) -> None:
    fake.fail_next(500)
    async with open_outbox() as outbox:
        await outbox.enqueue(to=NEW_YORK, channel="sms", body="Hi", key="k")
        assert await outbox.send_due() == 0
        waiting = await row(outbox, "k")
        assert waiting.state == "queued" and waiting.attempts == 1
        # First backoff: 30 s with "equal" jitter, so between 15 and 30 s.
        assert START + timedelta(seconds=15) <= waiting.not_before <= START + timedelta(seconds=30)
        assert await outbox.send_due() == 0  # not due yet: no second request
        assert len(fake.posts()) == 1
        clock.now = waiting.not_before
        assert await outbox.send_due() == 1
        assert (await row(outbox, "k")).state == "sent"
    assert len(fake.posts()) == 2


async def test_429_waits_for_retry_after(
    open_outbox: OutboxFactory, fake: FakeTwilio, clock: Clock
) -> None:
    fake.fail_next(429, code=20429, message="Too Many Requests", retry_after=120)
    async with open_outbox() as outbox:
        await outbox.enqueue(to=NEW_YORK, channel="sms", body="Hi", key="k")
        assert await outbox.send_due() == 0
        assert (await row(outbox, "k")).not_before == START + timedelta(seconds=120)
        clock.advance(seconds=119)
        assert await outbox.send_due() == 0
        clock.advance(seconds=1)
        assert await outbox.send_due() == 1
    assert len(fake.posts()) == 2


async def test_connection_refused_is_retried(
    open_outbox: OutboxFactory, fake: FakeTwilio, clock: Clock
) -> None:
    async with open_outbox(twilio={"api_base_url": "http://127.0.0.1:9"}) as outbox:
        await outbox.enqueue(to=NEW_YORK, channel="sms", body="Hi", key="k")
        assert await outbox.send_due() == 0
        waiting = await row(outbox, "k")
    assert waiting.state == "queued" and waiting.not_before > START
    assert waiting.error_message is not None and "unreachable" in waiting.error_message


async def test_endless_5xx_gives_up(
    open_outbox: OutboxFactory, fake: FakeTwilio, clock: Clock
) -> None:
    fake.fail_next(503, times=MAX_ATTEMPTS + 5)
    async with open_outbox() as outbox:
        await outbox.enqueue(to=NEW_YORK, channel="sms", body="Hi", key="k")
        for _ in range(MAX_ATTEMPTS + 3):
            await outbox.send_due()
            clock.advance(hours=2)
        failed = await row(outbox, "k")
    assert failed.state == "failed"
    assert failed.error_message is not None and "gave up" in failed.error_message
    assert len(fake.posts()) == MAX_ATTEMPTS


async def test_21610_records_the_opt_out_and_never_retries(
    open_outbox: OutboxFactory, fake: FakeTwilio, clock: Clock
) -> None:
    opted_out = "+15005550004"  # Twilio's magic number: 21610
    async with open_outbox() as outbox:
        await outbox.enqueue(to=opted_out, channel="sms", body="Hi", key="k1")
        assert await outbox.send_due() == 0
        failed = await row(outbox, "k1")
        assert failed.state == "failed" and failed.error_code == 21610
        assert await outbox.store.is_opted_out(opted_out)
        clock.advance(hours=3)
        assert await outbox.send_due() == 0
        assert not await outbox.enqueue(to=opted_out, channel="sms", body="Again", key="k2")
        assert (await row(outbox, "k2")).state == "suppressed"
    assert len(fake.posts()) == 1


async def test_invalid_number_fails_with_twilios_code(
    open_outbox: OutboxFactory, fake: FakeTwilio, clock: Clock
) -> None:
    async with open_outbox() as outbox:
        await outbox.enqueue(to="+15005550001", channel="sms", body="Hi", key="k")
        await outbox.send_due()
        clock.advance(hours=3)
        await outbox.send_due()
        failed = await row(outbox, "k")
        assert not await outbox.store.is_opted_out("+15005550001")
    assert failed.state == "failed" and failed.error_code == 21211
    # Twilio's text names the number; what is kept (and shown by `smsbot outbox`) masks it.
    assert failed.error_message == "The 'To' number +1******0001 is not a valid phone number."
    assert len(fake.posts()) == 1


async def test_opted_out_numbers_get_nothing(open_outbox: OutboxFactory, fake: FakeTwilio) -> None:
    async with open_outbox() as outbox:
        store = outbox.store
        await store.set_opted_out(LONDON, "sms", True, START)
        assert not await outbox.enqueue(to=LONDON, channel="sms", body="Hi", key="before")
        # Opted out after it was queued: checked again when it is sent.
        assert await outbox.enqueue(to=NEW_YORK, channel="whatsapp", body="Hi", key="after")
        await store.set_opted_out(NEW_YORK, "whatsapp", True, START)
        assert await outbox.send_due() == 0
        assert (await row(outbox, "before")).state == "suppressed"
        assert (await row(outbox, "after")).state == "suppressed"
    assert fake.requests == []


async def test_quiet_hours_follow_the_recipients_zone(
    open_outbox: OutboxFactory, fake: FakeTwilio, clock: Clock
) -> None:
    clock.now = datetime(2024, 11, 23, 22, 30, tzinfo=UTC)  # 17:30 New York, 22:30 London
    async with open_outbox(watch={"quiet_hours": "21:00-08:00"}) as outbox:
        await outbox.enqueue(to=NEW_YORK, channel="sms", body="Hi NY", key="ny")
        await outbox.enqueue(to=LONDON, channel="sms", body="Hi London", key="ldn")
        assert await outbox.send_due() == 1
        waiting = await row(outbox, "ldn")
        assert waiting.state == "deferred" and waiting.defer_reason == "quiet_hours"
        assert waiting.not_before == datetime(2024, 11, 24, 8, 0, tzinfo=UTC)  # 08:00 London
        clock.now = datetime(2024, 11, 24, 7, 59, tzinfo=UTC)
        assert await outbox.send_due() == 0
        clock.now = datetime(2024, 11, 24, 8, 0, tzinfo=UTC)
        assert await outbox.send_due() == 1
        assert (await row(outbox, "ldn")).state == "sent"
    assert [form["To"] for form in fake.posts()] == [NEW_YORK, LONDON]


async def test_daily_cap_defers_to_the_next_local_morning(
    open_outbox: OutboxFactory, fake: FakeTwilio, clock: Clock
) -> None:
    sections = {"watch": {"quiet_hours": "21:00-08:00", "max_messages_per_day": 2}}
    async with open_outbox(**sections) as outbox:
        for n in range(3):
            await outbox.enqueue(to=NEW_YORK, channel="sms", body=f"Hi {n}", key=f"k{n}")
        await outbox.enqueue(to=LONDON, channel="sms", body="Hi", key="other")
        assert await outbox.send_due() == 3  # two to New York, one to London
        capped = await row(outbox, "k2")
        assert capped.state == "deferred" and capped.defer_reason == "daily_cap"
        # Midnight in New York is quiet; 08:00 EST is 13:00 UTC.
        assert capped.not_before == datetime(2024, 11, 24, 13, 0, tzinfo=UTC)
        clock.now = capped.not_before
        assert await outbox.send_due() == 1
    assert len(fake.posts()) == 4


def test_several_zones_wait_for_the_last_morning() -> None:
    fallback = ZoneInfo("America/New_York")
    quiet = (datetime.min.time().replace(hour=21), datetime.min.time().replace(hour=8))
    australian = recipient_zones("+61412345678", fallback)  # a mobile: Perth to Lord Howe
    assert len(australian.candidates) > 1
    # 23:00 UTC: 10:00 next day in Sydney, 07:00 in Perth, 05:30 on the Cocos Islands
    # (also an Australian zone): it waits for 08:00 in the westernmost of them.
    moment = datetime(2024, 11, 23, 23, 0, tzinfo=UTC)
    until = quiet_until(moment, australian, quiet)
    assert until == datetime(2024, 11, 24, 8, 0, tzinfo=ZoneInfo("Indian/Cocos"))
    # A +1 number of no known area spans Guam to Pago Pago: all are awake at 22:00 UTC.
    anywhere = recipient_zones("+15005550006", fallback)
    assert anywhere.primary == fallback
    late = datetime(2024, 11, 24, 3, 0, tzinfo=UTC)  # 22:00 in New York
    assert quiet_until(late, anywhere, quiet) == datetime(2024, 11, 24, 22, 0, tzinfo=UTC)
    # New York, London and Tokyo are never all awake at once: the primary zone decides.
    zones = ("America/New_York", "Europe/London", "Asia/Tokyo")
    spread = RecipientZones(fallback, tuple(map(ZoneInfo, zones)))
    assert quiet_until(late, spread, quiet) == datetime(2024, 11, 24, 8, 0, tzinfo=fallback)
    assert recipient_zones("not a number", fallback).candidates == (fallback,)


async def test_killed_mid_post_is_reconciled_not_resent(
    open_outbox: OutboxFactory, fake: FakeTwilio, clock: Clock
) -> None:
    fake.hang_next()  # Twilio creates the message, but the answer never reaches us
    async with open_outbox() as outbox:
        await outbox.enqueue(to=NEW_YORK, channel="sms", body="Hi", key="k")
        sending = asyncio.create_task(outbox.send_due())
        await created(fake)
        sending.cancel()  # the process dies here
        with pytest.raises(asyncio.CancelledError):
            await sending
        assert (await row(outbox, "k")).state == "sending"
    clock.advance(seconds=LEASE.total_seconds())
    async with open_outbox() as restarted:
        assert await restarted.send_due() == 0  # nothing new to send...
        settled = await row(restarted, "k")
    assert settled.state == "sent"  # ...because Twilio had it
    assert settled.sid == fake.created[0]["sid"]
    assert len(fake.posts()) == 1
    assert [r.method for r in fake.requests] == ["POST", "GET"]


async def test_killed_before_post_is_sent_once_after_restart(
    open_outbox: OutboxFactory, fake: FakeTwilio, clock: Clock
) -> None:
    async with open_outbox() as outbox:
        await outbox.enqueue(to=NEW_YORK, channel="sms", body="Hi", key="k")
        claimed = await claim_at_start(outbox, "k")
        assert claimed  # and then the process died before its POST
        assert await outbox.send_due() == 0  # the lease still holds: hands off
    assert fake.requests == []
    clock.advance(seconds=LEASE.total_seconds())
    async with open_outbox() as restarted:
        assert await restarted.send_due() == 1  # not in Twilio's list: sent now
        assert await restarted.send_due() == 0
        assert (await row(restarted, "k")).state == "sent"
    assert len(fake.posts()) == 1


async def test_unconfirmable_for_a_day_is_given_up_not_resent(
    open_outbox: OutboxFactory, fake: FakeTwilio, clock: Clock
) -> None:
    async with open_outbox() as outbox:
        await outbox.enqueue(to=NEW_YORK, channel="sms", body="Hi", key="k")
        claimed = await claim_at_start(outbox, "k")
        assert claimed  # and then the process died: did its POST reach Twilio?
    fake.fail_listing(500, times=1_000)  # Twilio's list cannot be read from now on
    clock.advance(seconds=LEASE.total_seconds())
    async with open_outbox() as restarted:
        assert await restarted.send_due() == 0
        waiting = await row(restarted, "k")
        assert waiting.state == "sending"  # not resent, not given up: asked again later
        assert waiting.lease_until is not None and waiting.lease_until > clock()
        clock.advance(seconds=(RECONCILE_GIVE_UP - LEASE).total_seconds())
        assert await restarted.send_due() == 0
        given_up = await row(restarted, "k")
    assert given_up.state == "failed"
    assert given_up.error_message is not None
    assert given_up.error_message.startswith("unconfirmed, not resent")
    assert fake.posts() == []  # at most once: never sent blindly
    assert [r.method for r in fake.requests] == ["GET", "GET"]


async def test_two_senders_never_take_the_same_message(
    open_outbox: OutboxFactory, make_settings_for: Callable[..., Settings]
) -> None:
    async with open_outbox() as outbox:
        await outbox.enqueue(to=NEW_YORK, channel="sms", body="Hi", key="k")
        message = await row(outbox, "k")
        day = (START - timedelta(hours=12), START + timedelta(hours=12))
        other = await open_store(make_settings_for().store.path)  # another process
        try:
            first = await outbox.store.claim_outbox(
                message.id, now=START, lease_until=START + LEASE, day=day, daily_cap=3
            )
            second = await other.claim_outbox(
                message.id, now=START, lease_until=START + LEASE, day=day, daily_cap=3
            )
        finally:
            await other.close()
    assert (first, second) == (True, False)


def test_outbox_command_lists_messages_masked(
    tmp_path: Path, make_settings_for: Callable[..., Settings], fake: FakeTwilio
) -> None:
    settings = make_settings_for()

    async def fill() -> None:
        store = await open_store(settings.store.path)
        try:
            async with httpx.AsyncClient() as http:
                outbox = Outbox(settings, store, http, Clock())
                await outbox.enqueue(
                    to=NEW_YORK,
                    channel="sms",
                    body="Hi",
                    key="watch:1:shipped",
                    order_number="1001",
                )
                await outbox.send_due()
        finally:
            await store.close()

    asyncio.run(fill())
    config = tmp_path / "smsbot.toml"
    config.write_text(f'[store]\npath = "{settings.store.path}"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["outbox", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "watch:1:shipped" in result.output and "order 1001" in result.output
    assert "+1******0123" in result.output and NEW_YORK not in result.output
    assert fake.created[0]["sid"] in result.output


async def test_a_timeout_after_sending_is_looked_up_not_resent(
    make_settings_for: Callable[..., Settings], clock: Clock
) -> None:
    posted: list[httpx.Request] = []

    def twilio(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            posted.append(request)
            raise httpx.ReadTimeout("no answer", request=request)
        found = {"sid": "SM" + "c" * 32, "body": "Hi", "status": "sent", "to": NEW_YORK}
        found["date_created"] = format_datetime(clock.now, usegmt=True)
        return httpx.Response(200, json={"messages": [found]})

    settings = make_settings_for()
    store = await open_store(settings.store.path)
    try:
        async with httpx.AsyncClient(transport=httpx.MockTransport(twilio)) as http:
            outbox = OutboxUnderTest(settings, store, http, clock)
            await outbox.enqueue(to=NEW_YORK, channel="sms", body="Hi", key="k")
            assert await outbox.send_due() == 0
            assert (await row(outbox, "k")).state == "sending"
            clock.advance(seconds=RECHECK_AFTER.total_seconds())
            assert await outbox.send_due() == 0
            settled = await row(outbox, "k")
    finally:
        await store.close()
    assert (settled.state, settled.sid) == ("sent", "SM" + "c" * 32)
    assert len(posted) == 1


# Early status callbacks (issue 13, item 8)


async def test_a_callback_before_the_post_answers_is_applied_when_the_sid_is_recorded(
    open_outbox: OutboxFactory, fake: FakeTwilio
) -> None:
    fake.hang_next()  # Twilio creates the message; its answer to the POST is slow
    async with open_outbox() as outbox:
        await outbox.enqueue(to=NEW_YORK, channel="sms", body="Hi", key="k")
        sending = asyncio.create_task(outbox.send_due())
        await created(fake)
        sid = fake.created[0]["sid"]
        # Twilio's callbacks overtake the POST's answer: the outbox has no SID yet.
        assert not await outbox.record_status(sid=sid, status="sent", error_code=None, to=None)
        delivered = await outbox.record_status(
            sid=sid, status="delivered", error_code=None, to=NEW_YORK
        )
        assert not delivered and (await row(outbox, "k")).state == "sending"
        fake.release()
        assert await sending == 1
        settled = await row(outbox, "k")
    assert (settled.state, settled.sid, settled.twilio_status) == ("delivered", sid, "delivered")


async def test_a_callback_before_reconciling_is_applied_with_its_error_code(
    open_outbox: OutboxFactory, fake: FakeTwilio, clock: Clock
) -> None:
    sid = fake.add_message(NEW_YORK, "Hi")  # Twilio has it; our process died before the SID
    async with open_outbox() as outbox:
        await outbox.enqueue(to=NEW_YORK, channel="sms", body="Hi", key="k")
        assert await claim_at_start(outbox, "k")
        await outbox.record_status(sid=sid, status="undelivered", error_code=30003, to=NEW_YORK)
        await outbox.record_status(sid=sid, status="sent", error_code=None, to=NEW_YORK)
        clock.advance(seconds=LEASE.total_seconds())
        assert await outbox.send_due() == 0  # reconciled: found in Twilio's list
        settled = await row(outbox, "k")
        # Applied once: a later callback for the SID goes the ordinary way.
        assert await outbox.record_status(sid=sid, status="sent", error_code=None, to=None)
        assert (await row(outbox, "k")).state == "undelivered"
    assert (settled.state, settled.sid, settled.error_code) == ("undelivered", sid, 30003)
    assert fake.posts() == []


async def test_callbacks_for_messages_never_sent_here_are_forgotten_after_a_day(
    open_outbox: OutboxFactory, fake: FakeTwilio, clock: Clock
) -> None:
    stranger = "SM" + "e" * 32
    async with open_outbox() as outbox:
        await outbox.record_status(sid=stranger, status="delivered", error_code=None, to=None)
        clock.advance(hours=25)
        # Any later callback sweeps the old ones away...
        await outbox.record_status(sid="SM" + "f" * 32, status="sent", error_code=None, to=None)
        # ...so a message that gets that SID much later is not touched by it.
        await outbox.enqueue(to=NEW_YORK, channel="sms", body="Hi", key="k")
        message = await row(outbox, "k")
        queued, sent = (OutboxState.QUEUED,), OutboxState.SENT
        await outbox.store.move_outbox(message.id, queued, clock.now, state=sent, sid=stranger)
        assert await outbox.store.apply_early_deliveries(stranger, clock.now) is not None
        assert (await row(outbox, "k")).state == "sent"


# Superseded notices (issue 13, item 14)


async def test_a_waiting_night_notice_is_dropped_when_a_newer_one_supersedes_it(
    open_outbox: OutboxFactory, fake: FakeTwilio, clock: Clock
) -> None:
    clock.now = datetime(2024, 11, 23, 11, 30, tzinfo=UTC)  # 06:30 in New York: quiet
    async with open_outbox(watch={"quiet_hours": "21:00-08:00"}) as outbox:
        ofd = "Order 1001 is out for delivery with UPS today."
        await outbox.enqueue(to=NEW_YORK, channel="sms", body=ofd, key="watch:1:out_for_delivery")
        assert await outbox.send_due() == 0
        assert (await row(outbox, "watch:1:out_for_delivery")).state == "deferred"
        clock.now = datetime(2024, 11, 23, 12, 5, tzinfo=UTC)  # 07:05: delivered, still quiet
        delivered = "Order 1001: Delivered by UPS today, 7:00 AM."
        assert await outbox.enqueue(
            to=NEW_YORK,
            channel="sms",
            body=delivered,
            key="watch:1:delivered",
            supersedes=["watch:1:out_for_delivery", "watch:1:shipped", "watch:1:delivered"],
        )
        dropped = await row(outbox, "watch:1:out_for_delivery")
        assert (dropped.state, dropped.defer_reason) == ("suppressed", "superseded")
        assert dropped.error_message == "superseded by watch:1:delivered"
        clock.now = datetime(2024, 11, 23, 13, 0, tzinfo=UTC)  # 08:00 in New York
        assert await outbox.send_due() == 1
    assert [form["Body"] for form in fake.posts()] == [delivered]


async def test_a_notice_already_sent_is_not_touched_by_a_newer_one(
    open_outbox: OutboxFactory, fake: FakeTwilio
) -> None:
    async with open_outbox() as outbox:
        await outbox.enqueue(to=NEW_YORK, channel="sms", body="Shipped", key="watch:1:shipped")
        assert await outbox.send_due() == 1
        await outbox.enqueue(
            to=NEW_YORK,
            channel="sms",
            body="Out",
            key="watch:1:ofd",
            supersedes=["watch:1:shipped"],
        )
        assert (await row(outbox, "watch:1:shipped")).state == "sent"
        assert await outbox.send_due() == 1
    assert [form["Body"] for form in fake.posts()] == ["Shipped", "Out"]


class CountingStore:
    """A store that counts the calls made through it (each is at least one trip)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._store, name)
        if callable(attribute):
            self.calls.append(name)
        return attribute


async def test_a_round_claims_and_records_a_whole_batch_in_two_store_calls(
    make_settings_for: Callable[..., Settings], clock: Clock, fake: FakeTwilio
) -> None:
    phones = [f"+1212555{n:04d}" for n in range(30)]
    async with await open_store(make_settings_for().store.path) as store:
        counting = CountingStore(store)
        async with httpx.AsyncClient() as http:
            outbox = Outbox(make_settings_for(), cast(Store, counting), http, clock)
            for n, phone in enumerate(phones):
                assert await outbox.enqueue(to=phone, channel="sms", body="Hi", key=f"k{n}")
            counting.calls.clear()
            assert await outbox.send_due() == 30
            assert counting.calls == [
                "stale_outbox", "due_outbox", "claim_outbox_batch", "finish_outbox_batch",
            ]  # fmt: skip
            assert await outbox.send_due() == 0  # nothing is sent twice
        messages = [await store.outbox_message(f"k{n}") for n in range(30)]
    assert sorted(post["To"] for post in fake.posts()) == phones
    assert all(m is not None and m.state == "sent" and m.attempts == 1 for m in messages)
    assert len({m.sid for m in messages if m is not None}) == 30


async def test_batch_after_batch_each_message_is_posted_once(
    open_outbox: OutboxFactory, fake: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches overlap (the next is claimed while the last one's POSTs fly): every message
    still goes out exactly once, and the count is right."""
    monkeypatch.setattr("smsbot.watch.outbox.BATCH", 3)
    numbers = [f"+1212555{100 + i:04d}" for i in range(10)]
    async with open_outbox() as outbox:
        for i, number in enumerate(numbers):
            await outbox.enqueue(to=number, channel="sms", body=f"Hi {i}", key=f"k{i}")
        assert await outbox.send_due() == 10
        assert await outbox.send_due() == 0
        states = {(await row(outbox, f"k{i}")).state for i in range(10)}
    assert sorted(post["To"] for post in fake.posts()) == numbers
    assert states == {OutboxState.SENT}


async def test_a_stale_message_is_reconciled_by_one_sender_of_many(
    open_outbox: OutboxFactory, fake: FakeTwilio, clock: Clock
) -> None:
    """Issue 15: several processes find the same stale message; one reconciles it (one look
    in Twilio's list), so the "queue it again" of one can never hit another's new attempt."""
    async with open_outbox() as first, open_outbox() as second:  # two processes, one store
        await first.enqueue(to=NEW_YORK, channel="sms", body="Hi", key="k")
        assert await claim_at_start(first, "k")  # and then that sender died before its POST
        clock.advance(seconds=LEASE.total_seconds())
        sent = await asyncio.gather(first.send_due(), second.send_due())
        for outbox in (first, second):  # whoever reconciled it, nobody sends it again
            await outbox.send_due()
        settled = await row(first, "k")
    assert sum(sent) <= 1 and settled.state == "sent"
    assert len(fake.posts()) == 1
    assert [r.method for r in fake.requests].count("GET") == 1
