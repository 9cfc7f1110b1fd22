"""Phone numbers: E.164, WhatsApp addresses, junk senders, masking."""

from __future__ import annotations

import pytest

from smsbot.phones import mask, same_number, to_e164


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+12025550123", "+12025550123"),
        ("whatsapp:+12025550123", "+12025550123"),
        ("WhatsApp: +1 202 555 0123", "+12025550123"),
        ("(202) 555-0123", "+12025550123"),
        ("202-555-0123", "+12025550123"),
        ("+5215512345678", "+5215512345678"),
        ("+525512345678", "+525512345678"),
    ],
)
def test_to_e164(raw: str, expected: str) -> None:
    assert to_e164(raw, "US") == expected


@pytest.mark.parametrize(
    "raw",
    ["", "   ", "whatsapp:", "abc", "12", "+999999999999999", "client:alice", "\x00", "😀" * 50],
)
def test_junk_senders_are_none(raw: str) -> None:
    assert to_e164(raw, "US") is None


def test_national_numbers_use_default_region() -> None:
    assert to_e164("020 7946 0018", "GB") == "+442079460018"


def test_mexican_whatsapp_numbers_match_stored_ones() -> None:
    assert same_number("+5215512345678", "+525512345678")
    assert not same_number("+12025550123", "+12025550124")
    assert not same_number(None, "+12025550123")


def test_mask() -> None:
    assert mask("+15551234567") == "+1******4567"
    assert mask("whatsapp:+15551234567") == "+1******4567"
    assert mask(None) == "-"
    assert "1234" not in mask("1234")
