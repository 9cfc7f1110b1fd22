"""The learned model: histograms per group of deliveries, and the fallback ladder.

Every sample is counted in the groups it belongs to, from the finest lane (carrier,
service, origin, destination postal prefix) to any carrier; "*" stands for any value.
An estimate walks the ladder LANE -> SERVICE -> CARRIER -> DEFAULT and answers from the
first group whose effective sample size for the stage asked reaches `min_samples`, so it
always knows its rung, its sample count and its label. Reads never change the model.

Recent deliveries weigh more: a delivery's weight halves every `half_life_days` of age,
so a slowdown months ago stops widening today's windows long before it leaves the
`history_days` learned, and a slowdown now shows within days. Weights are relative to
the model's `reference` day (when it was built): only ratios of weights move quantiles
and the effective sample size, and every sample keeps its ratio to every other as days
pass, so nothing is reweighted at read time. Deliveries learned after the build weigh
more than 1, which is right; the daily rebuild moves the reference.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from math import ceil

from smsbot.config import EtaSettings
from smsbot.eta.calendar import BusinessCalendar, calendar_for
from smsbot.eta.history import Excluded, Sample, destination_region, weekend_of
from smsbot.eta.quantiles import Histogram, Weight
from smsbot.eta.window import Basis, Estimate, HandlingLoad, Lane, Rung, Stage

ANY = "*"
Key = tuple[str, ...]


@dataclass
class Group:
    """The deliveries of one group: a histogram per stage, and how the carrier's ETAs did."""

    handling: Histogram = field(default_factory=Histogram)
    transit: Histogram = field(default_factory=Histogram)
    delivery: Histogram = field(default_factory=Histogram)
    with_eta: Histogram = field(default_factory=Histogram)  # day 0: on time, 1: late

    def add(self, sample: Sample, weight: Weight) -> None:
        """Count deliveries like `sample`, weighing `weight` together."""
        if sample.handling is not None:
            self.handling.add(sample.handling, weight)
        if sample.transit is not None:
            self.transit.add(sample.transit, weight)
        if sample.delivery is not None:
            self.delivery.add(sample.delivery, weight)
        if sample.late_vs_carrier is not None:
            self.with_eta.add(int(sample.late_vs_carrier), weight)

    def stage(self, stage: Stage) -> Histogram:
        return {Stage.HANDLING: self.handling, Stage.TRANSIT: self.transit}.get(
            stage, self.delivery
        )


def sample_keys(sample: Sample) -> Iterator[Key]:
    """Every group `sample` counts in."""
    origins = (sample.origin, ANY) if sample.origin else (ANY,)
    places = (sample.region, sample.country) if sample.region else (sample.country,)
    for carrier in (sample.carrier, ANY):
        real = carrier != ANY and sample.service is not None
        services = (sample.service or ANY, ANY) if real else (ANY,)
        for service in services:
            for origin in origins:
                for place in places:
                    yield ("lane", carrier, service, origin, place)
        if real:
            yield ("service", carrier, sample.service or ANY)
        yield ("carrier", carrier)


