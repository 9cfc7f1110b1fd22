"""Access decisions on their own: grants, the lookup gate, postal codes and the lockout;
and turns that are replaced, never changed."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from smsbot.channels.inbound import parse_inbound
from smsbot.config import DEFAULT_ORDER_PATTERN, Settings
from smsbot.dialog.access import Access, Gate, Grant
from smsbot.dialog.session import Turn
from smsbot.orders.model import Order
from smsbot.store import Session, Store, open_store
from tests.conftest import OWNER, STRANGER, SettingsFactory

NOW = datetime(2026, 11, 24, 15, tzinfo=UTC)
ORDER = Order("1001", OWNER, postal_code="11201")
KEY = "stranger"


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[Store]:
    opened = await open_store(settings.store.path)
    try:
        yield opened
    finally:
        await opened.close()


def access(make_settings: SettingsFactory, store: Store, **bot: object) -> Access:
    return Access(make_settings(bot=dict(bot)).bot, store)


async def test_grants_by_policy(make_settings: SettingsFactory, store: Store) -> None:
    strict = access(make_settings, store, verify="phone")
    assert await strict.grant(ORDER, sender=OWNER, key=KEY, now=NOW) is Grant.PHONE
    assert await strict.grant(ORDER, sender=STRANGER, key=KEY, now=NOW) is None
    assert not strict.asks_postal_code
    demo = access(make_settings, store, verify="none")
    assert await demo.grant(ORDER, sender=None, key=KEY, now=NOW) is Grant.OPEN


async def test_a_right_postal_code_grants_until_it_expires(
    make_settings: SettingsFactory, store: Store
) -> None:
    rules = access(make_settings, store, verified_ttl_s=60)
    assert await rules.grant(ORDER, sender=STRANGER, key=KEY, now=NOW) is None
    assert not await rules.prove_postal_code(None, "11201", sender=STRANGER, key=KEY, now=NOW)
    assert not await rules.prove_postal_code(ORDER, "99999", sender=STRANGER, key=KEY, now=NOW)
    assert await rules.prove_postal_code(ORDER, "11201", sender=STRANGER, key=KEY, now=NOW)
    assert await rules.grant(ORDER, sender=STRANGER, key=KEY, now=NOW) is Grant.POSTAL_CODE
    later = NOW + timedelta(seconds=61)
    assert await rules.grant(ORDER, sender=STRANGER, key=KEY, now=later) is None


async def test_wrong_postal_codes_lock_out_and_close_the_gate(
    make_settings: SettingsFactory, store: Store
) -> None:
    rules = access(make_settings, store, max_verify_attempts=2, lockout_s=600)
    first = await rules.wrong_postal_code(sender=STRANGER, key=KEY, now=NOW)
    assert (first.tries_left, first.locked_out) == (1, False)
    assert await rules.gate(KEY, NOW) is Gate.OPEN
    second = await rules.wrong_postal_code(sender=STRANGER, key=KEY, now=NOW)
    assert second.locked_out
    assert await rules.locked_out(KEY, NOW)
    assert await rules.gate(KEY, NOW) is Gate.LOCKED_OUT
    assert await rules.gate(KEY, NOW + timedelta(seconds=601)) is Gate.OPEN


async def test_the_lookup_gate_tells_once_then_stays_silent(
    make_settings: SettingsFactory, store: Store
) -> None:
    rules = access(make_settings, store, max_lookups_per_hour=1)
    gates = [await rules.gate(KEY, NOW) for _ in range(3)]
    assert gates == [Gate.OPEN, Gate.LIMITED, Gate.LIMITED_SILENT]


def test_a_turn_is_replaced_never_changed() -> None:
    message = parse_inbound(
        {"From": OWNER, "Body": "hola", "MessageSid": "SM1"},
        default_region="US",
        order_pattern=re.compile(DEFAULT_ORDER_PATTERN),
    )
    turn = Turn(message, KEY, NOW, Session())
    with pytest.raises(dataclasses.FrozenInstanceError):
        turn.session = Session(language="es")  # type: ignore[misc]
    spanish = turn.with_session(language="es")
    reply = spanish.reply("text", "noise", hint_at=NOW)
    assert turn.session == Session() and spanish.session == Session(language="es")
    assert reply.session == Session(language="es", hint_at=NOW)
    assert reply.redacted().answer.redact and not reply.answer.redact
