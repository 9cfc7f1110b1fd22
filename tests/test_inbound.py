"""Reading a webhook form: channel, sender, intent."""

from __future__ import annotations

import re

import pytest

from smsbot.channels.inbound import (
    Channel,
    Kind,
    classify,
    language_of,
    parse_inbound,
    postal_answer,
    same_postal_code,
)
from smsbot.config import DEFAULT_ORDER_PATTERN

PATTERN = re.compile(DEFAULT_ORDER_PATTERN)


@pytest.mark.parametrize(
    ("body", "number"),
    [
        ("1001", "1001"),
        ("#1001", "1001"),
        ("  order 1001 ", "1001"),
        ("Where is my order #A-1001?", "A-1001"),
        ("pedido 1001", "1001"),
        ("hi, I bought 2 shirts, order no. 77812, where is it", "77812"),
        ("a-1001", "A-1001"),
        ("SO-2024-77 please", "SO-2024-77"),
        ("7", "7"),
    ],
)
def test_order_numbers(body: str, number: str) -> None:
    intent = classify(body, PATTERN)
    assert intent.kind is Kind.ORDER_NUMBER
    assert intent.value == number


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("STOP", Kind.OPT_OUT),
        ("stop", Kind.OPT_OUT),
        (" Unsubscribe ", Kind.OPT_OUT),
        ("STOPALL", Kind.OPT_OUT),
        ("revoke", Kind.OPT_OUT),
        ("optout", Kind.OPT_OUT),
        ("START", Kind.OPT_IN),
        ("unstop", Kind.OPT_IN),
        ("yes", Kind.OPT_IN),
        ("HELP", Kind.HELP),
        ("info", Kind.HELP),
        ("Ayuda", Kind.HELP),
        ("stop texting me about order 1001", Kind.ORDER_NUMBER),
        ("where is my order?", Kind.QUESTION),
        ("¿Dónde está mi pedido?", Kind.QUESTION),
        ("where's my stuff", Kind.QUESTION),
        ("join two-words", Kind.NOISE),
        ("", Kind.NOISE),
        ("😀", Kind.NOISE),
        ("thanks!", Kind.NOISE),
    ],
)
def test_keywords_questions_and_noise(body: str, kind: Kind) -> None:
    assert classify(body, PATTERN).kind is kind


def test_tracking_number_with_spaces() -> None:
    intent = classify("my tracking is 9400 1112 0620 6406 2607 87 thx", PATTERN)
    assert intent.kind is Kind.TRACKING_NUMBER
    assert intent.value == "9400111206206406260787"
    assert {match.carrier for match in intent.tracking} >= {"usps"}


def test_ups_number_is_tracking_not_order() -> None:
    intent = classify("1Z5R89390357567127", PATTERN)
    assert intent.kind is Kind.TRACKING_NUMBER
    assert [match.carrier for match in intent.tracking] == ["ups"]


def test_whatsapp_form() -> None:
    message = parse_inbound(
        {"From": "whatsapp:+12025550123", "Body": "1001", "MessageSid": "SM1"},
        default_region="US",
        order_pattern=PATTERN,
    )
    assert message.channel is Channel.WHATSAPP
    assert message.sender == "+12025550123"
    assert message.address == "whatsapp:+12025550123"


@pytest.mark.parametrize(
    "form",
    [{}, {"From": "client:bob"}, {"Body": "\x00\x00"}, {"From": "", "Body": "x" * 5000}],
)
def test_junk_forms_never_raise(form: dict[str, str]) -> None:
    message = parse_inbound(form, default_region="US", order_pattern=PATTERN)
    assert message.channel is Channel.SMS
    assert "\x00" not in message.body
    assert len(message.body) <= 1600


def test_national_sender_uses_default_region() -> None:
    message = parse_inbound({"From": "07911 123456"}, default_region="GB", order_pattern=PATTERN)
    assert message.sender == "+447911123456"


def test_language_hint() -> None:
    assert language_of("¿dónde está mi pedido?") == "es"
    assert language_of("pedido 1001") == "es"
    assert language_of("where is my order") == "en"
    assert language_of("1001") is None


def test_custom_order_pattern() -> None:
    pattern = re.compile(r"\bSO\d{5}\b")
    assert classify("status of SO12345", pattern).value == "SO12345"
    assert classify("status of 12345", pattern).kind is Kind.QUESTION


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("MORE", Kind.MORE),
        ("más", Kind.MORE),
        ("agent", Kind.AGENT),
        ("Human!", Kind.AGENT),
        ("REPRESENTATIVE", Kind.AGENT),
        ("agente", Kind.AGENT),
        ("join shiny-rabbit", Kind.NOISE),
        ("Join two-words-three", Kind.NOISE),
    ],
)
def test_more_agent_and_sandbox_join(body: str, kind: Kind) -> None:
    assert classify(body, PATTERN).kind is kind


@pytest.mark.parametrize(
    ("body", "postal"),
    [
        ("11201", "11201"),
        (" 11201-1234 ", "112011234"),
        ("SW1A 1AA", "SW1A1AA"),
        ("k1a 0b1", "K1A0B1"),
        ("1234 AB", "1234AB"),
        ("order 1002", None),
        ("#1002", None),
        ("hello", None),
        ("7", None),
        ("1Z5R89390357567127", None),
    ],
)
def test_postal_answers(body: str, postal: str | None) -> None:
    assert postal_answer(body) == postal


@pytest.mark.parametrize(
    ("typed", "stored", "same"),
    [
        ("11201", "11201", True),
        ("11201", "11201-1234", True),
        ("112011234", "11201", True),
        ("SW1A1AA", "sw1a 1aa", True),
        ("K1A0B1", "K1A 0B1", True),
        ("11202", "11201", False),
        ("1120", "11201", False),
        ("11201", None, False),
        ("11201", "", False),
    ],
)
def test_same_postal_code(typed: str, stored: str | None, same: bool) -> None:
    assert same_postal_code(typed, stored) is same


def test_menu_choice_is_a_bare_small_number() -> None:
    def choice(body: str) -> int | None:
        form = {"From": "+12025550123", "Body": body}
        return parse_inbound(form, default_region="US", order_pattern=PATTERN).choice

    assert choice("1") == 1
    assert choice(" 12 ") == 12
    assert choice("123") is None
    assert choice("#1") is None
