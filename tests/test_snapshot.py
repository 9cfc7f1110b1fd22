"""Tracking snapshots: lossless round trips, and clear ValueErrors for anything else."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from smsbot.store.snapshot import result_from_json, result_to_json
from smsbot.tracking import (
    CARRIER_LOCAL,
    DelayReason,
    Eta,
    Event,
    Problem,
    Status,
    TrackingResult,
    carrier_local,
)

CHICAGO = ZoneInfo("America/Chicago")


def rich_result() -> TrackingResult:
    return TrackingResult(
        carrier="easypost",
        number="1Z5R89390357567127",
        status=Status.EXCEPTION,
        status_text="Severe weather \u2013 delayed \u2708",
        status_code="X1",
        events=(
            Event(
                carrier_local(datetime(2024, 11, 21, 9, 30)),
                Status.LABEL_CREATED,
                "Shipper created a label",
                code="MP",
            ),
            Event(
                datetime(2024, 11, 22, 18, 5, 12, 345678, tzinfo=CHICAGO),
                Status.IN_TRANSIT,
                "Departed facility",
                code="DP",
                location="Memphis, TN",
            ),
            Event(
                datetime(2024, 11, 23, 2, 0, tzinfo=UTC),
                Status.EXCEPTION,
                "Weather delay",
                code="WX",
                location="Louisville, KY",
            ),
        ),
        eta=Eta(
            earliest=date(2024, 11, 26),
            latest=date(2024, 11, 27),
            window_start=carrier_local(datetime(2024, 11, 26, 9, 0)),
            window_end=datetime(2024, 11, 26, 17, 0, tzinfo=timezone(timedelta(hours=-5))),
            estimated=True,
        ),
        delivered_at=carrier_local(datetime(2024, 11, 26, 14, 14)),
        delivery_location="front door",
        delay_reason=DelayReason.WEATHER,
        proof_of_delivery=True,
        pieces=3,
        problem=Problem.INVALID_NUMBER,
        service_carrier="UPS",
    )


def test_rich_result_round_trips() -> None:
    original = rich_result()

    decoded = result_from_json(result_to_json(original))

    assert decoded == original
    # Equality of aware datetimes compares instants only; the zones must survive too.
    assert decoded.events[0].time.tzinfo is CARRIER_LOCAL
    assert decoded.events[0].time.replace(tzinfo=None) == datetime(2024, 11, 21, 9, 30)
    assert decoded.events[1].time.utcoffset() == timedelta(hours=-6)
    assert decoded.events[2].time.utcoffset() == timedelta(0)
    assert decoded.events[2].time.tzinfo is not CARRIER_LOCAL
    assert decoded.eta is not None
    assert decoded.eta.window_start is not None
    assert decoded.eta.window_start.tzinfo is CARRIER_LOCAL
    assert decoded.eta.window_end is not None
    assert decoded.eta.window_end.utcoffset() == timedelta(hours=-5)
    assert decoded.delivered_at is not None
    assert decoded.delivered_at.tzinfo is CARRIER_LOCAL


def test_minimal_result_round_trips() -> None:
    original = TrackingResult.not_found("ups", "1Z999", "No record")

    decoded = result_from_json(result_to_json(original))

    assert decoded == original
    assert decoded.eta is None
    assert decoded.events == ()


def test_the_encoding_is_versioned_json_with_enum_values() -> None:
    document = json.loads(result_to_json(rich_result()))

    assert document["version"] == 2
    assert document["status"] == "exception"
    assert document["delay_reason"] == "weather"
    assert document["events"][2]["time"] == "2024-11-23T02:00:00+00:00"
    assert document["events"][0]["time"] != "2024-11-21T09:30:00+00:00"  # marked as local


def test_a_naive_time_is_written_as_carrier_local() -> None:
    result = TrackingResult("demo", "D1", Status.DELIVERED, delivered_at=datetime(2024, 1, 2, 3, 4))

    decoded = result_from_json(result_to_json(result))

    assert decoded.delivered_at == carrier_local(datetime(2024, 1, 2, 3, 4))
    assert decoded.delivered_at is not None
    assert decoded.delivered_at.tzinfo is CARRIER_LOCAL


def test_unknown_enum_values_from_a_newer_version_degrade() -> None:
    document = json.loads(result_to_json(rich_result()))
    document["status"] = "teleported"
    document["events"][0]["status"] = "beamed_up"
    document["delay_reason"] = "solar_flare"

    decoded = result_from_json(json.dumps(document))

    assert decoded.status is Status.UNKNOWN
    assert decoded.events[0].status is Status.UNKNOWN
    assert decoded.delay_reason is DelayReason.OTHER


def test_fields_with_defaults_may_be_absent() -> None:
    text = json.dumps({"version": 1, "carrier": "ups", "number": "1Z1", "status": "in_transit"})

    assert result_from_json(text) == TrackingResult("ups", "1Z1", Status.IN_TRANSIT)


def _with(**changes: object) -> str:
    document = json.loads(result_to_json(rich_result()))
    document.update(changes)
    return json.dumps(document)


def _event_with(**changes: object) -> str:
    document = json.loads(result_to_json(rich_result()))
    document["events"][0].update(changes)
    return json.dumps(document)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "not valid JSON"),
        ("{not json", "not valid JSON"),
        ("\xff\x00garbage", "not valid JSON"),
        ("[" * 100_000, "not valid JSON"),
        ("[]", "snapshot must be an object, not a list"),
        ("null", "snapshot must be an object, not null"),
        ('"text"', "snapshot must be an object"),
        ("{}", "snapshot.version is missing"),
        (_with(version="1"), "version must be a whole number"),
        (_with(version=3), "unsupported version 3 \\(written by a newer smsbot\\)"),
        (_with(version=0), "unsupported version 0"),
        (_with(carrier=None), "snapshot.carrier must be a string, not null"),
        (_with(pieces="3"), "snapshot.pieces must be a whole number"),
        (_with(pieces=True), "snapshot.pieces must be a whole number, not a boolean"),
        (_with(proof_of_delivery=1), "proof_of_delivery must be true or false"),
        (_with(events={}), "snapshot.events must be a list, not an object"),
        (_with(events=[42]), r"snapshot.events\[0\] must be an object"),
        (_with(eta=[]), "snapshot.eta must be an object"),
        (_with(eta={"earliest": "soon"}), "snapshot.eta.earliest must be an ISO-8601 date"),
        (_with(delivered_at="yesterday"), "delivered_at must be an ISO-8601 time"),
        (_with(delivered_at="2024-11-23T10:00:00"), "delivered_at must be a time with a UTC"),
        (_with(problem="abducted"), "unknown problem 'abducted'"),
        (_event_with(time=None), r"snapshot.events\[0\].time must be a string, not null"),
        (
            _event_with(time="2024-11-21T09:30:00-05:00[carrier-local]"),
            r"events\[0\].time must be a time with a UTC offset",
        ),
    ],
)
def test_garbage_raises_a_clear_value_error(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        result_from_json(text)


def test_event_places_and_zones_round_trip() -> None:
    """Version 2 keeps each event's place and zone: a carrier-local scan in Denver stays a
    Denver instant after the cache, not a wall clock read as UTC."""
    scan = Event(
        carrier_local(datetime(2024, 11, 22, 16, 30)),
        Status.IN_TRANSIT,
        "Arrived at facility",
        location="Denver, CO",
        state="CO",
        postal_code="80216",
        country="US",
    )
    result = TrackingResult("ups", "1Z1", Status.IN_TRANSIT, events=(scan,))
    back = result_from_json(result_to_json(result)).events[0]
    assert back == scan
    assert back.zone == "America/Denver"
    assert back.time.tzinfo == ZoneInfo("America/Denver")
    assert back.time.astimezone(UTC) == datetime(2024, 11, 22, 23, 30, tzinfo=UTC)
    assert (back.state, back.postal_code, back.country) == ("CO", "80216", "US")


def test_version_1_snapshots_still_read() -> None:
    """A snapshot stored before events had places reads unchanged: no zone is invented."""
    stored = {
        "version": 1,
        "carrier": "ups",
        "number": "1Z1",
        "status": "in_transit",
        "events": [
            {
                "time": "2024-11-22T16:30:00+00:00[carrier-local]",
                "status": "in_transit",
                "description": "Arrived",
                "code": "AR",
                "location": "Denver, CO",
            },
            {
                "time": "2024-11-23T08:00:00-06:00",
                "status": "in_transit",
                "description": "Departed",
                "code": "DP",
                "location": None,
            },
        ],
    }
    events = result_from_json(json.dumps(stored)).events
    assert events[0].time.tzname() == CARRIER_LOCAL.tzname(None)
    assert events[0].zone is None and events[0].state is None
    assert events[1].time.utcoffset() == timedelta(hours=-6)
    assert events[1].zone is None
