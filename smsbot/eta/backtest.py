"""Backtests: a model built at a moment, scored on the orders that follow it.

`score` tells every order the window it would have been told at order time (carrier,
service and postal code known, no warehouse) and counts how many arrived inside it;
`rolling` rebuilds the model every few days along a history, as the daily rebuild
does, and scores the days after each rebuild: how coverage and width follow a change
(a carrier slowdown) as it starts and ends. Used by `bench/eta.py` and the tests.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from smsbot.config import EtaSettings
from smsbot.eta.history import SampleMaker, local_date
from smsbot.eta.learned import learn
from smsbot.eta.model import Model
from smsbot.eta.window import Lane, Stage
from smsbot.store import Delivery


@dataclass(frozen=True)
class Score:
    """How the windows told to `orders` orders did."""

    orders: int
    inside: float  # the share that arrived inside the window told (0.0 when none)
    width: float  # the median width (latest - earliest, business days); 0.0 when none
    untold: int  # orders told no window


@dataclass(frozen=True)
class Point:
    """One rebuild of a rolling backtest: `day` days after the history's start."""

    day: int
    score: Score


def build(history: Iterable[Delivery], settings: EtaSettings, now: datetime) -> Model:
    """The model a full refresh at `now` would build from `history` (only what was
    delivered before `now` is known then)."""
    model = Model(settings, now.date())
    maker = SampleMaker(settings.country, frozenset(settings.saturday_carriers), now)
    oldest = now - timedelta(days=settings.history_days)
    known = [d for d in history if oldest <= d.delivered_at < now]
    learn(model, list(enumerate(known, 1)), maker)
    return model


def score(model: Model, orders: Iterable[Delivery]) -> Score:
    """Tell each order its window at order time; count the arrivals inside it."""
    hits: list[bool] = []
    widths: list[int] = []
    untold = 0
    for delivery in orders:
        if delivery.ordered_at is None:
            continue
        country = delivery.destination_country or model.settings.country
        postal = delivery.destination_postal_code
        lane = Lane(delivery.carrier, delivery.service, None, country, postal)
        since = local_date(delivery.ordered_at, country, None, postal)
        told = model.estimate(lane, stage=Stage.DELIVERY, since=since)
        if told is None:
            untold += 1
            continue
        arrived = local_date(delivery.delivered_at, country, None, postal)
        hits.append(told.earliest <= arrived <= told.latest)
        widths.append(told.business_days[1] - told.business_days[0])
    return Score(
        orders=len(hits) + untold,
        inside=sum(hits) / len(hits) if hits else 0.0,
        width=float(statistics.median(widths)) if widths else 0.0,
        untold=untold,
    )


def rolling(
    history: Sequence[Delivery],
    settings: EtaSettings,
    start: datetime,
    days: Iterable[int],
    *,
    every: int = 7,
) -> list[Point]:
    """Rebuild at `start` + each of `days` days and score the orders placed in the
    `every` days after it."""
    points = []
    for day in days:
        now = start + timedelta(days=day)
        model = build(history, settings, now)
        until = now + timedelta(days=every)
        orders = [d for d in history if d.ordered_at and now <= d.ordered_at < until]
        points.append(Point(day, score(model, orders)))
    return points


def without_decay(settings: EtaSettings) -> EtaSettings:
    """`settings` weighing every delivery alike (the model before issue 19's recency)."""
    return replace(settings, half_life_days=None)
