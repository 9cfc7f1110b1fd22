"""The CSAT concern (issue 18): one satisfaction survey per delivered order, its answer.

A survey is opened when its question is queued; it stays *pending* for its sender (the
order's phone key) until answered or until `expires_at`. Only one survey per order is ever
opened, so a customer is asked at most once per order however often the watcher sees the
delivery.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Survey:
    """An order's survey. `score` None: not answered (yet)."""

    order_number: str
    phone_key: str
    sent_at: datetime
    expires_at: datetime
    score: int | None = None
    answered_at: datetime | None = None


class CsatStore(Protocol):
    """Open, find and answer surveys."""

    async def open_survey(
        self, order_number: str, phone_key: str, sent_at: datetime, expires_at: datetime
    ) -> bool:
        """Open the order's survey; False (and nothing changed) if it had one already."""
        ...

    async def pending_survey(self, phone_key: str, now: datetime) -> Survey | None:
        """The sender's newest unanswered survey that has not expired at `now`, if any."""
        ...

    async def answer_survey(self, order_number: str, score: int, at: datetime) -> bool:
        """Record `score` (1-5) for the order's unanswered survey; False if there is none
        or it was answered already (the first answer stands). StoreValueError for a score
        outside 1-5."""
        ...
