"""Nearest-rank quantiles over day histograms."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smsbot.eta.quantiles import MAX_DAYS, Histogram, Weight


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


def test_weighted_quantiles_follow_the_weight_not_the_count() -> None:
    histogram = Histogram()
    histogram.add(2, Weight.of(90, 0.1))  # 90 old deliveries, a tenth of a recent one each
    histogram.add(5, Weight.of(10, 1.0))  # 10 recent ones
    # 90% of the deliveries took 2 days, but they hold 9 of the 19 units of weight: the
    # weighted median is 5, and only quantiles up to 9/19 are 2.
    assert histogram.total == pytest.approx(19.0)
    assert histogram.deliveries == 100
    assert histogram.median() == 5
    assert histogram.quantile(0.47) == 2
    assert histogram.quantile(0.48) == 5
    assert histogram.window(0.1, 0.9) == (2, 5)
    assert histogram.share_within(5, 5) == pytest.approx(10 / 19)


def test_effective_sample_size_of_known_weights() -> None:
    equal = Histogram()
    equal.add(3, 40)  # 40 deliveries of weight 1: the effective size is 40
    assert equal.effective == pytest.approx(40.0)
    uneven = Histogram()
    uneven.add(1, Weight.of(1, 1.0))
    uneven.add(2, Weight.of(3, 1 / 3))  # Kish: (1 + 1)^2 / (1 + 3/9) = 3
    assert uneven.effective == pytest.approx(3.0)
    # Scaling every weight changes neither the quantiles nor the effective size.
    scaled = Histogram()
    scaled.add(1, Weight.of(1, 1000.0))
    scaled.add(2, Weight.of(3, 1000 / 3))
    assert scaled.effective == pytest.approx(3.0)
    assert scaled.window(0.1, 0.9) == uneven.window(0.1, 0.9) == (1, 2)
    assert Histogram().effective == 0.0


def test_geometric_decay_gives_the_textbook_effective_size() -> None:
    # One delivery a day for 400 days, halving every 14: n_eff -> (1 + r) / (1 - r) with
    # r = 2 ** (-1 / 14), about 40.4 deliveries.
    ratio = 2 ** (-1 / 14)
    histogram = Histogram()
    for age in range(400):
        histogram.add(age % 7, Weight.of(1, ratio**age))
    assert histogram.effective == pytest.approx((1 + ratio) / (1 - ratio), rel=1e-6)


@given(
    st.lists(st.tuples(st.integers(0, MAX_DAYS), st.floats(0.01, 100.0)), min_size=1),
    st.floats(0.01, 1.0),
)
def test_weighted_quantile_matches_sorting(pairs: list[tuple[int, float]], q: float) -> None:
    histogram = Histogram()
    for days, weight in pairs:
        histogram.add(days, Weight.of(1, weight))
    total = sum(weight for _, weight in pairs)
    seen, expected = 0.0, MAX_DAYS
    for days, weight in sorted(pairs):
        seen += weight
        if seen >= q * total * (1 - 1e-9):
            expected = days
            break
    found = histogram.quantile(q)
    # At an exact boundary float sums may move the answer to the next value present.
    assert found == expected or abs(seen - q * total) < 1e-6 * total
