"""Carrier-local scan times get the zone of the place they were scanned (issue 13, item 7)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from smsbot.tracking import Event, Status, TrackingResult, carrier_local, zone_for


def scan(state: str | None = None, postal: str | None = None, country: str | None = None) -> Event:
    # 4:30 PM on a winter day, as the carrier prints it: no offset.
    return Event(
        carrier_local(datetime(2025, 1, 15, 16, 30)),
        Status.IN_TRANSIT,
        "Arrived at facility",
        state=state,
        postal_code=postal,
        country=country,
    )


@pytest.mark.parametrize(
    ("state", "postal", "zone", "utc_hour"),
    [
        ("NY", "10001", "America/New_York", 21),  # Eastern, UTC-5
        ("TN", "38118", "America/Chicago", 22),  # Central (Memphis), UTC-6
        ("CO", "80216", "America/Denver", 23),  # Mountain, UTC-7
        ("AZ", "85043", "America/Phoenix", 23),  # Mountain without DST
        ("CA", "90021", "America/Los_Angeles", 0),  # Pacific, UTC-8
        ("AK", "99502", "America/Anchorage", 1),  # Alaska, UTC-9
        ("HI", "96819", "Pacific/Honolulu", 2),  # Hawaii, UTC-10
    ],
)
def test_every_us_zone(state: str, postal: str, zone: str, utc_hour: int) -> None:
    event = scan(state, postal, "US")
    assert event.zone == zone
    assert event.time.astimezone(UTC).hour == utc_hour


@pytest.mark.parametrize(
    ("state", "postal", "zone"),
    [
        ("TN", "37402", "America/New_York"),  # Chattanooga: Eastern in a Central state
        ("FL", "32501", "America/Chicago"),  # Pensacola: Central in an Eastern state
        ("TX", "79901", "America/Denver"),  # El Paso: Mountain in a Central state
        ("ID", "83814", "America/Los_Angeles"),  # Coeur d'Alene: Pacific
        ("IN", "47708", "America/Chicago"),  # Evansville
        ("KY", "42001", "America/Chicago"),  # Paducah
        ("TN", None, "America/Chicago"),  # no ZIP: the state's main zone
    ],
)
def test_split_states_by_zip(state: str, postal: str | None, zone: str) -> None:
    assert zone_for(state, postal, "US") == zone


def test_summer_time_is_applied_by_date() -> None:
    summer = Event(carrier_local(datetime(2025, 7, 1, 9, 0)), Status.IN_TRANSIT, "x", state="IL")
    assert summer.time.utcoffset() == timedelta(hours=-5)


def test_international_leg() -> None:
    """A Leipzig hub scan, a Canary Islands delivery and a Canadian province."""
    leipzig = scan(postal="04435", country="DE")
    assert leipzig.zone == "Europe/Berlin"
    assert leipzig.time.astimezone(UTC).hour == 15
    assert zone_for(postal_code="35001", country="ES") == "Atlantic/Canary"
    assert zone_for(postal_code="28001", country="ES") == "Europe/Madrid"
    assert zone_for("BC", "V6B 1A1", "CA") == "America/Vancouver"
    assert zone_for(country="United Kingdom") == "Europe/London"
    assert zone_for("NSW", None, "AU") == "Australia/Sydney"


@pytest.mark.parametrize("country", ["US", "USA", "CA", "AU", "BR", "RU", "MX"])
def test_multi_zone_country_without_a_state_stays_carrier_local(country: str) -> None:
    event = scan(country=country)
    assert event.zone is None
    assert event.time.tzname() == "carrier-local"
    assert event.time.hour == 16  # the carrier's wall clock, honestly labelled


def test_a_given_offset_wins_over_the_place() -> None:
    plus_two = timezone(timedelta(hours=2))
    event = Event(
        datetime(2025, 1, 15, 16, 30, tzinfo=plus_two), Status.IN_TRANSIT, "x", state="NY"
    )
    assert event.time.utcoffset() == timedelta(hours=2)
    assert event.zone is None
    agreeing = Event(
        datetime(2025, 1, 15, 16, 30, tzinfo=timezone(timedelta(hours=-5))),
        Status.IN_TRANSIT,
        "x",
        state="NY",
    )
    assert agreeing.zone == "America/New_York"
    assert agreeing.time.astimezone(UTC).hour == 21


def test_events_sort_by_instant_across_zones() -> None:
    """3 PM in Los Angeles is after 5 PM in New York the same day."""
    ny = Event(carrier_local(datetime(2025, 1, 15, 17, 0)), Status.IN_TRANSIT, "NY", state="NY")
    la = Event(carrier_local(datetime(2025, 1, 15, 15, 0)), Status.IN_TRANSIT, "LA", state="CA")
    result = TrackingResult("ups", "1Z", Status.IN_TRANSIT, events=(la, ny))
    assert [e.description for e in result.events] == ["NY", "LA"]


def test_carrier_local_delivered_at_takes_the_delivery_scans_zone() -> None:
    delivered = Event(
        carrier_local(datetime(2025, 1, 15, 16, 30)), Status.DELIVERED, "Delivered", state="HI"
    )
    result = TrackingResult(
        "ups",
        "1Z",
        Status.DELIVERED,
        events=(delivered,),
        delivered_at=carrier_local(datetime(2025, 1, 15, 16, 30)),
    )
    assert result.delivered_at is not None
    assert result.delivered_at.astimezone(UTC) == datetime(2025, 1, 16, 2, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("postal", "zone"),
    [
        ("10001", "America/New_York"),
        ("60601", "America/Chicago"),
        ("37402", "America/New_York"),  # Chattanooga: the ZIP3 split still applies
        ("80202", "America/Denver"),
        ("85004", "America/Phoenix"),
        ("94105", "America/Los_Angeles"),
        ("99501", "America/Anchorage"),
        ("96813", "Pacific/Honolulu"),
        ("09001", None),  # military mail has no zone
    ],
)
def test_a_us_zip_alone_names_the_zone(postal: str, zone: str | None) -> None:
    assert zone_for(postal_code=postal, country="US") == zone


def test_times_at_the_ends_of_the_calendar_do_not_overflow() -> None:
    """A garbled year 1 or 9999 from a carrier is kept as given, never a crash."""
    early = Event(
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))), Status.IN_TRANSIT, "x", state="NY"
    )
    late = Event(carrier_local(datetime(9999, 12, 31, 23, 30)), Status.IN_TRANSIT, "y", state="GU")
    assert early.zone is None and early.time.utcoffset() == timedelta(hours=5)
    result = TrackingResult("ups", "1Z", Status.IN_TRANSIT, events=(late, early))
    assert [event.description for event in result.events] == ["x", "y"]
