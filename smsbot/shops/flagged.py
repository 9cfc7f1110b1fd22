"""What a flagged inbox event is about, for the merchant: the shop's order it concerns,
read from the stored body as well as it can be (the body may be what could not be read)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from smsbot.store import InboxEvent

#: Per platform, the body's fields that name its order, first found wins: an order's own
#: id and name; a fulfillment's `order_id` and name; a return's `order.id`; a reverse
#: delivery names only its return.
_FIELDS = ("order_id", "id", "name", "number")


def order_of(event: InboxEvent) -> str:
    """The shop's order an event concerns ("5830458785943 (#4021)"), or "?" when its body
    does not say (not JSON, or a reverse delivery naming only its return)."""
    try:
        data = json.loads(event.body)
    except (ValueError, UnicodeDecodeError):
        return "?"
    if not isinstance(data, Mapping):
        return "?"
    if event.topic.startswith("reverse_deliveries/"):
        held = data.get("return")
        return_id = held.get("id") if isinstance(held, Mapping) else None
        return "?" if return_id is None else f"? (return {return_id})"
    if event.topic.startswith("returns/"):
        held = data.get("order")
        order_id = held.get("id") if isinstance(held, Mapping) else None
        return "?" if order_id is None else str(order_id)
    is_order = event.topic.startswith("order")  # Shopify orders/*, WooCommerce order.*
    ident = data.get("id") if is_order else data.get("order_id")
    name = data.get("name") if event.source == "shopify" else data.get("number")
    if is_order is False and isinstance(name, str):
        name = name.rpartition(".")[0] or name  # a fulfillment's "#4021.1"
    parts = [str(part) for part in (ident, name) if part not in (None, "")]
    if not parts:
        return "?"
    return parts[0] if len(parts) == 1 else f"{parts[0]} ({parts[1]})"
