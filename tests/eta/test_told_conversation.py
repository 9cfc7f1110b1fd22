"""Learned windows through the real pipeline (parse_inbound -> Conversation -> store): the
reply marks the window as an estimate, the store keeps what was told, and without history
or a default nothing is told."""

from __future__ import annotations

from smsbot.eta.window import Rung
from tests.conftest import SettingsFactory
from tests.test_conversation import chatting


async def test_a_label_without_a_carrier_date_is_told_the_window_and_it_is_kept(
    make_settings: SettingsFactory,
) -> None:
    settings = make_settings(bot={"verify": "none"}, eta={"default_days": [2, 4]})
    async with chatting(settings) as chat:
        reply = await chat.says("1007")  # the demo's label not yet scanned
        assert "Usually arrives " in reply and reply.endswith("(estimate).")
        [kept] = await chat.bot.store.told_outcomes()
        assert (kept.order_number, kept.tracking_number) == ("1007", "DEMO1007")
        assert kept.rung == Rung.DEFAULT.value
        assert kept.earliest > chat.clock.now.date()  # a window ahead, never one past
        # the carrier's own date (1001: in transit, with an ETA) is told alone, and not kept
        assert "usually" not in await chat.says("1001")
        assert len(await chat.bot.store.told_outcomes()) == 1


async def test_without_history_or_a_default_no_window_is_told(
    make_settings: SettingsFactory,
) -> None:
    async with chatting(make_settings(bot={"verify": "none"})) as chat:
        reply = await chat.says("1007")
        assert reply == "Order 1007: Label created, waiting for DemoPost to pick it up."
        assert await chat.bot.store.told_outcomes() == []
