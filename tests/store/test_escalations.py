"""Escalations, hand-offs and console users through the Protocol."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from smsbot.store import HandoffState, Store

NOW = datetime(2024, 11, 23, 14, 14, tzinfo=UTC)


async def test_an_escalation_waits_until_marked_handled_once(store: Store) -> None:
    first = await store.add_escalation(
        channel="sms", phone="+15551234567", order_number="1001", verified=True, language="en",
        at=NOW, targets=("slack", "zendesk"),
    )  # fmt: skip
    second = await store.add_escalation(
        channel="whatsapp", phone="+15557654321", order_number=None, verified=False,
        language="es", at=NOW + timedelta(minutes=1),
    )  # fmt: skip
    assert [e.id for e in await store.escalations(open_only=True)] == [second, first]
    assert await store.mark_handled(first, by="ana", at=NOW + timedelta(hours=1))
    assert not await store.mark_handled(first, by="bob", at=NOW + timedelta(hours=2))
    assert not await store.mark_handled(9999, by="bob", at=NOW)
    done = await store.escalation(first)
    assert done is not None and done.handled and done.handled_by == "ana"
    assert done.phone_key == "+15551234567"
    assert [e.id for e in await store.escalations(open_only=True)] == [second]
    assert len(await store.escalations(open_only=False)) == 2


async def test_handoffs_are_claimed_once_then_retried_or_dead(store: Store) -> None:
    escalation = await store.add_escalation(
        channel="sms", phone="+15551234567", order_number="1001", verified=True, language="en",
        at=NOW, targets=("slack", "zendesk"),
    )  # fmt: skip
    lease = NOW + timedelta(seconds=30)
    claimed = await store.due_handoffs(NOW, lease_until=lease)
    assert sorted(h.target for h in claimed) == ["slack", "zendesk"]
    assert await store.due_handoffs(NOW, lease_until=lease) == []  # leased
    slack = next(h for h in claimed if h.target == "slack")
    zendesk = next(h for h in claimed if h.target == "zendesk")
    await store.finish_handoff(slack.id, state=HandoffState.DELIVERED, at=NOW, external_ref="ok")
    retry_at = NOW + timedelta(minutes=1)
    await store.finish_handoff(
        zendesk.id, state=HandoffState.PENDING, at=NOW, next_attempt_at=retry_at, error="HTTP 503"
    )
    assert await store.due_handoffs(NOW + timedelta(seconds=59), lease_until=lease) == []
    (again,) = await store.due_handoffs(retry_at, lease_until=retry_at + timedelta(seconds=30))
    assert again.attempts == 1 and again.last_error == "HTTP 503"
    await store.finish_handoff(again.id, state=HandoffState.DEAD, at=retry_at, error="HTTP 503")
    (dead,) = await store.handoffs(state=HandoffState.DEAD)
    assert (dead.target, dead.attempts) == ("zendesk", 2)
    assert {h.state for h in await store.handoffs(escalation_id=escalation)} == {
        HandoffState.DELIVERED, HandoffState.DEAD
    }  # fmt: skip
    assert (await store.ops_snapshot(NOW)).handoffs_dead == 1


async def test_admin_users_lock_after_failures_and_a_new_password_ends_sessions(
    store: Store,
) -> None:
    assert await store.save_admin_user("ana", "hash1", NOW)
    user = await store.admin_user("ana")
    assert user is not None and user.session_epoch == 0 and user.locked_until is None
    assert not await store.admin_login_failed("nobody", NOW, max_failures=2, lockout_s=60)
    assert not await store.admin_login_failed("ana", NOW, max_failures=2, lockout_s=60)
    assert await store.admin_login_failed("ana", NOW, max_failures=2, lockout_s=60)
    locked = await store.admin_user("ana")
    assert locked is not None and locked.locked_until == NOW + timedelta(seconds=60)
    assert not await store.save_admin_user("ana", "hash2", NOW)
    changed = await store.admin_user("ana")
    assert changed is not None
    assert (changed.password_hash, changed.session_epoch, changed.locked_until) == (
        "hash2",
        1,
        None,
    )
    assert await store.admin_user("nobody") is None
