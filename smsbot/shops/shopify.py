"""Shopify events applied to the store, each resource at most as new as the newest seen.

Orders and fulfillments are versioned apart by their own `updated_at`
(`claim_version`): a late, older delivery changes nothing. A fulfillment's shipments are
kept with its version, so an update that corrects a tracking number, or a cancelled
fulfillment, removes the old shipment. Applying an event twice changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime

from smsbot.orders.shopify import Fulfillment, ShopifyOrder, parse_fulfillment, parse_order
from smsbot.orders.sources import Sourcing
from smsbot.store import Store

log = logging.getLogger("smsbot.shops.shopify")

ORDER_TOPICS = frozenset({"orders/create", "orders/updated", "orders/cancelled"})
FULFILLMENT_TOPICS = frozenset({"fulfillments/create", "fulfillments/update"})
TOPICS = ORDER_TOPICS | FULFILLMENT_TOPICS


@dataclass(frozen=True)
class Applied:
    """What one event did: `current` False when it was outdated; `notes` flag it."""

    number: str
    current: bool
    notes: tuple[str, ...] = ()


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
        fulfillment = parse_fulfillment(data, sourcing)
        current = await apply_fulfillment(store, fulfillment, now)
        return Applied(fulfillment.order_number, current, fulfillment.notes)
    parsed = parse_order(data, sourcing)
    if topic == "orders/cancelled":
        parsed = replace(parsed, cancelled=True)
    current = await apply_order(store, parsed, now)
    return Applied(parsed.order.number, current, parsed.notes)
