"""The store contract: a message's store work in two calls (`open_turn`, `close_turn`)."""

from __future__ import annotations

from datetime import timedelta

from smsbot.store import (
    Claim,
    Lookup,
    Session,
    Store,
    StoredReply,
    TurnEnd,
    TurnStart,
    Verdict,
)
from smsbot.tracking import Status, TrackingResult
from tests.store.conftest import NOW, order

PHONE = "+15551234567"
KEY = PHONE
LEASE = timedelta(seconds=6)


def start(sid: str = "SM1", *, plan: Lookup | None = None, **changes: object) -> TurnStart:
    fields: dict[str, object] = {
        "sid": sid,
        "key": KEY,
        "channel": "sms",
        "sender": PHONE,
        "body": "1001",
        "received_at": NOW,
        "lease_until": NOW + LEASE,
        "phone": PHONE,
        "limit": 5,
        "lookup_limit": 5,
        "plan": None if plan is None else (lambda _session: plan),
    }
    fields.update(changes)
    return TurnStart(**fields)  # type: ignore[arg-type]


def end(sid: str = "SM1", reply: str | None = "Hi", **changes: object) -> TurnEnd:
    fields: dict[str, object] = {"sid": sid, "intent": "order", "reply": reply, "latency_ms": 3.0}
    fields.update(changes)
    return TurnEnd(**fields)  # type: ignore[arg-type]


async def test_a_new_message_is_claimed_counted_and_replayed_once_finished(store: Store) -> None:
    opening = await store.open_turn(start(), NOW)
    assert opening.claim is Claim.NEW
    assert opening.verdict is Verdict.ALLOWED
    assert opening.session == Session()

    again = await store.open_turn(start(), NOW + timedelta(seconds=1))
    assert again.claim is Claim.IN_PROGRESS

    await store.close_turn(end(reply="Order 1001: Delivered"))
    replayed = await store.open_turn(start(), NOW + timedelta(seconds=2))
    assert (replayed.claim, replayed.reply) == (Claim.FINISHED, "Order 1001: Delivered")
    assert await store.message_reply("SM1") == StoredReply(True, "Order 1001: Delivered")
    assert [m.body for m in await store.sender_messages(KEY, 5)] == ["1001"]


async def test_an_unfinished_message_is_taken_over_once_its_lease_ran_out(store: Store) -> None:
    await store.open_turn(start(), NOW)
    assert (await store.open_turn(start(), NOW + LEASE - timedelta(seconds=1))).claim is (
        Claim.IN_PROGRESS
    )
    later = NOW + LEASE + timedelta(seconds=1)
    taken = await store.open_turn(start(lease_until=later + LEASE), later)
    assert taken.claim is Claim.TAKEN_OVER
    assert taken.verdict is Verdict.ALLOWED
    # The new lease holds: a third try waits again.
    assert (await store.open_turn(start(), later)).claim is Claim.IN_PROGRESS


async def test_an_opt_out_is_recorded_with_the_claim(store: Store) -> None:
    opening = await store.open_turn(start(body="STOP", opt_out=True), NOW)
    assert opening.claim is Claim.NEW
    assert await store.is_opted_out(PHONE)  # before anything else is called
    await store.open_turn(start("SM2", body="START", opt_out=False), NOW)
    assert not await store.is_opted_out(PHONE)


async def test_the_plan_reads_the_order_its_cache_and_counts_a_lookup(store: Store) -> None:
    await store.upsert_orders([order("1001", PHONE, "1Z1")], now=NOW)
    result = TrackingResult("ups", "1Z1", Status.IN_TRANSIT, "In transit", "I")
    await store.save_tracking(result, NOW)
    opening = await store.open_turn(start(plan=Lookup(order="1001", count=True)), NOW)
    assert opening.read_order == "1001"
    assert opening.order is not None and opening.order.number == "1001"
    assert opening.counted and opening.lookup is Verdict.ALLOWED
    assert not opening.verified
    cached = opening.tracking[("ups", "1Z1")]
    assert cached is not None and cached.result.status is Status.IN_TRANSIT

    await store.remember_verified(KEY, "1001", NOW + timedelta(hours=1))
    second = await store.open_turn(start("SM2", plan=Lookup(order="1001")), NOW)
    assert second.verified and not second.counted


async def test_a_missing_order_reads_as_none_and_the_limits_still_count(store: Store) -> None:
    opening = await store.open_turn(
        start(plan=Lookup(order="404", count=True), lookup_limit=1), NOW
    )
    assert (opening.read_order, opening.order, opening.tracking) == ("404", None, {})
    second = await store.open_turn(start("SM2", plan=Lookup(count=True), lookup_limit=1), NOW)
    assert second.lookup is Verdict.NOTICE


async def test_a_locked_out_sender_is_not_counted(store: Store) -> None:
    await store.record_wrong_answer(KEY, NOW, max_attempts=1, lockout_s=600)
    opening = await store.open_turn(start(plan=Lookup(count=True)), NOW)
    assert opening.locked_until is not None
    assert opening.counted and opening.lookup is None


async def test_close_turn_saves_the_session_and_redacts(store: Store) -> None:
    await store.open_turn(start(body="94107"), NOW)
    session = Session(language="es", menu=("1", "2"), pending_order="1001")
    await store.close_turn(
        end(redact=True, session=session, channel="sms", key=KEY, now=NOW, ttl_s=600)
    )
    assert await store.session("sms", KEY, NOW) == session
    assert "94107" not in [m.body for m in await store.sender_messages(KEY, 5)]


async def test_a_message_without_sid_is_neither_claimed_nor_logged(store: Store) -> None:
    assert (await store.open_turn(start(""), NOW)).claim is Claim.NEW
    assert (await store.open_turn(start(""), NOW)).claim is Claim.NEW
    await store.close_turn(
        end("", session=Session(last_order="1"), channel="sms", key=KEY, now=NOW, ttl_s=60)
    )
    assert await store.recent_messages() == []
    assert (await store.session("sms", KEY, NOW)).last_order == "1"
