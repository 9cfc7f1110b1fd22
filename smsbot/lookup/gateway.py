"""Ask every carrier of an order at once, each under its own timeout, inside one deadline.

A carrier that fails or is late becomes a value (`PackageStatus.failure`), never an
exception; the last known result from the cache is kept for the reply when there is one.

Carrier calls are shared and outlive the reply: texts that arrive while a (carrier, number)
is being asked wait for that one call instead of making another, and a carrier that answers
after the reply deadline still fills the cache (within `carrier_timeout_s`) for the next text.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from smsbot.errors import (
    CarrierAuthError,
    CarrierError,
    CarrierRateLimited,
    CarrierResponseError,
    CarrierTimeout,
    CarrierUnavailable,
)
from smsbot.lookup.registry import carrier_display_name
from smsbot.orders.model import Shipment
from smsbot.tracking import FINAL_STATUSES, TrackingResult

if TYPE_CHECKING:  # annotations only: keeps this module importable on its own
    from smsbot.config import TrackingSettings
    from smsbot.lookup.registry import Registry
    from smsbot.store import CachedTracking, Store

log = logging.getLogger("smsbot.lookup.gateway")


class Failure(StrEnum):
    """Why a carrier could not tell us about a parcel right now."""

    TIMEOUT = "timeout"  # no answer inside the carrier's timeout or the reply deadline
    UNAVAILABLE = "unavailable"  # connection failure or 5xx
    RATE_LIMITED = "rate_limited"  # 429, or still paused after one
    AUTH = "auth"  # credentials refused: the merchant must fix the configuration
    BAD_RESPONSE = "bad_response"  # a payload we could not read
    NO_ADAPTER = "no_adapter"  # the shipment names a carrier that is not enabled


@dataclass(frozen=True)
class PackageStatus:
    """What we can say about one shipment now.

    `result` is the carrier's answer: fresh, from the cache, or (when `failure` is set) the
    last known one, `None` if we never had one. `checked_at` is when `result` was fetched.
    """

    shipment: Shipment
    display_name: str  # the carrier as replies name it: "UPS"
    result: TrackingResult | None
    checked_at: datetime | None
    failure: Failure | None = None

    @property
    def stale(self) -> bool:
        """True when the carrier failed now and `result` is an older answer."""
        return self.failure is not None and self.result is not None


Clock = Callable[[], datetime]
Key = tuple[str, str]  # (carrier, tracking number)
Answer = TrackingResult | Failure

# Time kept back from the reply deadline for the store, the wording and the response itself.
REPLY_MARGIN_S = 0.3

FAILURES: dict[type[CarrierError], Failure] = {
    CarrierTimeout: Failure.TIMEOUT,
    CarrierUnavailable: Failure.UNAVAILABLE,
    CarrierRateLimited: Failure.RATE_LIMITED,
    CarrierAuthError: Failure.AUTH,
    CarrierResponseError: Failure.BAD_RESPONSE,
}


class Lookup:
    """Tracking for shipments: cache first, then every carrier concurrently, one deadline.

    Carrier calls run as background tasks owned by this object ("flights"), one per carrier
    and batch of numbers, each bounded by `carrier_timeout_s`; `close()` cancels those still
    running, so call it before closing the store and the HTTP client.
    """

    def __init__(
        self,
        registry: Registry,
        store: Store,
        settings: TrackingSettings,
        clock: Clock,
    ) -> None:
        self._registry = registry
        self._store = store
        self._settings = settings
        self._clock = clock
        # The answer-to-be of every (carrier, number) being asked now, shared by all askers.
        self._flights: dict[Key, asyncio.Future[Answer]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False

    @property
    def in_flight(self) -> int:
        """How many carrier calls are running (some perhaps for replies already sent)."""
        return len(self._tasks)

    async def track(self, shipments: Sequence[Shipment]) -> list[PackageStatus]:
        """One `PackageStatus` per shipment, in order; never raises for carrier failures."""
        started = time.monotonic()
        now = self._clock()
        keys = list(dict.fromkeys((s.carrier, s.tracking_number) for s in shipments))
        # A number being asked right now is joined, not looked up in the cache: its cache
        # entry is stale or missing, or nobody would be asking.
        waiting = {key: self._flights[key] for key in keys if key in self._flights}
        cached = {
            key: await self._store.cached_tracking(*key) for key in keys if key not in waiting
        }
        due: dict[str, list[str]] = defaultdict(list)
        for (carrier, number), hit in cached.items():
            if hit is None or not self._fresh(hit, now):
                due[carrier].append(number)
        for carrier, numbers in due.items():
            waiting.update(self._join(carrier, numbers))
        budget = self._settings.reply_deadline_s - REPLY_MARGIN_S - (time.monotonic() - started)
        answers = await _wait(waiting, min(self._settings.carrier_timeout_s, budget))
        checked_at = self._clock()
        statuses = []
        for shipment in shipments:
            key = (shipment.carrier, shipment.tracking_number)
            hit = cached.get(key)
            answer = answers.get(key)
            if isinstance(answer, TrackingResult):
                statuses.append(self._status(shipment, answer, checked_at))
            elif hit is not None:
                statuses.append(self._status(shipment, hit.result, hit.checked_at, answer))
            elif answer is not None:
                # Joined a flight that failed: the cache may still know the last status.
                last = await self._store.cached_tracking(*key)
                result, when = (None, None) if last is None else (last.result, last.checked_at)
                statuses.append(self._status(shipment, result, when, answer))
            else:
                statuses.append(self._status(shipment, None, None, answer))
        return statuses

    async def drain(self) -> None:
        """Wait until every carrier call running now has finished (and cached its answer)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def close(self) -> None:
        """Cancel the carrier calls still running and wait for them; idempotent."""
        self._closed = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _fresh(self, hit: CachedTracking, now: datetime) -> bool:
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

    def _join(self, carrier: str, numbers: list[str]) -> dict[Key, asyncio.Future[Answer]]:
        """The future answer of each number: a flight already asking it, else a new one."""
        joined = {
            (carrier, n): self._flights[(carrier, n)]
            for n in numbers
            if (carrier, n) in self._flights
        }
        new = [n for n in numbers if (carrier, n) not in joined]
        if not new:
            return joined
        loop = asyncio.get_running_loop()
        futures: dict[Key, asyncio.Future[Answer]] = {
            (carrier, n): loop.create_future() for n in new
        }
        if self._closed:  # shutting down: ask nobody
            for future in futures.values():
                future.set_result(Failure.UNAVAILABLE)
            return joined | futures
        self._flights.update(futures)
        task = loop.create_task(self._fly(carrier, new, futures), name=f"smsbot-track-{carrier}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return joined | futures

    async def _fly(
        self, carrier: str, numbers: list[str], futures: Mapping[Key, asyncio.Future[Answer]]
    ) -> None:
        """One carrier call: cache its results, then answer every future waiting on it.

        Caching first means a reply that got a fresh answer can rely on the cache having it;
        the flight leaves `_flights` in the same step as its futures are answered, so no
        second call can start in between.
        """
        try:
            outcome = await self._call(carrier, numbers)
            answers = {number: _answer_for(carrier, number, outcome) for number in numbers}
            checked_at = self._clock()
            for answer in answers.values():
                if isinstance(answer, TrackingResult):
                    try:
                        await self._store.save_tracking(answer, checked_at)
                    except Exception:  # the answer is still good for the replies waiting
                        log.exception("%s: could not cache a tracking result", carrier)
            for number, answer in answers.items():
                futures[(carrier, number)].set_result(answer)
        finally:
            for key, future in futures.items():
                if not future.done():  # cancelled at shutdown
                    future.set_result(Failure.TIMEOUT)
                if self._flights.get(key) is future:
                    del self._flights[key]

    async def _call(self, carrier: str, numbers: list[str]) -> Mapping[str, Answer] | Failure:
        if not self._registry.serves(carrier):
            return Failure.NO_ADAPTER
        timeout = self._settings.carrier_timeout_s
        try:
            async with asyncio.timeout(timeout):
                return await self._registry.track(carrier, numbers)
        except TimeoutError:
            log.warning("%s: no answer within %.1f s", carrier, timeout)
            return Failure.TIMEOUT
        except CarrierError as exc:
            log.warning("%s: %s", carrier, exc)
            failure = FAILURES.get(type(exc), _closest_failure(exc))
            if not exc.partial:
                return failure
            # One request of several failed: the numbers answered before it are still good.
            return {number: exc.partial.get(number, failure) for number in numbers}
        except Exception:
            # A broken adapter must not take the reply down with it.
            log.exception("%s: adapter failed unexpectedly", carrier)
            return Failure.BAD_RESPONSE


async def _wait(
    futures: Mapping[Key, asyncio.Future[Answer]], within_s: float
) -> dict[Key, Answer]:
    """The answers that arrive within `within_s` seconds; `Failure.TIMEOUT` for the others.

    `asyncio.wait` never cancels what it waits for: a late flight goes on for the cache.
    """
    pending = {f for f in futures.values() if not f.done()}
    if pending and within_s > 0:
        await asyncio.wait(pending, timeout=within_s)
    return {key: f.result() if f.done() else Failure.TIMEOUT for key, f in futures.items()}


def _answer_for(carrier: str, number: str, outcome: Mapping[str, Answer] | Failure) -> Answer:
    if isinstance(outcome, Failure):
        return outcome
    result = outcome.get(number)
    if isinstance(result, Failure):
        return result
    if result is None:
        log.error("%s answered without a result for one number asked", carrier)
        return Failure.BAD_RESPONSE
    if result.number != number:  # the cache is read under the number asked
        result = replace(result, number=number)
    return result


def _closest_failure(exc: CarrierError) -> Failure:
    for kind, failure in FAILURES.items():
        if isinstance(exc, kind):
            return failure
    return Failure.UNAVAILABLE
