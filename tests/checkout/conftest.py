"""The checkout ETA on its own small app: its routes, a `FixedEstimator`, a settable clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from smsbot.checkout.routes import ROUTES, Checkout
from smsbot.checkout.service import CheckoutEta
from smsbot.config.checkout import CheckoutSettings
from tests.eta.windows import FixedEstimator

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 12, 10, 15, 0, tzinfo=NEW_YORK)  # Thu Dec 10 2026
SHOP = "https://shop.example"


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def checkout_app(
    estimator: FixedEstimator | None,
    settings: CheckoutSettings | None = None,
    ticks: Callable[[], float] | None = None,
) -> Starlette:
    """A Starlette app with only the checkout routes, the way `create_app` wires them."""
    settings = settings or CheckoutSettings(allowed_origins=(SHOP,), rate_limit_per_minute=50)
    answers = CheckoutEta(estimator, settings, NEW_YORK, lambda: NOW, ticks or Ticks())
    app = Starlette(routes=ROUTES)
    app.state.checkout = Checkout(answers)
    return app


@pytest.fixture
def estimator() -> FixedEstimator:
    """UPS 2-4 business days in transit, 1-2 of handling; nothing for other carriers but
    the merchant-wide window (None) of 3-5."""
    return FixedEstimator({"ups": (2, 4), None: (3, 5)})


@pytest.fixture
def client(estimator: FixedEstimator) -> Iterator[TestClient]:
    with TestClient(checkout_app(estimator)) as c:
        yield c
