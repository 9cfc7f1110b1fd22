"""Which shop order is which of ours, the webhooks waiting for an order we have not seen,
and how long the inbox keeps what it closed (issue 16).

A shop names an order two ways: its own id (Shopify's `order_id` on a fulfillment, a
return's order) and the name the customer sees. The order-number rule maps the name; the
id is mapped when the order itself arrives (webhook or sync), so a fulfillment is matched
by `order_id` even when its name would not pass the rule. A fulfillment or return whose
order was never seen waits in the inbox (FLAGGED, with a note saying so) and goes back to
PENDING when that order arrives: nothing is lost, and the merchant sees what waits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class ShopOrderStore(Protocol):
    """The (source, shop order id) -> order number map, inbox waits, inbox purging."""

    async def map_shop_order(self, source: str, shop_order_id: str, number: str) -> None:
        """Remember that `source`'s order `shop_order_id` is our order `number` (a later
        call for the same id replaces the number). Empty values raise StoreValueError."""
        ...

    async def shop_order_number(self, source: str, shop_order_id: str) -> str | None:
        """Our order number for `source`'s order `shop_order_id`, or None if never seen."""
        ...

    async def wait_for_order(
        self, event_id: int, source: str, shop_order_id: str, *, at: datetime, note: str
    ) -> bool:
        """Close PENDING inbox event `event_id` as FLAGGED with `note`, waiting for
        `source`'s order `shop_order_id`. False, changing nothing, when the event was not
        pending or when that order has been mapped meanwhile (it arrived while the event
        was processed: the event stays PENDING, to be processed again)."""
        ...

    async def release_waiting(self, source: str, shop_order_id: str) -> list[int]:
        """Put the events waiting for this order back to PENDING (attempts from zero);
        their ids, oldest first. Events purged meanwhile are not returned."""
        ...

    async def reopen_flagged(self, event_id: int) -> bool:
        """Put one FLAGGED event (waiting or not) back to PENDING with attempts from zero,
        for another try once the merchant fixed its cause; False when it is not flagged."""
        ...

    async def purge_inbox(self, *, flagged_before: datetime, finished_before: datetime) -> int:
        """Delete FLAGGED events (waiting ones too) finished before `flagged_before`, and
        DONE and IGNORED ones finished before `finished_before`; how many. PENDING events
        are never deleted."""
        ...
