"""Shopify's return webhooks live through the real app: each names a return, the inbox
fetches it (status, order, label tracking) from a fake Admin GraphQL API on 127.0.0.1, and
its label becomes a return leg of the order; a cancelled return removes it; a return of an
order never seen waits for the order; without an access token it is flagged, said why."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from smsbot.config import Settings
from smsbot.orders.model import Leg
from smsbot.shops.inbox import ShopInbox
from smsbot.store import InboxState, open_store
from smsbot.web.app import create_app
from tests.conftest import PUBLIC_URL, SettingsFactory
from tests.shops.conftest import SHOP, SHOPIFY_SECRET, fixture, inbox, post_shopify, stored
from tests.shops.fakeshopify import ACCESS_TOKEN, FakeShopify, serve_fake_shopify

RETURN = "gid://shopify/Return/5577929112"
LABEL = "9202090153540022445566"


def return_node(status: str, *, label: bool) -> dict[str, Any]:
    """The Return as the Admin GraphQL API answers `return(id:)`, with or without a label."""
    deliveries: list[dict[str, Any]] = []
    if label:
        tracking = {
            "carrierName": "USPS",
            "number": LABEL,
            "url": f"https://tools.usps.com/go/TrackConfirmAction?tLabels={LABEL}",
        }
        deliverable = {"__typename": "ReverseDeliveryShippingDeliverable", "tracking": tracking}
        deliveries.append({"deliverable": deliverable})
    return {
        "id": RETURN,
        "name": "#4021-R1",
        "status": status,
        "order": {
            "id": "gid://shopify/Order/5830458785943",
            "legacyResourceId": "5830458785943",
            "name": "#4021",
        },
        "reverseFulfillmentOrders": {
            "nodes": [{"reverseDeliveries": {"nodes": deliveries}}],
        },
    }


@pytest.fixture
def fake() -> FakeShopify:
    return FakeShopify()


@pytest.fixture
def returns_settings(make_settings: SettingsFactory, fake: FakeShopify) -> Iterator[Settings]:
    with serve_fake_shopify(fake) as url:
        yield make_settings(
            bot={"verify": "phone"},
            shopify={
                "webhook_secret": SHOPIFY_SECRET,
                "shop": SHOP,
                "access_token": ACCESS_TOKEN,
                "admin_url": url,
            },
        )


@pytest.fixture
def app(returns_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(returns_settings), base_url=PUBLIC_URL) as client:
        yield client


def return_legs(settings: Settings) -> list[tuple[str, str]]:
    order = stored(settings, "4021")
    assert order is not None
    return [(s.carrier, s.tracking_number) for s in order.shipments if s.kind is Leg.RETURN]


def test_a_return_label_becomes_a_return_leg_and_a_cancel_removes_it(
    app: TestClient, returns_settings: Settings, fake: FakeShopify
) -> None:
    post_shopify(app, "orders/create", fixture("shopify/order.json"))
    post_shopify(app, "fulfillments/create", fixture("shopify/fulfillment.json"))

    fake.returns[RETURN] = return_node("OPEN", label=False)  # approved, no label yet
    assert post_shopify(app, "returns/approve", fixture("shopify/returns_approve.json"))
    assert return_legs(returns_settings) == []

    fake.returns[RETURN] = return_node("OPEN", label=True)
    answer = post_shopify(
        app, "reverse_deliveries/attach_deliverable", fixture("shopify/reverse_delivery.json")
    )
    assert answer.status_code == 200
    assert return_legs(returns_settings) == [("usps", LABEL)]
    order = stored(returns_settings, "4021")
    assert order is not None and [s.tracking_number for s in order.shipments] == [
        "DEMO1001",
        LABEL,
    ]
    assert fake.return_fetches == [RETURN, RETURN]

    fake.returns[RETURN] = return_node("CANCELED", label=True)
    cancelled = fixture("shopify/returns_approve.json")
    cancelled["status"] = "canceled"
    post_shopify(app, "returns/cancel", cancelled)
    assert return_legs(returns_settings) == []
    assert inbox(returns_settings) == []


def test_a_return_of_an_order_never_seen_waits_for_it(
    app: TestClient, returns_settings: Settings, fake: FakeShopify
) -> None:
    fake.returns[RETURN] = return_node("OPEN", label=True)
    post_shopify(
        app, "reverse_deliveries/attach_deliverable", fixture("shopify/reverse_delivery.json")
    )
    [waiting] = inbox(returns_settings)
    assert waiting.note is not None and "waiting for shopify order 5830458785943" in waiting.note

    post_shopify(app, "orders/create", fixture("shopify/order.json"))
    assert return_legs(returns_settings) == [("usps", LABEL)]
    assert inbox(returns_settings) == []


def test_a_return_the_shop_does_not_know_is_flagged(
    app: TestClient, returns_settings: Settings, fake: FakeShopify
) -> None:
    post_shopify(app, "orders/create", fixture("shopify/order.json"))
    post_shopify(app, "returns/approve", fixture("shopify/returns_approve.json"))
    [flagged] = inbox(returns_settings)
    assert flagged.note is not None and "not known to the shop" in flagged.note


def test_without_an_access_token_a_return_is_flagged_with_the_reason(
    shop: TestClient, shop_settings: Settings
) -> None:
    post_shopify(shop, "orders/create", fixture("shopify/order.json"))
    assert post_shopify(shop, "returns/approve", fixture("shopify/returns_approve.json"))
    [flagged] = inbox(shop_settings)
    assert flagged.note is not None and "access_token" in flagged.note
    assert "read_returns" in flagged.note


def test_a_throttled_fetch_leaves_the_return_pending_for_the_loop(
    app: TestClient, returns_settings: Settings, fake: FakeShopify
) -> None:
    post_shopify(app, "orders/create", fixture("shopify/order.json"))
    fake.returns[RETURN] = return_node("OPEN", label=True)
    fake.fail_next_429(1)
    post_shopify(app, "returns/approve", fixture("shopify/returns_approve.json"))

    async def counts_then_drain() -> tuple[int, int]:
        async with await open_store(returns_settings.store.url) as store:
            pending = (await store.inbox_counts())[InboxState.PENDING]
            done = await ShopInbox(store, returns_settings).drain()
            return pending, done

    assert asyncio.run(counts_then_drain()) == (1, 1)
    assert return_legs(returns_settings) == [("usps", LABEL)]
