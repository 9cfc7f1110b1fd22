"""A fake carrier adapter for the benchmarks: answers after a fixed latency, or fails.

Enabled like any adapter (`[carriers.slow1] module = "fakecarrier"`, with bench/ on the
path): `latency_s` (default 0.5) and `mode`: "ok", "hang" (never answers), "unavailable"
(a 503 after the latency) or "rate_limited" (a 429 after the latency), and `batch_size`
(the numbers one call takes, as the real carrier's adapter declares it). Every call is kept
in `calls`, so a benchmark can count what the carrier was asked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

import httpx

from smsbot.errors import CarrierRateLimited, CarrierUnavailable
from smsbot.tracking import CarrierConfig, Eta, Event, Status, TrackingResult

MODES = ("ok", "hang", "unavailable", "rate_limited")


class FakeCarrier:
    def __init__(self, name: str, latency_s: float, mode: str, batch_size: int = 10) -> None:
        self.name = name
        self.batch_size = batch_size
        self.display_name = name.upper()
        self.latency_s = latency_s
        self.mode = mode
        self.calls: list[list[str]] = []

    async def track(self, numbers: Sequence[str]) -> Mapping[str, TrackingResult]:
        self.calls.append(list(numbers))
        if self.mode == "hang":
            await asyncio.Event().wait()
        await asyncio.sleep(self.latency_s)
        if self.mode == "unavailable":
            raise CarrierUnavailable(self.name, "HTTP 503")
        if self.mode == "rate_limited":
            raise CarrierRateLimited(self.name, "HTTP 429", retry_after=30)
        now = datetime.now(UTC)
        return {
            number: TrackingResult(
                self.name,
                number,
                Status.IN_TRANSIT,
                "In transit",
                events=(Event(now - timedelta(hours=5), Status.IN_TRANSIT, "Departed facility"),),
                eta=Eta((now + timedelta(days=2)).date()),
            )
            for number in numbers
        }


def create(config: CarrierConfig, http: httpx.AsyncClient) -> FakeCarrier:
    mode = config.string("mode", "ok")
    if mode not in MODES:
        raise ValueError(f"carriers.{config.name}.mode must be one of {', '.join(MODES)}")
    batch_size = int(config.number("batch_size", 10))
    return FakeCarrier(config.name, config.number("latency_s", 0.5), mode, batch_size)
