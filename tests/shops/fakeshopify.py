"""A fake of Shopify's Admin GraphQL API on 127.0.0.1 that enforces its throttling.

It serves `POST /admin/api/{version}/graphql.json` (X-Shopify-Access-Token) for the sync's
orders query (cursor pagination over `orders` sorted by update time), the returns of an
order, one return by id (`return(id:)`, with its order, for the return webhooks), and the
webhook subscription mutation (topics in `scope_missing` refused as an app without
`read_returns` is). Like Shopify it keeps a leaky cost bucket: a query is refused with
a THROTTLED error (HTTP 200) when the bucket holds less than its requested cost, one above
`max_query_cost` is refused outright; otherwise its actual cost is taken. Every answer
carries `extensions.cost` with `throttleStatus`. `fail_next_429` makes the next answers
HTTP 429 with a Retry-After header.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

ACCESS_TOKEN = "shpat_fake0123456789abcdef"
START = datetime(2024, 11, 1, tzinfo=UTC)


def order_node(index: int) -> dict[str, Any]:
    """A realistic order node: order #(5000 + index), one fulfillment with a demo number."""
    updated = START + timedelta(minutes=index)
    stamp = updated.isoformat().replace("+00:00", "Z")
    address = {"firstName": "Ana", "zip": "20500", "phone": "+12025550142", "countryCodeV2": "US"}
    return {
        "id": f"gid://shopify/Order/{6_000_000 + index}",
        "legacyResourceId": str(6_000_000 + index),
        "name": f"#{5000 + index}",
        "updatedAt": stamp,
        "createdAt": stamp,
        "cancelledAt": None,
        "email": f"buyer{index}@example.com",
        "customerLocale": "en",
        "returnStatus": "NO_RETURN",
        "shippingAddress": address,
        "billingAddress": address,
        "customer": {"firstName": "Ana", "phone": None, "defaultAddress": address},
        "fulfillments": [
            {
                "legacyResourceId": str(7_000_000 + index),
                "name": f"#{5000 + index}.1",
                "status": "SUCCESS",
                "createdAt": stamp,
                "updatedAt": stamp,
                "trackingInfo": [
                    {"company": "Demo", "number": "DEMO1001", "url": "https://demo.example/t"}
                ],
            }
        ],
    }


