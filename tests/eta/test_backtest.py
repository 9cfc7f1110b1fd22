"""Recency on the simulator: a slowdown now widens windows within days, and after it the
windows come back, while weighing every delivery alike keeps a past slowdown for months."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from smsbot.config import EtaSettings
from smsbot.eta.backtest import Point, rolling, without_decay
from smsbot.eta.simulate import SLOWDOWN, Simulator
from smsbot.store import Delivery

START = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def fedex() -> list[Delivery]:
    history = Simulator(start=START.date(), days=365, count=40_000).deliveries()
    return [d for d in history if d.carrier == "fedex"]


def _inside(points: list[Point]) -> float:
    orders = sum(p.score.orders for p in points)
    return sum(p.score.inside * p.score.orders for p in points) / orders


def test_a_slowdown_now_widens_windows_and_they_come_back(fedex: list[Delivery]) -> None:
    decayed, alike = EtaSettings(half_life_days=14), without_decay(EtaSettings())
    # Weeks 2-3 of the slowdown (fedex two days slower), rebuilt every other day.
    during = range(SLOWDOWN[0] + 10, SLOWDOWN[0] + 24, 2)
    fast, slow = (_inside(rolling(fedex, s, START, during, every=2)) for s in (decayed, alike))
    assert fast >= 0.7 and fast >= slow + 0.08, (fast, slow)
    # Three months after it, still inside the 180 days learned.
    after = (SLOWDOWN[1] + 90, SLOWDOWN[1] + 100)
    back, stuck = (rolling(fedex, s, START, after, every=7) for s in (decayed, alike))
    assert all(b.score.width < s.score.width for b, s in zip(back, stuck, strict=True))
    assert _inside(back) >= 0.85
