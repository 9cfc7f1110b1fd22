"""Phone numbers: E.164 normalization, masking for logs, and comparison across channels."""

from __future__ import annotations

import phonenumbers

WHATSAPP_PREFIX = "whatsapp:"


def strip_channel(address: str) -> str:
    """`whatsapp:+1555…` → `+1555…`; other addresses unchanged (trimmed)."""
    address = address.strip()
    if address.lower().startswith(WHATSAPP_PREFIX):
        return address[len(WHATSAPP_PREFIX) :].strip()
    return address


def to_e164(raw: str, default_region: str) -> str | None:
    """The E.164 form of `raw`, or None when it is not a plausible phone number.

    National numbers are read in `default_region` (e.g. "US"). A `whatsapp:` prefix is
    ignored. Mexican mobile numbers written with the legacy `1` after `+52` are kept as
    given here and reconciled by `canonical`.
    """
    text = strip_channel(raw)
    if not text or len(text) > 40:
        return None
    try:
        number = phonenumbers.parse(text, default_region.upper() or None)
    except phonenumbers.NumberParseException:
        return None
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if phonenumbers.is_valid_number(number) or _is_legacy_mexican_mobile(formatted):
        return formatted
    return None


def _is_legacy_mexican_mobile(e164: str) -> bool:
    return e164.startswith("+521") and len(e164) == 14


def canonical(e164: str) -> str:
    """The form used to compare two numbers: WhatsApp's Mexico `+521…` equals `+52…`."""
    if _is_legacy_mexican_mobile(e164):
        return "+52" + e164[4:]
    return e164


def same_number(first: str | None, second: str | None) -> bool:
    """Whether two E.164 numbers reach the same person (None never matches)."""
    if not first or not second:
        return False
    return canonical(first) == canonical(second)


def mask(address: str | None) -> str:
    """A phone number safe for logs: `+15551234567` → `+1******4567`."""
    if not address:
        return "-"
    text = strip_channel(address)
    if len(text) <= 6:
        return "*" * len(text)
    return text[:2] + "*" * (len(text) - 6) + text[-4:]
