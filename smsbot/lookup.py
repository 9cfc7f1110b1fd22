"""Ask every carrier of an order at once, each under its own timeout, inside one deadline.

A carrier that fails or is late becomes a value (`PackageStatus.failure`), never an
exception; the last known result from the cache is kept for the reply when there is one.
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
from smsbot.orders import Shipment
from smsbot.tracking import FINAL_STATUSES, TrackingResult

if TYPE_CHECKING:  # annotations only: keeps this module importable on its own
    from smsbot.config import TrackingSettings
    from smsbot.registry import Registry
    from smsbot.store import CachedTracking, Store

log = logging.getLogger("smsbot.lookup")


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
    """Tracking for shipments: cache first, then every carrier concurrently, one deadline."""

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

    async def track(self, shipments: Sequence[Shipment]) -> list[PackageStatus]:
        """One `PackageStatus` per shipment, in order; never raises for carrier failures."""
        started = time.monotonic()
        now = self._clock()
        cached = {
            key: await self._store.cached_tracking(*key)
            for key in dict.fromkeys((s.carrier, s.tracking_number) for s in shipments)
        }
        due: dict[str, list[str]] = defaultdict(list)
        for (carrier, number), hit in cached.items():
            if hit is None or not self._fresh(hit, now):
                due[carrier].append(number)
        budget = self._settings.reply_deadline_s - REPLY_MARGIN_S - (time.monotonic() - started)
        answers: dict[tuple[str, str], TrackingResult | Failure] = {}
        async with asyncio.TaskGroup() as group:
            for carrier, numbers in due.items():
                group.create_task(self._ask(carrier, numbers, budget, answers))
        checked_at = self._clock()
        statuses = []
        for shipment in shipments:
            key = (shipment.carrier, shipment.tracking_number)
            hit = cached[key]
            answer = answers.get(key)
            if isinstance(answer, TrackingResult):
                statuses.append(self._status(shipment, answer, checked_at))
            elif hit is not None:
                statuses.append(self._status(shipment, hit.result, hit.checked_at, answer))
            else:
                statuses.append(self._status(shipment, None, None, answer))
        return statuses

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
        return PackageStatus(shipment, name, result, checked_at, failure)

    async def _ask(
        self,
        carrier: str,
        numbers: list[str],
        budget_s: float,
        answers: dict[tuple[str, str], TrackingResult | Failure],
    ) -> None:
        """Ask one carrier; record a result or a `Failure` for every number. Never raises."""
        outcome = await self._call(carrier, numbers, budget_s)
        if isinstance(outcome, Failure):
            answers.update({(carrier, number): outcome for number in numbers})
            return
        checked_at = self._clock()
        for number in numbers:
            result = outcome.get(number)
            if result is None:
                log.error("%s answered without a result for one number asked", carrier)
                answers[(carrier, number)] = Failure.BAD_RESPONSE
                continue
            if result.number != number:  # the cache is read under the number asked
                result = replace(result, number=number)
            answers[(carrier, number)] = result
            try:
                await self._store.save_tracking(result, checked_at)
            except Exception:  # the answer is still good for this reply
                log.exception("%s: could not cache a tracking result", carrier)

    async def _call(
        self, carrier: str, numbers: list[str], budget_s: float
    ) -> Mapping[str, TrackingResult] | Failure:
        if not self._registry.serves(carrier):
            return Failure.NO_ADAPTER
        timeout = min(self._settings.carrier_timeout_s, budget_s)
        if timeout <= 0:
            return Failure.TIMEOUT
        try:
            async with asyncio.timeout(timeout):
                return await self._registry.track(carrier, numbers)
        except TimeoutError:
            log.warning("%s: no answer within %.1f s", carrier, timeout)
            return Failure.TIMEOUT
        except CarrierError as exc:
            log.warning("%s: %s", carrier, exc)
            return FAILURES.get(type(exc), _closest_failure(exc))
        except Exception:
            # A broken adapter must not take the reply down with it.
            log.exception("%s: adapter failed unexpectedly", carrier)
            return Failure.BAD_RESPONSE


def _closest_failure(exc: CarrierError) -> Failure:
    for kind, failure in FAILURES.items():
        if isinstance(exc, kind):
            return failure
    return Failure.UNAVAILABLE
