"""Sending the outbox in batches: claim many due messages in one transaction and record
the outcomes of their POSTs in one (issue 20), so a round of N sends costs a fixed few
store trips instead of about 3N.

The guarantees are the single-message ones of `OutboxStore.claim_outbox`/`move_outbox`:
a message is claimed only from a waiting state, only when due, only while its recipient is
under the daily cap for their local day (messages claimed earlier in the same batch count),
and never for an opted-out number; an outcome moves a message only while it is "sending".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from smsbot.store.records import OutboxMessage


@dataclass(frozen=True, slots=True)
class OutboxClaim:
    """Claim one message: `day` is its recipient's local day [start, end) for the daily
    cap; when the cap is reached it is deferred (reason "daily_cap") until `over_cap_until`."""

    message_id: int
    day: tuple[datetime, datetime]
    over_cap_until: datetime


@dataclass(frozen=True, slots=True)
class OutboxHold:
    """Defer one waiting message until `until` for `reason` (say "quiet_hours")."""

    message_id: int
    until: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class OutboxOutcome:
    """What one POST came to: the columns `move_outbox` may set, applied only while the
    message is "sending". With `sid` set and `state` SENT, status callbacks that came before
    the SID was known are applied too."""

    message_id: int
    changes: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class ClaimedBatch:
    """The result of a claim: the messages now owned (as stored after the claim: attempts
    counted, lease set), and the ids suppressed (opted out), held and deferred for the cap."""

    claimed: list[OutboxMessage] = field(default_factory=list)
    suppressed: list[int] = field(default_factory=list)
    held: list[int] = field(default_factory=list)
    over_cap: list[int] = field(default_factory=list)


class OutboxBatchStore(Protocol):
    """Claims and outcomes for many outbox messages at once."""

    async def claim_outbox_batch(
        self,
        claims: Sequence[OutboxClaim],
        holds: Sequence[OutboxHold],
        *,
        now: datetime,
        lease_until: datetime,
        daily_cap: int,
    ) -> ClaimedBatch:
        """In one transaction: defer the `holds` (still waiting only), then, in order, for
        each claim: suppress it if its recipient opted out, else claim it ("sending",
        attempts + 1, lease until `lease_until`) if due and under `daily_cap`, else defer it
        to `over_cap_until` if the cap is what stopped it. A message another sender took
        first is in none of the lists."""
        ...

    async def finish_outbox_batch(
        self, outcomes: Sequence[OutboxOutcome], at: datetime
    ) -> list[int]:
        """Apply the outcomes in one transaction; the ids of the messages moved (those still
        "sending"). Raises StoreValueError for a column `move_outbox` may not set."""
        ...
