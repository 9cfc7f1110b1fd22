"""The shop inbox's background side: events left pending (a crash after storing) are applied
by `drain`/`run`; an event that keeps failing is flagged after MAX_ATTEMPTS reads."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any, cast

from smsbot.config import Settings
from smsbot.orders.model import Order
from smsbot.shops.inbox import MAX_ATTEMPTS, ShopInbox
from smsbot.store import InboxState, Store, open_store
from tests.shops.conftest import SHOP, fixture

NOW = datetime(2024, 11, 21, 15, 0, tzinfo=UTC)


async def test_pending_events_are_applied_by_the_loop(shop_settings: Settings) -> None:
    async with await open_store(shop_settings.store.url) as store:
        body = json.dumps(fixture("shopify/fulfillment.json")).encode()
        await store.add_inbox(
            source="shopify",
            event_id="left-pending",
            topic="fulfillments/create",
            shop=SHOP,
            body=body,
            received_at=NOW,
        )
        inbox = ShopInbox(store, shop_settings, clock=lambda: NOW)
        stop = asyncio.Event()
        task = asyncio.create_task(inbox.run(stop, every_s=0.01))
        for _ in range(200):
            if (await store.inbox_counts())[InboxState.DONE]:
                break
            await asyncio.sleep(0.01)
        stop.set()
        await task
        order = await store.get_order("4021")
        assert order is not None and order.shipments[0].tracking_number == "DEMO1001"
        assert (await store.inbox_counts())[InboxState.PENDING] == 0


async def test_an_event_that_keeps_failing_is_flagged(shop_settings: Settings) -> None:
    async with await open_store(shop_settings.store.url) as store:
        await store.add_inbox(
            source="shopify",
            event_id="poison",
            topic="orders/create",
            shop=SHOP,
            body=b"{}",
            received_at=NOW,
        )
        for _ in range(MAX_ATTEMPTS):  # reads that crashed before finishing the event
            await store.pending_inbox()
        assert await ShopInbox(store, shop_settings, clock=lambda: NOW).drain() == 0
        [flagged] = await store.flagged_inbox()
        assert flagged.event_id == "poison" and "gave up" in (flagged.note or "")


class _OrderArrivesMeanwhile:
    """A store through which the order's webhook lands between the fulfillment's look-up of
    its order id (not mapped yet) and its parking: the race of two webhooks processed at
    once."""

    def __init__(self, store: Store, number: str) -> None:
        self._store = store
        self._number = number
        self.raced = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def shop_order_number(self, source: str, shop_order_id: str) -> str | None:
        found = await self._store.shop_order_number(source, shop_order_id)
        if found is None and not self.raced:
            self.raced = True
            await self._store.upsert_orders([Order("4021", "+12025550142")], now=NOW)
            await self._store.map_shop_order(source, shop_order_id, self._number)
            assert await self._store.release_waiting(source, shop_order_id) == []
        return found


async def test_a_fulfillment_whose_order_lands_meanwhile_is_not_left_waiting(
    shop_settings: Settings,
) -> None:
    async with await open_store(shop_settings.store.url) as store:
        fulfillment = fixture("shopify/fulfillment.json")
        fulfillment["name"] = "ACME 4021.1"  # only order_id can match it
        event_id = await store.add_inbox(
            source="shopify",
            event_id="racing",
            topic="fulfillments/create",
            shop=SHOP,
            body=json.dumps(fulfillment).encode(),
            received_at=NOW,
        )
        assert event_id is not None
        racing = _OrderArrivesMeanwhile(store, "4021")
        inbox = ShopInbox(cast(Store, racing), shop_settings, clock=lambda: NOW)
        await inbox.process_id(event_id)
        assert racing.raced
        order = await store.get_order("4021")
        assert order is not None and [s.tracking_number for s in order.shipments] == ["DEMO1001"]
        assert await store.flagged_inbox() == []
        event = await store.inbox_event(event_id)
        assert event is not None and event.state is InboxState.DONE
