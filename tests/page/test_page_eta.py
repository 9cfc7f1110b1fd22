"""The tracking page's learned windows (issue 19): the window where the carrier has none,
marked as an estimate; kept as told; in the JSON with its basis; and the high-volume banner
for an order the carrier does not have yet."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from starlette.testclient import TestClient

from smsbot.eta.window import HandlingLoad
from smsbot.orders.model import Order, Shipment
from smsbot.page.model import busy_note
from smsbot.tracking import Status, TrackingResult
from smsbot.view.order import OrderView
from smsbot.view.package import PackageStatus
from tests.conftest import PUBLIC_URL, SettingsFactory
from tests.page.conftest import Texter, link_texter, store_call
from tests.page.test_page import text_of


@pytest.fixture
def eta_client(make_settings: SettingsFactory) -> Iterator[TestClient]:
    from smsbot.orders.demo import DEMO_ORDERS
    from smsbot.web.app import create_app

    settings = make_settings(
        links={"mode": "always"},
        twilio={"from_number": "+12025550100"},
        bot={"verify": "phone"},
        eta={"default_days": [2, 4]},  # no history: the merchant's default window
    )
    with TestClient(create_app(settings, seed_orders=DEMO_ORDERS), base_url=PUBLIC_URL) as c:
        yield c


@pytest.fixture
def eta_token(eta_client: TestClient) -> Texter:
    return link_texter(eta_client)


def test_a_label_not_yet_scanned_shows_the_window_as_an_estimate(
    eta_client: TestClient, eta_token: Texter
) -> None:
    token = eta_token("1007")
    words = text_of(eta_client.get(f"/t/{token}").text)
    assert "Usually arrives " in words and "(our estimate from past deliveries)" in words
    [leg] = eta_client.get(f"/t/{token}.json").json()["legs"]
    estimate = leg["estimate"]
    assert estimate["basis"] == {"rung": "default", "samples": 0, "label": "default"}
    assert estimate["business_days"] == [2, 4]
    told = store_call(eta_client, "told_outcomes")
    assert [(t.order_number, t.tracking_number) for t in told] == [("1007", "DEMO1007")]  # type: ignore[attr-defined]


def test_a_carrier_date_in_the_window_is_shown_alone(
    eta_client: TestClient, eta_token: Texter
) -> None:
    words = text_of(eta_client.get(f"/t/{eta_token('1001')}").text)
    assert "Arriving" in words and "Usually arrives" not in words


ORDER = Order("1001", None, shipments=(Shipment("ups", "1Z1"),))
BUSY = HandlingLoad(open_orders=80, daily_rate=20.0, expected_days=1.6, usual_days=1.0, high=True)


def view(status: Status | None) -> OrderView:
    result = None if status is None else TrackingResult("ups", "1Z1", status)
    checked = datetime(2026, 12, 1, tzinfo=UTC)
    return OrderView.of(ORDER, [PackageStatus(ORDER.shipments[0], "UPS", result, checked)])


def test_the_busy_banner_is_for_orders_the_carrier_does_not_have_yet() -> None:
    assert busy_note(view(Status.LABEL_CREATED), BUSY, "en") == (
        "High order volume: ships in 2 business days."
    )
    assert busy_note(view(None), BUSY, "es") == "Muchos pedidos: sale en 2 días hábiles."
    assert busy_note(OrderView("1002", ()), BUSY, "en") is not None  # nothing shipped yet
    assert busy_note(view(Status.IN_TRANSIT), BUSY, "en") is None
    quiet = HandlingLoad(
        open_orders=5, daily_rate=20.0, expected_days=0.3, usual_days=1.0, high=False
    )
    assert busy_note(view(Status.LABEL_CREATED), quiet, "en") is None
    assert busy_note(view(Status.LABEL_CREATED), None, "en") is None
