"""The AfterShip adapter: parsing recorded payloads, and the create-or-get conversation with
the Tracking API on a mock transport."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from carriers import aftership
from smsbot.errors import (
    CarrierAuthError,
    CarrierRateLimited,
    CarrierResponseError,
    CarrierTimeout,
    CarrierUnavailable,
    ConfigError,
)
from smsbot.testing import AdapterSpec, Check, Router, checks_for, reply_file
from smsbot.tracking import (
    CARRIER_LOCAL,
    AggregatorAdapter,
    CarrierConfig,
    CheckableAdapter,
    DelayReason,
    Problem,
    Status,
    TrackingResult,
)

FIXTURES = Path(__file__).parent / "fixtures" / "aftership"
NUMBER = "7023210039414604"
VANCOUVER = ZoneInfo("America/Vancouver")
TRACKING_ID = "e9a2c1f08b7d4c6a9f3e2d1c0b9a8f7e"
API_KEY = "as-k3y-s3cret"
HOST = "https://aftership.test"
TRACKINGS = "/tracking/2025-01/trackings"
PST = timezone(timedelta(hours=-8))
EST = timezone(timedelta(hours=-5))

Handler = Callable[[httpx.Request], httpx.Response]


def load(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def parse(name: str) -> TrackingResult:
    return aftership.parse_tracking_response(load(name), NUMBER)


def with_tracking(**fields: Any) -> dict[str, Any]:
    """The in-transit answer with some tracking fields replaced."""
    payload: dict[str, Any] = load("in_transit")
    payload["data"].update(fields)
    return payload


def make_config(**values: Any) -> CarrierConfig:
    base = {"api_key": API_KEY, "base_url": HOST, "requests_per_second": 1000}
    return CarrierConfig("aftership", {**base, **values}, environ={})


def make_adapter(handler: Handler, **values: Any) -> aftership.AfterShipAdapter:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return aftership.create(make_config(**values), http)


def answer(name: str, status: int = 200, **headers: str) -> Handler:
    body = (FIXTURES / f"{name}.json").read_bytes()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers=headers)

    return handler


class Api:
    """Answers by "METHOD path" from a table; records each request."""

    def __init__(self, routes: dict[str, tuple[int, str]]) -> None:
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        status, name = self.routes[f"{request.method} {request.url.path}"]
        return httpx.Response(status, content=(FIXTURES / f"{name}.json").read_bytes())

    @property
    def asked(self) -> list[str]:
        return [f"{r.method} {r.url.path}" for r in self.requests]


# Parsing: one fixture per tag


def test_pending_tracking_is_said_honestly() -> None:
    result = parse("pending")
    assert result.status is Status.PENDING
    assert result.problem is None  # AfterShip knows the number; the carrier said nothing yet
    assert result.status_text == "No tracking information from the carrier yet"
    assert result.events == ()
    assert result.eta is None
    assert result.service_carrier == "canada-post"


def test_info_received_with_the_merchants_estimate() -> None:
    result = parse("info_received")
    assert result.status is Status.LABEL_CREATED
    assert result.status_code == "InfoReceived_001"
    assert result.eta is not None
    assert (result.eta.earliest, result.eta.latest) == (date(2024, 11, 22), date(2024, 11, 25))
    assert result.eta.estimated  # AfterShip's custom rules, not the carrier


def test_in_transit_with_events_sorted_by_time_and_a_carrier_window() -> None:
    result = parse("in_transit")
    assert result.status is Status.IN_TRANSIT
    assert (result.status_code, result.status_text) == ("InTransit_007", "Left a carrier facility")
    assert result.carrier == "aftership"
    assert result.number == NUMBER
    assert result.service_carrier == "canada-post"
    assert result.pieces == 2
    codes = [event.code for event in result.events]
    assert codes == ["3000", "0100", "0170", "0174"]  # oldest first, whatever the given order
    info, accepted, _processed, departed = result.events
    assert info.status is Status.LABEL_CREATED
    assert info.location == "Canada"
    assert accepted.time == datetime(2024, 11, 18, 17, 20, tzinfo=EST)
    assert departed.time == datetime(2024, 11, 19, 22, 5, tzinfo=PST)
    assert departed.location == "Richmond, BC, Canada"
    assert departed.description == "Item in transit to Vancouver"
    # The carrier's window wins over AfterShip's own prediction (also in the payload).
    assert result.eta is not None
    assert result.eta.earliest == date(2024, 11, 21)
    assert result.eta.window_start == datetime(2024, 11, 21, 9, tzinfo=PST)
    assert result.eta.window_end == datetime(2024, 11, 21, 12, tzinfo=PST)
    assert not result.eta.estimated


def test_out_for_delivery_with_times_without_offset() -> None:
    result = parse("out_for_delivery")
    assert result.status is Status.OUT_FOR_DELIVERY
    assert result.last_event is not None
    assert result.last_event.time == datetime(2024, 11, 21, 7, 48, tzinfo=VANCOUVER)
    assert result.last_event.zone == "America/Vancouver"  # placed by state BC, item 7
    assert all(event.zone is not None for event in result.events)
    assert result.eta is not None
    assert result.eta.earliest == date(2024, 11, 21)
    assert result.eta.estimated  # AfterShip's AI estimate


def test_failed_attempt_names_the_reason() -> None:
    result = parse("attempt_fail")
    assert result.status is Status.DELIVERY_ATTEMPTED
    assert result.delay_reason is DelayReason.RECIPIENT_UNAVAILABLE
    assert result.eta is not None and result.eta.earliest == date(2024, 11, 22)


def test_delivered_with_time_place_signature_and_pieces() -> None:
    result = parse("delivered")
    assert result.status is Status.DELIVERED
    assert result.delivered_at == datetime(2024, 11, 21, 14, 14, tzinfo=PST)
    assert result.delivery_location == "front door"
    assert result.proof_of_delivery  # signed_by
    assert result.pieces == 2
    assert result.eta is None
    assert result.delay_reason is None


def test_available_for_pickup() -> None:
    result = parse("available_for_pickup")
    assert result.status is Status.AVAILABLE_FOR_PICKUP
    assert result.last_location == "Vancouver, BC, Canada"
    assert result.delivered_at is None


@pytest.mark.parametrize(
    ("fixture", "status", "reason", "service"),
    [
        ("exception_weather", Status.IN_TRANSIT, DelayReason.WEATHER, "canada-post"),
        ("exception_customs", Status.EXCEPTION, DelayReason.CUSTOMS, "royal-mail"),
        ("exception_address", Status.EXCEPTION, DelayReason.ADDRESS, "canada-post"),
    ],
)
def test_exceptions(fixture: str, status: Status, reason: DelayReason, service: str) -> None:
    result = parse(fixture)
    assert (result.status, result.delay_reason) == (status, reason)
    assert result.status_code.startswith("Exception_")
    assert result.service_carrier == service


def test_weather_delay_keeps_the_carriers_new_days() -> None:
    eta = parse("exception_weather").eta
    assert eta is not None
    assert (eta.earliest, eta.latest, eta.estimated) == (
        date(2024, 11, 23),
        date(2024, 11, 25),
        False,
    )


def test_plain_exception_keeps_the_carriers_words() -> None:
    result = parse("exception_generic")
    assert (result.status, result.delay_reason) == (Status.EXCEPTION, DelayReason.OTHER)
    assert result.status_text == "Item held at depot - see next steps on canadapost.ca"


def test_returning_to_sender() -> None:
    result = parse("returning")
    assert result.status is Status.RETURNING
    assert result.eta is None  # the ETA was for the trip to the customer
    assert [event.status for event in result.events][-2:] == [Status.EXCEPTION, Status.RETURNING]


def test_return_flag_makes_a_delivery_a_return() -> None:
    payload = load("delivered")
    payload["data"]["return_to_sender"] = True  # delivered back to the shipper
    assert aftership.parse_tracking_response(payload, NUMBER).status is Status.RETURNING


def test_status_comes_from_the_tag_not_the_events() -> None:
    result = parse("problem_resolved")  # Exception_005, then InTransit_008
    assert result.status is Status.IN_TRANSIT
    assert result.delay_reason is None
    assert [event.code for event in result.events] == ["0100", "2400", "0174"]


def test_expired_after_scans_says_tracking_stopped_and_the_last_scan() -> None:
    """Item 12: Expired with scans is not a delivery problem: updates stopped."""
    result = parse("expired")
    assert result.status is Status.UNKNOWN
    assert result.delay_reason is None
    last = result.events[-1]
    assert result.status_text.startswith("tracking expired, no update for 30 days; last scan ")
    assert last.description in result.status_text
    assert result.eta is None


def test_delivered_at_prefers_the_checkpoint_with_an_offset() -> None:
    """Item 2: an offset-less shipment_delivery_date (UTC) loses to the Delivered
    checkpoint's local time with its offset."""
    result = parse("delivered_offsetless_date")
    assert result.delivered_at == datetime(
        2024, 11, 21, 14, 14, tzinfo=timezone(timedelta(hours=-8))
    )
    assert result.delivered_at is not None and result.delivered_at.utcoffset() == timedelta(
        hours=-8
    )


