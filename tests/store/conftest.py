"""The store contract's fixtures: a fresh store of every backend.

Adding a backend is one entry in `BACKENDS`: a function from a temp dir to its URL (a
backend that needs a server skips itself when none is configured).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from smsbot.orders.model import Order, Shipment
from smsbot.store import Store, open_store
from tests.pgtest import fresh_url

NOW = datetime(2024, 11, 23, 14, 14, tzinfo=UTC)

#: Backend name -> the URL of a fresh, empty database for one test.
BACKENDS: dict[str, Callable[[Path], str]] = {
    "sqlite": lambda tmp_path: f"sqlite:///{tmp_path / 'data' / 'smsbot.db'}",
    "postgresql": lambda _tmp_path: fresh_url(),
}


@pytest.fixture(params=sorted(BACKENDS))
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a fresh database of one backend."""
    return BACKENDS[request.param](tmp_path)


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[Store]:
    """A fresh, migrated store of one backend, closed after the test."""
    async with await open_store(store_url) as opened:
        yield opened


def order(number: str, phone: str | None = "+15551234567", *tracking: str) -> Order:
    """An order with UPS shipments of these tracking numbers."""
    shipments = tuple(Shipment("ups", value) for value in tracking)
    return Order(number, phone, email=f"{number}@example.com", shipments=shipments)
