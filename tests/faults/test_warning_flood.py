"""While a carrier is down, its warnings do not flood the log (issue 21 item 9): one line
per carrier and kind of warning per interval, then one with the count of those held back."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from smsbot.config import TrackingSettings
from smsbot.errors import CarrierUnavailable
from smsbot.lookup.gateway import CarrierGateway
from smsbot.lookup.registry import Registry
from smsbot.lookup.repeats import INTERVAL_S
from smsbot.orders.model import Shipment
from smsbot.store import Store
from smsbot.tracking import CarrierAdapter
from tests.test_lookup import (  # noqa: F401  # `store` is a fixture
    Clock,
    FakeAdapter,
    store,
)


@pytest.fixture
async def down(store: Store) -> AsyncIterator[tuple[CarrierGateway, Clock]]:  # noqa: F811
    adapters: dict[str, CarrierAdapter] = {
        name: FakeAdapter(name, error=CarrierUnavailable(name, "server error (HTTP 503)"))
        for name in ("x", "y")
    }
    clock = Clock()
    gateway = CarrierGateway(Registry(adapters, dict.fromkeys(adapters, "test")), store,
                             TrackingSettings(), clock)  # fmt: skip
    yield gateway, clock
    await gateway.close()


def _warnings(caplog: pytest.LogCaptureFixture, carrier: str) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if (record.levelno == logging.WARNING and record.getMessage().startswith(f"{carrier} "))
        or (record.levelno == logging.WARNING and record.getMessage().startswith(f"{carrier}:"))
    ]


async def test_a_carrier_down_logs_a_line_per_interval_with_a_count(
    down: tuple[CarrierGateway, Clock], caplog: pytest.LogCaptureFixture
) -> None:
    gateway, clock = down
    caplog.set_level(logging.INFO, logger="smsbot")
    for text in range(50):  # fifty texts while x is down
        await gateway.track([Shipment("x", f"N{text}")])
        clock.now += timedelta(seconds=0.5)
    first = _warnings(caplog, "x")
    # One line per kind: the failure, the pause, the circuit breaker opening.
    assert 1 <= len(first) <= 3, first
    await gateway.track([Shipment("y", "N1")])  # another carrier is not held back by x
    assert len(_warnings(caplog, "y")) >= 1

    clock.now += timedelta(seconds=INTERVAL_S)
    caplog.clear()
    await gateway.track([Shipment("x", "LATER")])
    later = _warnings(caplog, "x")
    # The lines held back are counted, not lost (the breaker keeps most texts from calling).
    assert later and any("more like this" in line for line in later), later
