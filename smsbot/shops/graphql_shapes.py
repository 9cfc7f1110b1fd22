"""The Admin GraphQL query of the sync, and its order nodes in the webhook (REST) shape, so
one parser (`smsbot.orders.shopify`) reads both."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ORDERS_QUERY = """
query SmsbotOrders($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes {
      legacyResourceId name updatedAt createdAt cancelledAt email customerLocale
      shippingAddress { firstName zip phone countryCodeV2 }
      billingAddress { firstName zip phone countryCodeV2 }
      customer { firstName phone defaultAddress { firstName zip phone countryCodeV2 } }
      fulfillments(first: 10) {
        legacyResourceId name status createdAt updatedAt
        trackingInfo(first: 10) { company number url }
      }
    }
  }
}
"""

WEBHOOK_SUBSCRIBE = """
mutation SmsbotSubscribe($topic: WebhookSubscriptionTopic!, $url: URL!) {
  webhookSubscriptionCreate(
    topic: $topic, webhookSubscription: {callbackUrl: $url, format: JSON}
  ) {
    webhookSubscription { id topic }
    userErrors { field message }
  }
}
"""


def _address(node: object) -> dict[str, Any]:
    if not isinstance(node, Mapping):
        return {}
    return {
        "first_name": node.get("firstName"),
        "zip": node.get("zip"),
        "phone": node.get("phone"),
        "country_code": node.get("countryCodeV2"),
    }


def _fulfillment(node: Mapping[str, Any]) -> dict[str, Any]:
    tracking = [t for t in node.get("trackingInfo") or [] if isinstance(t, Mapping)]
    companies = [t.get("company") for t in tracking if t.get("company")]
    return {
        "id": node.get("legacyResourceId"),
        "name": node.get("name"),
        "status": str(node.get("status") or "").lower(),
        "created_at": node.get("createdAt"),
        "updated_at": node.get("updatedAt"),
        # One company per fulfillment, as in the webhook; numbers of others are detected.
        "tracking_company": companies[0] if companies else None,
        "tracking_numbers": [t.get("number") for t in tracking if t.get("number")],
    }


def order_payload(node: Mapping[str, Any]) -> dict[str, Any]:
    """A GraphQL order node as the webhook payload `parse_order` reads."""
    found = node.get("customer")
    customer: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    return {
        "id": node.get("legacyResourceId"),
        "name": node.get("name"),
        "updated_at": node.get("updatedAt"),
        "created_at": node.get("createdAt"),
        "cancelled_at": node.get("cancelledAt"),
        "email": node.get("email"),
        "customer_locale": node.get("customerLocale"),
        "shipping_address": _address(node.get("shippingAddress")),
        "billing_address": _address(node.get("billingAddress")),
        "customer": {
            "first_name": customer.get("firstName"),
            "phone": customer.get("phone"),
            "default_address": _address(customer.get("defaultAddress")),
        },
        "fulfillments": [
            _fulfillment(f) for f in node.get("fulfillments") or [] if isinstance(f, Mapping)
        ],
    }
