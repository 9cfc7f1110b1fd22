"""A conversation with no dead ends (issue 14, items 8-11 and 13), through the webhook:
MORE continues what was cut, menus page, order numbers as people write them, the language
of the latest message that says one, and return legs and counts that read right."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from starlette.testclient import TestClient

from smsbot.config import Settings
from smsbot.orders.demo import DEMO_ORDERS
from smsbot.orders.model import Order, Shipment
from smsbot.web.app import create_app
from smsbot.wording.segments import segment_count
from tests.conftest import (
    OWNER,
    PUBLIC_URL,
    STRANGER,
    SettingsFactory,
    post_sms,
    reply_text,
    sms_form,
)

pytestmark = pytest.mark.usefixtures("no_error_path")

Text = Callable[..., str]
MORE = "Reply MORE for the rest."


@contextmanager
def texting(settings: Settings, orders: tuple[Order, ...] = DEMO_ORDERS) -> Iterator[Text]:
    """Text the app's signed webhook as a customer; each reply must be a `<Message>`."""
    with TestClient(create_app(settings, seed_orders=orders), base_url=PUBLIC_URL) as client:

        def text(body: str, sender: str = OWNER) -> str:
            reply = reply_text(post_sms(client, sms_form(body, sender)))
            assert reply is not None, f"no reply to {body!r}"
            assert segment_count(reply) <= settings.bot.max_segments, reply
            return reply

        yield text


def order(number: str, *tracking: str, phone: str = OWNER) -> Order:
    shipments = tuple(Shipment("demo", code) for code in tracking)
    return Order(number, phone, "pat@example.com", "11201", "Pat Lee", None, shipments)


def items(reply: str) -> list[int]:
    """The package numbers a reply lists ("10) DemoPost: ...")."""
    return [int(n) for n in re.findall(r"(?:^|[.:] )(\d+)\) ", reply)]


# -- 8. MORE continues whatever was cut


def test_more_walks_every_page_of_a_25_package_order(make_settings: SettingsFactory) -> None:
    big = order("5001", *(f"DEMO1001X{n:02d}" for n in range(1, 26)))
    with texting(make_settings(), (big,)) as text:
        pages = [text("5001")]
        while pages[-1].endswith(MORE):
            assert len(pages) < 25, "MORE never reaches the end"
            pages.append(text("MORE"))
        after = text("MORE")
    assert len(pages) > 2
    assert all(page.startswith("Order 5001, 25 packages: ") for page in pages)
    assert [n for page in pages for n in items(page)] == list(range(1, 26))
    assert after.startswith("Order 5001 updates: ")  # nothing cut any more: its latest events


def test_an_order_in_spanish_pages_in_spanish(make_settings: SettingsFactory) -> None:
    big = order("5001", *(f"DEMO1001X{n:02d}" for n in range(1, 13)))
    spanish = Order(big.number, OWNER, locale="es-MX", shipments=big.shipments)
    with texting(make_settings(), (spanish,)) as text:
        first = text("5001")
        second = text("MORE")
    assert first.startswith("Pedido 5001, 12 paquetes: 1) ")
    assert first.endswith("Responde MORE para ver el resto.") and "Reply MORE" not in first
    assert items(second)[0] == items(first)[-1] + 1


# -- 9. Menus page like MORE; a number not on the menu gets a clear answer


def test_a_long_menu_pages_and_a_number_beyond_it_is_not_an_order(
    make_settings: SettingsFactory,
) -> None:
    orders = tuple(order(f"SO-2026-{n:05d}", "DEMO1001") for n in range(30))
    settings = make_settings(bot={"max_segments": 1, "max_messages_per_minute": 30})
    with texting(settings, orders) as text:
        pages = [text("where is my order")]
        while pages[-1].endswith(MORE):
            assert len(pages) < 30, "MORE never reaches the end of the menu"
            pages.append(text("MORE"))
        assert len(pages) > 2
        assert all(page.startswith("You have 30 open orders. Reply ") for page in pages)
        choices = [
            (int(n), number)
            for page in pages
            for n, number in re.findall(r"(\d+) for #(\S+?)[,.]", page)
        ]
        assert [n for n, _ in choices] == list(range(1, 31))
        assert sorted(number for _, number in choices) == sorted(o.number for o in orders)
        assert (
            text("40")
            == "40 isn't on the list. Reply a number from 1 to 30, or text your order number."
        )
        last_n, last_number = choices[-1]
        assert text(str(last_n)).startswith(f"Order {last_number}: ")


def test_a_menu_counts_only_orders_still_on_their_way(make_settings: SettingsFactory) -> None:
    orders = (
        order("2001", "DEMO1001"),
        order("2002", "DEMO1002"),
        order("2003", "DEMO1003"),  # delivered, though the bot never looked it up before
    )
    with texting(make_settings(), orders) as text:
        assert text("where is my order?").startswith("You have 2 open orders. ")
        assert text("¿Dónde está mi pedido?").startswith("Tienes 2 pedidos en curso. ")


# -- 10. Order numbers the way people write them


