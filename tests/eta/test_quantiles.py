"""Nearest-rank quantiles over day histograms."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smsbot.eta.quantiles import MAX_DAYS, Histogram


def _of(values: list[int]) -> Histogram:
    histogram = Histogram()
    for value in values:
        histogram.add(value)
    return histogram


def test_the_10th_to_90th_percentile_of_one_to_ten() -> None:
    histogram = _of(list(range(1, 11)))
    assert histogram.window(0.1, 0.9) == (1, 9)
    assert histogram.median() == 5
    assert histogram.share_within(1, 9) == pytest.approx(0.9)


def test_ties_and_clamping() -> None:
    histogram = _of([3] * 8 + [4, 200])
    assert histogram.window(0.1, 0.9) == (3, 4)
    assert histogram.quantile(1.0) == MAX_DAYS  # 200 days counts as the longest kept
    with pytest.raises(ValueError, match="no samples"):
        Histogram().quantile(0.5)


@given(st.lists(st.integers(0, MAX_DAYS), min_size=1, max_size=200), st.floats(0.01, 1.0))
def test_matches_sorting(values: list[int], q: float) -> None:
    ordered = sorted(values)
    rank = max(1, -(-q * len(values) // 1))  # ceil
    expected = ordered[int(rank) - 1]
    quantile = _of(values).quantile(q)
    # Float rounding of q * n may move the rank by one at an exact boundary only.
    assert quantile == expected or abs(q * len(values) - round(q * len(values))) < 1e-6
