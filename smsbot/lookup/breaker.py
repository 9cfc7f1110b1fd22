"""Each carrier's circuit breaker, shared through the store by every process (issue 20).

After `BREAKER_FAILURES` whole-call failures in a row (5xx, timeouts, connection errors),
counted across all `serve` workers and the watcher, a carrier's breaker opens: texts about
it are answered at once with the last known status and the "not answering" note instead of
waiting ~4 s for the timeout each. After `BREAKER_OPEN` (doubling per failed probe, at most
`BREAKER_OPEN_MAX`) it is half-open: the store hands the one probe to one caller in one
process (the others still answer at once); its success closes the breaker, its failure opens
it again for longer.

Reading the store for every carrier call would be cheap, but not free on a busy carrier, so
each process keeps a view of the breakers read at most `FRESH_S` ago, and its own changes
go into that view at once. So another process's decision reaches this one within `FRESH_S`
(until then it may still call a carrier that was just declared down, which only adds one
more failure to the count), and a good answer deletes the row only when the view shows one.
A store that fails is logged and ignored: the breaker then lets calls through (the carrier
timeout still bounds them), it never blocks a carrier because the database had a hiccup.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from smsbot.errors import StoreError
from smsbot.store.breakers import BreakerState

if TYPE_CHECKING:
    from smsbot.store import Store

log = logging.getLogger("smsbot.lookup.pauses")

Clock = Callable[[], datetime]

BREAKER_FAILURES = 3  # whole-call failures in a row that open a carrier's breaker
BREAKER_OPEN = timedelta(seconds=30)  # first open period; doubles per failed probe
BREAKER_OPEN_MAX = timedelta(minutes=5)
PROBE_TIMEOUT = timedelta(minutes=2)  # a probe never heard of (cancelled, died): allow another
FRESH_S = 1.0  # how old this process's view of the other processes' breakers may be


def breaker_wait(failures: int) -> timedelta:
    """How long the breaker stays open after `failures` (>= BREAKER_FAILURES) in a row."""
    doublings: int = max(0, min(failures - BREAKER_FAILURES, 16))
    return min(BREAKER_OPEN_MAX, BREAKER_OPEN * (1 << doublings))


def _open_for(failures: int) -> timedelta | None:
    return breaker_wait(failures) if failures >= BREAKER_FAILURES else None


class Breakers:
    """The carriers' breakers as this process sees them (see the module docstring)."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._view: dict[str, BreakerState] = {}
        self._read_at: float | None = None  # time.monotonic() of the last full read

    async def _state(self, carrier: str) -> BreakerState | None:
        moment = time.monotonic()
        if self._read_at is None or moment - self._read_at >= FRESH_S:
            try:
                self._view = await self._store.breaker_states()
            except StoreError as exc:
                log.warning("cannot read the carriers' breakers: %s", exc)
            self._read_at = moment
        return self._view.get(carrier)

    async def admit(self, carrier: str) -> bool:
        """Whether a reply may call `carrier` now (its breaker is closed, or this call is
        the half-open probe); False: answer from what is known, at once."""
        state = await self._state(carrier)
        if state is None or state.open_until is None:
            return True
        now = self._clock()
        if now < state.open_until:
            return False
        if state.probe_until is not None and now < state.probe_until:
            return False  # one probe at a time
        until = now + PROBE_TIMEOUT
        try:
            taken = await self._store.take_breaker_probe(carrier, now, until)
        except StoreError as exc:
            log.warning("%s: cannot take the breaker's probe: %s", carrier, exc)
            return True
        if taken:
            log.info("%s: trying it again after failures (one probe)", carrier)
            self._view[carrier] = BreakerState(carrier, state.failures, state.open_until, until)
        else:
            self._read_at = None  # another process probes: see what it does next time
        return taken

    async def failed(self, carrier: str, error: str) -> None:
        """A call to `carrier` that failed as a whole: one more failure in a row."""
        try:
            state = await self._store.breaker_failed(carrier, self._clock(), _open_for)
        except StoreError as exc:
            log.warning("%s: cannot count its failure in the breaker: %s", carrier, exc)
            return
        self._view[carrier] = state
        if state.failures == BREAKER_FAILURES:  # the count is atomic: one process says it
            log.warning(
                "%s failed %d times in a row (%s); replies use what we know for %s",
                carrier,
                state.failures,
                error,
                breaker_wait(state.failures),
            )

    async def answered(self, carrier: str) -> None:
        """A call to `carrier` that succeeded: the carrier is well again (it closes)."""
        if await self._state(carrier) is None:
            return
        try:
            closed = await self._store.breaker_answered(carrier)
        except StoreError as exc:
            log.warning("%s: cannot close its breaker: %s", carrier, exc)
            return
        self._view.pop(carrier, None)
        if closed is not None and closed.open_until is not None:
            log.info("%s answers again", carrier)