def test_offsetless_delivery_date_without_a_delivered_scan_reads_as_utc() -> None:
    payload = load("delivered_offsetless_date")
    for checkpoint in payload["data"]["checkpoints"]:
        checkpoint["tag"] = "InTransit"
    result = aftership.parse_tracking_response(payload, NUMBER)
    assert result.delivered_at == datetime(2024, 11, 21, 22, 14, tzinfo=UTC)


def test_expired_without_scans_is_pending() -> None:
    payload = with_tracking(tag="Expired", subtag="Expired_001", checkpoints=[])
    result = aftership.parse_tracking_response(payload, NUMBER)
    assert result.status is Status.PENDING
    assert "30 days" in result.status_text


def test_unknown_tag_keeps_aftership_words() -> None:
    result = parse("unknown_tag")
    assert result.status is Status.UNKNOWN
    assert (result.status_code, result.status_text) == (
        "Cancelled_001",
        "Shipment cancelled by sender",
    )


@pytest.mark.parametrize(
    ("subtag", "status", "reason"),
    [
        ("Exception_002", Status.EXCEPTION, DelayReason.ADDRESS),
        ("Exception_003", Status.EXCEPTION, DelayReason.REFUSED),
        ("Exception_005", Status.IN_TRANSIT, DelayReason.CARRIER_DELAY),
        ("Exception_006", Status.EXCEPTION, DelayReason.HELD_FOR_PAYMENT),
        ("Exception_008", Status.EXCEPTION, DelayReason.RECIPIENT_UNAVAILABLE),
        ("Exception_011", Status.RETURNING, None),
        ("Exception_012", Status.EXCEPTION, DelayReason.DAMAGED),
        ("Exception_013", Status.EXCEPTION, DelayReason.LOST),
        ("Exception_018", Status.EXCEPTION, DelayReason.CUSTOMS),
        ("Exception_099", Status.EXCEPTION, DelayReason.OTHER),  # a new subtag: its tag decides
        ("AttemptFail_003", Status.DELIVERY_ATTEMPTED, DelayReason.RECIPIENT_UNAVAILABLE),
        ("OutForDelivery_002", Status.AVAILABLE_FOR_PICKUP, None),  # the legacy scheme
        ("InTransit_006", Status.IN_TRANSIT, None),  # customs clearance started: progress
    ],
)
def test_subtags(subtag: str, status: Status, reason: DelayReason | None) -> None:
    payload = with_tracking(tag=subtag.split("_")[0], subtag=subtag)
    result = aftership.parse_tracking_response(payload, NUMBER)
    assert (result.status, result.delay_reason, result.status_code) == (status, reason, subtag)


