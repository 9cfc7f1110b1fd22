"""Shopify's return webhooks, applied live: the return's parcels become return legs.

A return webhook names the return (`returns/*`: the return itself, `id` and
`admin_graphql_api_id`; `reverse_deliveries/attach_deliverable`: the reverse delivery, with
its `return`), but does not reliably carry its order or the label's tracking. So every one
is completed the same way: the return is fetched through the Admin GraphQL API
(`return(id:)`: status, order, reverse deliveries' tracking; the app needs the
`read_returns` scope) and applied like the sync's returns, each return versioned by the
time it was fetched (what was fetched is the return as it is now). A return whose order
was never seen waits for it in the inbox.

A failure that may pass (a network error, HTTP 429 or 5xx, THROTTLED) raises `RetryLater`:
the event stays pending and the inbox loop tries again. One that will not (no access token,
a refused token or scope, a return the shop does not know) raises SourceError: flagged.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx

from smsbot.config.settings import ShopifySettings
from smsbot.errors import SmsbotError
from smsbot.orders.shopify import parse_return
from smsbot.orders.sources import SourceError, Sourcing
from smsbot.shops.graphql_shapes import RETURN_QUERY, return_payload
from smsbot.shops.shopify import Applied, apply_fulfillment, order_number_of, shop_id
from smsbot.shops.shopify_setup import graphql_url
from smsbot.store import Store

_RETURN_GID = "gid://shopify/Return/"
#: Seconds one fetch may take (the inbox retries a timeout later).
TIMEOUT_S = 10.0


class RetryLater(SmsbotError):
    """The return could not be fetched now; the event stays pending for the next round."""


def return_gid(topic: str, data: object) -> str:
    """The GraphQL id of the return a return webhook is about."""
    if not isinstance(data, Mapping):
        raise SourceError("return", "must be a JSON object")
    holder = data.get("return") if topic.startswith("reverse_deliveries/") else data
    if not isinstance(holder, Mapping):
        raise SourceError("return", "the webhook names no return")
    gid = holder.get("admin_graphql_api_id")
    if isinstance(gid, str) and gid.startswith(_RETURN_GID):
        return gid
    found = shop_id(holder, "id")
    if found is None:
        raise SourceError("return", "has no id")
    return found if found.startswith(_RETURN_GID) else _RETURN_GID + found


async def fetch_return(
    settings: ShopifySettings, http: httpx.AsyncClient, gid: str
) -> Mapping[str, Any] | None:
    """The return node of `RETURN_QUERY`, or None when the shop has no such return."""
    if settings.access_token is None or (settings.shop is None and settings.admin_url is None):
        raise SourceError(
            "return", "fetching a return needs [shopify] shop and access_token (read_returns)"
        )
    headers = {"X-Shopify-Access-Token": settings.access_token.reveal()}
    body = {"query": RETURN_QUERY, "variables": {"id": gid}}
    try:
        response = await http.post(
            graphql_url(settings), json=body, headers=headers, timeout=TIMEOUT_S
        )
    except httpx.TransportError as exc:
        raise RetryLater(f"shopify: {type(exc).__name__}") from exc
    if response.status_code == 429 or response.status_code >= 500:
        raise RetryLater(f"shopify answered {response.status_code}")
    if response.status_code in (401, 403):
        raise SourceError("return", f"shopify refused the access token ({response.status_code})")
    if response.status_code >= 400:
        raise SourceError("return", f"shopify answered {response.status_code}")
    try:
        answer = response.json()
    except ValueError:
        raise RetryLater("shopify answered something that is not JSON") from None
    errors = [e for e in answer.get("errors") or [] if isinstance(e, Mapping)]
    codes = {(e.get("extensions") or {}).get("code") for e in errors}
    if "THROTTLED" in codes:
        raise RetryLater("shopify throttled the query")
    if errors:
        message = str(errors[0].get("message") or "query failed")
        hint = " (the app needs the read_returns scope)" if "ACCESS_DENIED" in codes else ""
        raise SourceError("return", f"shopify: {message}{hint}")
    found = (answer.get("data") or {}).get("return")
    return found if isinstance(found, Mapping) else None


def _order_id(order: Mapping[str, Any]) -> str | None:
    legacy = shop_id(order, "legacyResourceId")
    if legacy is not None:
        return legacy
    gid = order.get("id")  # gid://shopify/Order/5830458785943
    if not isinstance(gid, str):
        return None
    return gid.rpartition("/")[2] or None


async def apply_return(
    store: Store, node: Mapping[str, Any], sourcing: Sourcing, now: datetime
) -> Applied:
    """Apply a fetched return to its order (or wait for the order)."""
    found = node.get("order")
    order: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    order_id = _order_id(order)
    number = await order_number_of(store, order_id, order.get("name"), sourcing)
    if number is None:
        if order_id is None:
            raise SourceError("return", "its order has no id")
        return Applied("", False, waiting_for=order_id)
    returned = parse_return(return_payload(node), sourcing, order_number=number, updated_at=now)
    current = await apply_fulfillment(store, returned, now)
    return Applied(number, current, returned.notes)


async def apply_event(
    store: Store,
    settings: ShopifySettings,
    http: httpx.AsyncClient,
    topic: str,
    data: object,
    sourcing: Sourcing,
    now: datetime,
) -> Applied:
    """Fetch the return a return webhook names and apply it."""
    gid = return_gid(topic, data)
    node = await fetch_return(settings, http, gid)
    if node is None:
        raise SourceError("return", f"{gid} is not known to the shop (deleted?)")
    return await apply_return(store, node, sourcing, now)
