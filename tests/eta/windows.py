"""`FixedEstimator`: a real `Estimator` fed fixed windows instead of learned ones.

It does what the learned model does with its windows: counts business days (Monday to
Friday) from where counting starts, so the dates it tells move with the calendar, a weekend
included. Tests of the surfaces use it; the model itself is tested on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from smsbot.eta.window import Basis, Estimate, HandlingLoad, Lane, Rung, Stage


def add_business_days(start: date, days: int) -> date:
    """`days` business days (Mon-Fri) after `start`."""
    day = start
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


@dataclass
class FixedEstimator:
    """Windows in business days per carrier (None: any carrier), and a fixed handling load.

    `transit` and `handling` are (low, high) business days; countries in `lanes_known`
    answer on the LANE rung, others on the CARRIER rung; `carrier_early` marks carriers whose
    ETAs run early. `asked` keeps every lane asked, so tests see what the surface asked.
    """

    transit: dict[str | None, tuple[int, int]]
    handling: tuple[int, int] = (1, 2)
    samples: int = 240
    load: HandlingLoad | None = None
    carrier_early: frozenset[str] = frozenset()
    lanes_known: frozenset[str] = frozenset({"US"})
    asked: list[Lane] = field(default_factory=list)

    def estimate(
        self,
        lane: Lane,
        *,
        ordered_at: datetime | None = None,
        first_scan_at: datetime | None = None,
        today: date,
    ) -> Estimate | None:
        self.asked.append(lane)
        transit = self.transit.get(lane.carrier) or self.transit.get(None)
        if transit is None:
            return None
        if first_scan_at is not None:
            stage, since, low, high = Stage.TRANSIT, first_scan_at.date(), *transit
        else:
            start = ordered_at.date() if ordered_at is not None else today
            low, high = transit[0] + self.handling[0], transit[1] + self.handling[1]
            stage, since = Stage.DELIVERY, start
        known = lane.destination_country in self.lanes_known
        rung = Rung.LANE if known and lane.destination_postal_code else Rung.CARRIER
        label = f"{lane.carrier or 'any'} -> {lane.destination_country or '?'}"
        return Estimate(
            stage=stage,
            since=since,
            earliest=add_business_days(since, low),
            latest=add_business_days(since, high),
            business_days=(low, high),
            basis=Basis(rung, self.samples, label),
            carrier_early=(lane.carrier or "") in self.carrier_early,
        )

    def handling_load(self, today: date) -> HandlingLoad | None:
        return self.load
