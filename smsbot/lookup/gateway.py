"""The one carrier gateway: every question to a carrier, from replies and from the watcher.

In one place: the cache and its freshness, batching (the adapter's `batch_size`), per-carrier
pauses after a 429 or failures (`pauses`), a circuit breaker shared by every process
(`breaker`), one shared call per number (`flights`), and failures as values. Replies ask
with `track` inside one deadline: a carrier that fails or is late becomes
`PackageStatus.failure`, with the last known result from the cache when there is one, and a
carrier that answers after the deadline still fills the cache (within `carrier_timeout_s`)
for the next text. The watcher asks with `refresh`: no deadline, one `Fresh`, `Failed` or
`Postponed` per number.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from smsbot.errors import NoAdapterError
from smsbot.lookup.breaker import Breakers
from smsbot.lookup.budgets import CarrierBudgets
from smsbot.lookup.flights import Answer, Flights, Key, Miss
from smsbot.lookup.pauses import CarrierPauses
from smsbot.lookup.registry import carrier_display_name
from smsbot.lookup.repeats import RepeatedWarnings
from smsbot.metrics.instruments import cache_lookups
from smsbot.orders.model import Shipment
from smsbot.tracking import FINAL_STATUSES, TrackingResult
from smsbot.view.package import Failure, PackageStatus

if TYPE_CHECKING:  # annotations only: keeps this module importable on its own
    from smsbot.config import TrackingSettings
    from smsbot.lookup.registry import Registry
    from smsbot.store import CachedTracking, Store

__all__ = ["CarrierGateway", "Failed", "Fresh", "Postponed"]

log = logging.getLogger("smsbot.lookup.gateway")

Clock = Callable[[], datetime]

# Time kept back from the reply deadline for the store, the wording and the response itself.
REPLY_MARGIN_S = 0.3
NO_ADAPTER_RETRY = timedelta(hours=24)  # a carrier nobody serves: the watcher looks tomorrow


@dataclass(frozen=True)
class Fresh:
    """A refreshed number: the carrier's answer, or the cache's while it is fresh."""

    result: TrackingResult
    from_cache: bool = False


@dataclass(frozen=True)
class Failed:
    """The carrier was asked and did not answer for this number."""

    failure: Failure
    detail: str


@dataclass(frozen=True)
class Postponed:
    """The carrier was not asked: paused, or nobody serves it. Ask again at `until`."""

    until: datetime
    failure: Failure  # RATE_LIMITED, UNAVAILABLE (backing off) or NO_ADAPTER


Refresh = Fresh | Failed | Postponed


class CarrierGateway:
    """Tracking for shipments and numbers: cache first, then the carriers, failures as values.

    Carrier calls run as background tasks owned by this object; `close()` cancels those
    still running, so call it before closing the store and the HTTP client.
    """

    def __init__(
        self,
        registry: Registry,
        store: Store,
        settings: TrackingSettings,
        clock: Clock,
        *,
        budgets: Mapping[str, int] | None = None,
    ) -> None:
        """`budgets`: requests per hour the watcher may make to a carrier, counted for
        every process sharing `store` (`[budgets]`; `lookup.budgets`)."""
        self._registry = registry
        self._budgets = CarrierBudgets(store, budgets or {}, clock)
        self._store = store
        self._settings = settings
        self._clock = clock
        self._pauses = CarrierPauses(clock)
        self._breakers = Breakers(store, clock)
        self._flights = Flights(registry, store, clock, self._pauses, self._breakers)
        self._unserved: set[str] = set()
        # A carrier that is down warns once per interval, not once per text (`repeats`).
        self._repeats = RepeatedWarnings(lambda: clock().timestamp())
        self._repeats.install()
        weakref.finalize(self, self._repeats.remove)  # a gateway never closed (tests)

    @property
    def in_flight(self) -> int:
        """How many carrier calls are running (some perhaps for replies already sent)."""
        return self._flights.running

    def display_name(self, carrier: str) -> str:
        """How customers read `carrier`: "UPS"."""
        return self._registry.display_name(carrier)

    async def track(
        self,
        shipments: Sequence[Shipment],
        *,
        known: Mapping[Key, CachedTracking | None] | None = None,
    ) -> list[PackageStatus]:
        """One `PackageStatus` per shipment, in order, within `reply_deadline_s`; never
        raises for carrier failures. `known`: cache rows already read (a key that is
        present, even as None, is not read again)."""
        started = time.monotonic()
        now = self._clock()
        keys = list(dict.fromkeys((s.carrier, s.tracking_number) for s in shipments))
        # A number being asked right now is joined, not looked up in the cache: its cache
        # entry is stale or missing, or nobody would be asking.
        waiting: dict[Key, asyncio.Future[Answer]] = {}
        for key in keys:
            future = self._flights.flying(key)
            if future is not None:
                waiting[key] = future
        known = known or {}
        cached = {
            key: known[key] if key in known else await self._store.cached_tracking(*key)
            for key in keys
            if key not in waiting
        }
        due: dict[str, list[str]] = defaultdict(list)
        for (carrier, number), hit in cached.items():
            if hit is None or not self._fresh(hit, now):
                due[carrier].append(number)
        cache_lookups(len(cached) - sum(map(len, due.values())), sum(map(len, due.values())))
        answers: dict[Key, Answer] = {}
        for carrier, numbers in due.items():
            if not self._registry.serves(carrier):
                unserved = Miss(Failure.NO_ADAPTER, str(NoAdapterError(carrier)))
                answers.update(((carrier, n), unserved) for n in numbers)
                continue
            if self._pauses.until(carrier, background=False) is not None:
                paused = Miss(Failure.RATE_LIMITED, "paused after a 429")
                answers.update(((carrier, n), paused) for n in numbers)
                continue
            if not await self._breakers.admit(carrier):  # its breaker is open: answer at once
                down = Miss(Failure.UNAVAILABLE, "not answering (failed repeatedly)")
                answers.update(((carrier, n), down) for n in numbers)
                continue
            for batch in self._batches(carrier, numbers):
                waiting.update(self._flights.join(carrier, batch, self._settings.carrier_timeout_s))
        budget = self._settings.reply_deadline_s - REPLY_MARGIN_S - (time.monotonic() - started)
        answers |= await _wait(waiting, min(self._settings.carrier_timeout_s, budget))
        checked_at = self._clock()
        statuses = []
        for shipment in shipments:
            key = (shipment.carrier, shipment.tracking_number)
            hit = cached.get(key)
            answer = answers.get(key)
            failure = answer.failure if isinstance(answer, Miss) else None
            if isinstance(answer, TrackingResult):
                statuses.append(self._status(shipment, answer, checked_at))
            elif hit is not None:
                statuses.append(self._status(shipment, hit.result, hit.checked_at, failure))
            elif answer is not None:
                # Joined a call that failed: the cache may still know the last status.
                last = await self._store.cached_tracking(*key)
                result, when = (None, None) if last is None else (last.result, last.checked_at)
                statuses.append(self._status(shipment, result, when, failure))
            else:
                statuses.append(self._status(shipment, None, None, failure))
        return statuses

    async def refresh(self, carrier: str, numbers: Sequence[str]) -> dict[str, Refresh]:
        """What is known now about `carrier`'s `numbers`, for the watcher: one `Refresh`
        per distinct number.

        No reply deadline: batches (the adapter's `batch_size`) are asked one after another,
        each bounded only by the HTTP timeouts; a paused carrier is not asked (`Postponed`).
        May raise when the store fails (the caller retries those numbers later).
        """
        now = self._clock()
        wanted = list(dict.fromkeys(numbers))
        refreshed: dict[str, Refresh] = {}
        due = []
        for number in wanted:
            hit = await self._store.cached_tracking(carrier, number)
            if hit is not None and self._fresh(hit, now):
                refreshed[number] = Fresh(hit.result, from_cache=True)
            else:
                due.append(number)
        if due and not self._registry.serves(carrier):
            self._warn_unserved(carrier)
            postponed = Postponed(now + NO_ADAPTER_RETRY, Failure.NO_ADAPTER)
            return refreshed | dict.fromkeys(due, postponed)
        for batch in self._batches(carrier, due):
            paused = self._paused(carrier)
            if paused is None and self._budgets.limits(carrier):
                later = await self._budgets.spend(carrier, len(batch))
                if later is not None:  # this hour's budget is spent, by this or another process
                    paused = Postponed(later, Failure.RATE_LIMITED)
            if paused is not None:
                refreshed.update(dict.fromkeys(batch, paused))
                continue
            futures = self._flights.join(carrier, batch, None)
            answers = await _wait(futures, None)
            for (_, number), answer in answers.items():
                refreshed[number] = self._refreshed(carrier, answer)
        return refreshed

    async def remember(self, result: TrackingResult) -> bool:
        """Cache a result a carrier pushed (filed under `result.carrier`), unless it says
        less than what the cache knows: pushes arrive late and out of order, and must never
        go back in time. Whether it was kept."""
        known = await self._store.cached_tracking(result.carrier, result.number)
        if known is not None and _older(result, known.result):
            log.info("%s: ignored a push older than what we know", result.carrier)
            return False
        await self._store.save_tracking(result, self._clock())
        return True

    async def drain(self) -> None:
        """Wait until every carrier call running now has finished (and cached its answer)."""
        await self._flights.drain()

    async def close(self) -> None:
        """Cancel the carrier calls still running and wait for them; idempotent."""
        await self._flights.close()
        self._repeats.remove()

    def _paused(self, carrier: str) -> Postponed | None:
        """Why and until when the watcher must not ask `carrier` now, if it must not."""
        until = self._pauses.until(carrier, background=False)
        if until is not None:
            return Postponed(until, Failure.RATE_LIMITED)
        until = self._pauses.until(carrier, background=True)
        return None if until is None else Postponed(until, Failure.UNAVAILABLE)

    def _refreshed(self, carrier: str, answer: Answer) -> Refresh:
        if isinstance(answer, TrackingResult):
            return Fresh(answer)
        if answer.failure is Failure.RATE_LIMITED:
            paused = self._paused(carrier)
            if paused is not None:
                return paused
        if answer.failure is Failure.NO_ADAPTER:
            return Postponed(self._clock() + NO_ADAPTER_RETRY, Failure.NO_ADAPTER)
        return Failed(answer.failure, answer.detail)

    def _batches(self, carrier: str, numbers: Sequence[str]) -> list[list[str]]:
        size = self._budgets.most(carrier, self._registry.batch_size(carrier))
        return [list(numbers[start : start + size]) for start in range(0, len(numbers), size)]

    def _fresh(self, hit: CachedTracking, now: datetime) -> bool:
        """Whether a cached answer is recent enough to use without asking again."""
        ttl = (
            self._settings.delivered_cache_ttl_s
            if hit.result.status in FINAL_STATUSES
            else self._settings.cache_ttl_s
        )
        return (now - hit.checked_at).total_seconds() < ttl

    def _status(
        self,
        shipment: Shipment,
        result: TrackingResult | None,
        checked_at: datetime | None,
        failure: Failure | None = None,
    ) -> PackageStatus:
        name = self._registry.display_name(shipment.carrier)
        if (
            result is not None
            and result.service_carrier
            and self._registry.is_aggregator(shipment.carrier)
        ):
            # An order that names the aggregator itself: say the carrier it found.
            name = carrier_display_name(result.service_carrier)
        return PackageStatus(shipment, name, result, checked_at, failure)

    def _warn_unserved(self, carrier: str) -> None:
        if carrier not in self._unserved:  # once per carrier: it is looked at daily
            self._unserved.add(carrier)
            log.warning("%s; its shipments are looked at again daily", NoAdapterError(carrier))


async def _wait(
    futures: Mapping[Key, asyncio.Future[Answer]], within_s: float | None
) -> dict[Key, Answer]:
    """The answers that arrive within `within_s` seconds (None: all of them), a TIMEOUT
    `Miss` for the others.

    `asyncio.wait` never cancels what it waits for: a late call goes on for the cache.
    """
    pending = {f for f in futures.values() if not f.done()}
    if pending and (within_s is None or within_s > 0):
        await asyncio.wait(pending, timeout=within_s)
    late = Miss(Failure.TIMEOUT, "no answer within the reply deadline")
    return {key: f.result() if f.done() else late for key, f in futures.items()}


def _older(pushed: TrackingResult, known: TrackingResult) -> bool:
    """Whether a pushed result says less than the one we have (an older or earlier state)."""
    if known.status in FINAL_STATUSES and pushed.status not in FINAL_STATUSES:
        return True
    if pushed.last_event is None or known.last_event is None:
        return pushed.last_event is None and known.last_event is not None
    return pushed.last_event.time < known.last_event.time
