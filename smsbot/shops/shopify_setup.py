"""`smsbot shopify register-webhooks`: subscribe the bot's URL to the topics it acts on,
through the Admin GraphQL API (`webhookSubscriptionCreate`).

The order and fulfillment topics need the `read_orders` scope (and `read_fulfillments` /
`read_merchant_managed_fulfillment_orders` as Shopify asks for them); the return topics
need `read_returns`. An app without that scope still gets its order topics: the return
topics Shopify refuses are reported (`Registered.skipped`), not fatal.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from smsbot.config.settings import ShopifySettings
from smsbot.shops.graphql_shapes import WEBHOOK_SUBSCRIBE
from smsbot.shops.shopify import RETURN_TOPICS, TOPICS
from smsbot.shops.shopify_sync import SyncError


@dataclass
class Registered:
    """The topics subscribed (GraphQL enum names), and the return topics Shopify refused
    with its reason (usually a missing `read_returns` scope)."""

    subscribed: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


def graphql_url(settings: ShopifySettings) -> str:
    """The Admin GraphQL endpoint of the configured shop, at the pinned version."""
    if settings.access_token is None or (settings.shop is None and settings.admin_url is None):
        raise SyncError("shopify.shop and shopify.access_token are needed")
    base = settings.admin_url or f"https://{settings.shop}"
    return f"{base}/admin/api/{settings.api_version}/graphql.json"


def topic_enum(topic: str) -> str:
    """A webhook topic as the GraphQL `WebhookSubscriptionTopic` enum names it."""
    return topic.upper().replace("/", "_")


async def register_webhooks(
    settings: ShopifySettings, http: httpx.AsyncClient, public_url: str
) -> Registered:
    """Subscribe `{public_url}/webhooks/shopify` to every topic; what was subscribed.

    A topic Shopify says is already subscribed for this URL counts as subscribed. A refused
    order or fulfillment topic raises SyncError; a refused return topic is skipped.
    """
    url = graphql_url(settings)
    assert settings.access_token is not None  # graphql_url checked it
    headers = {"X-Shopify-Access-Token": settings.access_token.reveal()}
    callback = public_url.rstrip("/") + "/webhooks/shopify"
    done = Registered()
    for topic in sorted(TOPICS):
        enum = topic_enum(topic)
        variables = {"topic": enum, "url": callback}
        response = await http.post(
            url, json={"query": WEBHOOK_SUBSCRIBE, "variables": variables}, headers=headers
        )
        if response.status_code in (401, 403):
            raise SyncError(f"shopify refused the access token ({response.status_code})")
        if response.status_code >= 400:
            raise SyncError(f"shopify answered {response.status_code} for {topic}")
        answer = response.json()
        result = (answer.get("data") or {}).get("webhookSubscriptionCreate") or {}
        problems = [e.get("message", "") for e in result.get("userErrors") or []]
        problems += [e.get("message", "") for e in answer.get("errors") or []]
        if problems and not all("taken" in p or "already" in p for p in problems):
            if topic in RETURN_TOPICS:
                done.skipped[enum] = "; ".join(problems)
                continue
            raise SyncError(f"shopify refused {topic}: {'; '.join(problems)}")
        done.subscribed.append(enum)
    return done