@pytest.mark.parametrize(
    ("subtag", "place"), [("Delivered_005", "neighbour"), ("Delivered_002", "picked up")]
)
def test_where_a_delivery_was_left(subtag: str, place: str) -> None:
    payload = load("delivered")
    payload["data"].update(subtag=subtag, delivery_location_type=None, signed_by=None)
    result = aftership.parse_tracking_response(payload, NUMBER)
    assert (result.status, result.delivery_location) == (Status.DELIVERED, place)
    assert not result.proof_of_delivery


def test_every_tag_and_subtag_maps_into_the_vocabulary() -> None:
    assert set(aftership.TAGS) == {
        "Pending", "InfoReceived", "InTransit", "OutForDelivery", "AttemptFail",
        "Delivered", "AvailableForPickup", "Exception", "Expired",
    }  # fmt: skip
    for subtag, meaning in aftership.SUBTAGS.items():
        assert subtag.split("_")[0] in aftership.TAGS, subtag
        assert meaning.status is not Status.UNKNOWN, subtag
        assert meaning.note.isascii(), subtag  # replies stay in GSM-7


def test_missing_optional_fields() -> None:
    result = parse("minimal")
    assert result.status is Status.IN_TRANSIT
    assert result.events == ()
    assert result.eta is None
    assert result.pieces == 1
    assert not result.proof_of_delivery
    assert result.last_location is None


