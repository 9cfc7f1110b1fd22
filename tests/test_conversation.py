"""The conversation through its real pipeline (parse_inbound -> Conversation -> store):
open orders and menus, MORE, languages, keywords, the usage hint, replays."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from smsbot.channels.inbound import parse_inbound
from smsbot.config import Settings
from smsbot.orders.demo import DEMO_ORDERS
from smsbot.orders.model import Leg, Order, Shipment
from smsbot.services import Services, open_services
from smsbot.wording.segments import is_gsm7, segment_count
from tests.conftest import OWNER, STRANGER, SettingsFactory


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Chat:
    """Text the bot as a customer would, through `parse_inbound` and `Conversation.answer`."""

    bot: Services
    clock: Clock

    async def text(
        self, body: str, sender: str = OWNER, *, whatsapp: bool = False, sid: str = ""
    ) -> str | None:
        form = {
            "From": f"whatsapp:{sender}" if whatsapp else sender,
            "Body": body,
            "MessageSid": sid or f"SM{uuid.uuid4().hex}",
        }
        settings = self.bot.settings.bot
        message = parse_inbound(
            form,
            default_region=settings.default_region,
            order_pattern=settings.order_number_pattern,
        )
        return (await self.bot.conversation.answer(message)).text

    async def says(self, body: str, sender: str = OWNER, *, whatsapp: bool = False) -> str:
        """The reply, which must not be empty."""
        reply = await self.text(body, sender, whatsapp=whatsapp)
        assert reply is not None, f"no reply to {body!r}"
        return reply


@asynccontextmanager
async def chatting(
    settings: Settings,
    orders: tuple[Order, ...] = DEMO_ORDERS,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncIterator[Chat]:
    clock = Clock()
    async with open_services(
        settings, clock=clock, seed_orders=orders, check_signatures=False, transport=transport
    ) as bot:
        yield Chat(bot, clock)


def order(number: str, *tracking: str, phone: str = OWNER, locale: str | None = None) -> Order:
    """An order of `phone` whose parcels the demo carrier tracks (DEMO1003 is delivered)."""
    shipments = tuple(Shipment("demo", number) for number in tracking)
    return Order(number, phone, "pat@example.com", "11201", "Pat Lee", locale, shipments)


# -- "where is my order?" without a number


async def test_one_open_order_is_answered(make_settings: SettingsFactory) -> None:
    orders = (order("2001", "DEMO1001"),)
    async with chatting(make_settings(), orders) as chat:
        reply = await chat.says("where is my stuff?")
    assert reply.startswith("Order 2001: In transit with DemoPost")


async def test_several_open_orders_get_a_menu(make_settings: SettingsFactory) -> None:
    orders = (
        order("2001", "DEMO1001"),
        order("2002", "DEMO1006A", "DEMO1006B"),
        order("2003", "DEMO1003"),  # delivered, once the bot has seen it
    )
    async with chatting(make_settings(), orders) as chat:
        await chat.says("2003")  # the bot learns it is delivered
        menu = await chat.says("Where is my order?")
        assert menu == "You have 2 open orders. Reply 1 for #2002 (2 packages), 2 for #2001."
        assert (await chat.says("2")).startswith("Order 2001: In transit")
        assert (await chat.says("1")).startswith("Order 2002, 2 packages: ")
        chat.clock.advance(chat.bot.settings.bot.session_ttl_s + 1)
        expired = await chat.says("1")  # no menu any more: "1" is an order number again
    assert "2002" not in expired and "2001" not in expired


async def test_no_open_order_asks_for_the_number(make_settings: SettingsFactory) -> None:
    async with chatting(make_settings()) as chat:
        reply = await chat.says("where is my order?", sender=STRANGER)
    assert reply == "Please text your order number (like 1001) and we'll look it up."


async def test_menu_lists_only_what_fits(make_settings: SettingsFactory) -> None:
    orders = tuple(order(f"SO-2026-{n:05d}", "DEMO1001") for n in range(30))
    async with chatting(make_settings(bot={"max_segments": 1}), orders) as chat:
        menu = await chat.says("where is my order")
        assert segment_count(menu) == 1
        assert menu.startswith("You have 30 open orders. Reply 1 for #SO-2026-00029")
        listed = menu.count(" for #")
        assert (await chat.says(str(listed))).startswith("Order SO-2026-")
        assert await chat.says(str(listed + 1)) != menu  # beyond the menu: not a choice


# -- MORE


async def test_more_gives_the_latest_events(make_settings: SettingsFactory) -> None:
    async with chatting(make_settings()) as chat:
        assert (await chat.says("MORE")).startswith("Text your order number first")
        await chat.says("1001")
        more = await chat.says("more")
    assert more.startswith("Order 1001 updates: ")
    # newest first, with time and place
    assert more.index("Indianapolis, IN: Departed facility.") < more.index("Picked up")
    assert " AM" in more or " PM" in more
    assert segment_count(more) <= 3


async def test_more_for_many_packages_stays_in_budget(make_settings: SettingsFactory) -> None:
    few = order("3001", "DEMO1001", "DEMO1002", "DEMO1009")
    many = order("3002", *(f"DEMO100{n}" for n in range(1, 10)))
    async with chatting(make_settings(bot={"max_segments": 2}), (few, many)) as chat:
        await chat.says("3001")
        more = await chat.says("MORE")
        assert more.startswith("Order 3001 updates: 1) DemoPost: ")
        assert segment_count(more) <= 2
        assert "3) DemoPost: " in more  # every package gets its newest event first
        await chat.says("3002")
        assert segment_count(await chat.says("MORE")) <= 2


async def test_more_is_for_the_sender_only(make_settings: SettingsFactory) -> None:
    async with chatting(make_settings()) as chat:
        await chat.says("1001")
        reply = await chat.says("MORE", sender=STRANGER)
    assert reply.startswith("Text your order number first")


# -- languages


async def test_spanish_text_gets_spanish_all_along(make_settings: SettingsFactory) -> None:
    async with chatting(make_settings()) as chat:
        assert (await chat.says("pedido 1001")).startswith("Pedido 1001: en camino")
        assert (await chat.says("1002")).startswith("Pedido 1002: ")  # the language stays
        assert (await chat.says("MORE")).startswith("Pedido 1002, novedades: ")  # as told
        assert (await chat.says("mas")).startswith("Pedido 1002, novedades: ")
        assert (await chat.says("ayuda")).startswith("Acme Outfitters: escribe tu pedido")
        assert (await chat.says("order 1003")).startswith("Order 1003: ")  # English again


async def test_question_in_spanish_gets_a_spanish_menu(make_settings: SettingsFactory) -> None:
    orders = (order("2001", "DEMO1001"), order("2002", "DEMO1002"))
    async with chatting(make_settings(), orders) as chat:
        menu = await chat.says("¿Dónde está mi pedido?")
    assert menu == "Tienes 2 pedidos en curso. Responde 1 para el #2002, 2 para el #2001."
    assert is_gsm7(menu)


async def test_order_locale_wins_for_the_owner(make_settings: SettingsFactory) -> None:
    orders = (order("2001", "DEMO1001", locale="es-MX"),)
    async with chatting(make_settings(), orders) as chat:
        assert (await chat.says("2001")).startswith("Pedido 2001: ")  # the text says nothing
        assert (await chat.says("order 2001")).startswith("Order 2001: ")  # words do (issue 14)


async def test_merchant_language_is_the_default(make_settings: SettingsFactory) -> None:
    async with chatting(make_settings(bot={"language": "es"})) as chat:
        assert (await chat.says("1001")).startswith("Pedido 1001: ")


# -- keywords and noise


async def test_stop_and_start(make_settings: SettingsFactory) -> None:
    async with chatting(make_settings()) as chat:
        assert await chat.text("STOP") is None
        assert await chat.bot.store.is_opted_out(OWNER)
        assert await chat.text("start") is None
        assert not await chat.bot.store.is_opted_out(OWNER)
        confirmed = await chat.says("stop", whatsapp=True)
        assert "START" in confirmed
        assert await chat.bot.store.is_opted_out(OWNER)  # WhatsApp and SMS are one person


async def test_sandbox_join_gets_the_hint_once_per_window(make_settings: SettingsFactory) -> None:
    async with chatting(make_settings()) as chat:
        hint = await chat.says("join two-words", whatsapp=True)
        assert hint == "Text your order number (like 1001) to get its status."
        assert await chat.text("hello?", whatsapp=True) is None
        assert await chat.text("join two-words", whatsapp=True) is None
        assert await chat.says("HELP", whatsapp=True)  # keywords still answer
        chat.clock.advance(chat.bot.settings.bot.hint_window_s + 1)
        assert await chat.text("hello?", whatsapp=True) == hint


async def test_replay_counts_nothing_twice(make_settings: SettingsFactory) -> None:
    async with chatting(make_settings(bot={"max_verify_attempts": 2})) as chat:
        await chat.says("1001", sender=STRANGER)
        first = await chat.text("99999", sender=STRANGER, sid="SM-wrong")
        again = await chat.text("99999", sender=STRANGER, sid="SM-wrong")
        assert first == again
        assert first is not None and "Tries left: 1" in first
        assert await chat.bot.store.locked_until(STRANGER, chat.clock()) is None


async def test_returns_are_listed_and_open(make_settings: SettingsFactory) -> None:
    shipped = Order(
        "2009",
        OWNER,
        shipments=(Shipment("demo", "DEMO1003"), Shipment("demo", "DEMO1011", Leg.RETURN)),
    )
    async with chatting(make_settings(), (shipped,)) as chat:
        await chat.says("2009")
        reply = await chat.says("where is my order")
    assert reply.startswith("Order 2009, 2 packages: ")


# -- a tracking number several carriers may own (FedEx Ground Economy or USPS)

ECONOMY = "9261290983420002645435"  # detection: FedEx first, then USPS


def both_carriers(make_settings: SettingsFactory, *, usps_knows: str) -> Settings:
    return make_settings(
        carriers={
            "fedex": {"module": "tests.adapters.knows", "known": ""},
            "usps": {"module": "tests.adapters.knows", "known": usps_knows},
        }
    )


async def test_an_ambiguous_number_is_answered_by_the_carrier_that_knows_it(
    make_settings: SettingsFactory,
) -> None:
    async with chatting(both_carriers(make_settings, usps_knows=ECONOMY), ()) as chat:
        reply = await chat.says(ECONOMY, sender=STRANGER)
    assert "USPS" in reply and "In transit" in reply, reply
    assert "Which carrier" not in reply


async def test_an_ambiguous_number_nobody_knows_asks_which_carrier(
    make_settings: SettingsFactory,
) -> None:
    async with chatting(both_carriers(make_settings, usps_knows=""), ()) as chat:
        reply = await chat.says(ECONOMY, sender=STRANGER)
    assert reply.startswith(f"Which carrier is {ECONOMY}"), reply
