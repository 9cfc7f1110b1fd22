"""Events in an odd order: what the store keeps so that none of them is lost or repeated.

- A Twilio status callback can arrive before the outbox has recorded its message's SID (the
  callback races the answer to the POST, or the POST's answer was lost and the message is
  reconciled later): it is kept and applied when the SID is recorded.
- A notice still waiting in the outbox (quiet hours, the daily cap) can be superseded by a
  newer one about the same parcel: the old one is dropped, never sent late.
- A scheduled trigger whose send fails is retried later, on its own: it never holds up the
  triggers due after it.
- A hand-off to a person happens once per sender per window; a repeat is told it is in hand.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from smsbot.store.records import OutboxMessage, OutboxState

#: How long a status callback for an unknown SID is kept for its message to catch up.
EARLY_CALLBACK_TTL_S = 86400.0


class SequencingStore(Protocol):
    """Early callbacks, superseded notices, retried triggers, hand-off cooldowns."""

    async def record_or_keep_delivery(
        self,
        sid: str,
        *,
        state: OutboxState,
        twilio_status: str,
        rank: int,
        error_code: int | None,
        at: datetime,
    ) -> OutboxMessage | None:
        """Apply a status callback to the message with this SID; the message, or None while
        no message has `sid` yet, in which case the callback is kept (atomically).

        A callback ranked below the one already applied is ignored (callbacks arrive out of
        order), but the message is still returned; an error code too large to keep is
        dropped, never an error. A kept callback waits EARLY_CALLBACK_TTL_S for
        `apply_early_deliveries(sid)`; older ones are forgotten (callbacks for messages this
        bot never sent end there).
        """
        ...

    async def apply_early_deliveries(self, sid: str, at: datetime) -> OutboxMessage | None:
        """Apply the kept callbacks of `sid` to its message (highest rank wins, an error code
        is kept) and forget them; the message, or None when no message has `sid`."""
        ...

    async def supersede_outbox(self, keys: Sequence[str], *, by: str, at: datetime) -> int:
        """Move the messages under `keys` that still wait (queued or deferred) to SUPPRESSED
        with `defer_reason` "superseded" and `by` as their note; how many were moved. A
        message being sent or sent already is left alone, and so is the one under `by`."""
        ...

    async def postpone_trigger(
        self, shipment_id: int, kind: str, at: datetime, delay: Callable[[int], timedelta]
    ) -> int:
        """Count a failed attempt at a scheduled trigger and move it to `at + delay(n)`, n
        being the attempts so far, which are returned (0: the trigger is not scheduled)."""
        ...

    async def claim_handoff(self, key: str, now: datetime, window_s: float) -> datetime | None:
        """Take the sender's hand-off to a person: None when taken (no hand-off in the last
        `window_s`), else when the last one was. Atomic across processes."""
        ...

    async def release_handoff(self, key: str, handed_at: datetime) -> None:
        """Undo the claim made at `handed_at` (the hand-off failed): the sender may try again."""
        ...
