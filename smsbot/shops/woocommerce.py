"""WooCommerce events applied to the store: the order and its tracking items, as of its
`date_modified_gmt`; an older delivery changes nothing, the same one again nothing more."""

from __future__ import annotations

from datetime import datetime

from smsbot.orders.sources import Sourcing
from smsbot.orders.woocommerce import WooOrder, parse_order
from smsbot.shops.shopify import Applied
from smsbot.store import Store

TOPICS = frozenset({"order.created", "order.updated"})


async def apply_order(store: Store, parsed: WooOrder, now: datetime) -> bool:
    """Apply an order if it is current: its fields, exactly its tracking items, a cancel."""
    order = parsed.order
    current, before = await store.claim_version(
        f"woocommerce:order:{parsed.id}", parsed.updated_at, tracking=order.shipments
    )
    if not current:
        return False
    gone = [s for s in before if s not in order.shipments]
    await store.upsert_orders([order], now=now)
    if gone:
        await store.remove_shipments(order.number, gone)
    if parsed.cancelled:
        await store.cancel_order(order.number, at=now)
    return True


async def apply(
    store: Store, topic: str, data: object, sourcing: Sourcing, now: datetime, *, meta_key: str
) -> Applied:
    """Apply one WooCommerce order event; raises SourceError when unreadable."""
    parsed = parse_order(data, sourcing, meta_key=meta_key)
    current = await apply_order(store, parsed, now)
    return Applied(parsed.order.number, current, parsed.notes)
