"""The escalation concern: conversations handed to a person (the console's queue) and their
hand-offs to helpdesk targets (retried, then dead-lettered)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class HandoffState(StrEnum):
    PENDING = "pending"  # waits for its next attempt
    DELIVERED = "delivered"
    DEAD = "dead"  # gave up after its retries: shown in the console


@dataclass(frozen=True)
class StoredEscalation:
    """One AGENT request. `phone` is E.164 (the console masks it except on the detail)."""

    id: int
    created_at: datetime
    channel: str
    phone: str
    phone_key: str
    order_number: str | None
    verified: bool
    language: str
    handled_at: datetime | None
    handled_by: str | None

    @property
    def handled(self) -> bool:
        return self.handled_at is not None


@dataclass(frozen=True)
class StoredHandoff:
    """One escalation's delivery to one target."""

    id: int
    escalation_id: int
    target: str
    state: HandoffState
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    external_ref: str | None


class EscalationStore(Protocol):
    """The queue of escalations and their hand-offs."""

    async def add_escalation(
        self,
        *,
        channel: str,
        phone: str,
        order_number: str | None,
        verified: bool,
        language: str,
        at: datetime,
        targets: Sequence[str] = (),
    ) -> int:
        """Record an escalation and one pending hand-off per target (due at `at`); its id."""
        ...

    async def escalations(self, *, open_only: bool, limit: int = 100) -> list[StoredEscalation]:
        """Escalations, newest first (only those not handled with `open_only`)."""
        ...

    async def escalation(self, escalation_id: int) -> StoredEscalation | None:
        """One escalation, or None."""
        ...

    async def mark_handled(self, escalation_id: int, *, by: str, at: datetime) -> bool:
        """Mark an open escalation handled; False if unknown or already handled."""
        ...

    async def due_handoffs(self, now: datetime, *, lease_until: datetime) -> list[StoredHandoff]:
        """Claim the pending hand-offs that are due: their next attempt moves to
        `lease_until`, so no other sender takes them meanwhile."""
        ...

    async def finish_handoff(
        self,
        handoff_id: int,
        *,
        state: HandoffState,
        at: datetime,
        next_attempt_at: datetime | None = None,
        error: str | None = None,
        external_ref: str | None = None,
    ) -> None:
        """Record one attempt's outcome (attempts + 1)."""
        ...

    async def handoffs(
        self, *, escalation_id: int | None = None, state: HandoffState | None = None
    ) -> list[StoredHandoff]:
        """Hand-offs of one escalation, or in one state (dead letters), newest first."""
        ...