def test_odd_timestamps() -> None:
    result = parse("odd_times")
    times = [event.time for event in result.events]
    toronto = ZoneInfo("America/Toronto")
    assert times == [  # unpadded, space-separated and date-only read; garbled and missing skipped
        datetime(2024, 11, 18, 9, 5, tzinfo=toronto),
        datetime(2024, 11, 19, 3, 4, tzinfo=toronto),
        datetime(2024, 11, 20, tzinfo=CARRIER_LOCAL),  # "RICHMOND BC" alone names no zone
        datetime(2024, 11, 21, 14, 14, tzinfo=VANCOUVER),
    ]
    # shipment_delivery_date is a date only: the delivered scan gives the time, in its zone.
    assert result.delivered_at == datetime(2024, 11, 21, 14, 14, tzinfo=VANCOUVER)
    assert result.delivery_location == "mailbox"
    assert result.events[2].location == "RICHMOND BC"


def test_mixed_offsets_keep_their_own_zones() -> None:
    """A checkpoint with an offset keeps it; one without gets its place's zone (item 7)."""
    payload = load("out_for_delivery")
    payload["data"]["checkpoints"][0]["checkpoint_time"] = "2024-11-18T17:20:00-05:00"
    result = aftership.parse_tracking_response(payload, NUMBER)
    first = result.events[0]
    assert first.time == datetime(2024, 11, 18, 17, 20, tzinfo=timezone(timedelta(hours=-5)))
    assert first.time.utcoffset() == timedelta(hours=-5)
    assert all(event.zone for event in result.events)


def test_legacy_v4_envelope_and_expected_delivery() -> None:
    result = parse("legacy_v4")
    assert result.status is Status.IN_TRANSIT
    assert result.eta is not None
    assert (result.eta.earliest, result.eta.estimated) == (date(2024, 11, 22), False)


@pytest.mark.parametrize(("source", "estimated"), [("Carrier EDD", False), ("AfterShip EDD", True)])
def test_latest_estimate_says_who_made_it(source: str, estimated: bool) -> None:
    latest = {"type": "specific", "source": source, "datetime": "2024-11-24"}
    payload = with_tracking(
        courier_estimated_delivery_date=None,
        aftership_estimated_delivery_date=None,
        latest_estimated_delivery=latest,
    )
    eta = aftership.parse_tracking_response(payload, NUMBER).eta
    assert eta is not None
    assert (eta.earliest, eta.estimated) == (date(2024, 11, 24), estimated)


@pytest.mark.parametrize(
    ("fixture", "problem"),
    [
        ("not_found", Problem.NOT_FOUND),
        ("invalid_number", Problem.INVALID_NUMBER),
        ("bad_courier", Problem.INVALID_NUMBER),
    ],
)
def test_facts_about_one_number_are_results(fixture: str, problem: Problem) -> None:
    result = parse(fixture)
    assert result.problem is problem
    assert result.status is Status.PENDING
    assert result.number == NUMBER
    assert result.status_text == load(fixture)["meta"]["message"]