class Model:
    """Groups of learned deliveries; `estimate` and `handling_load` answer from memory."""

    def __init__(self, settings: EtaSettings, reference: date | None = None) -> None:
        self.settings = settings
        self.reference = reference or date.today()  # the day a delivery weighs 1
        self.groups: dict[Key, Group] = {}
        self.samples = 0
        self.excluded = Excluded()
        self.last_id = 0  # the store id of the newest delivery learned
        self.load: HandlingLoad | None = None

    def weight(self, delivered: date) -> float:
        """What a delivery made on `delivered` weighs: 1 on the reference day, halving
        every `half_life_days` before it (1 for every delivery when that is None)."""
        half_life = self.settings.half_life_days
        if half_life is None:
            return 1.0
        # Capped: a date centuries ahead is the caller's error, not an OverflowError.
        exponent = min((delivered - self.reference).days / half_life, 1000.0)
        return float(2.0**exponent)

    def add(self, sample: Sample, weight: int | Weight = 1) -> None:
        """Count deliveries like `sample` in every group they belong to: `weight` of them
        weighing 1, or a `Weight`. (Samples repeat a lot, so `learn` sums equal ones
        first: 200k deliveries are ~10k distinct samples, each added once.)"""
        if not isinstance(weight, Weight):
            weight = Weight.of(weight)
        groups = self.groups
        for key in sample_keys(sample):
            group = groups.get(key)
            if group is None:
                group = groups[key] = Group()
            group.add(sample, weight)
        self.samples += weight.deliveries

    def calendar(self, carrier: str | None, country: str) -> BusinessCalendar:
        weekend = weekend_of(carrier or ANY, frozenset(self.settings.saturday_carriers))
        return calendar_for(country, weekend)

    def ladder(self, lane: Lane) -> Iterator[tuple[Rung, Key, str]]:
        """The groups to try for `lane`, most specific first, with their rung and label."""
        carrier = (lane.carrier or ANY).lower()
        service = (lane.service or ANY).lower() if carrier != ANY else ANY
        origin = (lane.origin or ANY).upper()
        country = (lane.destination_country or self.settings.country).upper()
        region = destination_region(country, lane.destination_postal_code)
        name = "any carrier" if carrier == ANY else carrier
        how = name if service == ANY else f"{name} {service}"
        for place in (region, country):
            if place is None:
                continue
            for start in dict.fromkeys((origin, ANY)):
                label = f"{how} {start} -> {place}" if start != ANY else f"{how} -> {place}"
                yield Rung.LANE, ("lane", carrier, service, start, place), label
        if carrier != ANY and service != ANY:
            yield Rung.SERVICE, ("service", carrier, service), how
        yield Rung.CARRIER, ("carrier", carrier), name

    def estimate(
        self, lane: Lane, *, stage: Stage, since: date, backlog: bool = False
    ) -> Estimate | None:
        """The `stage` window counted from `since` (see `LearnedEta.estimate` for which);
        with `backlog` (an order not placed yet), a high handling load shifts it later."""
        settings = self.settings
        country = (lane.destination_country or settings.country).upper()
        calendar = self.calendar(lane.carrier, country)
        for rung, key, label in self.ladder(lane):
            group = self.groups.get(key)
            if group is None:
                continue
            histogram = group.stage(stage)
            if histogram.effective < settings.min_samples:
                continue
            low, high = histogram.window(*settings.quantiles)
            etas = group.with_eta
            early = (
                etas.effective >= settings.min_samples
                and 1 - etas.share_within(0, 0) > settings.early_share
            )
            basis = Basis(rung, histogram.deliveries, label)
            return self._window(calendar, stage, since, (low, high), basis, early, backlog)
        if settings.default_days is None:
            return None
        return self._window(
            calendar,
            stage,
            since,
            settings.default_days,
            Basis(Rung.DEFAULT, 0, "default"),
            False,
            backlog,
        )

    def _window(
        self,
        calendar: BusinessCalendar,
        stage: Stage,
        since: date,
        days: tuple[int, int],
        basis: Basis,
        early: bool,
        backlog: bool,
    ) -> Estimate:
        low, high = days
        if backlog and self.load is not None and self.load.high:
            # A backlog now: the parcel leaves later than usual by the extra handling days.
            extra = ceil(self.load.expected_days - self.load.usual_days)
            low, high = low + extra, high + extra
        return Estimate(
            stage=stage,
            since=since,
            earliest=calendar.add(since, low),
            latest=calendar.add(since, high),
            business_days=(low, high),
            basis=basis,
            carrier_early=early,
        )

    def usual_handling(self) -> float | None:
        """The median handling time over every delivery, in business days."""
        group = self.groups.get(("carrier", ANY))
        if group is None or group.handling.effective < self.settings.min_samples:
            return None
        return float(group.handling.median())
