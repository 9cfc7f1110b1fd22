"""Shop webhook fixtures: the app with Shopify and WooCommerce secrets, signed posts."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from starlette.testclient import TestClient

from smsbot.config import Settings
from smsbot.orders.model import Order
from smsbot.shops.signatures import sign
from smsbot.store import InboxEvent, InboxState, open_store
from smsbot.web.app import create_app
from tests.conftest import PUBLIC_URL, SettingsFactory

FIXTURES = Path(__file__).parent / "fixtures"
SHOPIFY_SECRET = "shpss_0123456789abcdef0123456789abcdef"
WOO_SECRET = "wc-webhook-secret-0123"
SHOP = "acme-outfitters.myshopify.com"


def fixture(name: str) -> dict[str, Any]:
    """A fresh copy of a payload fixture (tests change their copy)."""
    return copy.deepcopy(json.loads((FIXTURES / name).read_text(encoding="utf-8")))


@pytest.fixture
def shop_settings(make_settings: SettingsFactory) -> Settings:
    return make_settings(
        bot={"verify": "phone"},
        shopify={"webhook_secret": SHOPIFY_SECRET, "shop": SHOP},
        woocommerce={"webhook_secret": WOO_SECRET, "url": "https://woo.example"},
    )


@pytest.fixture
def shop(shop_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(shop_settings), base_url=PUBLIC_URL) as client:
        yield client


_ids = iter(range(1, 1_000_000))


def post_shopify(
    client: TestClient,
    topic: str,
    payload: object,
    *,
    webhook_id: str | None = None,
    secret: str = SHOPIFY_SECRET,
    raw: bytes | None = None,
) -> httpx.Response:
    """POST a webhook as Shopify signs it."""
    body = raw if raw is not None else json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": sign(secret, body),
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-API-Version": "2025-01",
        "X-Shopify-Webhook-Id": webhook_id or f"b54557e4-bdd9-4b37-8a5f-{next(_ids):012d}",
        "X-Shopify-Triggered-At": "2024-11-21T14:02:11.123Z",
    }
    return client.post("/webhooks/shopify", content=body, headers=headers)


def inbox(settings: Settings) -> list[InboxEvent]:
    """Every event of the store's inbox that is not pending, flagged first."""

    async def read() -> list[InboxEvent]:
        async with await open_store(settings.store.url) as store:
            flagged = await store.flagged_inbox()
            counts = await store.inbox_counts()
            assert counts[InboxState.PENDING] == 0, "an event was left pending"
            return flagged

    return asyncio.run(read())


def stored(settings: Settings, number: str) -> Order | None:
    """The order as the app's store holds it now."""

    async def read() -> Order | None:
        async with await open_store(settings.store.url) as store:
            return await store.get_order(number)

    return asyncio.run(read())
