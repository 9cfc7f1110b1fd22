"""One batch of the outbox's sending round (issue 20): plan, claim, POST, record.

The due messages are planned in memory (quiet hours and the recipient's local day, from
`smsbot.watch.quiet`), claimed in one store transaction (opt-outs and the daily cap are
judged inside it, see `smsbot.store.outbox_batch`), POSTed to Twilio several at a time,
and their outcomes recorded in one more transaction. Only claimed messages are POSTed and
each exactly once per claim, so concurrency never sends a message twice; a message whose
outcome is never recorded (the process died) stays "sending" until its lease runs out and
is then reconciled by `smsbot.watch.outbox`.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from smsbot.channels.twilio_rest import (
    OPTED_OUT,
    TwilioRejected,
    TwilioRest,
    TwilioRetryable,
    TwilioUncertain,
)
from smsbot.config import Settings
from smsbot.phones import mask
from smsbot.store import OutboxClaim, OutboxHold, OutboxMessage, OutboxOutcome, OutboxState, Store
from smsbot.watch.quiet import local_day, quiet_until, recipient_zones

log = logging.getLogger("smsbot.watch.outbox")

#: How long a claimed message may stay "sending" before it is reconciled (covers the POST).
LEASE = timedelta(minutes=2)
#: After an answer-less POST, when to look in Twilio's list for the message.
RECHECK_AFTER = timedelta(minutes=2)
#: Sending attempts (POSTs) before a message that keeps meeting 429/5xx is given up.
MAX_ATTEMPTS = 8
#: Backoff before attempt n + 1: about BACKOFF_BASE * 2 ** (n - 1), at most BACKOFF_MAX.
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)
#: Due messages taken per batch (one claim and one record transaction each).
BATCH = 200
#: POSTs in flight at once. Twilio queues what it accepts and sends it at the sender's
#: rate (1 msg/s per long code), so more in flight only helps until Twilio's API
#: concurrency limit answers 429 (retried with backoff). With aiohttp (what
#: `open_services` gives the outbox) a POST costs about 0.4 ms of CPU whatever the number
#: in flight, so 32 allows 1,600 sends/s at 20 ms; over httpx it was 12, because httpcore's
#: pool cost grows with the connections in use (bench/outbox.py: 2.6 ms a send at 12, 4.2
#: at 32).
CONCURRENCY = 32


def backoff(attempt: int, rng: random.Random) -> timedelta:
    """Delay after the `attempt`-th failure: exponential, capped, with "equal" jitter (half
    fixed, half random), so many messages failing together do not retry together."""
    ceiling = min(BACKOFF_BASE * (1 << min(max(attempt - 1, 0), 20)), BACKOFF_MAX)
    return ceiling / 2 + ceiling / 2 * rng.random()


@dataclass(frozen=True)
class Claimed:
    """A claimed batch: the messages to POST, and how many the claim moved out of waiting."""

    messages: Sequence[OutboxMessage]
    moved: int


class BatchSender:
    """Sends batches of due messages for `Outbox` (see the module docstring)."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        twilio: TwilioRest,
        clock: Callable[[], datetime],
        rng: random.Random,
    ) -> None:
        self._settings = settings
        self._store = store
        self._twilio = twilio
        self._clock = clock
        self._rng = rng
        self._slots = asyncio.Semaphore(CONCURRENCY)

    async def claim(self, due: Sequence[OutboxMessage], now: datetime) -> Claimed:
        """Plan and claim `due` (waiting messages, due at `now`) in one transaction: what
        to POST, and how many messages the batch moved out of waiting at all (0: nothing
        more can happen now)."""
        quiet = self._settings.watch.quiet_hours
        claims: list[OutboxClaim] = []
        holds: list[OutboxHold] = []
        for message in due:
            zones = recipient_zones(message.phone, self._settings.bot.timezone)
            until = quiet_until(now, zones, quiet)
            if until is not None:
                holds.append(OutboxHold(message.id, until, "quiet_hours"))
                continue
            day = local_day(now, zones.primary)
            claims.append(OutboxClaim(message.id, day, quiet_until(day[1], zones, quiet) or day[1]))
        batch = await self._store.claim_outbox_batch(
            claims,
            holds,
            now=now,
            lease_until=now + LEASE,
            daily_cap=self._settings.watch.max_messages_per_day,
        )
        by_id = {message.id: message for message in due}
        for message_id in batch.suppressed:
            message = by_id[message_id]
            log.info("not sending %s to %s: opted out", message.key, mask(message.phone))
        for reason, ids in (("quiet_hours", batch.held), ("daily_cap", batch.over_cap)):
            for message_id in ids:
                message = by_id[message_id]
                log.info("%s to %s deferred (%s)", message.key, mask(message.phone), reason)
        moved = len(batch.claimed) + len(batch.suppressed) + len(batch.held) + len(batch.over_cap)
        return Claimed(batch.claimed, moved)

    async def deliver(self, claimed: Claimed) -> int:
        """POST the claimed messages (at most `CONCURRENCY` at once, shared by every batch
        of this sender) and record their outcomes in one transaction; how many were sent."""
        results = await asyncio.gather(
            *(self._post(message) for message in claimed.messages), return_exceptions=True
        )
        outcomes: list[OutboxOutcome] = []
        for message, result in zip(claimed.messages, results, strict=True):
            if isinstance(result, OutboxOutcome):
                outcomes.append(result)
            else:  # left "sending": reconciled once its lease runs out, never resent blindly
                log.error("%s to %s: %r", message.key, mask(message.phone), result)
        moved = set(await self._store.finish_outbox_batch(outcomes, self._clock()))
        return sum(
            1
            for outcome in outcomes
            if outcome.message_id in moved and outcome.changes.get("state") == OutboxState.SENT
        )

    async def _post(self, message: OutboxMessage) -> OutboxOutcome:
        """POST one claimed message; what became of it (`message.attempts` counts this one)."""
        async with self._slots:
            try:
                created = await self._twilio.create_message(
                    phone=message.phone, channel=message.channel, body=message.body
                )
            except TwilioRejected as exc:
                if exc.code == OPTED_OUT:
                    await self._store.set_opted_out(
                        message.phone, message.channel, True, self._clock()
                    )
                log.warning(
                    "Twilio refused %s to %s: error %s", message.key, mask(message.phone), exc.code
                )
                return OutboxOutcome(message.id, {
                    "state": OutboxState.FAILED, "lease_until": None, "error_code": exc.code,
                    "error_message": exc.text[:500],
                })  # fmt: skip
            except TwilioRetryable as exc:
                return self._retry(message, exc)
            except TwilioUncertain as exc:
                # Maybe created: leave it "sending" and look it up later rather than resend.
                log.warning("%s to %s: %s; will check", message.key, mask(message.phone), exc)
                return OutboxOutcome(message.id, {
                    "lease_until": self._clock() + RECHECK_AFTER, "error_message": str(exc)[:500],
                })  # fmt: skip
        at = self._clock()
        return OutboxOutcome(message.id, {
            "state": OutboxState.SENT, "sid": created.sid, "twilio_status": created.status,
            "status_rank": 1, "lease_until": None, "sent_at": at, "error_message": None,
        })  # fmt: skip

    def _retry(self, message: OutboxMessage, exc: TwilioRetryable) -> OutboxOutcome:
        attempts = message.attempts
        if attempts >= MAX_ATTEMPTS:
            log.warning("%s to %s: giving up after %d attempts: %s",
                        message.key, mask(message.phone), attempts, exc)  # fmt: skip
            return OutboxOutcome(message.id, {
                "state": OutboxState.FAILED, "lease_until": None,
                "error_message": f"gave up after {attempts} attempts: {exc}"[:500],
            })  # fmt: skip
        if exc.retry_after is not None:
            delay = timedelta(seconds=min(exc.retry_after, BACKOFF_MAX.total_seconds()))
        else:
            delay = backoff(attempts, self._rng)
        log.info("%s to %s: %s; retry in %s", message.key, mask(message.phone), exc, delay)
        return OutboxOutcome(message.id, {
            "state": OutboxState.QUEUED, "not_before": self._clock() + delay,
            "lease_until": None, "error_message": str(exc)[:500],
        })  # fmt: skip
