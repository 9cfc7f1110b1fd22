"""The store contract: shop order ids mapped to our numbers, inbox events waiting for an
order, and purging the inbox's closed events after their keeping time (issue 16)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from smsbot.store import InboxState, Store, StoreValueError
from tests.store.conftest import NOW


async def add(store: Store, event_id: str, topic: str = "fulfillments/create") -> int:
    stored = await store.add_inbox(
        source="shopify",
        event_id=event_id,
        topic=topic,
        shop="demo.myshopify.com",
        body=b'{"id": 1, "order_id": 5830458785943}',
        received_at=NOW,
    )
    assert stored is not None
    return stored


async def test_a_shop_order_id_maps_to_our_number(store: Store) -> None:
    assert await store.shop_order_number("shopify", "5830458785943") is None
    await store.map_shop_order("shopify", "5830458785943", "4021")
    await store.map_shop_order("shopify", "5830458785943", "4021")  # again: no change
    assert await store.shop_order_number("shopify", "5830458785943") == "4021"
    assert await store.shop_order_number("woocommerce", "5830458785943") is None
    await store.map_shop_order("shopify", "5830458785943", "EU4021")
    assert await store.shop_order_number("shopify", "5830458785943") == "EU4021"
    with pytest.raises(StoreValueError):
        await store.map_shop_order("shopify", "", "4021")


async def test_a_waiting_event_is_flagged_then_released_once(store: Store) -> None:
    first, second, other = await add(store, "w-1"), await add(store, "w-2"), await add(store, "w-3")
    await store.pending_inbox()  # one attempt each
    note = "waiting for shopify order 5830458785943"
    assert await store.wait_for_order(second, "shopify", "5830458785943", at=NOW, note=note)
    assert await store.wait_for_order(first, "shopify", "5830458785943", at=NOW, note=note)
    assert await store.wait_for_order(other, "shopify", "1", at=NOW, note="waiting")
    assert not await store.wait_for_order(first, "shopify", "5830458785943", at=NOW, note=note)
    flagged = await store.flagged_inbox()
    assert {e.id for e in flagged} == {first, second, other}
    assert all(e.state is InboxState.FLAGGED for e in flagged)

    assert await store.release_waiting("shopify", "5830458785943") == [first, second]
    assert await store.release_waiting("shopify", "5830458785943") == []
    pending = await store.pending_inbox()
    assert [(e.id, e.attempts, e.note) for e in pending] == [(first, 1, None), (second, 1, None)]
    assert [e.id for e in await store.flagged_inbox()] == [other]


async def test_purging_keeps_pending_and_recent_events(store: Store) -> None:
    old_flagged, old_done, recent_done, pending = [await add(store, f"w-{i}") for i in range(4)]
    waiting = await add(store, "w-wait")
    long_ago = NOW - timedelta(days=40)
    await store.finish_inbox(old_flagged, InboxState.FLAGGED, at=long_ago, note="bad JSON")
    await store.wait_for_order(waiting, "shopify", "77", at=long_ago, note="waiting")
    await store.finish_inbox(old_done, InboxState.DONE, at=NOW - timedelta(days=8))
    await store.finish_inbox(recent_done, InboxState.DONE, at=NOW - timedelta(days=1))

    deleted = await store.purge_inbox(
        flagged_before=NOW - timedelta(days=30), finished_before=NOW - timedelta(days=7)
    )
    assert deleted == 3
    assert await store.inbox_event(recent_done) is not None
    assert await store.inbox_event(pending) is not None
    for gone in (old_flagged, old_done, waiting):
        assert await store.inbox_event(gone) is None
    assert await store.release_waiting("shopify", "77") == []  # its wait went with it
    # A purged event's delivery id may come again: it is a new event then.
    assert (
        await store.add_inbox(
            source="shopify", event_id="w-0", topic="t", shop="s", body=b"{}", received_at=NOW
        )
        is not None
    )


async def test_an_event_is_not_parked_for_an_order_mapped_meanwhile(store: Store) -> None:
    event = await add(store, "w-late")
    await store.map_shop_order("shopify", "5830458785943", "4021")
    assert not await store.wait_for_order(event, "shopify", "5830458785943", at=NOW, note="waiting")
    stays = await store.inbox_event(event)
    assert stays is not None and stays.state is InboxState.PENDING
    assert await store.flagged_inbox() == []


async def test_a_flagged_event_can_be_reopened_once(store: Store) -> None:
    bad, waiting, done = (
        await add(store, "w-bad"),
        await add(store, "w-wait"),
        await add(store, "w-ok"),
    )
    await store.finish_inbox(bad, InboxState.FLAGGED, at=NOW, note="carrier not known")
    await store.wait_for_order(waiting, "shopify", "99", at=NOW, note="waiting")
    await store.finish_inbox(done, InboxState.DONE, at=NOW)
    assert await store.reopen_flagged(bad) and await store.reopen_flagged(waiting)
    assert not await store.reopen_flagged(bad) and not await store.reopen_flagged(done)
    assert [e.id for e in await store.pending_inbox()] == [bad, waiting]
    assert await store.release_waiting("shopify", "99") == []  # no longer waiting
