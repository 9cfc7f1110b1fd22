"""Quantile windows over small whole numbers (days), kept as histograms.

Business days are small integers, so a group of deliveries is a count per day value:
adding one is an increment, merging is free, and a quantile is a walk over at most
`MAX_DAYS + 1` counts however many deliveries the group holds.
"""

from __future__ import annotations

from math import ceil

#: Longer durations count as this many days (a parcel lost for months is one slow sample,
#: not a reason for a table of that size).
MAX_DAYS = 60


class Histogram:
    """Counts of whole-day durations 0..MAX_DAYS."""

    __slots__ = ("counts", "total")

    def __init__(self) -> None:
        self.counts = [0] * (MAX_DAYS + 1)
        self.total = 0

    def add(self, days: int, weight: int = 1) -> None:
        """Count `weight` durations of `days` (negative ones are the caller's error;
        clamped to 0)."""
        self.counts[min(max(days, 0), MAX_DAYS)] += weight
        self.total += weight

    def quantile(self, q: float) -> int:
        """The nearest-rank `q`-quantile (0 < q <= 1): the smallest value with at least
        ceil(q * total) samples at or below it. ValueError when empty."""
        if self.total == 0:
            raise ValueError("no samples")
        rank = max(1, ceil(q * self.total - 1e-9))
        seen = 0
        for days, count in enumerate(self.counts):
            seen += count
            if seen >= rank:
                return days
        return MAX_DAYS  # not reached: seen ends at total >= rank

    def window(self, low: float, high: float) -> tuple[int, int]:
        """The (`low`, `high`) quantiles, e.g. (0.1, 0.9): the 10th to 90th percentile."""
        return self.quantile(low), self.quantile(high)

    def share_within(self, low: int, high: int) -> float:
        """The share of samples in [low, high] (0.0 when empty)."""
        if self.total == 0:
            return 0.0
        return sum(self.counts[max(low, 0) : min(high, MAX_DAYS) + 1]) / self.total

    def median(self) -> int:
        return self.quantile(0.5)
