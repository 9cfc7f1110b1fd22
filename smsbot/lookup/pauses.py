"""When each carrier may be called again: after a 429, and (in the background) after failures.

A carrier that answers 429 is paused for its `Retry-After` (or `RATE_LIMIT_DEFAULT_S`) for
every caller: asking again sooner only earns another 429. A carrier that fails otherwise is
backed off for background refreshes (5 minutes, doubling up to 6 hours).

The circuit breaker for replies is `smsbot.lookup.breaker` (shared through the store).
These pauses are in memory, per process; the clock is injected so tests can move time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

log = logging.getLogger("smsbot.lookup.pauses")

Clock = Callable[[], datetime]

RATE_LIMIT_DEFAULT_S = 60.0  # a 429 without Retry-After
RETRY_BASE = timedelta(minutes=5)  # first back-off after a failed call; doubles per failure
RETRY_MAX = timedelta(hours=6)


def backoff(failures: int) -> timedelta:
    """5 min after the first failure, doubling, at most 6 h."""
    doublings: int = max(0, min(failures - 1, 16))
    return min(RETRY_MAX, RETRY_BASE * (1 << doublings))


@dataclass
class _State:
    rate_limited_until: datetime | None = None
    failing_until: datetime | None = None
    failures: int = 0  # whole-call failures in a row


class CarrierPauses:
    """Per-carrier pauses, fed by every carrier call's outcome and read before each call."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._states: dict[str, _State] = {}

    def until(self, carrier: str, *, background: bool) -> datetime | None:
        """When `carrier` may be asked again, or None if now.

        `background` (the watcher) also honours the back-off after failures.
        """
        state = self._states.get(carrier)
        if state is None:
            return None
        now = self._clock()
        waits = [state.rate_limited_until]
        if background:
            waits.append(state.failing_until)
        later = [moment for moment in waits if moment is not None and moment > now]
        return max(later) if later else None

    def rate_limited(self, carrier: str, retry_after_s: float | None) -> None:
        """A 429: pause every call to `carrier` for `retry_after_s` (or the default)."""
        wait = RATE_LIMIT_DEFAULT_S if retry_after_s is None else retry_after_s
        state = self._states.setdefault(carrier, _State())
        state.rate_limited_until = self._clock() + timedelta(seconds=wait)
        log.warning("%s is rate-limiting us; pausing it for %.0f s", carrier, wait)

    def failed(self, carrier: str, error: str) -> None:
        """A call that failed as a whole: back off background calls, 5 min doubling to 6 h."""
        state = self._states.setdefault(carrier, _State())
        state.failures += 1
        wait = backoff(state.failures)
        now = self._clock()
        state.failing_until = now + wait
        log.warning("%s failed (%s); background checks wait %s", carrier, error, wait)

    def answered(self, carrier: str) -> None:
        """A call that succeeded: the carrier is well again (no more back-off)."""
        self._states.pop(carrier, None)
