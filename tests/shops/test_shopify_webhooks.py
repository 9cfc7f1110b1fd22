"""POST /webhooks/shopify through the real app: HMAC first, the inbox, replays, topics,
out-of-order deliveries, split shipments, cancellations, and the customer's text after."""

from __future__ import annotations

import asyncio
import logging

import pytest
from starlette.testclient import TestClient

from smsbot.config import Settings
from smsbot.store import InboxState, open_store
from tests.conftest import post_sms, reply_text, sms_form
from tests.shops.conftest import SHOP, fixture, inbox, post_shopify, stored

PHONE = "+12025550142"


def test_a_fulfillment_then_the_customer_texts_and_hears_the_carrier(
    shop: TestClient, shop_settings: Settings
) -> None:
    """The issue's end to end: a signed fulfillments/create, then a text from the order's
    phone with the order number; the reply carries the demo carrier's status."""
    answer = post_shopify(shop, "fulfillments/create", fixture("shopify/fulfillment.json"))
    assert answer.status_code == 200 and answer.json() == {"received": True, "duplicate": False}

    reply = reply_text(post_sms(shop, sms_form("4021", sender=PHONE)))
    assert reply is not None and "4021" in reply and "In transit" in reply, reply
    order = stored(shop_settings, "4021")
    assert order is not None and order.postal_code == "20500" and order.name == "María"
    assert inbox(shop_settings) == []  # nothing flagged, nothing pending


def test_an_order_and_its_split_shipments(shop: TestClient, shop_settings: Settings) -> None:
    assert post_shopify(shop, "orders/create", fixture("shopify/order.json")).status_code == 200
    order = stored(shop_settings, "4021")
    assert order is not None
    assert (order.phone, order.email, order.locale) == (PHONE, "maria.lopez@example.com", "es-MX")
    assert order.shipments == ()

    split = fixture("shopify/fulfillment.json")
    split["tracking_numbers"] = ["DEMO1001", "DEMO1003"]
    post_shopify(shop, "fulfillments/create", split)
    second = fixture("shopify/fulfillment.json")
    second.update(id=4927831146648, name="#4021.2", tracking_numbers=["DEMO1005"])
    post_shopify(shop, "fulfillments/create", second)

    order = stored(shop_settings, "4021")
    assert order is not None and order.phone == PHONE
    assert [s.tracking_number for s in order.shipments] == ["DEMO1001", "DEMO1003", "DEMO1005"]
    reply = reply_text(post_sms(shop, sms_form("4021", sender=PHONE)))
    assert reply is not None and "3 paquetes" in reply, reply  # the order's locale: es-MX