@pytest.mark.parametrize(
    ("fixture", "error"),
    [
        ("unauthorized", CarrierAuthError),
        ("rate_limited", CarrierRateLimited),
        ("server_error", CarrierUnavailable),
        ("error_in_200", CarrierUnavailable),
        ("slug_invalid", CarrierResponseError),
        ("already_exists", CarrierResponseError),  # the fetcher handles it; parse cannot
        ("drifted", CarrierResponseError),
    ],
)
def test_failed_calls_raise(fixture: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse(fixture)


@pytest.mark.parametrize(
    "payload",
    [
        [],
        {"meta": {"code": "200"}, "data": {}},
        {"meta": {"code": 200}, "data": []},
        {"meta": {"code": 200}, "data": {"tag": "InTransit", "checkpoints": {}}},
        {"meta": {"code": 200}, "data": {"tracking_number": NUMBER, "tag": None}},
    ],
)
def test_schema_drift_raises(payload: object) -> None:
    with pytest.raises(CarrierResponseError):
        aftership.parse_tracking_response(payload, NUMBER)


def test_find_tracking_by_number_and_slug() -> None:
    listed = load("list")
    found = aftership.find_tracking(listed, NUMBER, "canada-post")
    assert found is not None and found["tag"] == "InTransit"
    assert aftership.find_tracking(listed, NUMBER, "purolator") is not None
    assert aftership.find_tracking(listed, NUMBER, "ontrac") is None
    assert aftership.find_tracking(load("list_empty"), NUMBER) is None


# Fetching: create, then read by id


def test_create_does_no_io_and_builds_an_aggregator() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("create() must not call AfterShip")

    adapter = make_adapter(handler)
    assert isinstance(adapter, AggregatorAdapter)
    assert isinstance(adapter, CheckableAdapter)
    assert (adapter.name, adapter.display_name) == ("aftership", "AfterShip")


async def test_a_new_number_is_registered_then_read_by_id() -> None:
    api = Api(
        {
            f"POST {TRACKINGS}": (201, "pending"),
            f"GET {TRACKINGS}/{TRACKING_ID}": (200, "in_transit"),
        }
    )
    adapter = make_adapter(api)
    first = await adapter.track_for("canada_post", [NUMBER])
    assert first[NUMBER].status is Status.PENDING
    second = await adapter.track_for("canada_post", [NUMBER])
    assert second[NUMBER].status is Status.IN_TRANSIT
    assert api.asked == [f"POST {TRACKINGS}", f"GET {TRACKINGS}/{TRACKING_ID}"]
    create = api.requests[0]
    assert create.url.host == "aftership.test"
    assert json.loads(create.content) == {"tracking_number": NUMBER, "slug": "canada-post"}
    for request in api.requests:
        assert request.headers["as-api-key"] == API_KEY
        assert request.headers["Accept"] == "application/json"
        assert "authorization" not in request.headers


async def test_an_existing_tracking_is_read_by_the_id_the_error_names() -> None:
    api = Api(
        {
            f"POST {TRACKINGS}": (400, "already_exists_with_id"),
            f"GET {TRACKINGS}/{TRACKING_ID}": (200, "delivered"),
        }
    )
    results = await make_adapter(api).track_for("canada_post", [NUMBER])
    assert results[NUMBER].status is Status.DELIVERED
    assert api.asked == [f"POST {TRACKINGS}", f"GET {TRACKINGS}/{TRACKING_ID}"]


async def test_an_existing_tracking_is_found_by_slug_and_number_once() -> None:
    api = Api(
        {
            f"POST {TRACKINGS}": (400, "already_exists"),
            f"GET {TRACKINGS}": (200, "list"),
            f"GET {TRACKINGS}/{TRACKING_ID}": (200, "in_transit"),
        }
    )
    adapter = make_adapter(api)
    results = await adapter.track_for("canada_post", [NUMBER])
    assert results[NUMBER].status is Status.IN_TRANSIT
    assert results[NUMBER].service_carrier == "canada-post"
    listing = api.requests[1]
    assert dict(listing.url.params) == {"tracking_numbers": NUMBER, "slug": "canada-post"}
    await adapter.track_for("canada_post", [NUMBER])  # the id is remembered: no second create
    assert api.asked == [f"POST {TRACKINGS}", f"GET {TRACKINGS}", f"GET {TRACKINGS}/{TRACKING_ID}"]


async def test_an_existing_tracking_that_is_not_listed_is_not_found() -> None:
    api = Api(
        {f"POST {TRACKINGS}": (400, "already_exists"), f"GET {TRACKINGS}": (200, "list_empty")}
    )
    results = await make_adapter(api).track_for("canada_post", [NUMBER])
    assert results[NUMBER].problem is Problem.NOT_FOUND


async def test_a_deleted_tracking_is_registered_again() -> None:
    api = Api(
        {
            f"POST {TRACKINGS}": (201, "pending"),
            f"GET {TRACKINGS}/{TRACKING_ID}": (404, "not_found"),
        }
    )
    adapter = make_adapter(api)
    await adapter.track_for("canada_post", [NUMBER])
    results = await adapter.track_for("canada_post", [NUMBER])
    assert results[NUMBER].status is Status.PENDING
    assert api.asked == [f"POST {TRACKINGS}", f"GET {TRACKINGS}/{TRACKING_ID}", f"POST {TRACKINGS}"]


@pytest.mark.parametrize(
    ("carrier", "codes", "slug"),
    [
        ("canada_post", {}, "canada-post"),
        ("royal_mail", {}, "royal-mail"),
        ("australia_post", {}, "australia-post"),
        ("ontrac", {}, "ontrac"),
        ("ups", {}, "ups"),
        ("dhl_express", {}, "dhl"),
        ("Canada_Post", {}, "canada-post"),
        ("canada_post", {"canada_post": "canpar"}, "canpar"),  # the merchant's table wins
        ("acme", {"ACME": "acme-freight"}, "acme-freight"),
    ],
)
async def test_track_for_asks_by_aftership_slug(
    carrier: str, codes: dict[str, str], slug: str
) -> None:
    api = Api({f"POST {TRACKINGS}": (201, "pending")})
    results = await make_adapter(api, codes=codes).track_for(carrier, [NUMBER])
    assert json.loads(api.requests[0].content)["slug"] == slug
    assert results[NUMBER].carrier == "aftership"


async def test_track_without_a_carrier_lets_aftership_detect_it() -> None:
    api = Api({f"POST {TRACKINGS}": (201, "pending")})
    results = await make_adapter(api).track([NUMBER])
    assert json.loads(api.requests[0].content) == {"tracking_number": NUMBER}
    assert results[NUMBER].service_carrier == "canada-post"  # what AfterShip detected


async def test_undetectable_number_is_invalid() -> None:
    results = await make_adapter(answer("bad_courier", 400)).track([NUMBER])
    assert results[NUMBER].problem is Problem.INVALID_NUMBER


async def test_one_result_per_distinct_number_and_none_for_blanks_asked() -> None:
    api = Api({f"POST {TRACKINGS}": (201, "pending")})
    results = await make_adapter(api).track_for(
        "canada_post", [NUMBER, "  ", NUMBER, "7023 2100 3941 4611"]
    )
    assert list(results) == [NUMBER, "  ", "7023 2100 3941 4611"]
    assert results["  "].problem is Problem.INVALID_NUMBER
    assert results["7023 2100 3941 4611"].number == "7023 2100 3941 4611"
    sent = sorted(json.loads(r.content)["tracking_number"] for r in api.requests)
    assert sent == [NUMBER, "7023210039414611"]  # the blank one cost no call


@pytest.mark.parametrize("status", [401, 403])
async def test_refused_key_raises_auth_error_without_the_key(status: int) -> None:
    with pytest.raises(CarrierAuthError) as caught:
        await make_adapter(answer("unauthorized", status)).track_for("canada_post", [NUMBER])
    assert API_KEY not in str(caught.value)


async def test_429_with_reset_header_pauses_the_budget() -> None:
    calls = 0
    reset = int(time.time()) + 30

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        headers = {
            "X-RateLimit-Limit": "20",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(reset),
        }
        return httpx.Response(
            429, content=(FIXTURES / "rate_limited.json").read_bytes(), headers=headers
        )

    adapter = make_adapter(handler, max_concurrency=1)
    with pytest.raises(CarrierRateLimited) as caught:
        await adapter.track_for("canada_post", [NUMBER, "7023210039414611"])
    assert caught.value.retry_after is not None and 25 <= caught.value.retry_after <= 30
    with pytest.raises(CarrierRateLimited):
        await adapter.track(["another"])
    assert calls == 1  # nothing more was sent while paused


async def test_last_allowed_call_pauses_the_next_one() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        headers = {"X-RateLimit-Remaining": "0", "Retry-After": "12"}
        return httpx.Response(
            201, content=(FIXTURES / "pending.json").read_bytes(), headers=headers
        )

    adapter = make_adapter(handler)
    assert (await adapter.track([NUMBER]))[NUMBER].status is Status.PENDING
    with pytest.raises(CarrierRateLimited):
        await adapter.track(["7023210039414611"])
    assert calls == 1


async def test_rate_limit_inside_a_200_pauses_too() -> None:
    adapter = make_adapter(answer("rate_limited", 200, **{"Retry-After": "9"}))
    with pytest.raises(CarrierRateLimited) as caught:
        await adapter.track([NUMBER])
    assert caught.value.retry_after == 9
    assert adapter.budget.paused_for() > 0


@pytest.mark.parametrize(
    ("status", "fixture"), [(500, "server_error"), (503, "server_error"), (200, "error_in_200")]
)
async def test_server_errors(status: int, fixture: str) -> None:
    with pytest.raises(CarrierUnavailable):
        await make_adapter(answer(fixture, status)).track([NUMBER])


async def test_unknown_slug_says_how_to_fix_it() -> None:
    with pytest.raises(CarrierResponseError, match=r"'acme-freight'.*codes"):
        await make_adapter(answer("slug_invalid", 400)).track_for("acme_freight", [NUMBER])


async def test_a_page_that_is_not_aftership_is_an_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, text="<html>Not Found</html>")

    with pytest.raises(CarrierResponseError, match="404"):
        await make_adapter(handler).track([NUMBER])


