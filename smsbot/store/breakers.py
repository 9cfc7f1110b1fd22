"""The carrier breakers concern (issue 20): each carrier's circuit breaker, shared by every
process that uses the store (all `serve` workers and the watcher).

A row exists while a carrier has failed at least once since its last good answer. The
policy (how many failures open it, for how long) belongs to the caller
(`smsbot.lookup.breaker`); the store counts failures, keeps the open period, and hands the
half-open probe to exactly one caller however many processes ask at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol


@dataclass(frozen=True)
class BreakerState:
    """One carrier's breaker. `open_until` None: closed (failures below the threshold);
    past it: half-open. `probe_until`: a probe is out until then (another may go after)."""

    carrier: str
    failures: int
    open_until: datetime | None = None
    probe_until: datetime | None = None


class BreakerStore(Protocol):
    """Count failures, open, probe and close carriers' breakers."""

    async def breaker_states(self) -> dict[str, BreakerState]:
        """Every carrier with a breaker row (failed since its last good answer)."""
        ...

    async def breaker_failed(
        self, carrier: str, now: datetime, open_for: Callable[[int], timedelta | None]
    ) -> BreakerState:
        """One more failure in a row for `carrier`, atomically across processes. With the
        new count n, `open_for(n)` None leaves the breaker as it is; a timedelta opens it
        (or keeps it open) until `now` + that, and ends any probe. The new state."""
        ...

    async def take_breaker_probe(self, carrier: str, now: datetime, until: datetime) -> bool:
        """Take the half-open probe: True for exactly one caller when `carrier`'s breaker is
        open, its open period over at `now`, and no probe is out (or the last one's
        `until` passed); that probe is then out until `until`. False otherwise."""
        ...

    async def breaker_answered(self, carrier: str) -> BreakerState | None:
        """A good answer from `carrier`: its breaker closes (the row goes). The state it
        had, or None if it had none."""
        ...
