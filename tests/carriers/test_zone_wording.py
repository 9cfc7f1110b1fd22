"""Carrier payloads read end to end into replies: places, zones and exception notes
(issue 13, items 6, 7 and 18). Parsed with the adapters' own parsers from fixtures."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from carriers import dhl
from smsbot.orders.model import Leg, Shipment
from smsbot.tracking import Event, Status, TrackingResult, carrier_local
from smsbot.view.package import PackageStatus
from smsbot.wording.replies import Wording, carrier_display_name, order_status

FIXTURES = Path(__file__).parent / "fixtures"
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
NOW = datetime(2024, 11, 21, 7, 0, tzinfo=LOS_ANGELES)  # Thu Nov 21 2024


def load(carrier: str, name: str) -> Any:
    return json.loads((FIXTURES / carrier / f"{name}.json").read_text())


def reply(result: TrackingResult, language: str = "en") -> str:
    package = PackageStatus(
        Shipment(result.carrier, result.number, Leg.OUTBOUND),
        carrier_display_name(result.carrier),
        result,
        NOW,
        None,
    )
    return order_status("1001", [package], Wording(language, LOS_ANGELES, NOW, 3))


def test_dhl_exception_names_the_carrier_and_a_readable_place() -> None:
    """Item 6: "NEW YORK GATEWAY - USA, US" reads "New York Gateway, US", and the note
    names DHL."""
    result = dhl.parse_track_response(load("dhl", "gateway_caps_us"), "1234567890")
    text = reply(result)
    assert "New York Gateway, US" in text
    assert "NEW YORK" not in text
    assert "DHL" in text
    assert "DHL" in reply(result, "es")


def test_dhl_window_is_on_the_recipients_clock() -> None:
    """Item 18: a merchant in Los Angeles; the recipient in New York reads 9 AM-1 PM."""
    result = dhl.parse_track_response(load("dhl", "gateway_caps_us"), "1234567890")
    assert "9:00 AM-1:00 PM" in reply(result)
    assert "6:00 AM" not in reply(result)


def test_delivered_at_is_the_delivery_places_time() -> None:
    """Item 7: a carrier-local delivery scan in Honolulu at 4:30 PM reads 4:30 PM, not the
    same wall clock taken as UTC and moved to the merchant's zone."""
    scan = Event(
        carrier_local(datetime(2024, 11, 20, 16, 30)),
        Status.DELIVERED,
        "Delivered",
        location="Honolulu, HI",
        state="HI",
        postal_code="96813",
    )
    result = TrackingResult("ups", "1Z1", Status.DELIVERED, events=(scan,), delivered_at=scan.time)
    assert result.delivered_at is not None
    assert result.delivered_at.astimezone(UTC) == datetime(2024, 11, 21, 2, 30, tzinfo=UTC)
    assert "4:30 PM" in reply(result)
    assert "Wed Nov 20" in reply(result)
