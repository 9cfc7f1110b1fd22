"""A minimal aggregator (has track_for), for routing tests (loaded by `module =`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import httpx

from smsbot.tracking import CarrierConfig, Status, TrackingResult

#: What this fake aggregator calls the carriers it is asked about.
CODES = {"ontrac": "OnTrac", "ups": "UPS"}


class FakeAggregator:
    display_name = "Fake Aggregator"

    def __init__(self, name: str, codes: Mapping[str, str]) -> None:
        self.name = name
        self.codes = {**CODES, **codes}
        self.asked: list[tuple[str | None, list[str]]] = []

    async def track(self, numbers: Sequence[str]) -> Mapping[str, TrackingResult]:
        self.asked.append((None, list(numbers)))  # the aggregator detects the carrier
        return {
            n: TrackingResult(self.name, n, Status.PENDING, service_carrier="canada-post")
            for n in numbers
        }

    async def track_for(self, carrier: str, numbers: Sequence[str]) -> Mapping[str, TrackingResult]:
        code = self.codes.get(carrier, carrier)
        self.asked.append((code, list(numbers)))
        return {
            n: TrackingResult(self.name, n, Status.IN_TRANSIT, service_carrier=code)
            for n in numbers
        }


def create(config: CarrierConfig, http: httpx.AsyncClient) -> FakeAggregator:
    return FakeAggregator(config.name, config.table("codes"))
