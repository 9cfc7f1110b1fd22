"""A fake carrier adapter for the benchmarks: answers after a fixed latency, or fails.

Enabled like any adapter (`[carriers.slow1] module = "fakecarrier"`, with bench/ on the
path): `latency_s` (default 0.5) and `mode`: "ok", "hang" (never answers), "unavailable"
(a 503 after the latency), "rate_limited" (a 429 after the latency) or "drip" (a real HTTP
GET of `drip_url`, a server that sends its body a byte at a time: every read arrives
within the read timeout, only a deadline ends it), `status` (what "ok" reports, default
in_transit) and `batch_size` (the numbers one call takes, as the real carrier's adapter
declares it). Every call is kept
in `calls`, so a benchmark can count what the carrier was asked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

import httpx

from smsbot.errors import CarrierRateLimited, CarrierUnavailable
from smsbot.tracking import CarrierConfig, Eta, Event, Status, TrackingResult

MODES = ("ok", "hang", "unavailable", "rate_limited", "drip")


class FakeCarrier:
    def __init__(
        self,
        name: str,
        latency_s: float,
        mode: str,
        batch_size: int = 10,
        *,
        status: Status = Status.IN_TRANSIT,
        http: httpx.AsyncClient | None = None,
        drip_url: str = "",
    ) -> None:
        self.name = name
        self.status = status
        self.http = http
        self.drip_url = drip_url
        self.batch_size = batch_size
        self.display_name = name.upper()
        self.latency_s = latency_s
        self.mode = mode
        self.calls: list[list[str]] = []

    async def track(self, numbers: Sequence[str]) -> Mapping[str, TrackingResult]:
        self.calls.append(list(numbers))
        if self.mode == "hang":
            await asyncio.Event().wait()
        if self.mode == "drip" and self.http is not None:
            await self.http.get(self.drip_url)  # a byte at a time: no read ever times out
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
                self.status,
                self.status.value.replace("_", " ").capitalize(),
                events=(Event(now - timedelta(hours=5), self.status, "Departed facility"),),
                eta=Eta((now + timedelta(days=2)).date()),
            )
            for number in numbers
        }


def create(config: CarrierConfig, http: httpx.AsyncClient) -> FakeCarrier:
    mode = config.string("mode", "ok")
    if mode not in MODES:
        raise ValueError(f"carriers.{config.name}.mode must be one of {', '.join(MODES)}")
    batch_size = int(config.number("batch_size", 10))
    return FakeCarrier(
        config.name,
        config.number("latency_s", 0.5),
        mode,
        batch_size,
        status=Status(config.string("status", "in_transit")),
        http=http,
        drip_url=config.string("drip_url", ""),
    )
