"""The command line of issue 16: `api new-token`, `check` listing flagged webhooks, and
`inbox flagged` / `inbox retry`."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from click.testing import CliRunner
from starlette.testclient import TestClient

from smsbot.cli import main
from smsbot.config import Settings
from tests.shops.conftest import SHOPIFY_SECRET, fixture, post_shopify, stored


def test_new_token_prints_the_token_once_and_its_digest() -> None:
    result = CliRunner().invoke(main, ["api", "new-token", "--name", "wh", "--scope", "read"])
    assert result.exit_code == 0, result.output
    token = re.search(r"smsbot_\S+", result.output)
    entry = re.search(
        r'\{ name = "wh", token = "sha256:([0-9a-f]{64})", scopes = \["read"\] \}', result.output
    )
    assert token is not None and entry is not None
    assert hashlib.sha256(token.group(0).encode()).hexdigest() == entry.group(1)
    assert result.output.count(token.group(0)) == 1


def test_check_lists_flagged_webhooks(
    shop: TestClient, shop_settings: Settings, tmp_path: Path
) -> None:
    post_shopify(shop, "orders/create", None, raw=b"{not json", webhook_id="broken-1")
    config = tmp_path / "check.toml"
    config.write_text(
        f'[store]\npath = "{shop_settings.store.path}"\n[twilio]\nvalidate_signature = false\n'
        "[carriers.demo]\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["check", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "shop inbox: 0 pending, 0 done, 0 ignored, 1 flagged" in result.output
    assert "flagged shopify orders/create broken-1" in result.output
    assert "not JSON" in result.output


def test_inbox_flagged_then_retry_after_fixing_the_cause(
    shop: TestClient, shop_settings: Settings, tmp_path: Path
) -> None:
    """A carrier name the bot does not know flags the fulfillment; the merchant names it in
    `[shopify] carriers`, lists the flagged events and retries: the shipment is added."""
    fulfillment = fixture("shopify/fulfillment.json")
    fulfillment.update(
        tracking_company="Correos de Mexico",
        tracking_number="CM482913557MX",
        tracking_numbers=["CM482913557MX"],
        tracking_url="https://www.correosdemexico.gob.mx/SSLServicios/SeguimientoEnvio",
        tracking_urls=["https://www.correosdemexico.gob.mx/SSLServicios/SeguimientoEnvio"],
    )
    post_shopify(shop, "fulfillments/create", fulfillment, webhook_id="unknown-carrier")
    config = tmp_path / "inbox.toml"
    config.write_text(
        f'[store]\npath = "{shop_settings.store.path}"\n'
        f'[shopify]\nwebhook_secret = "{SHOPIFY_SECRET}"\n'
        'carriers = { "Correos de Mexico" = "demo" }\n'
        "[carriers.demo]\n",
        encoding="utf-8",
    )
    listed = CliRunner().invoke(main, ["inbox", "flagged", "--config", str(config)])
    assert listed.exit_code == 0, listed.output
    line = next(x for x in listed.output.splitlines() if "unknown-carrier" in x)
    assert "order 5830458785943 (#4021)" in line and "Correos de Mexico" in line
    event_id = line.split()[0].lstrip("#")

    retried = CliRunner().invoke(main, ["inbox", "retry", event_id, "--config", str(config)])
    assert retried.exit_code == 0, retried.output
    assert f"#{event_id}: done: order 4021" in retried.output
    order = stored(shop_settings, "4021")
    assert order is not None
    assert [(s.carrier, s.tracking_number) for s in order.shipments] == [("demo", "CM482913557MX")]

    again = CliRunner().invoke(main, ["inbox", "retry", event_id, "--config", str(config)])
    assert again.exit_code == 2 and "not a flagged event" in again.output
