"""The demo carrier: deterministic synthetic tracking, no network, for the quick start and tests.

Each demo tracking number (`DEMO` + a scenario code) tells one story, with dates relative to
today so the demo always reads as live: every status, a weather delay with a new ETA, a
customs hold, and the parcels of a multi-package order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

import httpx

from smsbot.tracking import (
    CarrierConfig,
    DelayReason,
    Eta,
    Event,
    Status,
    TrackingResult,
)

NAME = "demo"
Scenario = Callable[[str, datetime], TrackingResult]


def _events(now: datetime, *steps: tuple[float, Status, str, str]) -> tuple[Event, ...]:
    """Events from (hours ago, status, description, place) steps."""
    return tuple(
        Event(now - timedelta(hours=hours), status, text, code=status.value, location=place)
        for hours, status, text, place in steps
    )


def _accepted(now: datetime) -> tuple[Event, ...]:
    return _events(
        now,
        (50, Status.LABEL_CREATED, "Shipping label created", "Columbus, OH"),
        (30, Status.IN_TRANSIT, "Picked up", "Columbus, OH"),
        (8, Status.IN_TRANSIT, "Departed facility", "Indianapolis, IN"),
    )


def _in_transit(number: str, now: datetime) -> TrackingResult:
    return TrackingResult(
        NAME,
        number,
        Status.IN_TRANSIT,
        "In transit",
        "in_transit",
        _accepted(now),
        eta=Eta((now + timedelta(days=2)).date()),
    )


def _out_for_delivery(number: str, now: datetime) -> TrackingResult:
    events = (
        *_accepted(now),
        *_events(now, (1, Status.OUT_FOR_DELIVERY, "Out for delivery", "Brooklyn, NY")),
    )
    return TrackingResult(
        NAME,
        number,
        Status.OUT_FOR_DELIVERY,
        "Out for delivery",
        "out_for_delivery",
        events,
        eta=Eta(now.date()),
    )


def _delivered(number: str, now: datetime) -> TrackingResult:
    day_before = (now - timedelta(days=1)).replace(hour=19, minute=14, second=0, microsecond=0)
    events = (
        *_accepted(now - timedelta(days=1)),
        Event(day_before, Status.DELIVERED, "Delivered, front door", "delivered", "Brooklyn, NY"),
    )
    return TrackingResult(
        NAME,
        number,
        Status.DELIVERED,
        "Delivered",
        "delivered",
        events,
        delivered_at=day_before,
        delivery_location="front door",
        proof_of_delivery=True,
    )


def _weather(number: str, now: datetime) -> TrackingResult:
    events = (
        *_accepted(now),
        *_events(now, (3, Status.EXCEPTION, "Delayed: severe weather", "Memphis, TN")),
    )
    return TrackingResult(
        NAME,
        number,
        Status.EXCEPTION,
        "Delayed by severe weather",
        "weather",
        events,
        eta=Eta((now + timedelta(days=3)).date()),
        delay_reason=DelayReason.WEATHER,
    )


def _customs(number: str, now: datetime) -> TrackingResult:
    events = _events(
        now,
        (70, Status.IN_TRANSIT, "Departed origin facility", "Shenzhen, CN"),
        (20, Status.IN_TRANSIT, "Arrived at destination country", "Los Angeles, CA"),
        (12, Status.EXCEPTION, "Held by customs", "Los Angeles, CA"),
    )
    return TrackingResult(
        NAME,
        number,
        Status.EXCEPTION,
        "Held by customs",
        "customs",
        events,
        delay_reason=DelayReason.CUSTOMS,
    )


def _label_created(number: str, now: datetime) -> TrackingResult:
    events = _events(now, (5, Status.LABEL_CREATED, "Shipping label created", "Columbus, OH"))
    return TrackingResult(NAME, number, Status.LABEL_CREATED, "Label created", "label", events)


def _pending(number: str, now: datetime) -> TrackingResult:
    return TrackingResult.not_found(NAME, number, "No information yet")


def _pickup(number: str, now: datetime) -> TrackingResult:
    events = (
        *_accepted(now),
        *_events(
            now,
            (
                2,
                Status.AVAILABLE_FOR_PICKUP,
                "Ready for pickup at Main St Post Office",
                "Brooklyn, NY",
            ),
        ),
    )
    return TrackingResult(
        NAME,
        number,
        Status.AVAILABLE_FOR_PICKUP,
        "Ready for pickup",
        "pickup",
        events,
    )


def _attempted(number: str, now: datetime) -> TrackingResult:
    events = (
        *_accepted(now),
        *_events(
            now,
            (4, Status.DELIVERY_ATTEMPTED, "Delivery attempted, no one available", "Brooklyn, NY"),
        ),
    )
    return TrackingResult(
        NAME,
        number,
        Status.DELIVERY_ATTEMPTED,
        "Delivery attempted",
        "attempted",
        events,
        eta=Eta((now + timedelta(days=1)).date()),
        delay_reason=DelayReason.RECIPIENT_UNAVAILABLE,
    )


def _returning(number: str, now: datetime) -> TrackingResult:
    events = (
        *_accepted(now),
        *_events(now, (6, Status.RETURNING, "Returning to sender", "Indianapolis, IN")),
    )
    return TrackingResult(
        NAME,
        number,
        Status.RETURNING,
        "Returning to sender",
        "returning",
        events,
        delay_reason=DelayReason.REFUSED,
    )


def _unknown(number: str, now: datetime) -> TrackingResult:
    events = (
        *_accepted(now),
        *_events(now, (2, Status.UNKNOWN, "Processed at sort center", "Indianapolis, IN")),
    )
    return TrackingResult(
        NAME,
        number,
        Status.UNKNOWN,
        "Processed at sort center",
        "X9",
        events,
    )


#: Tracking number → story. Numbers outside this table are "not found", like a real carrier.
SCENARIOS: dict[str, Scenario] = {
    "DEMO1001": _in_transit,
    "DEMO1002": _out_for_delivery,
    "DEMO1003": _delivered,
    "DEMO1004": _weather,
    "DEMO1005": _customs,
    "DEMO1006A": _delivered,
    "DEMO1006B": _in_transit,
    "DEMO1006R": _label_created,
    "DEMO1007": _label_created,
    "DEMO1008": _pending,
    "DEMO1009": _pickup,
    "DEMO1010": _attempted,
    "DEMO1011": _returning,
    "DEMO1012": _unknown,
}


def track_one(number: str, now: datetime) -> TrackingResult:
    """The demo story of `number` as of `now`."""
    scenario = SCENARIOS.get(number.upper(), _pending)
    return scenario(number, now)


class DemoAdapter:
    """Answers from `SCENARIOS`, after `latency_s` seconds (0 by default)."""

    name = NAME
    display_name = "DemoPost"

    def __init__(self, latency_s: float) -> None:
        self.latency_s = latency_s
        self.calls = 0  # how many times track() ran: tests and benchmarks read it

    async def track(self, numbers: Sequence[str]) -> Mapping[str, TrackingResult]:
        """One synthetic result per number."""
        self.calls += 1
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        now = datetime.now(UTC)
        return {number: track_one(number, now) for number in numbers}


def create(config: CarrierConfig, http: httpx.AsyncClient) -> DemoAdapter:
    """The demo adapter; `latency_s` simulates a slow carrier."""
    latency = config.values.get("latency_s", 0)
    if latency:
        latency = config.number("latency_s", 0.0)
    return DemoAdapter(float(latency))
