"""`smsbot shopify sync` against a fake Admin GraphQL API on 127.0.0.1 that enforces the cost
bucket and 429 Retry-After: pagination, throttling within the bucket, resuming, and the
webhook subscriptions."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from smsbot.config import Settings
from smsbot.orders.model import Leg
from smsbot.shops.inbox import sourcing
from smsbot.shops.shopify_setup import register_webhooks
from smsbot.shops.shopify_sync import ShopifySync, SyncError
from smsbot.store import open_store
from tests.conftest import SettingsFactory
from tests.shops.fakeshopify import ACCESS_TOKEN, FakeShopify, order_node, serve_fake_shopify

SINCE = datetime(2024, 10, 1, tzinfo=UTC)


def shop_settings(make_settings: SettingsFactory, url: str, token: str = ACCESS_TOKEN) -> Settings:
    return make_settings(
        shopify={
            "shop": "acme-outfitters.myshopify.com",
            "access_token": token,
            "admin_url": url,
            "api_version": "2025-01",
        }
    )


async def sync(settings: Settings, state: Path, *, page: int = 100) -> tuple[int, float, int]:
    """Run one sync; (orders applied, seconds waited for the bucket, orders stored)."""
    async with await open_store(settings.store.url) as store, httpx.AsyncClient() as http:
        runner = ShopifySync(
            settings.shopify,
            store,
            sourcing(settings, "shopify"),
            http,
            state_path=state,
            page=page,
        )
        report = await runner.run(SINCE)
        return report.applied, report.waited_s, await store.count_orders()


async def test_ten_thousand_orders_stay_within_the_bucket(
    make_settings: SettingsFactory, tmp_path: Path
) -> None:
    # Shopify's standard bucket (1000 points), restoring fast enough for a test to finish:
    # 40 pages asking 752 points each, taking 502, with the store's writes in between.
    fake = FakeShopify(orders=[order_node(i) for i in range(10_000)], restore_rate=1000.0)
    with serve_fake_shopify(fake) as url:
        settings = shop_settings(make_settings, url)
        applied, _waited, stored = await sync(settings, tmp_path / "sync.json", page=250)
    assert applied == stored == 10_000
    assert fake.throttled == 0 and fake.over_cost == 0
    assert fake.lowest >= 0  # the bucket never went below empty
    assert fake.queries == 40  # no query was refused and retried
    assert not (tmp_path / "sync.json").exists()  # done: nothing to resume


async def test_throttled_and_429_answers_are_waited_out(
    make_settings: SettingsFactory, tmp_path: Path
) -> None:
    fake = FakeShopify(orders=[order_node(i) for i in range(30)], restore_rate=20.0)
    fake.fail_next_429(1, retry_after="0.2")
    with serve_fake_shopify(fake) as url:
        settings = shop_settings(make_settings, url)
        fake.available, fake.at = 0.0, time.monotonic()  # an empty bucket (32 points a page)
        applied, waited, _ = await sync(settings, tmp_path / "sync.json", page=10)
    assert applied == 30
    assert fake.throttled == 1  # the first query met the empty bucket; then the client knew
    assert waited >= 0.2 + 1.0  # the 429's Retry-After, then the bucket's refill
    assert fake.lowest >= 0


async def test_an_interrupted_sync_resumes_at_its_cursor(
    make_settings: SettingsFactory, tmp_path: Path
) -> None:
    fake = FakeShopify(orders=[order_node(i) for i in range(25)], restore_rate=10_000.0)
    state = tmp_path / "sync.json"
    with serve_fake_shopify(fake) as url:
        settings = shop_settings(make_settings, url)
        fake.fail_next_429(0)
        original = fake.answer

        calls = 0

        def crash_on_third(body: dict[str, object]) -> tuple[int, dict[str, object]]:
            nonlocal calls
            calls += 1
            if calls == 3:
                return 200, {"errors": [{"message": "Internal error"}]}
            return original(body)

        fake.answer = crash_on_third  # type: ignore[method-assign]
        with pytest.raises(SyncError):
            await sync(settings, state, page=10)
        assert state.exists()
        fake.answer = original  # type: ignore[method-assign]
        before = fake.queries
        applied, _, stored = await sync(settings, state, page=10)
    assert stored == 25 and applied == 5  # only the last page was asked again
    assert fake.queries - before == 1


async def test_a_refused_token_stops_the_sync(
    make_settings: SettingsFactory, tmp_path: Path
) -> None:
    fake = FakeShopify(orders=[order_node(0)])
    with serve_fake_shopify(fake) as url:
        settings = shop_settings(make_settings, url, token="shpat_wrong")
        with pytest.raises(SyncError, match="refused"):
            await sync(settings, tmp_path / "sync.json")


async def test_register_webhooks_subscribes_every_topic(
    make_settings: SettingsFactory, tmp_path: Path
) -> None:
    fake = FakeShopify()
    with serve_fake_shopify(fake) as url:
        settings = shop_settings(make_settings, url)
        async with httpx.AsyncClient() as http:
            made = await register_webhooks(settings.shopify, http, "https://bot.example.com")
    topics = {item["topic"] for item in fake.subscriptions}
    assert topics == {
        "ORDERS_CREATE",
        "ORDERS_UPDATED",
        "ORDERS_CANCELLED",
        "FULFILLMENTS_CREATE",
        "FULFILLMENTS_UPDATE",
        "RETURNS_APPROVE",
        "RETURNS_UPDATE",
        "RETURNS_CANCEL",
        "RETURNS_DECLINE",
        "REVERSE_DELIVERIES_ATTACH_DELIVERABLE",
    }
    assert {item["url"] for item in fake.subscriptions} == {
        "https://bot.example.com/webhooks/shopify"
    }
    assert len(made.subscribed) == 10 and made.skipped == {}


async def test_return_topics_refused_for_a_missing_scope_are_reported_not_fatal(
    make_settings: SettingsFactory,
) -> None:
    """An app without `read_returns`: the order topics are subscribed, the return topics
    are reported with Shopify's reason."""
    returns = {"RETURNS_APPROVE", "RETURNS_UPDATE", "RETURNS_CANCEL", "RETURNS_DECLINE"}
    fake = FakeShopify(scope_missing=frozenset(returns | {"REVERSE_DELIVERIES_ATTACH_DELIVERABLE"}))
    with serve_fake_shopify(fake) as url:
        settings = shop_settings(make_settings, url)
        async with httpx.AsyncClient() as http:
            made = await register_webhooks(settings.shopify, http, "https://bot.example.com")
    assert len(made.subscribed) == 5 and "ORDERS_CREATE" in made.subscribed
    assert set(made.skipped) == returns | {"REVERSE_DELIVERIES_ATTACH_DELIVERABLE"}
    assert all("read_returns" in why for why in made.skipped.values())


