"""Verification and anti-enumeration: phone numbers, postal codes, attempts, lockout, privacy."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from smsbot.lookup.detect import carriers_for
from smsbot.orders.file import parse_csv
from smsbot.orders.model import Order, Shipment
from tests.conftest import OWNER, STRANGER, SettingsFactory
from tests.test_conversation import Chat, chatting, order

UPS_NUMBER = "1Z5R89390357567127"


def ours(number: str = "5001", postal_code: str = "11201", **fields: str) -> Order:
    """A real order that is not the stranger's, with everything private filled in."""
    return Order(
        number,
        OWNER,
        email="pat@example.com",
        postal_code=postal_code,
        name="Pat Lee",
        locale=fields.get("locale"),
        shipments=(Shipment("demo", "DEMO1001"),),
    )


# -- numbers that are the same person


@pytest.mark.parametrize(
    ("stored", "sender", "whatsapp"),
    [
        (OWNER, OWNER, True),  # WhatsApp = SMS
        ("+525512345678", "+5215512345678", True),  # Mexico's WhatsApp "1"
        ("+5215512345678", "+525512345678", False),
        (OWNER, "2025550123", False),  # US without the country code
        (OWNER, "12025550123", False),
        (OWNER, "(202) 555-0123", False),
    ],
)
async def test_the_same_number_is_the_owner(
    make_settings: SettingsFactory, stored: str, sender: str, whatsapp: bool
) -> None:
    async with chatting(make_settings(), (order("5001", "DEMO1001", phone=stored),)) as chat:
        reply = await chat.says("5001", sender=sender, whatsapp=whatsapp)
    assert reply.startswith("Order 5001: In transit")


async def test_national_phones_in_an_import_are_normalized(make_settings: SettingsFactory) -> None:
    imported = parse_csv(
        "order_number,phone,email,postal_code,name,carrier,tracking_number\n"
        "6001,(202) 555-0123,,11201,,demo,DEMO1001\n",
        source="orders.csv",
        default_region="US",
        detect=carriers_for,
    )
    uk = parse_csv(
        "order_number,phone,email,postal_code,name,carrier,tracking_number\n"
        "6002,020 7946 0018,,SW1A 1AA,,demo,DEMO1002\n",
        source="orders.csv",
        default_region="GB",
        detect=carriers_for,
    )
    orders = (imported.orders[0], *uk.orders)
    async with chatting(make_settings(), orders) as chat:
        assert (await chat.says("6001")).startswith("Order 6001: ")
        assert (await chat.says("6002", sender="+442079460018")).startswith("Order 6002: ")


# -- the postal-code question


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("11201", "11201"),
        ("11201", " 11201 "),
        ("11201-1234", "11201"),
        ("11201", "11201-1234"),
        ("112011234", "11201 1234"),
        ("SW1A 1AA", "sw1a1aa"),
        ("SW1A1AA", "Sw1a 1aa"),
        ("K1A 0B1", "k1a0b1"),
        ("01234", "01234"),
    ],
)
async def test_right_postal_code_answers(
    make_settings: SettingsFactory, stored: str, typed: str
) -> None:
    async with chatting(make_settings(), (ours(postal_code=stored),)) as chat:
        question = await chat.says("5001", sender=STRANGER)
        assert question == (
            "To protect your privacy, please reply with the delivery ZIP or postal code of "
            "order 5001."
        )
        assert (await chat.says(typed, sender=STRANGER)).startswith("Order 5001: In transit")


async def test_verified_pair_is_remembered_then_forgotten(make_settings: SettingsFactory) -> None:
    settings = make_settings(bot={"verified_ttl_s": 7200})
    async with chatting(settings, (ours(), ours("5002"))) as chat:
        await chat.says("5001", sender=STRANGER)
        await chat.says("11201", sender=STRANGER)
        chat.clock.advance(3600)
        assert (await chat.says("order 5001", sender=STRANGER)).startswith("Order 5001: ")
        # Verified for 5001 only, not for the owner's other orders.
        assert "postal code" in await chat.says("5002", sender=STRANGER)
        chat.clock.advance(3601)
        assert "postal code" in await chat.says("order 5001", sender=STRANGER)


async def test_wrong_answers_then_lockout_then_expiry(make_settings: SettingsFactory) -> None:
    async with chatting(make_settings(), (ours(),)) as chat:
        await chat.says("5001", sender=STRANGER)
        first = await chat.says("99999", sender=STRANGER)
        assert first == (
            "That doesn't match order 5001. Please reply with its delivery ZIP or postal code. "
            "Tries left: 2."
        )
        assert "Tries left: 1." in await chat.says("10001", sender=STRANGER)
        locked = await chat.says("10002", sender=STRANGER)
        assert locked == (
            "Too many wrong answers. For security, order lookups from this number are paused "
            "for 60 min. Reply HELP for support."
        )
        # Locked: no lookup of any kind, silently; the right code does not help now.
        for body in ("5001", "11201", "#5001", "where is my order", UPS_NUMBER, "MORE"):
            reply = await chat.text(body, sender=STRANGER)
            assert reply is None or reply.startswith("Text your order number first"), body
            chat.clock.advance(60)  # stay under the messages-per-minute limit
        assert "Acme Outfitters" in await chat.says("HELP", sender=STRANGER)
        chat.clock.advance(3600)
        assert "postal code" in await chat.says("5001", sender=STRANGER)
        assert (await chat.says("11201", sender=STRANGER)).startswith("Order 5001: ")


