"""The store contract: outbox, alert and trigger states go in and come back as enums; a
value the store cannot keep is refused before anything is written."""

from __future__ import annotations

from datetime import timedelta

import pytest

from smsbot.store import (
    WAITING,
    AlertState,
    CheckOutcome,
    OutboxState,
    Store,
    StoreError,
    StoreValueError,
    TriggerState,
)
from tests.store.conftest import NOW, order

PHONE = "+15551234567"


async def add(store: Store, key: str = "k", state: OutboxState = OutboxState.QUEUED) -> int:
    assert await store.add_outbox(
        key=key, phone=PHONE, channel="sms", body="Hi", order_number="1001", state=state, at=NOW
    )
    message = await store.outbox_message(key)
    assert message is not None
    return message.id


async def test_outbox_states_are_enums(store: Store) -> None:
    message_id = await add(store)
    message = await store.outbox_message("k")
    assert message is not None
    assert message.state is OutboxState.QUEUED

    assert await store.move_outbox(message_id, WAITING, NOW, state=OutboxState.DEFERRED)
    assert not await store.move_outbox(message_id, (OutboxState.SENDING,), NOW, sid="SMx")

    [due] = await store.due_outbox(NOW + timedelta(seconds=1))
    assert due.state is OutboxState.DEFERRED


async def test_a_status_callback_moves_a_sent_message(store: Store) -> None:
    message_id = await add(store)
    await store.move_outbox(message_id, WAITING, NOW, state=OutboxState.SENT, sid="SM1")

    moved = await store.record_or_keep_delivery(
        "SM1", state=OutboxState.DELIVERED, twilio_status="delivered", rank=2, error_code=None,
        at=NOW,
    )  # fmt: skip
    late = await store.record_or_keep_delivery(
        "SM1", state=OutboxState.SENT, twilio_status="sent", rank=1, error_code=None, at=NOW
    )

    assert moved is not None and moved.state is OutboxState.DELIVERED
    assert late is not None and late.state is OutboxState.DELIVERED  # never back in rank
    assert await store.record_or_keep_delivery(
        "SM404", state=OutboxState.FAILED, twilio_status="failed", rank=2, error_code=1, at=NOW
    ) is None  # fmt: skip


@pytest.mark.parametrize(
    "changes",
    [{"body": "changed"}, {}, {"state": "lost"}],
)
async def test_move_outbox_refuses_what_it_cannot_set(
    store: Store, changes: dict[str, object]
) -> None:
    message_id = await add(store)

    with pytest.raises(StoreValueError):
        await store.move_outbox(message_id, WAITING, NOW, **changes)

    message = await store.outbox_message("k")
    assert message is not None and message.state is OutboxState.QUEUED


async def test_a_store_value_error_is_a_store_error_and_a_value_error() -> None:
    assert issubclass(StoreValueError, StoreError)
    assert issubclass(StoreValueError, ValueError)


async def test_alert_states_are_enums(store: Store) -> None:
    fields = {
        "key": "a1", "kind": "stalled", "order_number": "1001", "carrier": "ups",
        "tracking_number": "1Z1", "status": "in_transit", "phone_masked": "+1******4567",
        "detail": "no scan for 3 days",
    }  # fmt: skip
    assert await store.add_alert(fields, state=AlertState.PENDING, at=NOW)
    assert not await store.add_alert(fields, state=AlertState.PENDING, at=NOW)

    [claimed] = await store.claim_alerts(NOW, NOW + timedelta(minutes=5))
    assert claimed.state is AlertState.PENDING
    assert await store.claim_alerts(NOW, NOW + timedelta(minutes=5)) == []  # leased
    await store.finish_alert(claimed.id, state=AlertState.DELIVERED, at=NOW)

    [stored] = await store.recent_alerts()
    assert (stored.state, stored.attempts, stored.delivered_at) == (AlertState.DELIVERED, 1, NOW)


async def test_trigger_states_are_enums_and_once_only(store: Store) -> None:
    await store.upsert_orders([order("1001", PHONE, "1Z1")], now=NOW)
    [shipment] = await store.due_shipments(NOW, NOW - timedelta(days=30), after_order=0, limit=10)
    await store.save_checks([CheckOutcome(shipment.shipment_id, NOW + timedelta(hours=1))], NOW)

    await store.record_triggers(
        {shipment.shipment_id: {"shipped": TriggerState.SENT}},
        NOW,
        scheduled={shipment.shipment_id: {"checkin": NOW + timedelta(days=1)}},
    )
    await store.record_triggers({shipment.shipment_id: {"shipped": TriggerState.SKIPPED}}, NOW)

    states = await store.trigger_states(shipment.shipment_id)
    assert states == {"shipped": TriggerState.SENT, "checkin": TriggerState.SCHEDULED}
    assert all(type(state) is TriggerState for state in states.values())
    [(due, kind)] = await store.due_triggers(NOW + timedelta(days=2), limit=10)
    assert (due.shipment_id, kind, due.fired) == (
        shipment.shipment_id,
        "checkin",
        frozenset({"shipped"}),
    )


async def test_a_trigger_cannot_be_recorded_as_scheduled(store: Store) -> None:
    await store.upsert_orders([order("1001", PHONE, "1Z1")], now=NOW)
    [shipment] = await store.shipments_for_tracking(["ups"], "1Z1")

    with pytest.raises(StoreValueError, match="trigger states"):
        await store.record_triggers(
            {shipment.shipment_id: {"shipped": TriggerState.SCHEDULED}}, NOW
        )

    assert await store.trigger_states(shipment.shipment_id) == {}
