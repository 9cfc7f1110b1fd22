"""AfterShip end to end: `smsbot serve` texted with signed webhooks about Canada Post and Royal
Mail parcels, which `[routing]` sends through the AfterShip adapter to a local fake of its
API (tests/carriers/fake_aftership.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from tests.carriers.fake_aftership import API_KEY, FakeAfterShip, create_app
from tests.conftest import sms_form
from tests.served import served
from tests.test_end_to_end import OWNER, TOKEN, free_port, message, smsbot, text

IN_TRANSIT = "7023210039414604"  # already in the merchant's AfterShip account
NEW = "7023210039414611"  # not yet: the first ask registers it
HELD = "RB123456785GB"  # Royal Mail, held in customs

#: order number -> (carrier, tracking number), all texted from OWNER's phone.
ORDERS = {
    "5001": ("canada_post", IN_TRANSIT),
    "5002": ("canada_post", NEW),
    "5003": ("royal_mail", HELD),
}


@dataclass(frozen=True)
class Fake:
    url: str

    def state(self) -> dict[str, Any]:
        answer = httpx.get(self.url + "/_state", timeout=5)
        answer.raise_for_status()
        state: dict[str, Any] = answer.json()
        return state

    def calls(self) -> dict[str, int]:
        calls: dict[str, int] = self.state()["calls"]
        return calls


@pytest.fixture
def fake() -> Iterator[Fake]:
    """The fake AfterShip, served by uvicorn in a thread on 127.0.0.1."""
    account = FakeAfterShip(
        {("canada-post", IN_TRANSIT): "in_transit", ("royal-mail", HELD): "exception_customs"}
    )
    port = free_port()
    config = uvicorn.Config(create_app(account), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="fake-aftership", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive(), "the fake AfterShip stopped"
        assert time.monotonic() < deadline, "the fake AfterShip did not start"
        time.sleep(0.01)
    try:
        yield Fake(f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def workdir(tmp_path: Path, fake: Fake) -> tuple[Path, int]:
    """A configuration routing Canada Post and Royal Mail through AfterShip; orders imported."""
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
timezone = "America/Vancouver"

[routing]
carriers = {{ canada_post = "aftership", royal_mail = "aftership" }}

[carriers.aftership]
api_key = "{API_KEY}"
base_url = "{fake.url}"
requests_per_second = 100
""",
        encoding="utf-8",
    )
    rows = [
        f"{order},(202) 555-0123,pat@example.com,V6B 1A1,Pat Lee,{carrier},{number},outbound\n"
        for order, (carrier, number) in ORDERS.items()
    ]
    (tmp_path / "orders.csv").write_text(
        "order_number,phone,email,postal_code,name,carrier,tracking_number,kind\n" + "".join(rows),
        encoding="utf-8",
    )
    imported = smsbot("import-orders", "orders.csv", cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    return tmp_path, port


@pytest.fixture
def bot(workdir: tuple[Path, int]) -> Iterator[str]:
    """`smsbot serve` on 127.0.0.1; yields its URL."""
    path, port = workdir
    with served(path, port, never_logged=(API_KEY, OWNER)) as base:
        yield base


def ask(bot: str, body: str) -> str:
    reply = message(text(bot, sms_form(body, sender=OWNER)))
    assert reply is not None
    return reply


def test_a_routed_carrier_is_answered_through_aftership(bot: str, fake: Fake) -> None:
    reply = ask(bot, "order 5001")
    # The fixture's ETA is long past by now, so only the start of the sentence is fixed.
    assert reply.startswith("Order 5001: In transit with Canada Post"), reply
    # The tracking existed: the create said so (4003), then it was found by slug and number.
    assert fake.calls() == {"create": 1, "list": 1}
    assert ask(bot, "#5001") == reply  # from the cache: AfterShip is not asked again
    assert fake.calls() == {"create": 1, "list": 1}


def test_a_new_number_is_registered_once_and_said_to_be_pending(bot: str, fake: Fake) -> None:
    reply = ask(bot, "5002")
    assert reply == "Order 5002: No tracking updates yet from Canada Post.", reply
    trackings = fake.state()["trackings"]
    assert trackings.count(["canada-post", NEW]) == 1


def test_a_customs_hold_is_explained(bot: str, fake: Fake) -> None:
    reply = ask(bot, "5003")
    assert reply.startswith("Order 5003: Delayed by a customs hold"), reply


def test_track_and_check_commands(workdir: tuple[Path, int], fake: Fake) -> None:
    path, _ = workdir
    config = str(path / "smsbot.toml")
    tracked = smsbot("track", "canada_post", IN_TRANSIT, "--config", config, cwd=path)
    assert tracked.returncode == 0, tracked.stderr
    assert tracked.stdout.splitlines()[0] == f"Canada Post (via AfterShip) {IN_TRANSIT}: in_transit"
    checked = smsbot("check", "--config", config, cwd=path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "carrier aftership (AfterShip): credentials accepted (3 carriers" in checked.stdout
    assert API_KEY not in tracked.stdout + tracked.stderr + checked.stdout + checked.stderr


def test_fake_refuses_calls_without_the_key(fake: Fake) -> None:
    answer = httpx.post(
        fake.url + "/tracking/2025-01/trackings", json={"tracking_number": IN_TRANSIT}
    )
    assert answer.status_code == 401
    assert answer.json()["meta"]["code"] == 401