async def test_retyping_the_order_number_asks_again(make_settings: SettingsFactory) -> None:
    async with chatting(make_settings(), (ours(),)) as chat:
        question = await chat.says("5001", sender=STRANGER)
        for _ in range(5):
            assert await chat.says("5001", sender=STRANGER) == question
            chat.clock.advance(30)


async def test_owner_may_text_their_own_order_during_a_question(
    make_settings: SettingsFactory,
) -> None:
    orders = (ours(), order("7001", "DEMO1002", phone=STRANGER))
    async with chatting(make_settings(), orders) as chat:
        await chat.says("5001", sender=STRANGER)
        assert (await chat.says("7001", sender=STRANGER)).startswith("Order 7001: ")


def conversation_of(replies: list[str | None], number: str) -> list[str | None]:
    return [None if text is None else text.replace(number, "<N>") for text in replies]


async def script(chat: Chat, sender: str, number: str) -> list[str | None]:
    """Everything an enumerator might try, with the clock moving as a person's would."""
    said: list[str | None] = []
    for body in (
        number,
        number,  # the number again
        "90210",
        "SW1A 1AA",
        f"#{number}",  # a new question, same order
        "where is my order?",
        "10001",  # the third wrong answer: lockout
        number,
        "11201",
        "MORE",
        "HELP",
    ):
        said.append(await chat.text(body, sender=sender))
        chat.clock.advance(20)
    chat.clock.advance(3600)  # the lockout ends
    for body in (number, "00000", f"pedido {number}", "12345"):
        said.append(await chat.text(body, sender=sender))
        chat.clock.advance(20)
    return said


@pytest.mark.parametrize("locale", [None, "es-MX"])
async def test_enumeration_learns_nothing(
    make_settings: SettingsFactory, tmp_path: Path, locale: str | None
) -> None:
    """A real order that is not yours reads, word for word, like one that does not exist."""
    real = ours("5001", locale=locale or "")
    async with chatting(make_settings(store={"path": str(tmp_path / "a.db")}), (real,)) as chat:
        theirs = await script(chat, STRANGER, "5001")
    async with chatting(make_settings(store={"path": str(tmp_path / "b.db")}), (real,)) as chat:
        missing = await script(chat, STRANGER, "5999")
    assert conversation_of(theirs, "5001") == conversation_of(missing, "5999")
    assert "postal code" in (theirs[0] or "")
    assert theirs[6] is not None and "Too many wrong answers" in theirs[6]
    assert theirs[7] is None  # locked: silence
    private = ("DemoPost", "transit", "Pat", "pat@example.com", "11201", "Pedido 5001:")
    for text in theirs:
        assert not any(word in (text or "") for word in private), text


async def test_phone_policy_never_asks(make_settings: SettingsFactory) -> None:
    async with chatting(make_settings(bot={"verify": "phone"}), (ours(),)) as chat:
        theirs = await chat.says("5001", sender=STRANGER)
        missing = await chat.says("5999", sender=STRANGER)
        assert theirs.replace("5001", "N") == missing.replace("5999", "N")
        assert theirs.startswith("We couldn't find order 5001")
        assert (await chat.says("11201", sender=STRANGER)).startswith("We couldn't find")


async def test_none_policy_answers_anyone(make_settings: SettingsFactory) -> None:
    async with chatting(make_settings(bot={"verify": "none"}), (ours(),)) as chat:
        assert (await chat.says("5001", sender=STRANGER)).startswith("Order 5001: In transit")


async def test_order_without_postal_code_only_by_phone(make_settings: SettingsFactory) -> None:
    bare = Order("5003", OWNER, shipments=(Shipment("demo", "DEMO1001"),))
    async with chatting(make_settings(), (bare,)) as chat:
        await chat.says("5003", sender=STRANGER)
        assert "Tries left: 2" in await chat.says("11201", sender=STRANGER)


# -- tracking numbers


async def test_tracking_number_gives_carrier_status_only(make_settings: SettingsFactory) -> None:
    settings = make_settings(carriers={"ups": {"module": "tests.adapters.good"}})
    shipped = Order("8001", OWNER, postal_code="11201", shipments=(Shipment("ups", UPS_NUMBER),))
    async with chatting(settings, (shipped,)) as chat:
        stranger = await chat.says(UPS_NUMBER, sender=STRANGER)
        assert stranger.startswith(f"Tracking {UPS_NUMBER}: In transit with Good Carrier")
        assert "8001" not in stranger
        owner = await chat.says(UPS_NUMBER)
        assert owner.startswith("Order 8001: In transit with Good Carrier")
        # Verified by postal code = the owner, for this order's parcels too.
        await chat.says("8001", sender=STRANGER)
        await chat.says("11201", sender=STRANGER)
        assert (await chat.says(UPS_NUMBER, sender=STRANGER)).startswith("Order 8001: ")


# -- privacy in logs and in the message log


async def test_logs_and_message_log_keep_no_postal_code_or_number(
    make_settings: SettingsFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="smsbot")
    async with chatting(make_settings(), (ours(postal_code="K1A 0B1"),)) as chat:
        await chat.says("5001", sender=STRANGER)
        await chat.says("X9X 9X9", sender=STRANGER)
        await chat.says("k1a 0b1", sender=STRANGER)
    for secret in ("K1A", "k1a", "X9X", STRANGER, STRANGER[1:]):
        assert secret not in caplog.text
    with sqlite3.connect(tmp_path / "smsbot.db") as db:
        bodies = [row[0] for row in db.execute("SELECT body FROM messages ORDER BY rowid")]
        senders = {row[0] for row in db.execute("SELECT sender_masked FROM messages")}
    assert bodies == ["5001", "[postal code]", "[postal code]"]
    assert senders == {"+1******0199"}
