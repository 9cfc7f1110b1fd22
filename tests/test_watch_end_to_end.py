"""The watcher with the real outbox and alerts, sending to a fake Twilio on 127.0.0.1; and
`smsbot watch --once` as a real process against the fake UPS/FedEx/USPS/DHL host."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from smsbot.config import Settings
from smsbot.lookup.gateway import CarrierGateway
from smsbot.lookup.registry import Registry
from smsbot.store import Store, open_store
from smsbot.tracking import Status
from smsbot.watch.alerts import Alerts
from smsbot.watch.outbox import Outbox
from smsbot.watch.queues import MessageQueue
from smsbot.watch.watcher import Watcher
from tests.conftest import SettingsFactory
from tests.fakecarriers import CLIENT_ID, CLIENT_SECRET, DHL_API_KEY
from tests.faketwilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilioServer, serve_fake_twilio
from tests.pgtest import E2E_BACKENDS, store_table
from tests.test_carriers_end_to_end import (  # noqa: F401  # `fake` is a fixture
    DHL_NUMBER,
    FEDEX_NUMBER,
    UPS_NUMBER,
    USPS_NUMBER,
    Fake,
    fake,
)
from tests.test_end_to_end import smsbot
from tests.test_watcher import PHONE, UPS1, Clock, FakeCarrier, event, order, result

SENDER = "+12025550100"
NIGHT = datetime(2025, 11, 25, 7, 0, tzinfo=UTC)  # 02:00 in Washington, DC (the phone's zone)


@pytest.fixture
def twilio() -> Iterator[FakeTwilioServer]:
    with serve_fake_twilio() as server:
        yield server


@dataclass
class Live:
    settings: Settings
    path: Path
    store: Store
    http: httpx.AsyncClient
    clock: Clock
    ups: FakeCarrier
    outbox: Outbox
    watcher: Watcher

    async def restart(self) -> None:
        await self.store.close()
        self.store = await open_store(self.path)
        self.outbox = Outbox(self.settings, self.store, self.http, self.clock)
        self.watcher = watcher(
            self.settings, self.store, self.ups, self.outbox, self.http, self.clock
        )


def watcher(
    settings: Settings,
    store: Store,
    ups: FakeCarrier,
    outbox: Any,
    http: httpx.AsyncClient,
    clock: Clock,
) -> Watcher:
    registry = Registry({"ups": ups}, {"ups": "test"})
    alerts = Alerts(settings, store, http, clock)
    gateway = CarrierGateway(registry, store, settings.tracking, clock)
    return Watcher(settings, store, gateway, outbox, alerts, clock=clock)


@pytest.fixture
async def live(
    make_settings: SettingsFactory, twilio: FakeTwilioServer, tmp_path: Path
) -> AsyncIterator[Live]:
    settings = make_settings(twilio={"api_base_url": twilio.url, "from_number": SENDER})
    path = tmp_path / "smsbot.db"
    store = await open_store(path)
    clock = Clock()
    clock.now = NIGHT
    ups = FakeCarrier("ups", "UPS")
    async with httpx.AsyncClient() as http:
        outbox = Outbox(settings, store, http, clock)
        live = Live(
            settings,
            path,
            store,
            http,
            clock,
            ups,
            outbox,
            watcher(settings, store, ups, outbox, http, clock),
        )
        await store.upsert_orders([order("1001", ("ups", UPS1), shipped=NIGHT)])
        ups.results[UPS1] = result(
            "ups", UPS1, Status.IN_TRANSIT, event(1, Status.IN_TRANSIT, at=NIGHT)
        )
        try:
            yield live
        finally:
            await live.store.close()


async def test_quiet_hours_defer_the_notice_to_the_morning(
    live: Live, twilio: FakeTwilioServer
) -> None:
    summary = await live.watcher.run_once()
    assert summary.messages == 1
    assert await live.outbox.send_due() == 0 and twilio.fake.posts() == []
    live.clock.advance(hours=6, minutes=30)  # 08:30 in Washington
    assert await live.outbox.send_due() == 1
    (post,) = twilio.fake.posts()
    assert post["To"] == PHONE and post["From"] == SENDER
    assert post["Body"].startswith("Order 1001 has shipped with UPS")
    await live.watcher.run_once()
    assert await live.outbox.send_due() == 0 and len(twilio.fake.posts()) == 1


async def test_opted_out_customer_gets_nothing(live: Live, twilio: FakeTwilioServer) -> None:
    await live.store.set_opted_out(PHONE, "sms", True, NIGHT)
    live.clock.advance(hours=12)
    summary = await live.watcher.run_once()
    assert summary.messages == 0
    assert await live.outbox.send_due() == 0 and twilio.fake.posts() == []
    assert await live.store.trigger_states(1) == {"shipped": "sent"}  # decided, not retried


async def test_21610_from_twilio_records_the_opt_out(
    live: Live, twilio: FakeTwilioServer, make_settings: SettingsFactory
) -> None:
    # Twilio's magic test numbers have no clear local zone: no quiet hours here.
    live.settings = make_settings(
        twilio={"api_base_url": twilio.url, "from_number": SENDER}, watch={"quiet_hours": ""}
    )
    await live.restart()
    await live.store.upsert_orders(
        [order("1001", ("ups", UPS1), phone="+15005550004", shipped=NIGHT)]
    )
    live.clock.advance(hours=12)
    await live.watcher.run_once()
    await live.outbox.send_due()
    assert len(twilio.fake.posts()) == 1
    assert await live.store.is_opted_out("+15005550004")
    live.clock.advance(hours=24)
    await live.outbox.send_due()
    assert len(twilio.fake.posts()) == 1


async def test_stall_apology_reaches_the_phone_once_with_place_and_credit(
    live: Live, twilio: FakeTwilioServer, make_settings: SettingsFactory
) -> None:
    live.settings = make_settings(
        twilio={"api_base_url": twilio.url, "from_number": SENDER},
        watch={"credit_code": "SORRY10", "credit_offer": "10% off your next order"},
    )
    await live.restart()
    queue: MessageQueue = live.outbox  # the real outbox keeps the watcher's Protocol
    assert queue is live.outbox
    live.ups.results[UPS1] = result(
        "ups", UPS1, Status.IN_TRANSIT, event(1, Status.IN_TRANSIT, "Memphis, TN", at=NIGHT)
    )
    for _ in range(16):  # two days and more without a new scan, a pass every 3.5 hours
        await live.watcher.run_once()
        await live.outbox.send_due()
        live.clock.advance(hours=3.5)
    bodies = [post["Body"] for post in twilio.fake.posts()]
    assert len(bodies) == 2 and bodies[0].startswith("Order 1001 has shipped with UPS")
    assert bodies[1] == (
        "Order 1001: Sorry, no new scan from UPS since Tue Nov 25. Last seen near Memphis, TN. "
        "We're on it. Use SORRY10 for 10% off your next order."
    )
    assert await live.store.trigger_states(1) == {"shipped": "sent", "stalled": "sent"}


class DiesAfter:
    """The real outbox, but the process "dies" right after the n-th message is stored."""

    def __init__(self, outbox: Outbox, count: int) -> None:
        self.outbox, self.left = outbox, count

    async def enqueue(self, **message: Any) -> bool:
        queued = await self.outbox.enqueue(**message)
        self.left -= 1
        if self.left == 0:
            raise KeyboardInterrupt("killed between the outbox and the trigger record")
        return queued

    async def send_due(self) -> int:
        return await self.outbox.send_due()


async def test_killed_mid_pass_with_the_real_outbox(live: Live, twilio: FakeTwilioServer) -> None:
    numbers = [f"1Z999AA1{n:010d}" for n in range(5)]
    await live.store.upsert_orders(
        [  # one phone each: the daily cap (3 per recipient) is not what this test is about
            order(f"20{n}", ("ups", number), phone=f"+1202555011{n}", shipped=NIGHT)
            for n, number in enumerate(numbers)
        ]
    )
    for number in numbers:
        live.ups.results[number] = result(
            "ups", number, Status.IN_TRANSIT, event(1, Status.IN_TRANSIT, at=NIGHT)
        )
    live.clock.advance(hours=12)
    dying = watcher(
        live.settings, live.store, live.ups, DiesAfter(live.outbox, 2), live.http, live.clock
    )
    with pytest.raises(KeyboardInterrupt):
        await dying.run_once()
    await live.restart()
    await live.watcher.run_once()
    assert await live.outbox.send_due() == 6
    live.clock.advance(hours=4)
    await live.watcher.run_once()
    assert await live.outbox.send_due() == 0
    bodies = sorted(post["Body"].split(" has shipped")[0] for post in twilio.fake.posts())
    assert bodies == sorted(["Order 1001", *(f"Order 20{n}" for n in range(5))])


# `smsbot watch --once`, a real process, against the real adapters and a fake carrier host.

ORDERS = {
    "5001": ("ups", UPS_NUMBER),
    "5002": ("fedex", FEDEX_NUMBER),
    "5003": ("usps", USPS_NUMBER),
    "5004": ("dhl", DHL_NUMBER),
}
PHONES = {
    "5001": "(202) 555-0101",
    "5002": "(202) 555-0102",
    "5003": "(202) 555-0103",
    "5004": "(202) 555-0104",
}


@pytest.fixture(params=E2E_BACKENDS)
def cron_dir(
    tmp_path: Path,
    fake: Fake,  # noqa: F811
    twilio: FakeTwilioServer,
    request: pytest.FixtureRequest,
) -> Path:
    credentials = {
        "ups": f'client_id = "{CLIENT_ID}"\nclient_secret = "{CLIENT_SECRET}"',
        "fedex": f'client_id = "{CLIENT_ID}"\nclient_secret = "{CLIENT_SECRET}"',
        "usps": f'client_id = "{CLIENT_ID}"\nclient_secret = "{CLIENT_SECRET}"',
        "dhl": f'api_key = "{DHL_API_KEY}"',
    }
    carriers = "".join(
        f'\n[carriers.{name}]\nbase_url = "{fake.url}"\n{secret}\nrequests_per_second = 100\n'
        for name, secret in credentials.items()
    )
    (tmp_path / "smsbot.toml").write_text(
        f"""