@dataclass
class FakeShopify:
    """The shop's state and the bucket; counters for the tests."""

    orders: list[dict[str, Any]] = field(default_factory=list)
    maximum: float = 1000.0
    restore_rate: float = 50.0
    max_query_cost: float = 1000.0
    node_cost: float = 3.0  # requested per order asked for (with its fulfillments)
    available: float = 1000.0
    at: float = field(default_factory=time.monotonic)
    throttled: int = 0
    over_cost: int = 0
    return_queries: int = 0
    lowest: float = 1000.0
    queries: int = 0
    subscriptions: list[dict[str, Any]] = field(default_factory=list)
    returns: dict[str, dict[str, Any]] = field(default_factory=dict)  # gid -> Return node
    return_fetches: list[str] = field(default_factory=list)
    scope_missing: frozenset[str] = frozenset()
    failures_429: int = 0
    retry_after: str = "1"
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next_429(self, count: int, retry_after: str = "1") -> None:
        self.failures_429, self.retry_after = count, retry_after

    def _restore(self) -> None:
        now = time.monotonic()
        self.available = min(self.maximum, self.available + (now - self.at) * self.restore_rate)
        self.at = now

    def cost(self, requested: float, actual: float) -> dict[str, Any]:
        return {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": {
                "maximumAvailable": self.maximum,
                "currentlyAvailable": self.available,
                "restoreRate": self.restore_rate,
            },
        }

    def answer(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        variables = body.get("variables") or {}
        with self.lock:
            self.queries += 1
            self._restore()
            if "webhookSubscriptionCreate" in body.get("query", ""):
                return 200, self._subscribe(variables)
            if "SmsbotReturnById" in body.get("query", ""):
                return 200, self._return_by_id(variables)
            if "SmsbotReturns" in body.get("query", ""):
                return 200, self._returns(variables)
            first = int(variables.get("first", 10))
            requested = 2 + first * self.node_cost
            if requested > self.max_query_cost:
                self.over_cost += 1
                error = {
                    "message": "Query cost is too high",
                    "extensions": {"code": "MAX_COST_EXCEEDED"},
                }
                return 200, {"errors": [error], "extensions": {"cost": self.cost(requested, 0)}}
            if self.available < requested:
                self.throttled += 1
                error = {"message": "Throttled", "extensions": {"code": "THROTTLED"}}
                return 200, {"errors": [error], "extensions": {"cost": self.cost(requested, 0)}}
            start = int(base64.b64decode(variables["after"])) if variables.get("after") else 0
            # `returns` is not in the orders query: it is served by the returns query only.
            nodes = [
                {k: v for k, v in n.items() if k != "returns"}
                for n in self.orders[start : start + first]
            ]
            actual = 2 + len(nodes) * (self.node_cost - 1)
            self.available -= actual
            self.lowest = min(self.lowest, self.available)
            end = start + len(nodes)
            data = {
                "orders": {
                    "pageInfo": {
                        "hasNextPage": end < len(self.orders),
                        "endCursor": base64.b64encode(str(end).encode()).decode(),
                    },
                    "nodes": nodes,
                }
            }
            return 200, {"data": data, "extensions": {"cost": self.cost(requested, actual)}}

    def _returns(self, variables: dict[str, Any]) -> dict[str, Any]:
        """`order(id:) { returns }`: 5 returns x 3 reverse fulfillment orders x 3 deliveries
        are asked for (152 points); an unknown id is `order: null`, as Shopify answers."""
        self.return_queries += 1
        requested, actual = 152.0, 12.0
        if self.available < requested:
            self.throttled += 1
            error = {"message": "Throttled", "extensions": {"code": "THROTTLED"}}
            return {"errors": [error], "extensions": {"cost": self.cost(requested, 0)}}
        self.available -= actual
        self.lowest = min(self.lowest, self.available)
        found = next((n for n in self.orders if n.get("id") == variables.get("id")), None)
        order = None if found is None else {"returns": found.get("returns", {"nodes": []})}
        return {"data": {"order": order}, "extensions": {"cost": self.cost(requested, actual)}}

    def _return_by_id(self, variables: dict[str, Any]) -> dict[str, Any]:
        """`return(id:)`: 1 + 3 x 3 deliveries asked for; an unknown id is `return: null`."""
        requested, actual = 12.0, 4.0
        if self.available < requested:
            self.throttled += 1
            error = {"message": "Throttled", "extensions": {"code": "THROTTLED"}}
            return {"errors": [error], "extensions": {"cost": self.cost(requested, 0)}}
        self.available -= actual
        self.return_fetches.append(str(variables.get("id")))
        found = self.returns.get(str(variables.get("id")))
        return {"data": {"return": found}, "extensions": {"cost": self.cost(requested, actual)}}

    def _subscribe(self, variables: dict[str, Any]) -> dict[str, Any]:
        if variables["topic"] in self.scope_missing:
            topic = variables["topic"].lower().replace("_", "/", 1)
            message = (
                f"You do not have permission to create or update webhooks with {topic} "
                "topic. This topic is only available for apps that have the read_returns "
                "access scope."
            )
            refused: dict[str, Any] = {
                "webhookSubscription": None,
                "userErrors": [{"field": None, "message": message}],
            }
            return {"data": {"webhookSubscriptionCreate": refused}}
        self.subscriptions.append(dict(variables))
        made = {"id": f"gid://shopify/WebhookSubscription/{len(self.subscriptions)}"}
        result = {"webhookSubscription": {**made, "topic": variables["topic"]}, "userErrors": []}
        return {
            "data": {"webhookSubscriptionCreate": result},
            "extensions": {"cost": self.cost(10, 10)},
        }


def create_app(fake: FakeShopify) -> Starlette:
    async def graphql(request: Request) -> Response:
        if request.headers.get("x-shopify-access-token") != ACCESS_TOKEN:
            return JSONResponse({"errors": "[API] Invalid API key or access token"}, 401)
        if fake.failures_429:
            fake.failures_429 -= 1
            return JSONResponse({"errors": "Throttled"}, 429, {"Retry-After": fake.retry_after})
        status, body = fake.answer(await request.json())
        return JSONResponse(body, status)

    return Starlette(routes=[Route("/admin/api/{version}/graphql.json", graphql, methods=["POST"])])


@contextmanager
def serve_app(app: Starlette, name: str) -> Iterator[str]:
    """Run `app` with uvicorn in a thread on 127.0.0.1 (a free port); yields its URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"{name} did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def serve_fake_shopify(fake: FakeShopify) -> Iterator[str]:
    """The fake on 127.0.0.1; yields its URL."""
    with serve_app(create_app(fake), "fake-shopify") as url:
        yield url
