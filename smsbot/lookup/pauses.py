"""When each carrier may be called again: after a 429, after failures, and its breaker.

A carrier that answers 429 is paused for its `Retry-After` (or `RATE_LIMIT_DEFAULT_S`) for
every caller: asking again sooner only earns another 429. A carrier that fails otherwise is
backed off for background refreshes (5 minutes, doubling up to 6 hours).

Replies have a circuit breaker per carrier: after `BREAKER_FAILURES` whole-call failures in
a row (5xx, timeouts, connection errors) it opens, and texts about that carrier are
answered at once with the last known status and the "not answering" note instead of
waiting ~4 s for the timeout each. After `BREAKER_OPEN` (doubling per failed probe, at
most `BREAKER_OPEN_MAX`) it is half-open: the next text's call is the one probe (others
still answer at once); its success closes the breaker (and lifts the back-off), its
failure opens it again. State is in memory, per process; the clock is injected so tests
can move time.
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
BREAKER_FAILURES = 3  # whole-call failures in a row that open a carrier's breaker
BREAKER_OPEN = timedelta(seconds=30)  # first open period; doubles per failed probe
BREAKER_OPEN_MAX = timedelta(minutes=5)
PROBE_TIMEOUT = timedelta(minutes=2)  # a probe never heard of (cancelled): allow another


def backoff(failures: int) -> timedelta:
    """5 min after the first failure, doubling, at most 6 h."""
    doublings: int = max(0, min(failures - 1, 16))
    return min(RETRY_MAX, RETRY_BASE * (1 << doublings))


def breaker_wait(failures: int) -> timedelta:
    """How long the breaker stays open after `failures` (>= BREAKER_FAILURES) in a row."""
    doublings: int = max(0, min(failures - BREAKER_FAILURES, 16))
    return min(BREAKER_OPEN_MAX, BREAKER_OPEN * (1 << doublings))


@dataclass
class _State:
    rate_limited_until: datetime | None = None
    failing_until: datetime | None = None
    failures: int = 0  # whole-call failures in a row
    open_until: datetime | None = None  # the breaker: open until then, half-open after
    probe_until: datetime | None = None  # a probe is out (half-open) until then


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

    def admit(self, carrier: str) -> bool:
        """Whether a reply may call `carrier` now (its breaker is closed, or this call is
        the half-open probe); False: answer from what is known, at once."""
        state = self._states.get(carrier)
        if state is None or state.open_until is None:
            return True
        now = self._clock()
        if now < state.open_until:
            return False
        if state.probe_until is not None and now < state.probe_until:
            return False  # one probe at a time
        state.probe_until = now + PROBE_TIMEOUT
        log.info("%s: trying it again after failures (one probe)", carrier)
        return True

    def is_open(self, carrier: str) -> bool:
        """Whether `carrier`'s breaker is open or half-open (for status pages and logs)."""
        state = self._states.get(carrier)
        return state is not None and state.open_until is not None

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
        if state.failures >= BREAKER_FAILURES:
            was_open = state.open_until is not None
            state.open_until = now + breaker_wait(state.failures)
            state.probe_until = None
            if not was_open:
                log.warning(
                    "%s failed %d times in a row (%s); replies use what we know for %s",
                    carrier,
                    state.failures,
                    error,
                    breaker_wait(state.failures),
                )
                return
        log.warning("%s failed (%s); background checks wait %s", carrier, error, wait)

    def answered(self, carrier: str) -> None:
        """A call that succeeded: the carrier is well again (the breaker closes)."""
        state = self._states.pop(carrier, None)
        if state is not None and state.open_until is not None:
            log.info("%s answers again", carrier)
