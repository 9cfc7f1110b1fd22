"""POST /webhooks/woocommerce through the real app: the signature, order.created/updated,
Shipment Tracking items or another meta key, cancellations, the set-up ping."""

from __future__ import annotations

import json
from typing import Any

import httpx2 as httpx
from starlette.testclient import TestClient

from smsbot.config import Settings
from smsbot.shops.signatures import sign
from smsbot.web.app import create_app
from tests.conftest import PUBLIC_URL, SettingsFactory, post_sms, reply_text, sms_form
from tests.shops.conftest import WOO_SECRET, fixture, stored

PHONE = "+12025550161"
_deliveries = iter(range(1, 1_000_000))


def post_woo(
    client: TestClient, topic: str, payload: Any, *, secret: str = WOO_SECRET
) -> httpx.Response:
    body = json.dumps(payload).encode()
    resource, _, event = topic.partition(".")
    headers = {
        "Content-Type": "application/json",
        "X-WC-Webhook-Source": "https://woo.example/",
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Resource": resource,
        "X-WC-Webhook-Event": event,
        "X-WC-Webhook-Signature": sign(secret, body),
        "X-WC-Webhook-ID": "14",
        "X-WC-Webhook-Delivery-ID": str(next(_deliveries)),
    }
    return client.post("/webhooks/woocommerce", content=body, headers=headers)


def test_an_order_with_tracking_items_is_answered(
    shop: TestClient, shop_settings: Settings
) -> None:
    assert post_woo(shop, "order.created", fixture("woocommerce/order.json")).status_code == 200
    order = stored(shop_settings, "727")
    assert order is not None
    assert (order.phone, order.postal_code, order.name) == (PHONE, "94103", "John")
    assert [(s.carrier, s.tracking_number) for s in order.shipments] == [("demo", "DEMO1002")]
    assert order.shipments[0].shipped_at is not None
    reply = reply_text(post_sms(shop, sms_form("727", sender=PHONE)))
    assert reply is not None and "Out for delivery" in reply, reply


def test_updates_replace_tracking_and_older_ones_change_nothing(
    shop: TestClient, shop_settings: Settings
) -> None:
    post_woo(shop, "order.created", fixture("woocommerce/order.json"))
    newer = fixture("woocommerce/order.json")
    newer["date_modified_gmt"] = "2024-11-22T08:00:00"
    newer["meta_data"][1]["value"][0]["tracking_number"] = "DEMO1003"
    post_woo(shop, "order.updated", newer)
    post_woo(shop, "order.updated", fixture("woocommerce/order.json"))  # late and older
    order = stored(shop_settings, "727")
    assert order is not None and [s.tracking_number for s in order.shipments] == ["DEMO1003"]

    cancelled = fixture("woocommerce/order.json")
    cancelled.update(status="cancelled", date_modified_gmt="2024-11-23T08:00:00")
    post_woo(shop, "order.updated", cancelled)
    order = stored(shop_settings, "727")
    assert order is not None and order.cancelled_at is not None


def test_a_bad_signature_is_refused(shop: TestClient, shop_settings: Settings) -> None:
    answer = post_woo(shop, "order.created", fixture("woocommerce/order.json"), secret="wrong")
    assert answer.status_code == 401
    assert stored(shop_settings, "727") is None


def test_the_set_up_ping_is_answered(shop: TestClient) -> None:
    ping = shop.post(
        "/webhooks/woocommerce",
        content=b"webhook_id=14",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert ping.status_code == 200


def test_a_configured_meta_key(make_settings: SettingsFactory) -> None:
    settings = make_settings(
        bot={"verify": "phone"},
        woocommerce={"webhook_secret": WOO_SECRET, "tracking_meta_key": "tracking_number"},
    )
    payload = fixture("woocommerce/order.json")
    payload["meta_data"] = [{"id": 1, "key": "tracking_number", "value": "1Z999AA10123456784"}]
    with TestClient(create_app(settings), base_url=PUBLIC_URL) as client:
        assert post_woo(client, "order.created", payload).status_code == 200
    order = stored(settings, "727")
    assert order is not None
    assert [(s.carrier, s.tracking_number) for s in order.shipments] == [
        ("ups", "1Z999AA10123456784")
    ]
