"""Two stores on one database (as two processes would be) claiming at once: the daily cap
and "claimed once" hold, on every backend (PostgreSQL: SERIALIZABLE writes, retried)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from smsbot.store import OutboxClaim, OutboxState, Store, open_store
from tests.store.conftest import NOW

DAY = (NOW.replace(hour=0, minute=0), NOW.replace(hour=0, minute=0) + timedelta(days=1))


async def _queue(store: Store, count: int, phone: str) -> list[int]:
    for index in range(count):
        await store.add_outbox(
            key=f"{phone}:{index}",
            phone=phone,
            channel="sms",
            body=f"notice {index}",
            order_number=None,
            state=OutboxState.QUEUED,
            at=NOW - timedelta(minutes=1),
        )
    return [m.id for m in await store.due_outbox(NOW, 100) if m.phone == phone]


async def test_two_stores_never_pass_the_daily_cap_together(store: Store, store_url: str) -> None:
    async with await open_store(store_url) as other:
        for round_ in range(4):
            phone = f"+1202555010{round_}"
            first, second = await _queue(store, 2, phone)
            claimed = await asyncio.gather(
                store.claim_outbox(first, now=NOW, lease_until=NOW, day=DAY, daily_cap=1),
                other.claim_outbox(second, now=NOW, lease_until=NOW, day=DAY, daily_cap=1),
            )
            assert sorted(claimed) == [False, True], round_


async def test_two_stores_batch_claiming_the_same_messages_claim_each_once(
    store: Store, store_url: str
) -> None:
    async with await open_store(store_url) as other:
        phones = [f"+1202555020{n}" for n in range(6)]
        ids = [i for phone in phones for i in await _queue(store, 1, phone)]
        claims = [OutboxClaim(i, DAY, NOW + timedelta(hours=1)) for i in ids]
        batches = await asyncio.gather(
            *(
                one.claim_outbox_batch(
                    claims, (), now=NOW, lease_until=NOW + timedelta(minutes=5), daily_cap=5
                )
                for one in (store, other, store, other)
            )
        )
        taken = [m.id for batch in batches for m in batch.claimed]
        assert sorted(taken) == sorted(ids)
