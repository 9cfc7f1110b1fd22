"""The watcher's stall and "old delivery" arithmetic compares instants (issue 13, item 7)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from smsbot.config import WatchSettings
from smsbot.store import WatchedShipment
from smsbot.tracking import Event, Status, TrackingResult, carrier_local
from smsbot.watch.verdicts import judge, latest_instant
from smsbot.wording.notices import Trigger

WATCH = WatchSettings(stall_after_h=36.0)


def shipment() -> WatchedShipment:
    return WatchedShipment(
        shipment_id=1,
        order_id=1,
        order_number="1001",
        phone="+15005550006",
        locale=None,
        order_created_at=datetime(2025, 1, 10, tzinfo=UTC),
        carrier="ups",
        tracking_number="1Z1",
        shipped_at=datetime(2025, 1, 10, tzinfo=UTC),
        last_status="in_transit",
        failures=0,
        first_scan_at=datetime(2025, 1, 11, tzinfo=UTC),
        fired=frozenset({Trigger.SHIPPED.value}),
    )


def in_transit(state: str | None) -> TrackingResult:
    # The last scan: 8:00 PM on Jan 13, carrier-local (no offset), in `state`.
    scan = Event(
        carrier_local(datetime(2025, 1, 13, 20, 0)), Status.IN_TRANSIT, "Departed", state=state
    )
    return TrackingResult("ups", "1Z1", Status.IN_TRANSIT, events=(scan,))


@pytest.mark.parametrize(
    ("state", "utc_of_scan"),
    [
        ("NY", datetime(2025, 1, 14, 1, 0, tzinfo=UTC)),  # Eastern
        ("IL", datetime(2025, 1, 14, 2, 0, tzinfo=UTC)),  # Central
        ("CO", datetime(2025, 1, 14, 3, 0, tzinfo=UTC)),  # Mountain
        ("CA", datetime(2025, 1, 14, 4, 0, tzinfo=UTC)),  # Pacific
        ("AK", datetime(2025, 1, 14, 5, 0, tzinfo=UTC)),  # Alaska
        ("HI", datetime(2025, 1, 14, 6, 0, tzinfo=UTC)),  # Hawaii
    ],
)
def test_stall_counts_from_the_scans_instant(state: str, utc_of_scan: datetime) -> None:
    """36 hours after the scan's real instant, not after its wall clock read as UTC (which
    fired 5-10 hours early)."""
    stall = utc_of_scan + timedelta(hours=36)
    before = judge(shipment(), in_transit(state), stall - timedelta(minutes=1), WATCH)
    assert before.tell is None
    at = judge(shipment(), in_transit(state), stall, WATCH)
    assert at.tell is Trigger.STALLED


def test_an_unplaceable_scan_never_stalls_early() -> None:
    """No zone: the apology waits for the latest instant the wall clock can be (UTC-12)."""
    wall_as_utc = datetime(2025, 1, 13, 20, 0, tzinfo=UTC)
    latest = latest_instant(carrier_local(datetime(2025, 1, 13, 20, 0)))
    assert latest == wall_as_utc + timedelta(hours=12)
    early = wall_as_utc + timedelta(hours=40)  # 36 h after the wall clock as UTC
    assert judge(shipment(), in_transit(None), early, WATCH).tell is None
    late = latest + timedelta(hours=36)
    assert judge(shipment(), in_transit(None), late, WATCH).tell is Trigger.STALLED


def test_a_fresh_hawaii_delivery_is_still_news() -> None:
    """Delivered 4:30 PM in Honolulu (02:30 UTC next day): 47 h after that instant it is
    still news, though the same wall clock read as UTC is more than 48 h old."""
    scan = Event(
        carrier_local(datetime(2025, 1, 13, 16, 30)), Status.DELIVERED, "Delivered", state="HI"
    )
    result = TrackingResult("ups", "1Z1", Status.DELIVERED, events=(scan,), delivered_at=scan.time)
    now = datetime(2025, 1, 14, 2, 30, tzinfo=UTC) + timedelta(hours=47)
    assert judge(shipment(), result, now, WATCH).tell is Trigger.DELIVERED