async def test_timeout() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(CarrierTimeout):
        await make_adapter(handler).track([NUMBER])


async def test_unknown_tag_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    adapter = make_adapter(answer("unknown_tag"))
    with caplog.at_level(logging.WARNING, logger="smsbot.carriers.aftership"):
        await adapter.track([NUMBER])
        await adapter.track(["7023210039414611"])
    assert len([r for r in caplog.records if "Cancelled_001" in r.getMessage()]) == 1


async def test_check_lists_the_accounts_carriers() -> None:
    api = Api({"GET /tracking/2025-01/couriers": (200, "couriers")})
    assert (
        await make_adapter(api).check() == "credentials accepted (3 carriers enabled in AfterShip)"
    )
    assert api.requests[0].headers["as-api-key"] == API_KEY


async def test_check_reports_a_refused_key() -> None:
    with pytest.raises(CarrierAuthError):
        await make_adapter(answer("unauthorized", 401)).check()


# Configuration


def test_missing_api_key_names_the_key_and_the_variable() -> None:
    http = httpx.AsyncClient(transport=httpx.MockTransport(answer("pending")))
    with pytest.raises(
        ConfigError, match=r"carriers\.aftership\.api_key.*SMSBOT_AFTERSHIP_API_KEY"
    ):
        aftership.create(CarrierConfig("aftership", {}, environ={}), http)


