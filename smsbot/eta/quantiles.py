"""Weighted quantile windows over small whole numbers (days), kept as histograms.

Business days are small integers, so a group of deliveries is a weight per day value:
adding deliveries is an addition, merging is free, and a quantile is a walk over at most
`MAX_DAYS + 1` weights however many deliveries the group holds.

Deliveries may weigh differently (recent ones more, see `smsbot.eta.model`): a quantile
is then taken over the weights, and how much evidence a group holds is its effective
sample size (Kish): (sum of weights)^2 / (sum of squared weights). With equal weights
that is the number of deliveries; with a few heavy ones it is about their number.
"""

from __future__ import annotations

from typing import NamedTuple

#: Longer durations count as this many days (a parcel lost for months is one slow sample,
#: not a reason for a table of that size).
MAX_DAYS = 60


class Weight(NamedTuple):
    """What equal samples add to a histogram: how many deliveries, the sum of their
    weights and the sum of their squared weights."""

    deliveries: int
    total: float
    squares: float

    @classmethod
    def of(cls, deliveries: int, each: float = 1.0) -> Weight:
        """`deliveries` deliveries weighing `each`."""
        return cls(deliveries, deliveries * each, deliveries * each * each)

    def plus(self, other: Weight) -> Weight:
        return Weight(
            self.deliveries + other.deliveries,
            self.total + other.total,
            self.squares + other.squares,
        )


class Histogram:
    """Weights of whole-day durations 0..MAX_DAYS."""

    __slots__ = ("counts", "deliveries", "squares", "total")

    def __init__(self) -> None:
        self.counts = [0.0] * (MAX_DAYS + 1)
        self.total = 0.0  # the sum of the weights
        self.squares = 0.0  # the sum of the squared weights
        self.deliveries = 0  # how many deliveries, whatever they weigh

    def add(self, days: int, weight: int | Weight = 1) -> None:
        """Count durations of `days`: `weight` deliveries of weight 1, or a `Weight`
        (negative durations are the caller's error; clamped to 0)."""
        if not isinstance(weight, Weight):
            weight = Weight.of(weight)
        self.counts[min(max(days, 0), MAX_DAYS)] += weight.total
        self.total += weight.total
        self.squares += weight.squares
        self.deliveries += weight.deliveries

    @property
    def effective(self) -> float:
        """The effective sample size (Kish); 0.0 when empty."""
        return self.total * self.total / self.squares if self.squares > 0 else 0.0

    def quantile(self, q: float) -> int:
        """The weighted nearest-rank `q`-quantile (0 < q <= 1): the smallest value with at
        least a share `q` of the weight at or below it. ValueError when empty."""
        if self.total <= 0:
            raise ValueError("no samples")
        # The tolerance keeps q * total from missing an exact boundary by float rounding.
        target = q * self.total * (1 - 1e-12) - 1e-9
        seen = 0.0
        for days, weight in enumerate(self.counts):
            seen += weight
            if weight and seen >= target:
                return days
        return MAX_DAYS  # not reached: seen ends at total >= target

    def window(self, low: float, high: float) -> tuple[int, int]:
        """The (`low`, `high`) quantiles, e.g. (0.1, 0.9): the 10th to 90th percentile."""
        return self.quantile(low), self.quantile(high)

    def share_within(self, low: int, high: int) -> float:
        """The share of the weight in [low, high] (0.0 when empty)."""
        if self.total <= 0:
            return 0.0
        return sum(self.counts[max(low, 0) : min(high, MAX_DAYS) + 1]) / self.total

    def median(self) -> int:
        return self.quantile(0.5)
