"""The store contract: the webhook inbox, the shops' resource clock, replacing and
cancelling orders (issue 16)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from smsbot.orders.model import Leg, Order, Shipment
from smsbot.store import MAX_INBOX_BODY, ImportCounts, InboxState, Store, StoreValueError
from tests.store.conftest import NOW, order


async def add(store: Store, event_id: str, body: bytes = b"{}") -> int | None:
    return await store.add_inbox(
        source="shopify",
        event_id=event_id,
        topic="orders/create",
        shop="demo.myshopify.com",
        body=body,
        received_at=NOW,
    )


async def test_a_webhook_is_stored_once_and_replays_change_nothing(store: Store) -> None:
    first = await add(store, "w-1", b'{"id": 1}')
    assert first is not None
    assert await add(store, "w-1", b'{"id": 2}') is None

    [event] = await store.pending_inbox()
    assert (event.id, event.event_id, event.body, event.attempts) == (first, "w-1", b'{"id": 1}', 1)
    assert event.state is InboxState.PENDING and event.shop == "demo.myshopify.com"
    assert (await store.pending_inbox())[0].attempts == 2  # each read is an attempt


async def test_finishing_moves_a_pending_event_once(store: Store) -> None:
    done, bad = await add(store, "w-1"), await add(store, "w-2")
    assert done is not None and bad is not None
    assert await store.finish_inbox(done, InboxState.DONE, at=NOW, note="order 1001")
    assert not await store.finish_inbox(done, InboxState.FLAGGED, at=NOW)
    assert await store.finish_inbox(bad, InboxState.FLAGGED, at=NOW, note="not JSON")

    assert await store.pending_inbox() == []
    [flagged] = await store.flagged_inbox()
    assert (flagged.event_id, flagged.note) == ("w-2", "not JSON")
    counts = await store.inbox_counts()
    assert counts[InboxState.DONE] == counts[InboxState.FLAGGED] == 1
    assert counts[InboxState.PENDING] == counts[InboxState.IGNORED] == 0
    event = await store.inbox_event(done)
    assert event is not None and event.state is InboxState.DONE


async def test_the_inbox_refuses_what_it_cannot_keep(store: Store) -> None:
    with pytest.raises(StoreValueError):
        await add(store, "")
    with pytest.raises(StoreValueError):
        await add(store, "w-big", b"x" * (MAX_INBOX_BODY + 1))
    assert await store.pending_inbox() == []


async def test_an_older_version_of_a_resource_is_outdated(store: Store) -> None:
    first = (Shipment("ups", "1Z1"),)
    assert await store.claim_version("shopify:f:1", NOW, tracking=first) == (True, ())
    # The same version again (a retry) is current and returns what it had.
    assert await store.claim_version("shopify:f:1", NOW, tracking=first) == (True, first)
    assert await store.claim_version("shopify:f:1", NOW - timedelta(seconds=1)) == (False, ())
    later = (Shipment("fedex", "F1", Leg.RETURN),)
    newer = NOW + timedelta(minutes=1)
    assert await store.claim_version("shopify:f:1", newer, tracking=later) == (True, first)
    assert await store.claim_version("shopify:f:1", NOW) == (False, ())
    assert await store.claim_version("shopify:f:2", NOW) == (True, ())


async def test_replacing_an_order_keeps_only_its_new_shipments(store: Store) -> None:
    await store.upsert_orders([order("1001", "+15551234567", "1Z1", "1Z2")], now=NOW)
    replaced = Order(
        "1001",
        "+15557654321",
        postal_code="10001",
        shipments=(
            Shipment("ups", "1Z2"),
            Shipment("fedex", "F1"),
        ),
    )

    counts = await store.replace_order(replaced, now=NOW)

    assert counts == ImportCounts(0, 1, 1, 1)
    assert await store.get_order("1001") == replaced
    assert await store.replace_order(replaced, now=NOW) == ImportCounts(0, 1, 0, 2)
    assert await store.replace_order(order("1002", None), now=NOW) == ImportCounts(1, 0, 0, 0)


async def test_removing_shipments(store: Store) -> None:
    await store.upsert_orders([order("1001", "+15551234567", "1Z1", "1Z2")], now=NOW)
    assert await store.remove_shipments("1001", [Shipment("ups", "1Z1"), Shipment("ups", "X")]) == 1
    found = await store.get_order("1001")
    assert found is not None and [s.tracking_number for s in found.shipments] == ["1Z2"]


async def test_a_cancelled_order_is_no_longer_watched(store: Store) -> None:
    await store.upsert_orders(
        [order("1001", "+15551234567", "1Z1"), order("1002", "+15551234567", "1Z2")], now=NOW
    )
    cutoff = NOW - timedelta(days=30)
    due = await store.due_shipments(NOW, cutoff, after_order=0, limit=10)
    assert {s.tracking_number for s in due} == {"1Z1", "1Z2"}

    assert await store.cancel_order("1001", at=NOW)
    assert await store.cancel_order("1001", at=NOW + timedelta(hours=1))  # still cancelled
    assert not await store.cancel_order("9999", at=NOW)

    assert await store.cancelled_at("1001") == NOW
    assert await store.cancelled_at("1002") is None
    due = await store.due_shipments(NOW, cutoff, after_order=0, limit=10)
    assert [s.tracking_number for s in due] == ["1Z2"]

    # Replacing the order (the merchant re-created it) clears the cancellation.
    await store.replace_order(order("1001", "+15551234567", "1Z1"), now=NOW)
    assert await store.cancelled_at("1001") is None
