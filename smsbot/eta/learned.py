"""`LearnedEta`: the `Estimator` the bot uses, refreshed from the store's history.

The first refresh reads every delivery of the last `history_days` in pages and builds a
model off the event loop (a thread), then swaps it in; later ones read only deliveries
with a newer id and add them. Once a day the model is rebuilt, so old deliveries age out.
Readers always see a whole model: `estimate` never waits for the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from smsbot.config import EtaSettings
from smsbot.eta.history import Sample, SampleMaker, local_date
from smsbot.eta.model import ANY, Model
from smsbot.eta.quantiles import Weight
from smsbot.eta.window import Estimate, HandlingLoad, Lane, Stage
from smsbot.store import Delivery, EtaStore

log = logging.getLogger("smsbot.eta")

PAGE = 50_000
REBUILD_EVERY = timedelta(days=1)
#: A parcel counted from further than this from today gets no window (a carrier's or an
#: import's bad date; also keeps the calendar's tables to sane years).
MAX_AGE_DAYS = 366
#: Open orders older than this are not a backlog any more (abandoned, paid later...).
OPEN_DAYS = 30


@dataclass(frozen=True)
class Refreshed:
    """What a refresh did, for logs and the bench."""

    full: bool
    added: int
    excluded: int
    seconds: float


def learn(model: Model, rows: Sequence[tuple[int, Delivery]], maker: SampleMaker) -> int:
    """Add `rows` to `model` (those recent enough and consistent); how many were learned.
    Each weighs by the (UTC) day it was delivered, see `Model.weight`."""
    oldest = maker.now - timedelta(days=model.settings.history_days)
    samples: Counter[tuple[Sample, date]] = Counter()
    for row_id, delivery in rows:
        model.last_id = max(model.last_id, row_id)
        if delivery.delivered_at < oldest:
            continue
        sample = maker.make(delivery)
        if sample is not None:
            samples[(sample, delivery.delivered_at.date())] += 1
    # Equal samples delivered on different days weigh differently: sum them per sample,
    # so the model still adds each distinct sample once.
    sums: dict[Sample, list[float]] = {}  # deliveries, weights, squared weights
    day_weights: dict[date, float] = {}
    for (sample, day), count in samples.items():
        each = day_weights.get(day)
        if each is None:
            each = day_weights[day] = model.weight(day)
        found = sums.get(sample)
        if found is None:
            sums[sample] = [count, count * each, count * each * each]
        else:
            found[0] += count
            found[1] += count * each
            found[2] += count * each * each
    weights = {
        sample: Weight(int(n), total, squares) for sample, (n, total, squares) in sums.items()
    }
    for sample, weight in weights.items():
        model.add(sample, weight)
    model.excluded = maker.excluded
    return samples.total()


class LearnedEta:
    """The bot's `Estimator`: answers from the last model; `refresh` and `run` keep it current."""

    def __init__(
        self, settings: EtaSettings, store: EtaStore, clock: Callable[[], datetime]
    ) -> None:
        self.settings = settings
        self._store = store
        self._clock = clock
        self.model = Model(settings)
        self._built_at: datetime | None = None
        self._maker: SampleMaker | None = None

    def _new_maker(self, now: datetime) -> SampleMaker:
        return SampleMaker(self.settings.country, frozenset(self.settings.saturday_carriers), now)

    async def refresh(self, *, full: bool = False) -> Refreshed:
        """Learn what the store has that the model has not (everything when `full`, on the
        first call, or once a day); then the handling load."""
        started = time.perf_counter()
        now = self._clock()
        full = full or self._built_at is None or now - self._built_at >= REBUILD_EVERY
        if full:
            model, maker = Model(self.settings, now.date()), self._new_maker(now)
        else:
            model, maker = self.model, self._maker or self._new_maker(now)
            maker.now = now
        added = 0
        # Older deliveries are not learned from: the store does not even read them.
        oldest = now - timedelta(days=self.settings.history_days)
        while True:
            rows = await self._store.deliveries(model.last_id, PAGE, since=oldest)
            if not rows:
                break
            if full:  # off the loop: a page is ~1 s of work
                added += await asyncio.to_thread(learn, model, rows, maker)
            else:
                added += learn(model, rows, maker)
            if len(rows) < PAGE:
                break
        model.load = await self._handling_load(model, now)
        if full:
            self.model, self._built_at = model, now
        self._maker = maker
        seconds = time.perf_counter() - started
        log.info(
            "eta model %s: %d deliveries learned (%d in all), %d excluded, %.2f s",
            "rebuilt" if full else "refreshed",
            added,
            model.samples,
            sum(maker.excluded.values()),
            seconds,
        )
        return Refreshed(full, added, sum(maker.excluded.values()), seconds)

    async def _handling_load(self, model: Model, now: datetime) -> HandlingLoad | None:
        usual = model.usual_handling()
        if usual is None:
            return None
        since = now - timedelta(days=self.settings.load_days)
        counts = await self._store.handling_counts(now, since=since, open_days=OPEN_DAYS)
        calendar = model.calendar(ANY, self.settings.country)
        days = max(calendar.count(since.date(), now.date()), 1)
        if counts.fulfilled == 0:
            return None  # no recent fulfilment: nothing to measure a rate from
        rate = counts.fulfilled / days
        expected = counts.open_orders / rate
        return HandlingLoad(
            open_orders=counts.open_orders,
            daily_rate=rate,
            expected_days=expected,
            usual_days=usual,
            high=expected >= usual + 1,  # a whole business day more than usual
        )

    async def run(self, stop: asyncio.Event) -> None:
        """Refresh every `refresh_s` until `stop` is set; a failed refresh keeps the last
        model and is retried at the next round."""
        while not stop.is_set():
            try:
                await self.refresh()
            except Exception:  # the bot must keep answering from the last model
                log.exception("eta model refresh failed; keeping the last model")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.settings.refresh_s)

    # The Estimator contract (smsbot.eta.window.Estimator)

    def estimate(
        self,
        lane: Lane,
        *,
        ordered_at: datetime | None = None,
        first_scan_at: datetime | None = None,
        today: date,
    ) -> Estimate | None:
        country = (lane.destination_country or self.settings.country).upper()

        def day(moment: datetime) -> date:
            return local_date(moment, country, None, lane.destination_postal_code)

        if first_scan_at is not None:
            stage, since = Stage.TRANSIT, day(first_scan_at)
        elif ordered_at is not None:
            stage, since = Stage.DELIVERY, day(ordered_at)
        else:
            return self.model.estimate(lane, stage=Stage.DELIVERY, since=today, backlog=True)
        if abs((since - today).days) > MAX_AGE_DAYS:
            return None  # a start a year away is a bad date, not a parcel to estimate
        return self.model.estimate(lane, stage=stage, since=since)

    def handling_load(self, today: date) -> HandlingLoad | None:
        return self.model.load
