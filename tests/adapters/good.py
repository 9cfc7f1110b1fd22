"""A minimal adapter that keeps the contract (loaded by `module =` in registry tests)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import httpx

from smsbot.tracking import CarrierConfig, Status, TrackingResult


class GoodAdapter:
    display_name = "Good Carrier"

    def __init__(self, name: str) -> None:
        self.name = name
        self.asked: list[list[str]] = []

    async def track(self, numbers: Sequence[str]) -> Mapping[str, TrackingResult]:
        self.asked.append(list(numbers))
        return {n: TrackingResult(self.name, n, Status.IN_TRANSIT) for n in numbers}


def create(config: CarrierConfig, http: httpx.AsyncClient) -> GoodAdapter:
    return GoodAdapter(config.name)
