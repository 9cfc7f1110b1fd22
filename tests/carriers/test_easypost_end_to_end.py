"""EasyPost end to end: `smsbot serve` texted with signed webhooks about orders shipped with
carriers smsbot has no adapter for, routed through EasyPost on a local fake of its API."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from tests.carriers.fake_easypost import API_KEY, FakeEasyPost, create_app
from tests.conftest import sms_form
from tests.served import served
from tests.test_end_to_end import OWNER, TOKEN, free_port, message, smsbot, text

IN_TRANSIT = "C11031500001879"
DELIVERED = "D10011234567890"
ROYAL_MAIL = "AB123456789GB"

#: order number -> (carrier, tracking number), all texted from OWNER's phone.
ORDERS = {
    "5001": ("ontrac", IN_TRANSIT),
    "5002": ("ontrac", DELIVERED),
    "5003": ("royal_mail", ROYAL_MAIL),
}


@dataclass(frozen=True)
class Bot:
    url: str
    fake: FakeEasyPost

    def ask(self, body: str) -> str:
        reply = message(text(self.url, sms_form(body, sender=OWNER)))
        assert reply is not None
        return reply


@pytest.fixture
def fake() -> Iterator[tuple[FakeEasyPost, str]]:
    """The fake EasyPost, served by uvicorn in a thread on 127.0.0.1; and its URL."""
    state = FakeEasyPost({DELIVERED: "delivered_ontrac", ROYAL_MAIL: "in_transit_ontrac"})
    port = free_port()
    config = uvicorn.Config(create_app(state), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="fake-easypost", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive(), "the fake EasyPost stopped"
        assert time.monotonic() < deadline, "the fake EasyPost did not start"
        time.sleep(0.01)
    try:
        yield state, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def workdir(tmp_path: Path, fake: tuple[FakeEasyPost, str]) -> tuple[Path, int]:
    """A configuration routing every carrier without an adapter through EasyPost."""
    _state, url = fake
    port = free_port()
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

[routing]
default = "easypost"

[carriers.easypost]
api_key = "{API_KEY}"
base_url = "{url}"
requests_per_second = 100
codes = {{ royal_mail = "RoyalMailV2" }}
""",
        encoding="utf-8",
    )
    rows = "".join(
        f"{order},(202) 555-0123,pat@example.com,11201,Pat Lee,{carrier},{number},outbound\n"
        for order, (carrier, number) in ORDERS.items()
    )
    (tmp_path / "orders.csv").write_text(
        "order_number,phone,email,postal_code,name,carrier,tracking_number,kind\n" + rows,
        encoding="utf-8",
    )
    imported = smsbot("import-orders", "orders.csv", cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    return tmp_path, port


@pytest.fixture
def bot(workdir: tuple[Path, int], fake: tuple[FakeEasyPost, str]) -> Iterator[Bot]:
    path, port = workdir
    with served(path, port, never_logged=(API_KEY, OWNER)) as base:
        yield Bot(base, fake[0])


def test_an_ontrac_parcel_is_answered_through_easypost(bot: Bot) -> None:
    reply = bot.ask("where is order 5001?")
    # The fixture's ETA is long past by now, so only the start is fixed.
    assert reply.startswith("Order 5001: In transit with OnTrac"), reply
    assert bot.fake.posted == [{"tracking_code": IN_TRANSIT, "carrier": "OnTrac"}]
    assert bot.fake.counts() == {"create": 1, "read": 0}


def test_delivered_parcel_and_the_tracker_is_not_created_twice(bot: Bot) -> None:
    reply = bot.ask("5002")
    # Delivered at 13:05 at the Phoenix address (UTC-7): said on the recipient's clock, not
    # as 4:05 PM in the merchant's New York (issue 13, item 7).
    assert reply.startswith("Order 5002: Delivered Thu May 8"), reply
    assert reply.endswith(" 1:05 PM (back door)."), reply
    assert bot.fake.counts() == {"create": 1, "read": 0}
    assert bot.ask("#5002") == reply  # answered from the cache
    assert bot.fake.counts() == {"create": 1, "read": 0}


def test_codes_table_names_the_carrier_for_easypost(bot: Bot) -> None:
    reply = bot.ask("order 5003")
    assert reply.startswith("Order 5003: In transit with Royal Mail"), reply
    assert bot.fake.posted == [{"tracking_code": ROYAL_MAIL, "carrier": "RoyalMailV2"}]


def test_track_command_asks_through_the_route(
    workdir: tuple[Path, int], fake: tuple[FakeEasyPost, str]
) -> None:
    path, _ = workdir
    tracked = smsbot("track", "ontrac", IN_TRANSIT, cwd=path)
    assert tracked.returncode == 0, tracked.stderr
    lines = tracked.stdout.splitlines()
    assert lines[0] == f"OnTrac (via EasyPost) {IN_TRANSIT}: in_transit", tracked.stdout
    assert "carrier says: Arrived at OnTrac facility [in_transit/arrived_at_facility]" in (
        tracked.stdout
    )
    assert fake[0].counts() == {"create": 1, "read": 0}
