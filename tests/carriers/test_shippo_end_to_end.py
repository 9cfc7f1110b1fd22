"""Shippo end to end: `smsbot serve` texted with signed webhooks about orders whose carriers
(Royal Mail) are routed through Shippo, answered by a local fake of Shippo's API."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.carriers.fake_shippo import API_TOKEN, FakeShippo, serving
from tests.conftest import sms_form
from tests.served import served
from tests.test_end_to_end import OWNER, TOKEN, free_port, message, smsbot, text

ROYAL_MAIL = "RB123456785GB"
DELAYED = "RB000000017GB"

#: order number -> (carrier, tracking number), all texted from OWNER's phone.
ORDERS = {
    "5001": ("royal_mail", ROYAL_MAIL),
    "5002": ("royal_mail", DELAYED),
    "5003": ("shippo", "SHIPPO-DELIVERED"),  # Shippo's test number, as an order file holds it
    "5004": ("canada_post", "CP000000001CA"),  # not routed: nobody serves it
}


@dataclass(frozen=True)
class Setup:
    path: Path
    port: int
    fake_url: str

    def counts(self) -> dict[str, int]:
        answer = httpx.get(self.fake_url + "/_counts", timeout=5)
        answer.raise_for_status()
        counts: dict[str, int] = answer.json()
        return counts

    def cli(self, *args: str) -> tuple[int, str, str]:
        done = smsbot(*args, "--config", str(self.path / "smsbot.toml"), cwd=self.path)
        return done.returncode, done.stdout, done.stderr


def write_config(path: Path, port: int, fake_url: str, extra: str = "") -> None:
    (path / "smsbot.toml").write_text(
        f"""
[server]
public_url = "http://127.0.0.1:{port}"
port = {port}

[twilio]
auth_token = "{TOKEN}"

[store]
path = "{path / "bot.db"}"

[bot]
brand = "Acme Outfitters"
timezone = "Europe/London"

[carriers.shippo]
api_token = "{API_TOKEN}"
base_url = "{fake_url}"
requests_per_second = 100
{extra}
[routing]
carriers = {{ royal_mail = "shippo" }}
""",
        encoding="utf-8",
    )


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    """The fake Shippo running, a configuration routing Royal Mail to it, orders imported."""
    fake = FakeShippo({DELAYED: "delayed_weather"})
    with serving(fake, free_port()) as fake_url:
        port = free_port()
        write_config(tmp_path, port, fake_url)
        rows = [
            f"{order},(202) 555-0123,pat@example.com,SW1A 1AA,Pat Lee,{carrier},{number}\n"
            for order, (carrier, number) in ORDERS.items()
        ]
        (tmp_path / "orders.csv").write_text(
            "order_number,phone,email,postal_code,name,carrier,tracking_number\n" + "".join(rows),
            encoding="utf-8",
        )
        imported = smsbot("import-orders", "orders.csv", cwd=tmp_path)
        assert imported.returncode == 0, imported.stderr
        yield Setup(tmp_path, port, fake_url)


def test_texts_about_routed_orders_are_answered_through_shippo(setup: Setup) -> None:
    with served(setup.path, setup.port, never_logged=(API_TOKEN, OWNER)) as base:

        def ask(body: str) -> str:
            reply = message(text(base, sms_form(body, sender=OWNER)))
            assert reply is not None
            return reply

        first = ask("where is order 5001?")
        # The fixture's ETA is long past by now; the carrier is named as Royal Mail.
        assert first.startswith("Order 5001: In transit with Royal Mail, "), first
        assert setup.counts() == {"royal_mail": 1}

        delayed = ask("5002")
        assert delayed.startswith("Order 5002: Delayed by severe weather near Memphis"), delayed

        delivered = ask("order 5003")
        assert delivered.startswith("Order 5003: Delivered"), delivered

        unrouted = ask("5004")
        assert "can't track this carrier" in unrouted, unrouted

        assert ask("#5001") == first  # from the cache
        assert setup.counts() == {"royal_mail": 2, "shippo": 1}


def test_cli_lists_the_route_checks_the_token_and_tracks(setup: Setup) -> None:
    code, out, err = setup.cli("carriers")
    assert code == 0, err
    assert "royal_mail" in out and "-> shippo" in out

    code, out, err = setup.cli("check")
    assert code == 0, err
    assert "carrier shippo (Shippo): credentials accepted (test token)" in out

    code, out, err = setup.cli("track", "royal_mail", ROYAL_MAIL)
    assert code == 0, err
    assert out.splitlines()[0] == f"Royal Mail (via Shippo) {ROYAL_MAIL}: in_transit"

    code, out, err = setup.cli("track", "shippo", "SHIPPO_RETURNED")
    assert code == 0, err
    assert out.splitlines()[0] == "Shippo SHIPPO_RETURNED: returning"
    assert setup.counts() == {"_check": 1, "royal_mail": 1, "shippo": 1}
    assert API_TOKEN not in out + err


def test_a_wrong_carrier_code_says_how_to_fix_it(setup: Setup) -> None:
    write_config(
        setup.path, setup.port, setup.fake_url, extra='codes = { royal_mail = "royalmail" }'
    )
    code, _, err = setup.cli("track", "royal_mail", ROYAL_MAIL)
    assert code == 1
    assert "carrier code 'royalmail'" in err
    assert 'codes = { royal_mail = "<shippo token>" }' in err
    assert setup.counts() == {"royalmail": 1}
