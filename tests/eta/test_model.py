"""The learned model on the simulated history: windows against the known truth, the
fallback ladder, the carrier's early ETAs, the slowdown, excluded rows."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smsbot.config import EtaSettings
from smsbot.eta.history import SampleMaker
from smsbot.eta.learned import learn
from smsbot.eta.model import Model
from smsbot.eta.quantiles import Histogram
from smsbot.eta.simulate import SLOWDOWN, Simulator, transit_distribution
from smsbot.eta.window import Lane, Rung, Stage

START = date(2025, 1, 1)
END = datetime(2025, 12, 31, tzinfo=UTC)
# Every delivery of the year weighs alike: these tests compare windows with the true
# distributions of a year without change (recency has its own, tests/eta/test_backtest.py).
SETTINGS = EtaSettings(history_days=365, half_life_days=None)


def _model(
    settings: EtaSettings = SETTINGS, *, count: int = 12_000, days: int = 365, spoil: float = 0.0
) -> Model:
    simulator = Simulator(start=START, days=days, count=count, inconsistent=spoil)
    model = Model(settings)
    maker = SampleMaker("US", frozenset(settings.saturday_carriers), END)
    learn(model, list(enumerate(simulator.deliveries(), 1)), maker)
    return model


@pytest.fixture(scope="module")
def model() -> Model:
    return _model()


def _true_window(carrier: str, service: str, zone: int) -> tuple[int, int]:
    truth = Histogram()
    for days, share in transit_distribution(carrier, service, zone).items():
        for _ in range(round(share * 700)):
            truth.add(days)
    return truth.window(0.1, 0.9)


@pytest.mark.parametrize(
    ("carrier", "service", "postal", "zone"),
    [("ups", "ground", "94105", 1), ("ups", "ground", "11201", 4), ("ups", "2day", "60601", 3)],
)
def test_transit_windows_match_the_true_distribution(
    model: Model, carrier: str, service: str, postal: str, zone: int
) -> None:
    lane = Lane(carrier, service, "US-CA", "US", postal)
    estimate = model.estimate(lane, stage=Stage.TRANSIT, since=date(2025, 6, 2))
    assert estimate is not None and estimate.basis.rung is Rung.LANE
    low, high = _true_window(carrier, service, zone)
    # The Friday line-haul adds a day to one parcel in fifteen: the top may grow by one.
    assert estimate.business_days[0] == low
    assert high <= estimate.business_days[1] <= high + 1
    assert estimate.basis.label == f"{carrier} {service} US-CA -> US-941" or postal != "94105"


def test_far_lanes_take_longer_than_near_ones(model: Model) -> None:
    def window(postal: str) -> tuple[int, int]:
        lane = Lane("ups", "ground", "US-CA", "US", postal)
        found = model.estimate(lane, stage=Stage.DELIVERY, since=date(2025, 6, 2))
        assert found is not None
        return found.business_days

    near, far = window("94105"), window("11201")
    assert far[0] >= near[0] + 2 and far[1] >= near[1] + 2


def test_dates_skip_weekends_and_holidays(model: Model) -> None:
    lane = Lane("ups", "ground", "US-CA", "US", "94105")
    wednesday = date(2025, 11, 26)  # the day before Thanksgiving
    found = model.estimate(lane, stage=Stage.TRANSIT, since=wednesday)
    assert found is not None and found.business_days[0] == 1
    assert found.earliest == date(2025, 11, 28)  # Friday: Thursday is a holiday


def test_the_ladder_falls_back_rung_by_rung(model: Model) -> None:
    def rung(lane: Lane) -> tuple[Rung, int, str] | None:
        found = model.estimate(lane, stage=Stage.DELIVERY, since=date(2025, 6, 2))
        return None if found is None else (found.basis.rung, found.basis.samples, found.basis.label)

    lane = rung(Lane("ups", "ground", None, "US", "11201"))
    assert lane is not None and lane[0] is Rung.LANE and lane[2] == "ups ground -> US-112"
    # A postal prefix never seen: the country-level lane; none at all: the same.
    assert rung(Lane("ups", "ground", None, "US", "59001"))[2] == "ups ground -> US"  # type: ignore[index]
    assert rung(Lane("ups", "ground", None, "US"))[2] == "ups ground -> US"  # type: ignore[index]
    # Another country: no lane, so the carrier + service rung, then the carrier.
    service = rung(Lane("ups", "ground", None, "CA", "M5V 2T6"))
    assert service is not None and service[:1] == (Rung.SERVICE,) and service[2] == "ups ground"
    carrier = rung(Lane("ups", "express", None, "CA"))
    assert carrier is not None and carrier[0] is Rung.CARRIER and carrier[2] == "ups"
    # An unknown carrier with no history and no default: no window at all.
    assert rung(Lane("dhl", None, None, "DE", "10115")) is None


def test_thin_history_gives_the_default_or_nothing() -> None:
    thin = _model(EtaSettings(history_days=365, min_samples=10_000), count=2_000)
    lane = Lane("ups", "ground", None, "US", "11201")
    assert thin.estimate(lane, stage=Stage.DELIVERY, since=date(2025, 6, 2)) is None
    thin.settings = replace(thin.settings, default_days=(3, 7))
    found = thin.estimate(lane, stage=Stage.DELIVERY, since=date(2025, 6, 2))
    assert found is not None and found.basis.rung is Rung.DEFAULT and found.basis.samples == 0
    assert (found.earliest, found.latest) == (date(2025, 6, 5), date(2025, 6, 11))


def test_usps_etas_are_known_to_be_early(model: Model) -> None:
    def early(carrier: str, service: str) -> bool:
        lane = Lane(carrier, service, None, "US", "30303")
        found = model.estimate(lane, stage=Stage.TRANSIT, since=date(2025, 6, 2))
        assert found is not None
        return found.carrier_early

    assert early("usps", "priority") and not early("ups", "ground")


def test_the_slowdown_widens_fedex_windows() -> None:
    # Only the slowdown's month: fedex's windows are two days later than in a normal month.
    slow = _model(count=6_000, days=SLOWDOWN[1])
    normal = _model(count=6_000, days=SLOWDOWN[0])
    lane = Lane("fedex", "ground", None, "US", "75201")
    since = date(2025, 6, 2)
    a = normal.estimate(lane, stage=Stage.TRANSIT, since=since)
    b = slow.estimate(lane, stage=Stage.TRANSIT, since=since)
    assert a is not None and b is not None and b.business_days[1] > a.business_days[1]


def test_inconsistent_rows_are_excluded_and_counted() -> None:
    spoiled = _model(count=3_000, spoil=0.02)
    clean = _model(count=3_000)
    excluded = spoiled.excluded
    assert set(excluded) == {"delivered before shipped", "dated in the future"}
    # (The clean history's last parcels arrive after END: those are "in the future" too.)
    assert spoiled.samples + sum(excluded.values()) == 3_000
    assert clean.samples + sum(clean.excluded.values()) == 3_000
    assert excluded["delivered before shipped"] >= 15


def test_checkout_windows_count_from_today() -> None:
    model = _model(count=3_000)
    lane = Lane(None, None, None, "US", "11201")
    found = model.estimate(lane, stage=Stage.DELIVERY, since=date(2025, 6, 6))
    assert found is not None and found.since == date(2025, 6, 6)
    assert found.basis.label == "any carrier -> US-112"
    assert found.earliest > found.since - timedelta(days=1)


_text = st.one_of(st.none(), st.text(max_size=12))


@settings(max_examples=200, deadline=None)
@given(carrier=_text, service=_text, origin=_text, country=_text, postal=_text)
def test_any_lane_gets_a_window_or_none_never_an_error(
    carrier: str | None, service: str | None, origin: str | None, country: str | None,
    postal: str | None,
) -> None:  # fmt: skip
    lane = Lane(carrier, service, origin, country, postal)
    found = SMALL.estimate(lane, stage=Stage.DELIVERY, since=date(2025, 6, 2), backlog=True)
    assert found is None or found.earliest <= found.latest


SMALL = _model(EtaSettings(history_days=365, default_days=(2, 5)), count=1_000)
