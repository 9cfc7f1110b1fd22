"""The store contract for events in an odd order (`SequencingStore`), through the Protocol."""

from __future__ import annotations

from datetime import timedelta

import pytest

from smsbot.errors import StoreValueError
from smsbot.store import (
    EARLY_CALLBACK_TTL_S,
    OutboxState,
    Store,
    TriggerState,
)
from tests.store.conftest import NOW, order

PHONE = "+15551234567"
SID = "SM" + "1" * 32


async def _sent(store: Store, key: str, sid: str) -> int:
    """A message of the outbox, handed to Twilio as `sid`; its id."""
    await store.add_outbox(
        key=key, phone=PHONE, channel="sms", body="Hi", order_number=None,
        state=OutboxState.QUEUED, at=NOW,
    )  # fmt: skip
    message = await store.outbox_message(key)
    assert message is not None
    await store.move_outbox(
        message.id, (OutboxState.QUEUED,), NOW, state=OutboxState.SENT, sid=sid, status_rank=1
    )
    return message.id


async def test_an_early_callback_is_kept_then_applied_once(store: Store) -> None:
    kept = await store.record_or_keep_delivery(
        SID, state=OutboxState.DELIVERED, twilio_status="delivered", rank=2, error_code=None,
        at=NOW,
    )  # fmt: skip
    assert kept is None
    assert await store.apply_early_deliveries(SID, NOW) is None  # no message yet: still kept
    await _sent(store, "k", SID)
    applied = await store.apply_early_deliveries(SID, NOW)
    assert applied is not None and applied.state is OutboxState.DELIVERED
    # Forgotten once applied: a later "sent" does not come back with it.
    await store.record_or_keep_delivery(
        SID, state=OutboxState.SENT, twilio_status="sent", rank=1, error_code=None, at=NOW
    )
    again = await store.apply_early_deliveries(SID, NOW)
    assert again is not None and again.state is OutboxState.DELIVERED


async def test_the_highest_rank_wins_and_an_error_code_is_kept(store: Store) -> None:
    for state, status, rank, code in [
        (OutboxState.UNDELIVERED, "undelivered", 2, 30003),
        (OutboxState.SENT, "sent", 1, None),
    ]:
        await store.record_or_keep_delivery(
            SID, state=state, twilio_status=status, rank=rank, error_code=code, at=NOW
        )
    await _sent(store, "k", SID)
    message = await store.apply_early_deliveries(SID, NOW)
    assert message is not None
    assert (message.state, message.twilio_status, message.error_code) == (
        OutboxState.UNDELIVERED,
        "undelivered",
        30003,
    )


async def test_a_known_sid_is_recorded_not_kept(store: Store) -> None:
    await _sent(store, "k", SID)
    message = await store.record_or_keep_delivery(
        SID, state=OutboxState.FAILED, twilio_status="failed", rank=2, error_code=30008, at=NOW
    )
    assert message is not None and message.state is OutboxState.FAILED


async def test_old_early_callbacks_are_forgotten(store: Store) -> None:
    await store.record_or_keep_delivery(
        SID, state=OutboxState.DELIVERED, twilio_status="delivered", rank=2, error_code=None,
        at=NOW,
    )  # fmt: skip
    later = NOW + timedelta(seconds=EARLY_CALLBACK_TTL_S + 1)
    await store.record_or_keep_delivery(
        "SM" + "2" * 32, state=OutboxState.SENT, twilio_status="sent", rank=1, error_code=None,
        at=later,
    )  # fmt: skip
    await _sent(store, "k", SID)
    message = await store.apply_early_deliveries(SID, later)
    assert message is not None and message.state is OutboxState.SENT


async def test_supersede_drops_only_waiting_messages(store: Store) -> None:
    for key in ("old", "new"):
        await store.add_outbox(
            key=key, phone=PHONE, channel="sms", body=key, order_number="1001",
            state=OutboxState.QUEUED, at=NOW,
        )  # fmt: skip
    await _sent(store, "gone", SID)
    dropped = await store.supersede_outbox(["old", "gone", "new", "absent"], by="new", at=NOW)
    assert dropped == 1
    old, new, gone = [await store.outbox_message(key) for key in ("old", "new", "gone")]
    assert old is not None and new is not None and gone is not None
    assert (old.state, old.defer_reason, old.error_message) == (
        OutboxState.SUPPRESSED,
        "superseded",
        "superseded by new",
    )
    assert new.state is OutboxState.QUEUED and gone.state is OutboxState.SENT
    assert await store.supersede_outbox([], by="new", at=NOW) == 0


async def test_a_postponed_trigger_moves_out_and_counts(store: Store) -> None:
    await store.upsert_orders([order("1001", PHONE, "1Z1"), order("1002", PHONE, "1Z2")])
    due = {1: {"checkin": NOW}, 2: {"checkin": NOW + timedelta(minutes=1)}}
    await store.record_triggers({}, NOW, scheduled=due)
    delay = lambda n: timedelta(minutes=10 * n)  # noqa: E731
    assert await store.postpone_trigger(1, "checkin", NOW, delay) == 1
    assert await store.postpone_trigger(1, "checkin", NOW, delay) == 2
    later = NOW + timedelta(minutes=5)
    assert [(s.shipment_id, kind) for s, kind in await store.due_triggers(later, limit=10)] == [
        (2, "checkin")
    ]
    assert [
        s.shipment_id for s, _ in await store.due_triggers(NOW + timedelta(minutes=20), limit=10)
    ] == [2, 1]
    await store.record_triggers({1: {"checkin": TriggerState.SKIPPED}}, NOW)
    assert await store.postpone_trigger(1, "checkin", NOW, delay) == 0  # not scheduled now
    assert await store.postpone_trigger(9, "checkin", NOW, delay) == 0
    with pytest.raises(StoreValueError):
        await store.postpone_trigger(2, "checkin", NOW.replace(tzinfo=None), delay)


async def test_one_handoff_per_window(store: Store) -> None:
    window = 3600.0
    assert await store.claim_handoff("a", NOW, window) is None
    assert await store.claim_handoff("a", NOW + timedelta(minutes=59), window) == NOW
    assert await store.claim_handoff("b", NOW, window) is None  # per sender
    assert await store.claim_handoff("a", NOW + timedelta(hours=1), window) is None
    # A released claim (the hand-off failed) frees the sender at once.
    await store.release_handoff("b", NOW)
    assert await store.claim_handoff("b", NOW + timedelta(seconds=1), window) is None
    # Releasing a claim that is not the current one changes nothing.
    await store.release_handoff("b", NOW)
    assert await store.claim_handoff("b", NOW + timedelta(seconds=2), window) is not None
