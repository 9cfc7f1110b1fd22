"""A per-address request limit for /t/, in memory: addresses are never stored or logged.

A fixed one-minute window per client address; the table is bounded (the oldest windows are
dropped first), so a flood of addresses cannot grow memory without end.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

WINDOW_S = 60.0
MAX_ADDRESSES = 50_000


class RateLimiter:
    """`allow(address)`: at most `per_minute` requests per address per window."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = per_minute
        self._clock = clock
        self._windows: OrderedDict[str, tuple[float, int]] = OrderedDict()

    def allow(self, address: str) -> bool:
        """Count one request from `address`; False once it is over the limit."""
        now = self._clock()
        started, hits = self._windows.get(address, (now, 0))
        if now - started >= WINDOW_S:
            started, hits = now, 0
        self._windows[address] = (started, hits + 1)
        self._windows.move_to_end(address)
        while len(self._windows) > MAX_ADDRESSES:
            self._windows.popitem(last=False)
        return hits < self._limit

    def retry_after(self, address: str) -> int:
        """Seconds until `address`'s window ends (for the Retry-After header)."""
        started, _ = self._windows.get(address, (self._clock(), 0))
        return max(1, int(WINDOW_S - (self._clock() - started)) + 1)
