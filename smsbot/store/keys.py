"""The keys state is kept under: a phone's match form, and a sender's key."""

from __future__ import annotations

from smsbot.phones import canonical, strip_channel


def phone_key(phone: str | None) -> str | None:
    """The form phones are matched on: no channel prefix, Mexico `+521…` as `+52…`."""
    return canonical(strip_channel(phone)) if phone else None


def sender_key(sender: str | None, address: str) -> str:
    """The key state is kept under: the phone's `phone_key`, else the raw address as sent.

    A sender whose `From` is not a phone number (`client:bob`, empty) still gets limits.
    """
    key = phone_key(sender)
    return key if key else "address:" + address.strip().lower()[:64]