async def test_api_key_from_the_environment_and_the_default_host() -> None:
    api = Api({f"POST {TRACKINGS}": (201, "pending")})
    http = httpx.AsyncClient(transport=httpx.MockTransport(api))
    config = CarrierConfig("aftership", {}, environ={"SMSBOT_AFTERSHIP_API_KEY": "from-env"})
    await aftership.create(config, http).track([NUMBER])
    (request,) = api.requests
    assert request.headers["as-api-key"] == "from-env"
    assert str(request.url) == f"https://api.aftership.com{TRACKINGS}"


@pytest.mark.parametrize(
    ("codes", "key"),
    [
        ({"canada_post": ""}, r"codes\.canada_post"),
        ({"canada_post": 7}, r"codes"),
        ("canpar", r"codes"),
    ],
)
def test_bad_codes_table_names_the_key(codes: object, key: str) -> None:
    with pytest.raises(ConfigError, match=rf"carriers\.aftership\.{key}"):
        make_adapter(answer("pending"), codes=codes)


def test_default_budget_and_override() -> None:
    http = httpx.AsyncClient(transport=httpx.MockTransport(answer("pending")))
    adapter = aftership.create(CarrierConfig("aftership", {"api_key": API_KEY}, environ={}), http)
    assert (adapter.budget.max_concurrency, adapter.budget.requests_per_second) == (4, 5)
    tuned = make_adapter(answer("pending"), max_concurrency=2, requests_per_second=3)
    assert (tuned.budget.max_concurrency, tuned.budget.requests_per_second) == (2, 3)


# The adapter kit's conformance suite

SPEC = AdapterSpec(
    aftership,
    config={"api_key": API_KEY, "base_url": HOST, "requests_per_second": 1000},
    numbers=(NUMBER, "7023210039414611"),
    routes=Router()
    .add(f"POST {TRACKINGS}", reply_file(FIXTURES / "in_transit.json", 201))
    .add(f"GET {TRACKINGS}/{{id}}", reply_file(FIXTURES / "in_transit.json")),
    routed_carrier="canada_post",
)


@pytest.mark.parametrize("check", checks_for(SPEC), ids=str)
async def test_conformance(check: Check) -> None:
    await check.run_async(SPEC)


def test_every_time_is_aware() -> None:
    for name in ("in_transit", "delivered", "out_for_delivery", "odd_times"):
        for event in parse(name).events:
            assert event.time.utcoffset() is not None
    assert parse("delivered").delivered_at == datetime(2024, 11, 21, 22, 14, tzinfo=UTC)
