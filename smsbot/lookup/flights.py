"""Carrier calls in flight: one shared call per (carrier, number), failures as values.

Whoever asks about a number that is being asked now (a reply, the watcher) waits for that
call instead of making another. A call caches its results before it answers anyone, and
reports its outcome to the carrier's pauses and breaker. Every failure becomes a `Miss`
value, never an exception: a broken adapter must not take a reply or a watch pass down
with it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from smsbot.errors import (
    CarrierAuthError,
    CarrierError,
    CarrierRateLimited,
    CarrierResponseError,
    CarrierTimeout,
    CarrierUnavailable,
    NoAdapterError,
)
from smsbot.lookup.breaker import Breakers
from smsbot.lookup.pauses import CarrierPauses
from smsbot.metrics.instruments import carrier_call
from smsbot.tracking import TrackingResult
from smsbot.view.package import Failure

if TYPE_CHECKING:  # annotations only: keeps this module importable on its own
    from smsbot.lookup.registry import Registry
    from smsbot.store import Store

log = logging.getLogger("smsbot.lookup.gateway")

Clock = Callable[[], datetime]
Key = tuple[str, str]  # (carrier, tracking number)


@dataclass(frozen=True)
class Miss:
    """A number the carrier did not answer now: why, in a word and in the carrier's words."""

    failure: Failure
    detail: str


Answer = TrackingResult | Miss

FAILURES: dict[type[CarrierError], Failure] = {
    CarrierTimeout: Failure.TIMEOUT,
    CarrierUnavailable: Failure.UNAVAILABLE,
    CarrierRateLimited: Failure.RATE_LIMITED,
    CarrierAuthError: Failure.AUTH,
    CarrierResponseError: Failure.BAD_RESPONSE,
}


class Flights:
    """The carrier calls running now, as background tasks owned by this object.

    `close()` cancels those still running, so call it before closing the store and the
    HTTP client.
    """

    def __init__(
        self,
        registry: Registry,
        store: Store,
        clock: Clock,
        pauses: CarrierPauses,
        breakers: Breakers,
    ) -> None:
        self._registry = registry
        self._store = store
        self._clock = clock
        self._pauses = pauses
        self._breakers = breakers
        # The answer-to-be of every (carrier, number) being asked now, shared by all askers.
        self._flights: dict[Key, asyncio.Future[Answer]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False

    @property
    def running(self) -> int:
        """How many carrier calls are running."""
        return len(self._tasks)

    def flying(self, key: Key) -> asyncio.Future[Answer] | None:
        """The future answer of `key` when a call is asking it now."""
        return self._flights.get(key)

    def join(
        self, carrier: str, numbers: Sequence[str], timeout_s: float | None
    ) -> dict[Key, asyncio.Future[Answer]]:
        """The future answer of each number: a call already asking it, else one new call
        for all the others, bounded by `timeout_s` (None: only by the HTTP timeouts)."""
        joined = {
            (carrier, n): self._flights[(carrier, n)]
            for n in numbers
            if (carrier, n) in self._flights
        }
        new = [n for n in dict.fromkeys(numbers) if (carrier, n) not in joined]
        if not new:
            return joined
        loop = asyncio.get_running_loop()
        futures: dict[Key, asyncio.Future[Answer]] = {
            (carrier, n): loop.create_future() for n in new
        }
        if self._closed:  # shutting down: ask nobody
            for future in futures.values():
                future.set_result(Miss(Failure.UNAVAILABLE, "shutting down"))
            return joined | futures
        self._flights.update(futures)
        task = loop.create_task(
            self._fly(carrier, new, futures, timeout_s), name=f"smsbot-track-{carrier}"
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return joined | futures

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

    async def _fly(
        self,
        carrier: str,
        numbers: list[str],
        futures: Mapping[Key, asyncio.Future[Answer]],
        timeout_s: float | None,
    ) -> None:
        """One carrier call: cache its results, then answer every future waiting on it.

        Caching first means an asker that got a fresh answer can rely on the cache having
        it; the call leaves `_flights` in the same step as its futures are answered, so no
        second call can start in between.
        """
        try:
            began = time.monotonic()
            outcome = await self._call(carrier, numbers, timeout_s)
            carrier_call(carrier, _outcome(outcome), time.monotonic() - began)  # /metrics
            answers = {number: _answer_for(carrier, number, outcome) for number in numbers}
            checked_at = self._clock()
            for answer in answers.values():
                if isinstance(answer, TrackingResult):
                    try:
                        await self._store.save_tracking(answer, checked_at)
                    except Exception:  # the answer is still good for those waiting
                        log.exception("%s: could not cache a tracking result", carrier)
            for number, answer in answers.items():
                futures[(carrier, number)].set_result(answer)
        finally:
            for key, future in futures.items():
                if not future.done():  # cancelled at shutdown
                    future.set_result(Miss(Failure.TIMEOUT, "cancelled at shutdown"))
                if self._flights.get(key) is future:
                    del self._flights[key]

    async def _call(
        self, carrier: str, numbers: list[str], timeout_s: float | None
    ) -> Mapping[str, Answer] | Miss:
        try:
            async with asyncio.timeout(timeout_s):
                results = await self._registry.track(carrier, numbers)
        except NoAdapterError as exc:
            return Miss(Failure.NO_ADAPTER, str(exc))
        except TimeoutError:
            log.warning("%s: no answer within %.1f s", carrier, timeout_s)
            self._pauses.failed(carrier, "timeout")
            await self._breakers.failed(carrier, "timeout")
            return Miss(Failure.TIMEOUT, f"no answer within {timeout_s:.1f} s")
        except CarrierError as exc:
            log.warning("%s: %s", carrier, exc)
            if isinstance(exc, CarrierRateLimited):
                self._pauses.rate_limited(carrier, exc.retry_after)
            else:
                self._pauses.failed(carrier, str(exc))
                await self._breakers.failed(carrier, str(exc))
            miss = Miss(FAILURES.get(type(exc), _closest_failure(exc)), str(exc))
            if not exc.partial:
                return miss
            # One request of several failed: the numbers answered before it are still good.
            return {number: exc.partial.get(number, miss) for number in numbers}
        except Exception as exc:
            # A broken adapter must not take the reply (or the watch pass) down with it.
            log.exception("%s: adapter failed unexpectedly", carrier)
            return Miss(Failure.BAD_RESPONSE, f"internal error: {exc!r}")
        self._pauses.answered(carrier)
        await self._breakers.answered(carrier)
        return results


def _answer_for(carrier: str, number: str, outcome: Mapping[str, Answer] | Miss) -> Answer:
    if isinstance(outcome, Miss):
        return outcome
    result = outcome.get(number)
    if isinstance(result, Miss):
        return result
    if result is None:
        log.error("%s answered without a result for one number asked", carrier)
        return Miss(Failure.BAD_RESPONSE, "the adapter gave no result for it")
    if result.number != number or result.carrier != carrier:
        # The cache is read under the number asked and the carrier the shipment names.
        result = replace(result, number=number, carrier=carrier)
    return result


def _outcome(outcome: Mapping[str, Answer] | Miss) -> str:
    """The /metrics label of one call: "ok", or the failure's name."""
    return outcome.failure.value if isinstance(outcome, Miss) else "ok"


def _closest_failure(exc: CarrierError) -> Failure:
    for kind, failure in FAILURES.items():
        if isinstance(exc, kind):
            return failure
    return Failure.UNAVAILABLE
