"""Calibration: did deliveries land inside the windows customers were told?

Per carrier and lane (the label of the group the window came from): how many windows
were told in the period, how many of those parcels have arrived, the share that arrived
inside the window, and the median width told (latest - earliest, in business days). And
how many history rows the model excludes as inconsistent, by reason. `smsbot report` and
the console's dashboard show the same rows (`smsbot.admin.report`).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from smsbot.config import EtaSettings
from smsbot.eta.history import SampleMaker, local_date
from smsbot.store import EtaStore, ToldOutcome

PAGE = 50_000


@dataclass(frozen=True)
class LaneCalibration:
    """The windows told for one carrier and lane label."""

    carrier: str
    label: str
    told: int
    delivered: int  # of those, parcels delivered so far
    inside: int  # of those, delivered inside the window told
    median_width: float | None  # business days, over every window told

    @property
    def inside_share(self) -> float | None:
        return self.inside / self.delivered if self.delivered else None


@dataclass(frozen=True)
class Calibration:
    lanes: tuple[LaneCalibration, ...]
    excluded: dict[str, int]  # history rows the model cannot learn from, by reason

    @property
    def excluded_total(self) -> int:
        return sum(self.excluded.values())


def calibrate(
    outcomes: Sequence[ToldOutcome], excluded: dict[str, int], country: str
) -> Calibration:
    """The calibration of `outcomes`; a delivery counts inside when its local date (at
    its destination; `country` when unknown) falls within the window told."""
    groups: dict[tuple[str, str], list[ToldOutcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[(outcome.carrier, outcome.label)].append(outcome)
    lanes = []
    for (carrier, label), told in sorted(groups.items()):
        arrived = [o for o in told if o.delivered_at is not None]
        inside = sum(_inside(o, country) for o in arrived)
        widths = [o.business_days[1] - o.business_days[0] for o in told]
        median = float(statistics.median(widths)) if widths else None
        lanes.append(LaneCalibration(carrier, label, len(told), len(arrived), inside, median))
    return Calibration(tuple(lanes), dict(sorted(excluded.items())))


def _inside(outcome: ToldOutcome, country: str) -> bool:
    assert outcome.delivered_at is not None
    where = (outcome.destination_country or country).upper()
    day = local_date(outcome.delivered_at, where, None, outcome.destination_postal_code)
    return outcome.earliest <= day <= outcome.latest


async def excluded_rows(
    store: EtaStore, settings: EtaSettings, now: datetime, *, since: datetime | None = None
) -> Counter[str]:
    """The history rows the model excludes at `now`, by reason (read in pages); with
    `since`, only those dated delivered at or after it (a report's period, and later)."""
    maker = SampleMaker(settings.country, frozenset(settings.saturday_carriers), now)
    found: Counter[str] = Counter()
    last = 0
    while True:
        rows = await store.deliveries(last, PAGE, since=since)
        for row_id, delivery in rows:
            last = row_id
            reason = maker.inconsistent(delivery)
            if reason is not None:
                found[reason] += 1
        if len(rows) < PAGE:
            return found


async def calibration(
    store: EtaStore, settings: EtaSettings, start: datetime, end: datetime
) -> Calibration:
    """The calibration of the windows told in [start, end), and the excluded history rows
    dated delivered since `start` (judged as of now: a report of a past period must not
    call later deliveries "in the future"; reading only the period keeps the dashboard
    quick on a large history)."""
    outcomes = [o for o in await store.told_outcomes(start) if o.told_at < end]
    now = max(end, datetime.now(UTC))
    excluded = await excluded_rows(store, settings, now, since=start)
    return calibrate(outcomes, dict(excluded), settings.country)