@pytest.mark.parametrize(
    "body", ["1,001", "#1001", "No. 1001", "order 1001", "Order #1,001", "order no. 1001"]
)
def test_order_numbers_as_people_write_them(make_settings: SettingsFactory, body: str) -> None:
    with texting(make_settings()) as text:
        assert text(body).startswith("Order 1001: "), body


def test_a_spanish_thousands_separator(make_settings: SettingsFactory) -> None:
    with texting(make_settings()) as text:
        assert text("pedido 1.001").startswith("Pedido 1001: ")


def test_several_numbers_are_answered_in_one_text_then_more(make_settings: SettingsFactory) -> None:
    with texting(make_settings()) as text:
        both = text("1001 1002")
        assert both.startswith("Order 1001: ") and " Order 1002: " in both
        assert not both.endswith(MORE)
        pages = [text("1001, 1002, 1003, 1004, 1005, 1007, 1008 and 1009")]
        while pages[-1].endswith(MORE):
            assert len(pages) < 10
            pages.append(text("MORE"))
    answered = [n for page in pages for n in re.findall(r"Order (\d+): ", page)]
    assert answered == ["1001", "1002", "1003", "1004", "1005", "1007", "1008", "1009"]
    assert len(pages) > 1


def test_each_number_in_one_text_counts_as_a_lookup(make_settings: SettingsFactory) -> None:
    with texting(make_settings(bot={"max_lookups_per_hour": 2})) as text:
        reply = text("1001 1002 1003 1004")
    assert reply.startswith("Order 1001: ") and "Order 1002: " in reply
    assert "Order 1003" not in reply and "Order 1004" not in reply
    assert reply.endswith("You've checked a lot of orders. Please try again in an hour.")


def test_numbers_past_the_lookup_limit_wait_for_more(make_settings: SettingsFactory) -> None:
    """The orders a limit cut from a text are not dropped: MORE, once the limit's window has
    passed (while the conversation lasts), answers them in order."""
    now = [datetime(2025, 11, 24, 15, 0, tzinfo=UTC)]
    settings = make_settings(bot={"max_lookups_per_hour": 2, "session_ttl_s": 7200})
    app = create_app(settings, seed_orders=DEMO_ORDERS, clock=lambda: now[0])
    with TestClient(app, base_url=PUBLIC_URL) as client:

        def text(body: str) -> str:
            reply = reply_text(post_sms(client, sms_form(body, OWNER)))
            assert reply is not None
            return reply

        first = text("1001 1002 1003 1004")
        assert "MORE" not in first and "Order 1003" not in first
        now[0] += timedelta(hours=1, minutes=1)
        rest = text("MORE")
    assert rest.startswith("Order 1003: ") and "Order 1004: " in rest


def test_a_stranger_proves_each_order_of_a_text_in_turn(make_settings: SettingsFactory) -> None:
    with texting(make_settings()) as text:
        asked = text("1001 1002", sender=STRANGER)
        assert asked.startswith("To protect your privacy") and "order 1001" in asked
        assert "1002" not in asked and "MORE" not in asked  # one question at a time
        answered = text("11201", sender=STRANGER)
        assert answered.startswith("Order 1001: In transit")
        assert answered.endswith("postal code of order 1002.")
        assert text("11201", sender=STRANGER).startswith("Order 1002: Out for delivery")


def test_the_usage_hint_shows_the_merchants_own_order_format(
    make_settings: SettingsFactory,
) -> None:
    pattern = r"\bSO-\d{4}-\d{5}\b"
    orders = (order("SO-2026-00001", "DEMO1001"),)
    with texting(make_settings(bot={"order_number_pattern": pattern}), orders) as text:
        assert text("hello") == "Text your order number (like SO-2026-00042) to get its status."
        assert "(like SO-2026-00042)" in text("HELP")
    with texting(make_settings()) as text:  # the same store: another sender, for the hint
        assert text("hello", STRANGER) == "Text your order number (like 1001) to get its status."


# -- 11. Language: the latest message that says one, the order's locale, the default


def test_a_spanish_keyword_does_not_switch_the_conversation(make_settings: SettingsFactory) -> None:
    with texting(make_settings(bot={"max_messages_per_minute": 20})) as text:
        assert text("1001").startswith("Order 1001: ")
        assert text("MAS").startswith("Pedido 1001, novedades: ")  # this reply only
        assert text("1002").startswith("Order 1002: ")
        assert text("¿dónde está mi pedido 1003?").startswith("Pedido 1003: ")
        assert text("1004").startswith("Pedido 1004: ")  # a sentence switches it
        assert text("where is order 1005").startswith("Order 1005: ")
        assert text("1007").startswith("Order 1007: ")


# -- 13. Return legs read as a sentence


def test_a_return_leg_reads_like_a_sentence(make_settings: SettingsFactory) -> None:
    with texting(make_settings()) as text:
        english = text("1006")
        spanish = text("pedido 1006")
    assert "3) Your return (DemoPost): label created, not yet dropped off." in english
    assert (
        "3) Tu devolucion (DemoPost): etiqueta creada, aun sin entregar al transportista."
        in spanish
    )