def test_a_bad_or_missing_hmac_is_refused_before_anything(
    shop: TestClient, shop_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    payload = fixture("shopify/order.json")
    with caplog.at_level(logging.WARNING):
        wrong = post_shopify(shop, "orders/create", payload, secret="not-the-secret")
        body = b'{"id": 1}'
        missing = shop.post(
            "/webhooks/shopify",
            content=body,
            headers={"X-Shopify-Topic": "orders/create", "X-Shopify-Shop-Domain": SHOP},
        )
    assert wrong.status_code == missing.status_code == 401
    assert stored(shop_settings, "4021") is None
    assert SHOP in caplog.text and "orders/create" in caplog.text
    assert "maria" not in caplog.text.lower()  # never the body

    async def count() -> int:
        async with await open_store(shop_settings.store.url) as store:
            return sum((await store.inbox_counts()).values())

    assert asyncio.run(count()) == 0


def test_a_replayed_webhook_changes_nothing(shop: TestClient, shop_settings: Settings) -> None:
    payload = fixture("shopify/fulfillment.json")
    first = post_shopify(shop, "fulfillments/create", payload, webhook_id="same-id")
    payload["tracking_numbers"] = ["DEMO1003"]  # a replay carries the same id
    again = post_shopify(shop, "fulfillments/create", payload, webhook_id="same-id")
    assert first.json()["duplicate"] is False and again.json()["duplicate"] is True
    order = stored(shop_settings, "4021")
    assert order is not None and [s.tracking_number for s in order.shipments] == ["DEMO1001"]


def test_out_of_order_updates_resolve_by_updated_at(
    shop: TestClient, shop_settings: Settings
) -> None:
    newer = fixture("shopify/fulfillment.json")
    newer.update(tracking_numbers=["DEMO1003"], updated_at="2024-11-21T12:00:00-05:00")
    older = fixture("shopify/fulfillment.json")  # the create, delivered late
    post_shopify(shop, "fulfillments/update", newer)
    post_shopify(shop, "fulfillments/create", older)
    order = stored(shop_settings, "4021")
    assert order is not None and [s.tracking_number for s in order.shipments] == ["DEMO1003"]

    # A correction replaces the fulfillment's tracking number; a cancel removes it.
    corrected = fixture("shopify/fulfillment.json")
    corrected.update(tracking_numbers=["DEMO1002"], updated_at="2024-11-21T13:00:00-05:00")
    post_shopify(shop, "fulfillments/update", corrected)
    order = stored(shop_settings, "4021")
    assert order is not None and [s.tracking_number for s in order.shipments] == ["DEMO1002"]
    cancelled = fixture("shopify/fulfillment.json")
    cancelled.update(status="cancelled", updated_at="2024-11-21T14:00:00-05:00")
    post_shopify(shop, "fulfillments/update", cancelled)
    order = stored(shop_settings, "4021")
    assert order is not None and order.shipments == ()


def test_an_older_order_update_does_not_undo_a_newer_one(
    shop: TestClient, shop_settings: Settings
) -> None:
    newer = fixture("shopify/order.json")
    newer["updated_at"] = "2024-11-22T08:00:00-05:00"
    newer["shipping_address"]["zip"] = "20501"
    post_shopify(shop, "orders/updated", newer)
    post_shopify(shop, "orders/create", fixture("shopify/order.json"))
    order = stored(shop_settings, "4021")
    assert order is not None and order.postal_code == "20501"


def test_a_cancelled_order_is_said_so(shop: TestClient, shop_settings: Settings) -> None:
    post_shopify(shop, "fulfillments/create", fixture("shopify/fulfillment.json"))
    cancelled = fixture("shopify/order.json")
    cancelled.update(
        cancelled_at="2024-11-21T10:00:00-05:00",
        cancel_reason="customer",
        updated_at="2024-11-21T10:00:00-05:00",
        customer_locale="en",
    )
    post_shopify(shop, "orders/cancelled", cancelled)
    reply = reply_text(post_sms(shop, sms_form("4021", sender=PHONE)))
    assert reply is not None and "cancelled" in reply


def test_malformed_bodies_are_kept_and_flagged_never_a_5xx(
    shop: TestClient, shop_settings: Settings
) -> None:
    assert post_shopify(shop, "orders/create", None, raw=b"{not json").status_code == 200
    nameless = fixture("shopify/order.json")
    del nameless["name"], nameless["order_number"]
    assert post_shopify(shop, "orders/create", nameless).status_code == 200
    unreadable = fixture("shopify/fulfillment.json")
    unreadable["updated_at"] = "yesterday"
    assert post_shopify(shop, "fulfillments/create", unreadable).status_code == 200
    badphone = fixture("shopify/order.json")
    badphone["name"] = "#4022"
    for where in ("shipping_address", "billing_address"):
        badphone[where]["phone"] = "12"
    badphone["customer"]["default_address"]["phone"] = None
    assert post_shopify(shop, "orders/create", badphone).status_code == 200

    notes = sorted(event.note or "" for event in inbox(shop_settings))
    assert len(notes) == 4
    assert any("not JSON" in note for note in notes)
    assert any("no order number" in note for note in notes)
    assert any("updated_at" in note for note in notes)
    assert any("4022 kept without a phone" in note for note in notes)
    # The order with the bad phone is kept: answerable by postal code only.
    kept = stored(shop_settings, "4022")
    assert kept is not None and kept.phone is None and kept.postal_code == "20500"


def test_unknown_topics_are_ignored(shop: TestClient, shop_settings: Settings) -> None:
    answer = post_shopify(shop, "products/update", {"id": 1, "title": "Shoe"})
    assert answer.status_code == 200

    async def counts() -> dict[InboxState, int]:
        async with await open_store(shop_settings.store.url) as store:
            return await store.inbox_counts()

    assert asyncio.run(counts())[InboxState.IGNORED] == 1


def test_an_oversized_body_is_refused(shop: TestClient) -> None:
    answer = post_shopify(shop, "orders/create", None, raw=b" " * (1024 * 1024 + 1))
    assert answer.status_code == 413


def test_shopify_webhooks_off_without_a_secret(client: TestClient) -> None:
    assert post_shopify(client, "orders/create", {"id": 1}).status_code == 404


def test_a_tracking_url_names_the_carrier_when_the_company_does_not(
    shop: TestClient, shop_settings: Settings
) -> None:
    """ "Other" with a number no carrier's format claims: the tracking URL's host (USPS's
    tracking page) names the carrier, per number; without a known host it stays flagged."""
    payload = fixture("shopify/fulfillment.json")
    payload.update(
        tracking_company="Other",
        tracking_numbers=["RX4021A7", "RX4021B9"],
        tracking_url="https://tools.usps.com/go/TrackConfirmAction?tLabels=RX4021A7",
        tracking_urls=[
            "https://tools.usps.com/go/TrackConfirmAction?tLabels=RX4021A7",
            "https://acme-outfitters.example/track/RX4021B9",  # the shop's own page: no hint
        ],
    )
    assert post_shopify(shop, "fulfillments/create", payload).status_code == 200
    order = stored(shop_settings, "4021")
    assert order is not None
    assert [(s.carrier, s.tracking_number) for s in order.shipments] == [("usps", "RX4021A7")]
    [flagged] = inbox(shop_settings)
    assert flagged.note is not None and "RX4021B9" in flagged.note


def test_shopifys_shipment_status_never_overrides_the_carrier(
    shop: TestClient, shop_settings: Settings
) -> None:
    """Shopify's `shipment_status` ("delivered", "failure") is the shop's hint, not
    tracking: the reply still tells what the carrier says, and the shipment is kept."""
    post_shopify(shop, "fulfillments/create", fixture("shopify/fulfillment.json"))
    for status, at in (("delivered", "12:00"), ("failure", "13:00")):
        hint = fixture("shopify/fulfillment.json")
        hint.update(shipment_status=status, updated_at=f"2024-11-21T{at}:00-05:00")
        post_shopify(shop, "fulfillments/update", hint)
        order = stored(shop_settings, "4021")
        assert order is not None and [s.tracking_number for s in order.shipments] == ["DEMO1001"]
        reply = reply_text(post_sms(shop, sms_form("4021", sender=PHONE)))
        assert reply is not None and "In transit" in reply and "elivered" not in reply, reply
