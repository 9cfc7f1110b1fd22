"""Claims shared by many processes (issue 15): watcher order claims, carrier budgets, and
taking a stale outbox message, on every backend, through the Protocol only."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from smsbot.errors import StoreValueError
from smsbot.store import OutboxState, Store
from tests.store.conftest import NOW

LATER = NOW + timedelta(minutes=10)
HOUR = NOW.replace(minute=0, second=0, microsecond=0)


async def test_an_order_is_held_by_one_owner_until_its_lease_ends(store: Store) -> None:
    assert await store.claim_orders([1, 2], owner="a", now=NOW, until=LATER) == {1, 2}
    assert await store.claim_orders([2, 3], owner="b", now=NOW, until=LATER) == {3}
    # The holder renews its own claim; the lease ending hands the order to another.
    assert await store.claim_orders([2], owner="a", now=NOW, until=LATER) == {2}
    after = LATER + timedelta(seconds=1)
    assert await store.claim_orders([1, 2], owner="b", now=after, until=after) == {1, 2}


async def test_release_frees_only_the_owners_claims(store: Store) -> None:
    await store.claim_orders([1], owner="a", now=NOW, until=LATER)
    await store.claim_orders([2], owner="b", now=NOW, until=LATER)
    released = NOW + timedelta(seconds=5)
    await store.release_orders([1, 2], owner="a", at=released)
    after = released + timedelta(seconds=1)
    assert await store.claim_orders([1, 2], owner="c", now=after, until=LATER) == {1}


async def test_a_reading_older_than_the_release_wins_nothing(store: Store) -> None:
    # Watcher b read order 1 as due at NOW; a checked it and released it after that.
    await store.claim_orders([1], owner="a", now=NOW, until=LATER)
    await store.release_orders([1], owner="a", at=NOW + timedelta(seconds=2))
    assert await store.claim_orders([1], owner="b", now=NOW, until=LATER) == set()
    # Ended claims are forgotten after a day.
    await store.release_orders([], owner="a", at=NOW + timedelta(days=2))
    assert await store.claim_orders([1], owner="b", now=NOW, until=LATER) == {1}


async def test_a_claim_needs_an_owner(store: Store) -> None:
    with pytest.raises(StoreValueError):
        await store.claim_orders([1], owner="", now=NOW, until=LATER)
    assert await store.claim_orders([], owner="a", now=NOW, until=LATER) == set()


async def test_concurrent_claims_have_one_winner_per_order(store: Store) -> None:
    ids = list(range(1, 41))
    won = await asyncio.gather(
        *(store.claim_orders(ids, owner=f"w{n}", now=NOW, until=LATER) for n in range(4))
    )
    assert sorted(i for claimed in won for i in claimed) == ids


async def test_a_budget_counts_requests_up_to_its_limit(store: Store) -> None:
    assert await store.take_budget("usps", window=HOUR, limit=5, count=3)
    assert not await store.take_budget("usps", window=HOUR, limit=5, count=3)
    assert await store.take_budget("usps", window=HOUR, limit=5, count=2)
    assert not await store.take_budget("usps", window=HOUR, limit=5)
    assert await store.budget_spent("usps", HOUR) == 5
    # Another carrier and the next hour have budgets of their own.
    assert await store.take_budget("ups", window=HOUR, limit=5)
    assert await store.take_budget("usps", window=HOUR + timedelta(hours=1), limit=5)
    assert not await store.take_budget("usps", window=HOUR, limit=5, count=6)
    with pytest.raises(StoreValueError):
        await store.take_budget("usps", window=HOUR, limit=5, count=0)


async def test_concurrent_spenders_never_exceed_the_limit(store: Store) -> None:
    granted = await asyncio.gather(
        *(store.take_budget("usps", window=HOUR, limit=7) for _ in range(20))
    )
    assert sum(granted) == 7
    assert await store.budget_spent("usps", HOUR) == 7


async def test_old_budget_windows_are_forgotten(store: Store) -> None:
    await store.take_budget("usps", window=HOUR - timedelta(days=2), limit=5)
    await store.take_budget("usps", window=HOUR, limit=5)
    assert await store.budget_spent("usps", HOUR - timedelta(days=2)) == 0


async def _sending(store: Store, key: str) -> int:
    assert await store.add_outbox(
        key=key, phone="+15551234567", channel="sms", body="hi", order_number=None,
        state=OutboxState.QUEUED, at=NOW,
    )  # fmt: skip
    message = await store.outbox_message(key)
    assert message is not None
    day = (NOW - timedelta(hours=12), NOW + timedelta(hours=12))
    lease = NOW + timedelta(minutes=2)
    assert await store.claim_outbox(message.id, now=NOW, lease_until=lease, day=day, daily_cap=10)
    return message.id


async def test_a_stale_message_is_taken_by_one_reconciler(store: Store) -> None:
    message_id = await _sending(store, "k1")
    # Still leased: nobody takes it.
    assert not await store.take_stale_outbox(
        message_id, now=NOW + timedelta(minutes=1), lease_until=NOW + timedelta(minutes=5)
    )
    stale = NOW + timedelta(minutes=3)
    taken = await asyncio.gather(
        *(
            store.take_stale_outbox(message_id, now=stale, lease_until=stale + timedelta(minutes=2))
            for _ in range(5)
        )
    )
    assert taken.count(True) == 1
    assert [m.id for m in await store.stale_outbox(stale)] == []
    message = await store.outbox_message("k1")
    assert message is not None and message.lease_until == stale + timedelta(minutes=2)


async def test_only_sending_messages_are_taken(store: Store) -> None:
    message_id = await _sending(store, "k2")
    await store.move_outbox(
        message_id, (OutboxState.SENDING,), NOW, state=OutboxState.SENT, sid="SM" + "0" * 32
    )
    assert not await store.take_stale_outbox(
        message_id, now=NOW + timedelta(hours=1), lease_until=NOW + timedelta(hours=2)
    )
