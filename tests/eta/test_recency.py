"""Recent deliveries weigh more: the weights, and the sample-size rule on their
effective size."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from smsbot.config import EtaSettings
from smsbot.eta.history import SampleMaker
from smsbot.eta.learned import learn
from smsbot.eta.model import Model
from smsbot.eta.window import Lane, Rung, Stage
from smsbot.store import Delivery

NOW = datetime(2025, 7, 1, 12, tzinfo=UTC)
LANE = Lane("ups", "ground", None, "US", "11201")


def _delivery(serial: int, delivered: datetime, transit_days: int) -> Delivery:
    return Delivery(
        carrier="ups",
        tracking_number=f"1Z{serial:08d}",
        service="ground",
        destination_country="US",
        destination_postal_code="11201",
        first_scan_at=delivered - timedelta(days=transit_days),
        delivered_at=delivered,
    )


def _learned(settings: EtaSettings, rows: list[Delivery]) -> Model:
    model = Model(settings, NOW.date())
    learn(model, list(enumerate(rows, 1)), SampleMaker("US", frozenset(), NOW))
    return model


def test_weights_halve_every_half_life() -> None:
    model = Model(EtaSettings(half_life_days=10), date(2025, 7, 1))
    assert model.weight(date(2025, 7, 1)) == 1.0
    assert model.weight(date(2025, 6, 21)) == pytest.approx(0.5)
    assert model.weight(date(2025, 6, 1)) == pytest.approx(0.125)
    assert model.weight(date(2025, 7, 11)) == pytest.approx(2.0)  # learned after the build
    assert Model(EtaSettings(half_life_days=None)).weight(date(2000, 1, 1)) == 1.0


def test_recent_deliveries_outweigh_old_ones() -> None:
    # 60 slow parcels (Wednesday to Monday: 3 business days) 90 days ago, 40 fast ones
    # (1 business day) in the last days. Alike, the slow ones are most; by recency, not.
    old = NOW - timedelta(days=90)  # a Wednesday
    rows = [_delivery(n, old - timedelta(hours=n), 5) for n in range(60)]
    rows += [_delivery(100 + n, NOW - timedelta(days=1, hours=n % 5), 1) for n in range(40)]
    since = date(2025, 7, 1)
    alike = _learned(EtaSettings(half_life_days=None), rows)
    found = alike.estimate(LANE, stage=Stage.TRANSIT, since=since)
    assert found is not None and found.business_days == (1, 3)
    recent = _learned(EtaSettings(half_life_days=14), rows)
    found = recent.estimate(LANE, stage=Stage.TRANSIT, since=since)
    assert found is not None and found.business_days == (1, 1)
    # The basis still counts deliveries, not weights.
    assert found.basis.rung is Rung.LANE and found.basis.samples == 100


def test_the_sample_size_rule_uses_the_effective_size() -> None:
    # 40 deliveries, but 39 of them a year old: effectively about one recent delivery.
    rows = [_delivery(n, NOW - timedelta(days=300, hours=n), 2) for n in range(39)]
    rows.append(_delivery(99, NOW - timedelta(days=1), 2))
    settings = EtaSettings(half_life_days=14, history_days=365, min_samples=30)
    thin = _learned(settings, rows)
    group = thin.groups[("lane", "ups", "ground", "*", "US-112")]
    assert group.transit.deliveries == 40 and group.transit.effective < 2
    assert thin.estimate(LANE, stage=Stage.TRANSIT, since=NOW.date()) is None
    alike = _learned(EtaSettings(half_life_days=None, history_days=365, min_samples=30), rows)
    assert alike.estimate(LANE, stage=Stage.TRANSIT, since=NOW.date()) is not None


def test_a_far_future_date_does_not_overflow() -> None:
    model = Model(EtaSettings(half_life_days=1), date(2025, 7, 1))
    assert model.weight(date(9999, 1, 1)) == 2.0**1000
    assert model.weight(date(2000, 1, 1)) == 0.0  # underflows: weighs nothing
