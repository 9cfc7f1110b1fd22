"""`smsbot woocommerce sync` against a fake /wp-json/wc/v3/orders on 127.0.0.1: Basic auth
with the consumer key, `page`/`per_page`, X-WP-Total and X-WP-TotalPages headers."""

from __future__ import annotations

import base64
import copy
import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from smsbot.shops.inbox import sourcing
from smsbot.shops.shopify_sync import SyncError
from smsbot.shops.woocommerce_sync import sync_woocommerce
from smsbot.store import open_store
from tests.conftest import SettingsFactory
from tests.shops.conftest import fixture
from tests.shops.fakeshopify import serve_app

KEY, SECRET = "ck_0123456789abcdef", "cs_0123456789abcdef"


def orders(count: int) -> list[dict[str, Any]]:
    base = fixture("woocommerce/order.json")
    made = []
    for index in range(count):
        order = copy.deepcopy(base)
        order.update(id=900 + index, number=str(900 + index))
        made.append(order)
    return made


@contextmanager
def fake_woo(stock: list[dict[str, Any]], pages_asked: list[dict[str, str]]) -> Iterator[str]:
    async def listing(request: Request) -> Response:
        expected = "Basic " + base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
        if request.headers.get("authorization") != expected:
            message = "Sorry, you cannot list resources."
            return JSONResponse({"code": "woocommerce_rest_cannot_view", "message": message}, 401)
        pages_asked.append(dict(request.query_params))
        per_page = int(request.query_params.get("per_page", "10"))
        page = int(request.query_params.get("page", "1"))
        chunk = stock[(page - 1) * per_page : page * per_page]
        headers = {
            "X-WP-Total": str(len(stock)),
            "X-WP-TotalPages": str(math.ceil(len(stock) / per_page)),
        }
        return JSONResponse(chunk, headers=headers)

    app = Starlette(routes=[Route("/wp-json/wc/v3/orders", listing)])
    with serve_app(app, "fake-woocommerce") as url:
        yield url


async def test_sync_reads_every_page(make_settings: SettingsFactory) -> None:
    asked: list[dict[str, str]] = []
    with fake_woo(orders(25), asked) as url:
        settings = make_settings(
            woocommerce={"url": url, "consumer_key": KEY, "consumer_secret": SECRET}
        )
        async with await open_store(settings.store.url) as store, httpx.AsyncClient() as http:
            since = datetime(2024, 11, 1, tzinfo=UTC)
            report = await sync_woocommerce(
                settings.woocommerce,
                store,
                sourcing(settings, "woocommerce"),
                http,
                since,
                per_page=10,
            )
            assert await store.count_orders() == 25
            order = await store.get_order("924")
    assert (report.pages, report.orders, report.applied) == (3, 25, 25)
    assert [page["page"] for page in asked] == ["1", "2", "3"]
    assert asked[0]["modified_after"] == "2024-11-01T00:00:00"
    assert order is not None and order.shipments[0].tracking_number == "DEMO1002"


async def test_a_wrong_key_stops_the_sync(make_settings: SettingsFactory) -> None:
    with fake_woo(orders(1), []) as url:
        settings = make_settings(
            woocommerce={"url": url, "consumer_key": KEY, "consumer_secret": "cs_wrong"}
        )
        async with await open_store(settings.store.url) as store, httpx.AsyncClient() as http:
            with pytest.raises(SyncError, match="refused"):
                await sync_woocommerce(
                    settings.woocommerce,
                    store,
                    sourcing(settings, "woocommerce"),
                    http,
                    datetime(2024, 11, 1, tzinfo=UTC),
                )
