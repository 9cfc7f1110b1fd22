"""The store contract: the message log (claim once, finish, replay) and opt-outs."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from smsbot.store import Session, Store, StoredReply, StoreValueError, Verdict
from tests.store.conftest import NOW


async def claim(store: Store, sid: str, sender: str = "+15551234567", body: str = "1001") -> bool:
    return await store.claim_message(sid, channel="sms", sender=sender, body=body, received_at=NOW)


async def test_claim_finish_and_replay(store: Store) -> None:
    assert await store.message_reply("SM1") is None
    assert await claim(store, "SM1") is True
    assert await store.message_reply("SM1") == StoredReply(finished=False, reply=None)

    await store.finish_message(
        "SM1", intent="order", reply="Order 1001: Delivered", latency_ms=12.5
    )

    assert await claim(store, "SM1") is False
    assert await store.message_reply("SM1") == StoredReply(True, "Order 1001: Delivered")


async def test_an_empty_reply_is_distinct_from_unfinished(store: Store) -> None:
    await claim(store, "SM1")
    await claim(store, "SM2")

    await store.finish_message("SM1", intent="opt_out", reply=None, latency_ms=1.0)

    assert await store.message_reply("SM1") == StoredReply(finished=True, reply=None)
    assert await store.message_reply("SM2") == StoredReply(finished=False, reply=None)


async def test_concurrent_claims_of_one_sid_win_once(store: Store) -> None:
    results = await asyncio.gather(*(claim(store, "SM1") for _ in range(20)))

    assert sorted(results) == [False] * 19 + [True]


async def test_an_empty_sid_cannot_be_claimed(store: Store) -> None:
    with pytest.raises(StoreValueError, match="MessageSid"):
        await claim(store, "")
    assert await store.recent_messages() == []


async def test_finishing_an_unclaimed_message_only_warns(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    await store.finish_message("SM404", intent="noise", reply=None, latency_ms=1.0)

    assert "never claimed" in caplog.text
    assert await store.message_reply("SM404") is None


async def test_the_log_keeps_the_sender_masked(store: Store) -> None:
    await store.claim_message(
        "SM1",
        channel="whatsapp",
        sender="whatsapp:+15551234567",
        body="x" * 2000,
        received_at=NOW,
    )
    await store.finish_message("SM1", intent="noise", reply="Text your order number", latency_ms=3)

    logged = (await store.recent_messages())[0]
    assert (logged.sid, logged.channel, logged.sender) == ("SM1", "whatsapp", "+1******4567")
    assert (logged.intent, logged.reply, logged.latency_ms) == (
        "noise",
        "Text your order number",
        3,
    )
    assert logged.received_at == NOW


async def test_recent_messages_newest_first(store: Store) -> None:
    for minute in range(5):
        await store.claim_message(
            f"SM{minute}",
            channel="sms",
            sender="+15551234567",
            body="hi",
            received_at=NOW + timedelta(minutes=minute),
        )

    assert [m.sid for m in await store.recent_messages(limit=3)] == ["SM4", "SM3", "SM2"]
    assert await store.recent_messages(limit=0) == []
    assert len(await store.recent_messages()) == 5


async def test_sender_messages_are_tagged_cut_and_redacted(store: Store) -> None:
    key = "+15551234567"
    for minute, body in enumerate(["1001", "11201", "y" * 2000]):
        await store.claim_tagged(
            f"SM{minute}",
            key,
            channel="sms",
            sender=key,
            body=body,
            received_at=NOW + timedelta(minutes=minute),
        )
    await store.redact_message("SM1")
    await store.finish_message("SM2", intent="noise", reply="Hi", latency_ms=1)

    found = await store.sender_messages(key, 2)

    assert [(m.body, m.reply) for m in found] == [("[postal code]", None), ("y" * 1600, "Hi")]
    assert found[0].received_at == NOW + timedelta(minutes=1)
    assert await store.sender_messages("+15559999999", 5) == []


async def test_the_combined_calls_of_a_message(store: Store) -> None:
    key = "+15551234567"
    assert await store.claim_tagged(
        "SM1", key, channel="sms", sender=key, body="1001", received_at=NOW
    )
    assert not await store.claim_tagged(
        "SM1", "+15559999999", channel="sms", sender=key, body="1001", received_at=NOW
    )
    assert [m.body for m in await store.sender_messages(key, 5)] == ["1001"]
    assert await store.sender_messages("+15559999999", 5) == []

    first = await store.begin_turn("sms", key, NOW, limit=1, window_s=60)
    second = await store.begin_turn("sms", key, NOW, limit=1, window_s=60)
    assert [first[0], second[0]] == [Verdict.ALLOWED, Verdict.NOTICE]
    assert first[1] == second[1] == Session()

    assert await store.hit_lookup_limit(key, NOW, limit=1, window_s=3600) is Verdict.ALLOWED
    await store.record_wrong_answer(key, NOW, max_attempts=1, lockout_s=900)
    assert await store.hit_lookup_limit(key, NOW, limit=1, window_s=3600) is None
    # The locked-out call counted nothing: the next lookup after the lockout is the second.
    later = NOW + timedelta(seconds=901)
    assert await store.hit_lookup_limit(key, later, limit=1, window_s=3600) is Verdict.NOTICE


# Opt-outs


async def test_opt_out_and_back_in(store: Store) -> None:
    assert await store.is_opted_out("+5215512345678") is False

    await store.set_opted_out("whatsapp:+5215512345678", "whatsapp", True, NOW)

    assert await store.is_opted_out("+525512345678") is True
    assert await store.is_opted_out("+5215512345678") is True
    assert await store.is_opted_out("+15551234567") is False

    await store.set_opted_out("+525512345678", "sms", False, NOW + timedelta(minutes=1))

    assert await store.is_opted_out("+5215512345678") is False
