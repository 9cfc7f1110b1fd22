"""Per-sender abuse limits: messages a minute, lookups an hour; kept in the store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from smsbot.store import Verdict, open_store
from tests.conftest import OWNER, STRANGER, SettingsFactory
from tests.test_conversation import chatting

NOTICE = "You've sent a lot of messages. Please wait a few minutes and try again."


async def test_messages_per_minute_one_notice_then_silence(make_settings: SettingsFactory) -> None:
    async with chatting(make_settings(bot={"max_messages_per_minute": 3})) as chat:
        for _ in range(3):
            assert await chat.text("HELP")
            chat.clock.advance(5)
        assert await chat.text("1001") == NOTICE
        assert await chat.text("1001") is None
        assert await chat.text("HELP") is None
        # STOP is always recorded, limited or not (and SMS gets empty TwiML anyway).
        assert await chat.text("STOP") is None
        assert await chat.bot.store.is_opted_out(OWNER)
        assert await chat.says("START", whatsapp=True)  # WhatsApp still confirms
        # Another sender is not limited by this one.
        assert await chat.text("HELP", sender=STRANGER)
        chat.clock.advance(60)
        assert (await chat.says("1001")).startswith("Order 1001: ")


async def test_lookups_per_hour(make_settings: SettingsFactory) -> None:
    settings = make_settings(bot={"max_lookups_per_hour": 4, "max_messages_per_minute": 100})
    async with chatting(settings) as chat:
        for number in ("1001", "1002", "where is my order", "9999"):
            assert await chat.text(number)
        assert await chat.text("1003") == (
            "You've checked a lot of orders. Please try again in an hour."
        )
        assert await chat.text("1003") is None
        assert await chat.says("HELP")  # not a lookup
        chat.clock.advance(3600)
        assert (await chat.says("1003")).startswith("Order 1003: ")


async def test_limits_survive_a_restart(make_settings: SettingsFactory) -> None:
    settings = make_settings(bot={"max_messages_per_minute": 2})
    async with chatting(settings) as chat:
        await chat.says("1001")
        await chat.says("1002")
        assert await chat.text("1003") == NOTICE
        stopped_at = chat.clock()
    async with chatting(settings) as again:  # the same store file, opened anew
        again.clock.now = stopped_at + timedelta(seconds=10)
        assert await again.text("1003") is None
        again.clock.advance(60)
        assert await again.says("1003")


async def test_workers_share_one_count(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    async with await open_store(path) as first, await open_store(path) as second:
        verdicts = [
            await store.hit_limit(OWNER, "messages", now, limit=3, window_s=60)
            for store in (first, second, first, second, first)
        ]
        assert verdicts == [
            Verdict.ALLOWED,
            Verdict.ALLOWED,
            Verdict.ALLOWED,
            Verdict.NOTICE,
            Verdict.SILENT,
        ]
        later = now + timedelta(seconds=60)
        assert await second.hit_limit(OWNER, "messages", later, limit=3, window_s=60) is (
            Verdict.ALLOWED
        )


async def test_expired_state_is_forgotten(tmp_path: Path) -> None:
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    async with await open_store(tmp_path / "s.db") as store:
        await store.remember_verified(OWNER, "1001", now + timedelta(hours=1))
        await store.record_wrong_answer(STRANGER, now, max_attempts=3, lockout_s=600)
        assert await store.forget_expired(now, hint_window_s=60, lockout_s=600) == 0
        later = now + timedelta(hours=2)
        assert await store.forget_expired(later, hint_window_s=60, lockout_s=600) == 2
        assert not await store.is_verified(OWNER, "1001", now)
