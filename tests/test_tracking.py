"""The adapter SDK's shared pieces: results, per-number tracking, budgets and tokens."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import pytest

from smsbot.errors import CarrierRateLimited, CarrierUnavailable
from smsbot.tracking import (
    Event,
    RequestBudget,
    Status,
    TokenCache,
    TrackingResult,
    parse_timestamp,
    rate_limit_wait,
    send,
    track_each,
)


def test_events_are_sorted_by_time_not_position() -> None:
    late = Event(datetime(2026, 11, 2, tzinfo=UTC), Status.DELIVERED, "Delivered")
    early = Event(datetime(2026, 11, 1, tzinfo=UTC), Status.IN_TRANSIT, "Moving")
    result = TrackingResult("x", "N", Status.DELIVERED, events=(late, early))
    assert result.events == (early, late)
    assert result.last_event is late


def test_parse_timestamp_nanoseconds_and_missing_offset() -> None:
    assert parse_timestamp("2026-11-24T10:00:00.123456789Z").microsecond == 123456
    local = parse_timestamp("2026-11-24T10:00:00")
    assert local.tzinfo is not None and local.tzinfo.tzname(None) == "carrier-local"


async def test_track_each_finishes_every_call_then_raises_the_failure() -> None:
    finished: list[str] = []

    async def one(number: str) -> TrackingResult:
        if number == "BAD":
            raise CarrierUnavailable("x", "503")
        await asyncio.sleep(0.01)
        finished.append(number)
        return TrackingResult("x", number, Status.IN_TRANSIT)

    assert list(await track_each(["A", "A", "B"], one)) == ["A", "B"]
    with pytest.raises(CarrierUnavailable) as caught:
        await track_each(["A", "BAD", "C"], one)
    assert sorted(finished) == ["A", "A", "B", "C"]  # nothing left running
    assert sorted(caught.value.partial) == ["A", "C"]  # the answered numbers are kept


async def test_budget_pauses_after_rate_limit() -> None:
    now = [100.0]
    budget = RequestBudget("x", 2, 1000, clock=lambda: now[0])
    budget.pause(30)
    with pytest.raises(CarrierRateLimited) as caught:
        async with budget.slot():
            pass
    assert caught.value.retry_after == pytest.approx(30)
    now[0] += 31
    async with budget.slot():
        pass


async def test_token_cache_one_fetch_under_concurrency_and_refresh_before_expiry() -> None:
    now = [0.0]
    fetched: list[int] = []

    async def fetch() -> tuple[str, float]:
        await asyncio.sleep(0.01)
        fetched.append(1)
        return f"t{len(fetched)}", 3600.0

    cache = TokenCache(fetch, margin_s=120, clock=lambda: now[0])
    tokens = await asyncio.gather(*(cache.token() for _ in range(5)))
    assert set(tokens) == {"t1"} and len(fetched) == 1
    now[0] = 3600 - 119  # inside the safety margin: refresh
    assert await cache.token() == "t2"
    cache.invalidate("t2")
    assert await cache.token() == "t3"


def test_rate_limit_wait_reads_retry_after_then_reset() -> None:
    now = 1_800_000_000.0
    assert rate_limit_wait(httpx.Headers({"Retry-After": "12"}), now=now) == 12
    reset_at = {"X-RateLimit-Reset": str(int(now) + 40)}
    assert rate_limit_wait(httpx.Headers(reset_at), now=now) == pytest.approx(40)
    assert rate_limit_wait(httpx.Headers({"RateLimit-Reset": "7"}), now=now) == 7
    assert rate_limit_wait(httpx.Headers({"X-RateLimit-Reset": "soon"}), now=now) is None
    assert rate_limit_wait(httpx.Headers(), now=now) is None


async def test_send_pauses_on_429_reset_and_on_an_exhausted_quota() -> None:
    answers = iter(
        [
            httpx.Response(200, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "20"}),
            httpx.Response(429, headers={"X-RateLimit-Reset": "45"}),
        ]
    )
    transport = httpx.MockTransport(lambda request: next(answers))
    now = [0.0]
    budget = RequestBudget("x", 1, 1000, clock=lambda: now[0])
    async with httpx.AsyncClient(transport=transport) as http:
        response = await send(http, budget, httpx.Request("GET", "https://x.test/"))
        assert response.status_code == 200  # the good answer is kept...
        assert budget.paused_for() == pytest.approx(20)  # ...and the next call waits
        now[0] += 21
        with pytest.raises(CarrierRateLimited) as caught:
            await send(http, budget, httpx.Request("GET", "https://x.test/"))
    assert caught.value.retry_after == pytest.approx(45)
    assert budget.paused_for() == pytest.approx(45)
