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
      id legacyResourceId name updatedAt createdAt cancelledAt email customerLocale returnStatus
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

#: What smsbot reads of a return: its status and its labels' tracking (each reverse
#: delivery's shipping deliverable), shared by both return queries.
_RETURN_FIELDS = """
fragment SmsbotReturnFields on Return {
  id name status
  reverseFulfillmentOrders(first: 3) {
    nodes {
      reverseDeliveries(first: 3) {
        nodes {
          deliverable {
            ... on ReverseDeliveryShippingDeliverable {
              tracking { carrierName number url }
            }
          }
        }
      }
    }
  }
}
"""

#: The returns of one order with their return labels' tracking, asked only for orders whose
#: `returnStatus` is not NO_RETURN: nested in the orders query it would multiply a page's
#: cost past Shopify's 1000-point limit for the few orders that have returns.
RETURNS_QUERY = (
    """
query SmsbotReturns($id: ID!) {
  order(id: $id) {
    returns(first: 5) { nodes { ...SmsbotReturnFields } }
  }
}
"""
    + _RETURN_FIELDS
)

#: One return by its id, with its order (to map it to ours) and its labels' tracking: what a
#: return webhook (which names the return, not always its order) is completed with.
RETURN_QUERY = (
    """
query SmsbotReturnById($id: ID!) {
  return(id: $id) {
    ...SmsbotReturnFields
    order { id legacyResourceId name }
  }
}
"""
    + _RETURN_FIELDS
)

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


def _nodes(connection: object) -> list[Mapping[str, Any]]:
    """The nodes of a GraphQL connection (`{nodes: [...]}`), skipping anything else."""
    found = connection.get("nodes") if isinstance(connection, Mapping) else None
    return [n for n in found or [] if isinstance(n, Mapping)]


def _fulfillment(node: Mapping[str, Any]) -> dict[str, Any]:
    tracking = [t for t in node.get("trackingInfo") or [] if isinstance(t, Mapping)]
    return {
        "id": node.get("legacyResourceId"),
        "name": node.get("name"),
        "status": str(node.get("status") or "").lower(),
        "created_at": node.get("createdAt"),
        "updated_at": node.get("updatedAt"),
        # Each number keeps its own company (one fulfillment may mix carriers).
        "tracking_info": [
            {"company": t.get("company"), "number": t.get("number"), "url": t.get("url")}
            for t in tracking
            if t.get("number")
        ],
    }


def return_payload(node: Mapping[str, Any]) -> dict[str, Any]:
    """A return with the tracking of every reverse delivery that has a shipping label."""
    tracking = []
    for reverse in _nodes(node.get("reverseFulfillmentOrders")):
        for delivery in _nodes(reverse.get("reverseDeliveries")):
            deliverable = delivery.get("deliverable")
            found = deliverable.get("tracking") if isinstance(deliverable, Mapping) else None
            if isinstance(found, Mapping) and found.get("number"):
                tracking.append(
                    {
                        "company": found.get("carrierName"),
                        "number": found.get("number"),
                        "url": found.get("url"),
                    }
                )
    return {
        "id": node.get("id"),
        "name": node.get("name"),
        "status": str(node.get("status") or "").lower(),
        "tracking_info": tracking,
    }


def order_payload(node: Mapping[str, Any]) -> dict[str, Any]:
    """A GraphQL order node as the webhook payload `parse_order` reads; its `returns`
    (the `RETURNS_QUERY` connection, when the sync added it) as `returns`."""
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
        "returns": [return_payload(r) for r in _nodes(node.get("returns"))],
    }