[twilio]
account_sid = "{ACCOUNT_SID}"
auth_token = "{AUTH_TOKEN}"
from_number = "{SENDER}"
api_base_url = "{twilio.url}"

{store_table(request.param, str(tmp_path / "bot.db"))}
[bot]
brand = "Acme Outfitters"
timezone = "America/New_York"

[watch]
quiet_hours = ""
{carriers}""",
        encoding="utf-8",
    )
    rows = "".join(
        f"{number},{PHONES[number]},,11201,Pat Lee,{carrier},{tracking},outbound\n"
        for number, (carrier, tracking) in ORDERS.items()
    )
    (tmp_path / "orders.csv").write_text(
        "order_number,phone,email,postal_code,name,carrier,tracking_number,kind\n" + rows,
        encoding="utf-8",
    )
    imported = smsbot("import-orders", "orders.csv", cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    return tmp_path


def test_watch_once_end_to_end(cron_dir: Path, fake: Fake, twilio: FakeTwilioServer) -> None:  # noqa: F811
    first = smsbot("watch", "--once", "--config", str(cron_dir / "smsbot.toml"), cwd=cron_dir)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("watch: 4 shipments checked"), first.stdout
    assert "4 messages queued" in first.stdout and "0 failures" in first.stdout
    assert "4 sent" in first.stdout
    posts = twilio.fake.posts()
    assert sorted(post["To"] for post in posts) == [f"+1202555010{n}" for n in range(1, 5)]
    for post in posts:
        assert post["From"] == SENDER
        assert any(post["Body"].startswith(f"Order {number}") for number in ORDERS), post["Body"]
    counts = fake.counts()
    assert {carrier: kinds["track"] for carrier, kinds in counts.items()} == {
        "ups": 1,
        "fedex": 1,
        "usps": 1,
        "dhl": 1,
    }
    for secret in (CLIENT_SECRET, DHL_API_KEY, AUTH_TOKEN, "2025550101"):
        assert secret not in first.stderr and secret not in first.stdout

    again = smsbot("watch", "--once", "--config", str(cron_dir / "smsbot.toml"), cwd=cron_dir)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("watch: 0 shipments checked"), again.stdout
    assert len(twilio.fake.posts()) == 4
    assert fake.counts() == counts
