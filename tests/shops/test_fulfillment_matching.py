"""Fulfillments matched to their order by `order_id` through the shop-order map, and a
fulfillment whose order was never seen waiting in the inbox until the order arrives (the
real app, signed bodies)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner
from starlette.testclient import TestClient

from smsbot.cli import main
from smsbot.config import Settings
from tests.conftest import post_sms, reply_text, sms_form
from tests.shops.conftest import SHOP, SHOPIFY_SECRET, fixture, inbox, post_shopify, stored
from tests.shops.fakeshopify import ACCESS_TOKEN, FakeShopify, order_node, serve_fake_shopify

PHONE = "+12025550142"


def prefixed(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The order and its fulfillment as a shop whose order names have a prefix with a space
    ("ACME 4021") sends them: the name fails the order-number rule, `order_number` passes,
    and the fulfillment's name ("ACME 4021.1") says nothing usable."""
    order = fixture("shopify/order.json")
    order["name"] = name
    fulfillment = fixture("shopify/fulfillment.json")
    fulfillment["name"] = f"{name}.1"
    return order, fulfillment


def check_output(settings: Settings, tmp_path: Path) -> str:
    config = tmp_path / "check.toml"
    config.write_text(
        f'[store]\npath = "{settings.store.path}"\n[twilio]\nvalidate_signature = false\n'
        "[carriers.demo]\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["check", "--config", str(config)])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_fulfillment_is_matched_by_order_id_not_by_name(
    shop: TestClient, shop_settings: Settings
) -> None:
    order, fulfillment = prefixed("ACME 4021")
    assert post_shopify(shop, "orders/create", order).status_code == 200
    assert post_shopify(shop, "fulfillments/create", fulfillment).status_code == 200

    kept = stored(shop_settings, "4021")
    assert kept is not None and [s.tracking_number for s in kept.shipments] == ["DEMO1001"]
    assert inbox(shop_settings) == []  # nothing flagged, nothing waiting
    reply = reply_text(post_sms(shop, sms_form("4021", sender=PHONE)))
    assert reply is not None and "4021" in reply and "en camino" in reply, reply


def test_a_fulfillment_before_its_order_waits_then_is_applied(
    shop: TestClient, shop_settings: Settings, tmp_path: Path
) -> None:
    order, fulfillment = prefixed("ACME 4021")
    order["customer_locale"] = "en"
    answer = post_shopify(shop, "fulfillments/create", fulfillment, webhook_id="early-ful-1")
    assert answer.status_code == 200

    [waiting] = inbox(shop_settings)
    assert waiting.note is not None and "waiting for shopify order 5830458785943" in waiting.note
    assert stored(shop_settings, "4021") is None
    listed = check_output(shop_settings, tmp_path)
    line = next(x for x in listed.splitlines() if "early-ful-1" in x)
    assert "acme-outfitters.myshopify.com" in line and "fulfillments/create" in line
    assert "order 5830458785943" in line and "waiting" in line

    assert post_shopify(shop, "orders/create", order).status_code == 200
    kept = stored(shop_settings, "4021")
    assert kept is not None and [s.tracking_number for s in kept.shipments] == ["DEMO1001"]
    assert inbox(shop_settings) == []  # released and applied: no longer flagged
    reply = reply_text(post_sms(shop, sms_form("4021", sender=PHONE)))
    assert reply is not None and "In transit" in reply, reply


def test_without_the_map_the_name_still_matches(shop: TestClient, shop_settings: Settings) -> None:
    """An order stored before the map existed (here: from the fulfillment alone, as before)
    is still found by the fulfillment's name; a second fulfillment joins it."""
    assert post_shopify(shop, "fulfillments/create", fixture("shopify/fulfillment.json"))
    second = fixture("shopify/fulfillment.json")
    second.update(id=4927831146648, name="#4021.2", tracking_numbers=["DEMO1005"])
    second["order_id"] = 5830458785000  # an id the map never saw
    post_shopify(shop, "fulfillments/create", second)
    kept = stored(shop_settings, "4021")
    assert kept is not None
    assert [s.tracking_number for s in kept.shipments] == ["DEMO1001", "DEMO1005"]
    assert inbox(shop_settings) == []


def test_a_fulfillment_without_order_id_or_usable_name_is_flagged(
    shop: TestClient, shop_settings: Settings
) -> None:
    _order, fulfillment = prefixed("ACME 4021")
    del fulfillment["order_id"]
    post_shopify(shop, "fulfillments/create", fulfillment)
    [flagged] = inbox(shop_settings)
    assert flagged.note is not None and "name" in flagged.note and "waiting" not in flagged.note


def test_a_sync_brings_the_order_a_waiting_fulfillment_needs(
    shop: TestClient, shop_settings: Settings, tmp_path: Path
) -> None:
    """The order arrives by `smsbot shopify sync` (fake Admin API): the fulfillment that
    waited for it is applied by the same command."""
    fulfillment = fixture("shopify/fulfillment.json")
    fulfillment.update(name="ACME 5000.1", order_id=6_000_000, tracking_numbers=["DEMO1003"])
    post_shopify(shop, "fulfillments/create", fulfillment)
    [waiting] = inbox(shop_settings)
    assert "waiting for shopify order 6000000" in (waiting.note or "")

    fake = FakeShopify(orders=[order_node(0)])  # order #5000, Shopify id 6000000
    with serve_fake_shopify(fake) as url:
        config = tmp_path / "sync.toml"
        config.write_text(
            f'[store]\npath = "{shop_settings.store.path}"\n'
            f'[shopify]\nshop = "{SHOP}"\naccess_token = "{ACCESS_TOKEN}"\n'
            f'admin_url = "{url}"\nwebhook_secret = "{SHOPIFY_SECRET}"\n[carriers.demo]\n',
            encoding="utf-8",
        )
        state = tmp_path / "state.json"
        args = ["shopify", "sync", "--since", "2024-10-01", "--state", str(state)]
        result = CliRunner().invoke(main, [*args, "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "1 waiting webhooks released; 1 pending webhooks processed" in result.output
    order = stored(shop_settings, "5000")
    assert order is not None
    assert sorted(s.tracking_number for s in order.shipments) == ["DEMO1001", "DEMO1003"]
    assert inbox(shop_settings) == []
