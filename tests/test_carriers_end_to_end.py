"""The four real carrier adapters end to end: `smsbot serve` texted with signed webhooks,
asking UPS, FedEx, USPS and DHL on a local fake of their APIs (tests/fakecarriers.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from tests.conftest import sms_form
from tests.fakecarriers import CLIENT_ID, CLIENT_SECRET, DHL_API_KEY, create_app
from tests.served import served
from tests.test_end_to_end import OWNER, TOKEN, free_port, message, smsbot, text

STRANGER = "+12025550199"

UPS_NUMBER = "1Z999AA10123456784"
FEDEX_NUMBER = "794843185271"
USPS_NUMBER = "9400109104250532908587"
DHL_NUMBER = "1234567890"

#: order number -> [(carrier, tracking number)], all texted from OWNER's phone.
ORDERS: dict[str, list[tuple[str, str]]] = {
    "4001": [("ups", UPS_NUMBER)],
    "4002": [("fedex", FEDEX_NUMBER)],
    "4003": [("usps", USPS_NUMBER)],
    "4004": [("dhl", DHL_NUMBER)],
    "4005": [("ups", "1Z5R89390357567127"), ("fedex", "794843185280")],
    # More UPS orders, so that five texts make five UPS tracking calls.
    "4006": [("ups", "1Z999AA10123456791")],
    "4007": [("ups", "1Z999AA10123456802")],
    "4008": [("ups", "1Z999AA10123456813")],
}
UPS_ORDERS = ("4001", "4005", "4006", "4007", "4008")

Counts = dict[str, dict[str, int]]


@dataclass(frozen=True)
class Fake:
    url: str

    def counts(self) -> Counts:
        answer = httpx.get(self.url + "/_counts", timeout=5)
        answer.raise_for_status()
        counts: Counts = answer.json()
        return counts


@dataclass(frozen=True)
class Bot:
    url: str
    config: Path
    fake: Fake

    def ask(self, body: str, sender: str = OWNER) -> str:
        reply = message(text(self.url, sms_form(body, sender=sender)))
        assert reply is not None
        return reply


@pytest.fixture
def fake() -> Iterator[Fake]:
    """The fake carriers, served by uvicorn in a thread on 127.0.0.1."""
    port = free_port()
    config = uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="fake-carriers", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive(), "the fake carrier server stopped"
        assert time.monotonic() < deadline, "the fake carrier server did not start"
        time.sleep(0.01)
    try:
        yield Fake(f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def workdir(tmp_path: Path, fake: Fake) -> tuple[Path, int]:
    """A configuration naming the fake as every carrier's host, and the orders imported."""
    port = free_port()
    carriers = "".join(
        f"""
[carriers.{name}]
base_url = "{fake.url}"
{credentials}
requests_per_second = 100
"""
        for name, credentials in (
            ("ups", f'client_id = "{CLIENT_ID}"\nclient_secret = "{CLIENT_SECRET}"'),
            ("fedex", f'client_id = "{CLIENT_ID}"\nclient_secret = "{CLIENT_SECRET}"'),
            ("usps", f'client_id = "{CLIENT_ID}"\nclient_secret = "{CLIENT_SECRET}"'),
            ("dhl", f'api_key = "{DHL_API_KEY}"'),
        )
    )
    (tmp_path / "smsbot.toml").write_text(
        f"""
[server]
public_url = "http://127.0.0.1:{port}"
port = {port}

[twilio]
auth_token = "{TOKEN}"

[store]
path = "{tmp_path / "bot.db"}"

[bot]
brand = "Acme Outfitters"
support_contact = "help@acme.example"
timezone = "America/New_York"
# One stranger texts all eight orders within seconds: above the default limits (6 messages
# a minute; bare numbers after the postal-code question count as wrong answers).
max_messages_per_minute = 60
max_verify_attempts = 20
{carriers}""",
        encoding="utf-8",
    )
    rows = [
        f"{order},(202) 555-0123,pat@example.com,11201,Pat Lee,{carrier},{number},outbound\n"
        for order, shipments in ORDERS.items()
        for carrier, number in shipments
    ]
    (tmp_path / "orders.csv").write_text(
        "order_number,phone,email,postal_code,name,carrier,tracking_number,kind\n" + "".join(rows),
        encoding="utf-8",
    )
    imported = smsbot("import-orders", "orders.csv", cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert f"{len(ORDERS)} orders ({len(ORDERS)} new, 0 updated)" in imported.stdout
    return tmp_path, port


@pytest.fixture
def bot(workdir: tuple[Path, int], fake: Fake) -> Iterator[Bot]:
    """`smsbot serve` on 127.0.0.1, its carriers pointed at the fake."""
    path, port = workdir
    with served(path, port, never_logged=(CLIENT_SECRET, DHL_API_KEY, OWNER)) as base:
        yield Bot(base, path / "smsbot.toml", fake)


def test_each_carrier_answers_with_its_fixture_status(bot: Bot) -> None:
    tracked: dict[str, int] = {}
    for order, name in (("4001", "UPS"), ("4002", "FedEx"), ("4003", "USPS"), ("4004", "DHL")):
        reply = bot.ask(f"order {order}")
        # Every fixture served is an in-transit one; its ETA is long past by now.
        assert reply.startswith(f"Order {order}: In transit with {name}, "), reply
        ((carrier, _number),) = ORDERS[order]
        tracked[carrier] = 1
        counts = bot.fake.counts()
        assert {c: kinds["track"] for c, kinds in counts.items() if kinds["track"]} == tracked
    counts = bot.fake.counts()
    assert {carrier: kinds["token"] for carrier, kinds in counts.items()} == {
        "ups": 1,
        "fedex": 1,
        "usps": 1,
        "dhl": 0,  # DHL takes an API key, no token
    }


def test_two_carrier_order_lists_both(bot: Bot) -> None:
    reply = bot.ask("where is order 4005?")
    assert reply.startswith("Order 4005, 2 packages: "), reply
    assert "UPS: In transit" in reply and "FedEx: In transit" in reply
    counts = bot.fake.counts()
    assert counts["ups"]["track"] == 1 and counts["fedex"]["track"] == 1


def test_ups_token_is_reused(bot: Bot) -> None:
    for order in UPS_ORDERS:
        assert "UPS" in bot.ask(order)
    counts = bot.fake.counts()
    assert counts["ups"] == {"token": 1, "track": len(UPS_ORDERS)}


def test_second_text_is_answered_from_the_cache(bot: Bot) -> None:
    first = bot.ask("4002")
    after_first = bot.fake.counts()
    assert after_first["fedex"] == {"token": 1, "track": 1}
    second = bot.ask("#4002")
    assert second == first
    assert bot.fake.counts() == after_first


def test_stranger_gets_no_carrier_data(bot: Bot) -> None:
    for order in ORDERS:
        reply = bot.ask(order, sender=STRANGER)
        for word in ("UPS", "FedEx", "USPS", "DHL", "transit", "arriving"):
            assert word not in reply, reply
    counts = bot.fake.counts()
    assert all(kinds["track"] == 0 for kinds in counts.values()), counts


def test_track_command_prints_the_normalized_status(workdir: tuple[Path, int], fake: Fake) -> None:
    path, _ = workdir
    tracked = smsbot("track", "ups", UPS_NUMBER, "--config", str(path / "smsbot.toml"), cwd=path)
    assert tracked.returncode == 0, tracked.stderr
    lines = tracked.stdout.splitlines()
    assert lines[0] == f"UPS {UPS_NUMBER}: in_transit"
    assert "carrier says: On the Way [005]" in tracked.stdout
    assert fake.counts()["ups"] == {"token": 1, "track": 1}


def test_fake_refuses_tracking_without_credentials(fake: Fake) -> None:
    assert httpx.get(f"{fake.url}/api/track/v1/details/{UPS_NUMBER}").status_code == 401
    wrong = {"Authorization": "Bearer not-issued"}
    assert (
        httpx.get(f"{fake.url}/tracking/v3/tracking/{USPS_NUMBER}", headers=wrong).status_code
        == 401
    )
    assert httpx.post(f"{fake.url}/track/v1/trackingnumbers", json={}).status_code == 401
    dhl = httpx.get(f"{fake.url}/track/shipments", params={"trackingNumber": DHL_NUMBER})
    assert dhl.status_code == 401
    assert {carrier: kinds["track"] for carrier, kinds in fake.counts().items()} == {
        "ups": 1,
        "fedex": 1,
        "usps": 1,
        "dhl": 1,
    }
