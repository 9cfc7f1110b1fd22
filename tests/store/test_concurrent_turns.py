"""The message path's invariants with many callers at once, on every backend: three stores
on one database (as three processes would be), ten calls each in flight. On PostgreSQL
`open_turn` and `close_turn` run at READ COMMITTED (`store.postgres.turns`): each invariant
below is held by one statement there, and these races are its proof."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from smsbot.store import Claim, Lookup, Store, Verdict, open_store
from tests.store.conftest import NOW
from tests.store.test_turns import KEY, end, start

STORES = 3
EACH = 10


@pytest.fixture
async def stores(store: Store, store_url: str) -> AsyncIterator[list[Store]]:
    """`store` and two more stores on the same database."""
    others = [await open_store(store_url) for _ in range(STORES - 1)]
    try:
        yield [store, *others]
    finally:
        for other in others:
            await other.close()


async def test_one_message_sid_is_claimed_once_by_many_callers(stores: list[Store]) -> None:
    for round_ in range(3):
        sid = f"SMrace{round_}"
        openings = await asyncio.gather(
            *(s.open_turn(start(sid), NOW) for s in stores for _ in range(EACH))
        )
        claims = Counter(opening.claim for opening in openings)
        assert claims == {Claim.NEW: 1, Claim.IN_PROGRESS: STORES * EACH - 1}, round_


async def test_an_expired_lease_is_taken_over_by_exactly_one_caller(stores: list[Store]) -> None:
    assert (await stores[0].open_turn(start("SMlease"), NOW)).claim is Claim.NEW
    later = NOW + timedelta(minutes=5)  # past the lease: the first answerer is gone
    openings = await asyncio.gather(
        *(
            s.open_turn(start("SMlease", lease_until=later + timedelta(seconds=6)), later)
            for s in stores
            for _ in range(EACH)
        )
    )
    claims = Counter(opening.claim for opening in openings)
    assert claims == {Claim.TAKEN_OVER: 1, Claim.IN_PROGRESS: STORES * EACH - 1}


async def test_a_finished_message_is_replayed_to_every_caller(stores: list[Store]) -> None:
    await stores[0].open_turn(start("SMdone"), NOW)
    await stores[0].close_turn(end("SMdone", reply="Order 1001: Delivered"))
    openings = await asyncio.gather(
        *(s.open_turn(start("SMdone"), NOW) for s in stores for _ in range(EACH))
    )
    assert {(o.claim, o.reply) for o in openings} == {(Claim.FINISHED, "Order 1001: Delivered")}


async def test_the_messages_window_counts_every_concurrent_hit_once(stores: list[Store]) -> None:
    limit = 12
    openings = await asyncio.gather(
        *(
            s.open_turn(start(f"SMw{n}-{i}", limit=limit), NOW)
            for n, s in enumerate(stores)
            for i in range(EACH)
        )
    )
    verdicts = Counter(opening.verdict for opening in openings)
    silent = STORES * EACH - limit - 1
    assert verdicts == {Verdict.ALLOWED: limit, Verdict.NOTICE: 1, Verdict.SILENT: silent}


async def test_turns_and_direct_hits_share_one_exact_count(stores: list[Store]) -> None:
    """open_turn (READ COMMITTED on PostgreSQL) and hit_limit (SERIALIZABLE) on one row."""
    limit = 100
    turns = [
        s.open_turn(start(f"SMmix{n}-{i}", limit=limit), NOW)
        for n, s in enumerate(stores)
        for i in range(EACH)
    ]
    hits = [
        s.hit_limit(KEY, "messages", NOW, limit=limit, window_s=60)
        for s in stores
        for _ in range(EACH)
    ]
    await asyncio.gather(*turns, *hits)
    # The window now holds 2 * STORES * EACH hits: the next ones cross the limit exactly.
    left = limit - 2 * STORES * EACH
    for _ in range(left):
        verdict = await stores[0].hit_limit(KEY, "messages", NOW, limit=limit, window_s=60)
        assert verdict is Verdict.ALLOWED
    assert await stores[1].hit_limit(KEY, "messages", NOW, limit=limit, window_s=60) is (
        Verdict.NOTICE
    )


async def test_the_lookups_window_counts_every_concurrent_lookup(stores: list[Store]) -> None:
    plan = Lookup(count=True)
    openings = await asyncio.gather(
        *(
            s.open_turn(start(f"SMl{n}-{i}", plan=plan, limit=1000, lookup_limit=4), NOW)
            for n, s in enumerate(stores)
            for i in range(EACH)
        )
    )
    lookups = Counter(opening.lookup for opening in openings)
    assert lookups == {Verdict.ALLOWED: 4, Verdict.NOTICE: 1, Verdict.SILENT: STORES * EACH - 5}


async def test_a_lowered_limit_still_gives_its_notice_once(store: Store) -> None:
    for _ in range(5):
        assert await store.hit_limit(KEY, "k", NOW, limit=10, window_s=60) is Verdict.ALLOWED
    assert await store.hit_limit(KEY, "k", NOW, limit=3, window_s=60) is Verdict.NOTICE
    assert await store.hit_limit(KEY, "k", NOW, limit=3, window_s=60) is Verdict.SILENT
    assert await store.hit_limit(KEY, "k", NOW, limit=100, window_s=60) is Verdict.ALLOWED
    assert await store.hit_limit(KEY, "k", NOW, limit=3, window_s=60) is Verdict.SILENT
    # A new window starts fresh: allowed again, then one notice.
    later = NOW + timedelta(seconds=61)
    assert await store.hit_limit(KEY, "k", later, limit=1, window_s=60) is Verdict.ALLOWED
    assert await store.hit_limit(KEY, "k", later, limit=1, window_s=60) is Verdict.NOTICE
    assert await store.hit_limit(KEY, "k", later, limit=0, window_s=60) is Verdict.SILENT
