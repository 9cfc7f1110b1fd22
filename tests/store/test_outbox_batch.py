"""The store contract for batched outbox sends (`smsbot.store.outbox_batch`): one claim
keeps the single-message guarantees (due, waiting, opt-outs, the daily cap counted inside
the batch, never claimed twice), and outcomes move only messages still "sending"."""

from __future__ import annotations

from datetime import timedelta

import pytest

from smsbot.store import (
    OutboxClaim,
    OutboxHold,
    OutboxOutcome,
    OutboxState,
    Store,
    StoreValueError,
)
from tests.store.conftest import NOW

PHONE = "+15551234567"
OTHER = "+15557654321"
DAY = (NOW - timedelta(hours=12), NOW + timedelta(hours=12))
TOMORROW = DAY[1] + timedelta(hours=8)
LEASE = NOW + timedelta(minutes=2)


async def add(store: Store, key: str, phone: str = PHONE) -> int:
    assert await store.add_outbox(
        key=key, phone=phone, channel="sms", body=f"about {key}", order_number=None,
        state=OutboxState.QUEUED, at=NOW,
    )  # fmt: skip
    message = await store.outbox_message(key)
    assert message is not None
    return message.id


def claim(message_id: int) -> OutboxClaim:
    return OutboxClaim(message_id, DAY, TOMORROW)


async def state(store: Store, key: str) -> OutboxState:
    message = await store.outbox_message(key)
    assert message is not None
    return message.state


async def test_the_daily_cap_counts_messages_claimed_earlier_in_the_batch(store: Store) -> None:
    ids = [await add(store, f"k{n}") for n in range(3)]
    other = await add(store, "o", OTHER)
    batch = await store.claim_outbox_batch(
        [claim(i) for i in (*ids, other)], [], now=NOW, lease_until=LEASE, daily_cap=2
    )
    assert [m.id for m in batch.claimed] == [ids[0], ids[1], other]
    assert all(m.state is OutboxState.SENDING and m.attempts == 1 for m in batch.claimed)
    assert batch.over_cap == [ids[2]]
    late = await store.outbox_message("k2")
    assert late is not None
    assert late.state is OutboxState.DEFERRED
    assert late.defer_reason == "daily_cap"
    assert late.not_before == TOMORROW


async def test_a_message_is_never_claimed_twice(store: Store) -> None:
    message_id = await add(store, "k")
    first = await store.claim_outbox_batch(
        [claim(message_id)], [], now=NOW, lease_until=LEASE, daily_cap=5
    )
    second = await store.claim_outbox_batch(
        [claim(message_id)], [], now=NOW, lease_until=LEASE, daily_cap=5
    )
    assert [m.id for m in first.claimed] == [message_id]
    assert second.claimed == []
    assert second.over_cap == second.suppressed == []


async def test_a_message_not_yet_due_is_not_claimed(store: Store) -> None:
    message_id = await add(store, "k")
    batch = await store.claim_outbox_batch(
        [claim(message_id)], [], now=NOW - timedelta(seconds=1), lease_until=LEASE, daily_cap=5
    )
    assert batch.claimed == []
    assert await state(store, "k") is OutboxState.QUEUED


async def test_opted_out_recipients_are_suppressed_not_claimed_nor_held(store: Store) -> None:
    sent, held = await add(store, "k1"), await add(store, "k2")
    await store.set_opted_out(PHONE, "sms", True, NOW)
    batch = await store.claim_outbox_batch(
        [claim(sent)], [OutboxHold(held, TOMORROW, "quiet_hours")],
        now=NOW, lease_until=LEASE, daily_cap=5,
    )  # fmt: skip
    assert batch.claimed == []
    assert sorted(batch.suppressed) == sorted([sent, held])
    assert await state(store, "k1") is OutboxState.SUPPRESSED
    assert await state(store, "k2") is OutboxState.SUPPRESSED


async def test_holds_defer_waiting_messages_only(store: Store) -> None:
    waiting, taken = await add(store, "k1"), await add(store, "k2")
    await store.claim_outbox_batch([claim(taken)], [], now=NOW, lease_until=LEASE, daily_cap=5)
    batch = await store.claim_outbox_batch(
        [], [OutboxHold(waiting, TOMORROW, "quiet_hours"), OutboxHold(taken, TOMORROW, "x")],
        now=NOW, lease_until=LEASE, daily_cap=5,
    )  # fmt: skip
    assert batch.held == [waiting]
    held = await store.outbox_message("k1")
    assert held is not None
    assert (held.state, held.not_before, held.defer_reason) == (
        OutboxState.DEFERRED, TOMORROW, "quiet_hours",
    )  # fmt: skip
    assert await state(store, "k2") is OutboxState.SENDING


async def test_outcomes_move_only_sending_messages_and_apply_early_callbacks(
    store: Store,
) -> None:
    sending, waiting = await add(store, "k1"), await add(store, "k2")
    await store.claim_outbox_batch([claim(sending)], [], now=NOW, lease_until=LEASE, daily_cap=5)
    early = await store.record_or_keep_delivery(
        "SM1", state=OutboxState.DELIVERED, twilio_status="delivered", rank=3,
        error_code=None, at=NOW,
    )  # fmt: skip
    assert early is None  # no message has that SID yet: kept
    sent = {"state": OutboxState.SENT, "sid": "SM1", "twilio_status": "queued",
            "status_rank": 1, "lease_until": None, "sent_at": NOW}  # fmt: skip
    moved = await store.finish_outbox_batch(
        [OutboxOutcome(sending, sent), OutboxOutcome(waiting, {**sent, "sid": "SM2"})], NOW
    )
    assert moved == [sending]
    message = await store.outbox_message("k1")
    assert message is not None
    assert (message.state, message.sid, message.sent_at) == (OutboxState.DELIVERED, "SM1", NOW)
    assert await state(store, "k2") is OutboxState.QUEUED


async def test_an_unknown_column_is_refused_and_nothing_is_written(store: Store) -> None:
    message_id = await add(store, "k")
    await store.claim_outbox_batch([claim(message_id)], [], now=NOW, lease_until=LEASE, daily_cap=5)
    with pytest.raises(StoreValueError):
        await store.finish_outbox_batch(
            [
                OutboxOutcome(message_id, {"state": OutboxState.FAILED}),
                OutboxOutcome(message_id, {"phone": "+15550000000"}),
            ],
            NOW,
        )
    assert await state(store, "k") is OutboxState.SENDING
