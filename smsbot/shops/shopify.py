"""Shopify events applied to the store, each resource at most as new as the newest seen.

Orders and fulfillments are versioned apart by their own `updated_at`
(`claim_version`): a late, older delivery changes nothing. A fulfillment's shipments are
kept with its version, so an update that corrects a tracking number, or a cancelled
fulfillment, removes the old shipment. Applying an event twice changes nothing.

Every order that arrives (webhook or sync) maps its Shopify id to our number
(`link_order`). A fulfillment is matched to its order by `order_id` through that map first;
an order never seen falls back to the fulfillment's `name` ("#4021.1" -> "4021") under the
order-number rule (events from before the map existed, or a fulfillment delivered before
its order: the order is then made from the fulfillment's destination). When neither works
(the name does not pass the rule) the event waits for its order (`Applied.waiting_for`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from smsbot.orders.shopify import Fulfillment, ShopifyOrder, parse_fulfillment, parse_order
from smsbot.orders.sources import SourceError, Sourcing
from smsbot.store import Store

log = logging.getLogger("smsbot.shops.shopify")

ORDER_TOPICS = frozenset({"orders/create", "orders/updated", "orders/cancelled"})
FULFILLMENT_TOPICS = frozenset({"fulfillments/create", "fulfillments/update"})
#: Return topics that name a return (`smsbot.shops.shopify_returns` fetches its order and
#: tracking through the Admin API; they need the `read_returns` scope).
RETURN_TOPICS = frozenset(
    {
        "returns/approve",
        "returns/update",
        "returns/cancel",
        "returns/decline",
        "reverse_deliveries/attach_deliverable",
    }
)
TOPICS = ORDER_TOPICS | FULFILLMENT_TOPICS | RETURN_TOPICS
SOURCE = "shopify"


@dataclass(frozen=True)
class Applied:
    """What one event did: `current` False when it was outdated; `notes` flag it;
    `waiting_for` the shop's order id it waits for (nothing applied); `released` the inbox
    events that were waiting for this order and are pending again."""

    number: str
    current: bool
    notes: tuple[str, ...] = ()
    waiting_for: str | None = None
    released: tuple[int, ...] = ()


async def link_order(store: Store, parsed: ShopifyOrder) -> tuple[int, ...]:
    """Map the order's Shopify id to its number; the events that waited for it, released."""
    await store.map_shop_order(SOURCE, parsed.id, parsed.order.number)
    return tuple(await store.release_waiting(SOURCE, parsed.id))


async def order_number_of(
    store: Store, order_id: str | None, name: object, sourcing: Sourcing
) -> str | None:
    """Our number of a Shopify order: by its id through the map, else by its `name` under
    the number rule when such an order is stored; None when neither (wait for it)."""
    if order_id:
        mapped = await store.shop_order_number(SOURCE, order_id)
        if mapped is not None:
            return mapped
    try:
        number = sourcing.order_number("name", name)
    except SourceError:
        return None
    return number if await store.get_order(number) is not None else None


def shop_id(data: object, key: str) -> str | None:
    """A Shopify id field of a payload as text (ids are JSON numbers), or None."""
    value = data.get(key) if isinstance(data, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
        return None
    return str(value)


async def apply_fulfillment(store: Store, fulfillment: Fulfillment, now: datetime) -> bool:
    """Apply one fulfillment if it is current; whether it was."""
    live = () if fulfillment.dead else fulfillment.shipments
    current, before = await store.claim_version(
        fulfillment.resource, fulfillment.updated_at, tracking=live
    )
    if not current:
        return False
    number = fulfillment.order_number
    gone = [s for s in before if s not in live]
    if gone:
        await store.remove_shipments(number, gone)
    if live:
        stored = await store.get_order(number)
        base = fulfillment.contact if stored is None else stored
        await store.upsert_orders([replace(base, shipments=live)], now=now)
    return True


async def apply_order(store: Store, parsed: ShopifyOrder, now: datetime) -> bool:
    """Apply an order (its fields, its fulfillments, a cancellation) if it is current."""
    current, _before = await store.claim_version(f"shopify:order:{parsed.id}", parsed.updated_at)
    if not current:
        return False
    order = parsed.order
    # Shipments come from the fulfillments, each by its own version (below).
    await store.upsert_orders([replace(order, shipments=())], now=now)
    for fulfillment in parsed.fulfillments:
        await apply_fulfillment(store, fulfillment, now)
    if parsed.cancelled:
        await store.cancel_order(order.number, at=now)
    return True


async def apply(
    store: Store, topic: str, data: object, sourcing: Sourcing, now: datetime
) -> Applied:
    """Apply one Shopify event of a known topic; raises SourceError when unreadable."""
    if topic in FULFILLMENT_TOPICS:
        order_id = shop_id(data, "order_id")
        number = None if order_id is None else await store.shop_order_number(SOURCE, order_id)
        try:
            fulfillment = parse_fulfillment(data, sourcing, order_number=number)
        except SourceError as exc:
            if number is None and order_id is not None and exc.field == "name":
                return Applied("", False, waiting_for=order_id)
            raise
        current = await apply_fulfillment(store, fulfillment, now)
        return Applied(fulfillment.order_number, current, fulfillment.notes)
    parsed = parse_order(data, sourcing)
    if topic == "orders/cancelled":
        parsed = replace(parsed, cancelled=True)
    current = await apply_order(store, parsed, now)
    released = await link_order(store, parsed)
    return Applied(parsed.order.number, current, parsed.notes, released=released)
