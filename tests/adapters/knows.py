"""An adapter that knows only the numbers in its `known` list (comma-separated) and answers
"not found" for the rest: for tests of numbers several carriers may own."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import httpx

from smsbot.tracking import CarrierConfig, Status, TrackingResult


class KnowingAdapter:
    def __init__(self, name: str, known: frozenset[str]) -> None:
        self.name = name
        self.display_name = name.upper()
        self.known = known

    async def track(self, numbers: Sequence[str]) -> Mapping[str, TrackingResult]:
        return {
            n: TrackingResult(self.name, n, Status.IN_TRANSIT)
            if n in self.known
            else TrackingResult.not_found(self.name, n)
            for n in numbers
        }


def create(config: CarrierConfig, http: httpx.AsyncClient) -> KnowingAdapter:
    known = frozenset(n.strip() for n in config.string("known", "").split(",") if n.strip())
    return KnowingAdapter(config.name, known)
