"""The store contract: sessions, verification (wrong answers, lockouts, verified pairs),
rate windows, and forgetting what nobody can use any more."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from smsbot.store import Session, Store, Verdict, WrongAnswer
from tests.store.conftest import NOW

KEY = "+15551234567"


async def test_a_session_round_trips_and_expires_but_keeps_its_hint(store: Store) -> None:
    assert await store.session("sms", KEY, NOW) == Session()
    saved = Session("es", ("1001", "1002"), "1001", "1002", hint_at=NOW)

    await store.save_session("sms", KEY, saved, NOW, ttl_s=600)

    assert await store.session("sms", KEY, NOW + timedelta(seconds=599)) == saved
    assert await store.session("whatsapp", KEY, NOW) == Session()  # per channel
    assert await store.session("sms", KEY, NOW + timedelta(seconds=600)) == Session(hint_at=NOW)


async def test_a_rate_window_notices_once_then_is_silent(store: Store) -> None:
    verdicts = [await store.hit_limit(KEY, "messages", NOW, limit=2, window_s=60) for _ in range(4)]
    later = await store.hit_limit(
        KEY, "messages", NOW + timedelta(seconds=60), limit=2, window_s=60
    )

    assert verdicts == [Verdict.ALLOWED, Verdict.ALLOWED, Verdict.NOTICE, Verdict.SILENT]
    assert later is Verdict.ALLOWED  # a new window
    other = await store.hit_limit(KEY, "lookups", NOW, limit=2, window_s=60)
    assert other is Verdict.ALLOWED  # windows are per kind


async def test_concurrent_hits_are_all_counted(store: Store) -> None:
    verdicts = await asyncio.gather(
        *(store.hit_limit(KEY, "messages", NOW, limit=10, window_s=60) for _ in range(12))
    )

    assert sorted(verdicts) == sorted([Verdict.ALLOWED] * 10 + [Verdict.NOTICE, Verdict.SILENT])


async def test_wrong_answers_lock_out_and_a_lockout_ends(store: Store) -> None:
    first = await store.record_wrong_answer(KEY, NOW, max_attempts=2, lockout_s=900)
    second = await store.record_wrong_answer(KEY, NOW, max_attempts=2, lockout_s=900)

    assert first == WrongAnswer(1, None)
    assert second == WrongAnswer(2, NOW + timedelta(seconds=900))
    assert await store.locked_until(KEY, NOW) == NOW + timedelta(seconds=900)
    assert await store.locked_until(KEY, NOW + timedelta(seconds=900)) is None
    assert await store.locked_until("+15559999999", NOW) is None


async def test_verified_pairs_expire(store: Store) -> None:
    await store.remember_verified(KEY, "1001", NOW + timedelta(hours=1))

    assert await store.is_verified(KEY, "1001", NOW)
    assert not await store.is_verified(KEY, "1002", NOW)
    assert not await store.is_verified("+15559999999", "1001", NOW)
    assert not await store.is_verified(KEY, "1001", NOW + timedelta(hours=1))


async def test_forget_expired_deletes_only_what_nobody_can_use(store: Store) -> None:
    await store.save_session("sms", KEY, Session(last_order="1001"), NOW, ttl_s=60)
    await store.save_session("sms", "+15559999999", Session(), NOW, ttl_s=3600)
    await store.remember_verified(KEY, "1001", NOW + timedelta(seconds=60))
    await store.record_wrong_answer(KEY, NOW, max_attempts=5, lockout_s=60)

    later = NOW + timedelta(seconds=61)
    deleted = await store.forget_expired(later, hint_window_s=0, lockout_s=60)

    assert deleted == 3
    assert await store.forget_expired(later, hint_window_s=0, lockout_s=60) == 0
    assert await store.record_wrong_answer(KEY, later, max_attempts=5, lockout_s=60) == WrongAnswer(
        1, None
    )
