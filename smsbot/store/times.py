"""Times as the store keeps them: aware UTC, as fixed-precision ISO text that sorts as text.

Backend-agnostic: SQLite stores this text; the escalation record writes it too.
"""

from __future__ import annotations

from datetime import UTC, datetime

from smsbot.errors import StoreValueError
from smsbot.tracking import carrier_local


def utc_text(moment: datetime, what: str, *, naive_ok: bool = False) -> str:
    """`moment` as UTC ISO text with microseconds. A naive `moment` raises StoreValueError
    (naming `what`), unless `naive_ok`: then it is a carrier's offset-less time, read as
    carrier-local (see `smsbot.tracking.CARRIER_LOCAL`)."""
    if moment.utcoffset() is None:
        # Any other naive time has no instant, and guessing its zone would shift it by hours.
        if not naive_ok:
            raise StoreValueError(f"{what} must be a time-zone aware datetime, not {moment!r}")
        moment = carrier_local(moment)
    # Fixed precision keeps the text sortable as text.
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def parse_utc(text: str) -> datetime:
    """The aware UTC datetime of text `utc_text` wrote."""
    return datetime.fromisoformat(text).astimezone(UTC)


def utc_or_none(moment: datetime | None, what: str) -> str | None:
    return None if moment is None else utc_text(moment, what)


def time_or_none(text: str | None) -> datetime | None:
    return None if text is None else parse_utc(text)
