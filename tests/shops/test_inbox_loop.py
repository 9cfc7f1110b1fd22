"""The shop inbox's background side: events left pending (a crash after storing) are applied
by `drain`/`run`; an event that keeps failing is flagged after MAX_ATTEMPTS reads."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

from smsbot.config import Settings
from smsbot.shops.inbox import MAX_ATTEMPTS, ShopInbox
from smsbot.store import InboxState, open_store
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