def _return_node(index: int) -> dict[str, Any]:
    """Order #(5000 + index) with one fulfillment mixing two carriers and two returns: one
    with a USPS return label (open), one declined (its label never travels)."""
    node = order_node(index)
    node["returnStatus"] = "IN_PROGRESS"
    node["fulfillments"][0]["trackingInfo"] = [
        {"company": "UPS", "number": "1Z999AA10123456784", "url": "https://www.ups.com/track"},
        {"company": "FedEx", "number": "123456789012", "url": None},
    ]

    def label(number: str) -> dict[str, object]:
        tracking = {
            "carrierName": "USPS",
            "number": number,
            "url": f"https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
        }
        return {
            "nodes": [
                {
                    "reverseDeliveries": {
                        "nodes": [
                            {
                                "deliverable": {
                                    "__typename": "ReverseDeliveryShippingDeliverable",
                                    "tracking": tracking,
                                    "label": {"publicFileUrl": "https://cdn.shopify.com/label.pdf"},
                                }
                            }
                        ]
                    }
                }
            ]
        }

    node["returns"] = {
        "nodes": [
            {
                "id": "gid://shopify/Return/9001",
                "name": f"#{5000 + index}-R1",
                "status": "OPEN",
                "reverseFulfillmentOrders": label("9434650899560123456789"),
            },
            {
                "id": "gid://shopify/Return/9002",
                "name": f"#{5000 + index}-R2",
                "status": "DECLINED",
                "reverseFulfillmentOrders": label("9434650899560999999999"),
            },
        ]
    }
    return node


async def test_returns_become_return_legs_and_each_number_keeps_its_company(
    make_settings: SettingsFactory, tmp_path: Path
) -> None:
    """Several companies in one fulfillment's trackingInfo: each number is its own
    company's. An order with returns has them fetched apart (cost), and an open return's
    label becomes a return leg; a declined return's does not."""
    fake = FakeShopify(orders=[order_node(0), _return_node(1)], restore_rate=10_000.0)
    with serve_fake_shopify(fake) as url:
        settings = shop_settings(make_settings, url)
        applied, _, _ = await sync(settings, tmp_path / "sync.json")
        async with await open_store(settings.store.url) as store:
            order = await store.get_order("5001")
    assert applied == 2 and fake.return_queries == 1  # only the order with returns
    assert order is not None
    legs = {(s.carrier, s.tracking_number, s.kind) for s in order.shipments}
    assert legs == {
        ("ups", "1Z999AA10123456784", Leg.OUTBOUND),
        ("fedex", "123456789012", Leg.OUTBOUND),
        ("usps", "9434650899560123456789", Leg.RETURN),
    }
