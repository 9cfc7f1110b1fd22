"""OrderView: one order's legs, status, ETA, exception and next step, and its JSON shape."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from smsbot.orders.model import Leg, Order, Shipment
from smsbot.tracking import DelayReason, Eta, Event, Status, TrackingResult
from smsbot.view.order import LegView, OrderView
from smsbot.view.package import Failure, PackageStatus
from smsbot.view.step import NextStep

NOW = datetime(2026, 11, 24, 15, tzinfo=UTC)


def package(
    number: str,
    status: Status | None,
    *,
    kind: Leg = Leg.OUTBOUND,
    failure: Failure | None = None,
    **fields: object,
) -> PackageStatus:
    shipment = Shipment("ups", number, kind)
    result = TrackingResult("ups", number, status, **fields) if status else None  # type: ignore[arg-type]
    return PackageStatus(shipment, "UPS", result, NOW, failure)


def test_an_order_is_as_far_as_its_least_advanced_outbound_leg() -> None:
    view = OrderView.from_packages(
        "1001",
        [
            package("A", Status.DELIVERED),
            package("B", Status.IN_TRANSIT, eta=Eta(date(2026, 11, 27))),
            package("R", Status.LABEL_CREATED, kind=Leg.RETURN),
        ],
    )
    assert view.status is Status.IN_TRANSIT  # the return does not hold the order back
    assert view.eta == Eta(date(2026, 11, 27))
    assert view.exception is None and view.next_step is None
    assert [leg.kind for leg in view.outbound] == [Leg.OUTBOUND, Leg.OUTBOUND]


def test_a_leg_that_needs_attention_decides_the_status_and_the_next_step() -> None:
    stuck = package(
        "B",
        Status.EXCEPTION,
        delay_reason=DelayReason.ADDRESS,
        events=(Event(NOW, Status.EXCEPTION, "Held", "", "Memphis, TN"),),
    )
    view = OrderView.from_packages("1001", [package("A", Status.OUT_FOR_DELIVERY), stuck])
    assert view.status is Status.EXCEPTION
    assert view.exception == view.legs[1]
    assert view.legs[1].delay is DelayReason.ADDRESS
    assert view.legs[1].place == "Memphis, TN"
    assert view.next_step is NextStep.FIX_ADDRESS


def test_a_failed_carrier_keeps_the_last_answer_but_no_fresh_facts() -> None:
    leg = LegView.of(package("A", Status.UNKNOWN, failure=Failure.TIMEOUT, status_text="Odd scan"))
    assert leg.status is Status.UNKNOWN and leg.fresh is None
    assert leg.note is None and leg.place is None
    fresh = LegView.of(package("A", Status.UNKNOWN, status_text="Odd scan"))
    assert fresh.note == "Odd scan"


def test_an_order_without_answers_has_no_status() -> None:
    view = OrderView.of(
        Order("1001", None, locale="es-MX", shipments=(Shipment("ups", "A"),)),
        [package("A", None, failure=Failure.UNAVAILABLE)],
    )
    assert view.locale == "es-MX" and view.shipped
    assert view.status is None and view.eta is None
    assert not OrderView.from_packages("1002", []).shipped


def test_the_json_shape_carries_no_contact_details() -> None:
    order = Order(
        "1001",
        "+12025550123",
        email="a@b.example",
        postal_code="11201",
        shipments=(Shipment("ups", "A"),),
    )
    when = datetime(2026, 11, 23, 10, tzinfo=UTC)
    packages = [
        package(
            "A",
            Status.DELIVERED,
            delivered_at=when,
            delivery_location="porch",
            events=(Event(when, Status.DELIVERED, "Delivered", "", "Brooklyn, NY"),),
        )
    ]
    shape = OrderView.of(order, packages).to_dict()
    text = json.dumps(shape)  # JSON-ready: no enum, date or dataclass left
    assert "2025550123" not in text and "a@b.example" not in text and "11201" not in text
    assert shape["status"] == "delivered" and shape["exception"] is None
    [leg] = shape["legs"]
    assert leg["place"] == "porch" and leg["delivered_at"] == when.isoformat()
    assert leg["events"][0]["location"] == "Brooklyn, NY"
