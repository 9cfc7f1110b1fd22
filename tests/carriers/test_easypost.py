"""The EasyPost adapter: parsing recorded Trackers, and create-or-fetch on a mock transport.

The fixtures follow the shapes of carriers.md section 7: the Tracker of
`trackers-create.json`, the error document `{"error": {"code", "message", "errors"}}`,
and the seven test-mode codes. Values the reference does not show, written to exercise a
path: the error codes TRACKER.TRACKING_CODE.INVALID (named in the issue),
TRACKER.CARRIER.INVALID, APIKEY.INACTIVE, RATE_LIMITED, PAYMENT.REQUIRED, NOT_FOUND and
INTERNAL_SERVER_ERROR (the adapter reads the HTTP status for all but the TRACKER ones); the
status "in_review" (a hypothetical future value, to test unmapped statuses); an error
document inside a 200 (not documented; handled defensively); the `carrier_code` values and
messages of the OnTrac and Canada Post scans.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from carriers import easypost
from smsbot.errors import (
    CarrierAuthError,
    CarrierRateLimited,
    CarrierResponseError,
    CarrierTimeout,
    CarrierUnavailable,
    ConfigError,
)
from smsbot.lookup.registry import load_registry
from smsbot.tracking import (
    AggregatorAdapter,
    CarrierConfig,
    CheckableAdapter,
    DelayReason,
    Problem,
    Status,
    TrackingResult,
)
from tests.carriers.fake_easypost import API_KEY, FakeEasyPost, basic, load

ONTRAC = "C11031500001879"
PDT = timezone(timedelta(hours=-7))
EDT = timezone(timedelta(hours=-4))
MDT = timezone(timedelta(hours=-6))

Handler = Callable[[httpx.Request], httpx.Response]


def parse(name: str) -> TrackingResult:
    payload = load(name)
    return easypost.parse_tracker(payload, payload.get("tracking_code", ONTRAC))


def tracker_with(status: str, detail: str = "", message: str = "") -> dict[str, Any]:
    """The OnTrac in-transit tracker with its newest scan and status replaced."""
    payload: dict[str, Any] = load("in_transit_ontrac")
    payload["status"], payload["status_detail"] = status, detail
    newest = payload["tracking_details"][-1]
    newest.update(status=status, status_detail=detail, message=message)
    return payload


def make_config(**values: Any) -> CarrierConfig:
    # A high rate keeps multi-request tests from waiting on the budget's spacing.
    base = {"api_key": API_KEY, "base_url": "https://easypost.test", "requests_per_second": 1000}
    return CarrierConfig("easypost", {**base, **values}, environ={})


def make_adapter(handler: Handler, **values: Any) -> easypost.EasyPostAdapter:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return easypost.create(make_config(**values), http)


def answer(name: str, status: int = 200, **headers: str) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=load(name), headers=headers)

    return handler


def posted(request: httpx.Request) -> Any:
    return json.loads(request.content)


# Parsing


@pytest.mark.parametrize(
    ("fixture", "status"),
    [
        ("pre_transit", Status.LABEL_CREATED),
        ("in_transit", Status.IN_TRANSIT),
        ("out_for_delivery", Status.OUT_FOR_DELIVERY),
        ("delivered", Status.DELIVERED),
        ("return_to_sender", Status.RETURNING),
        ("failure", Status.EXCEPTION),
        ("unknown", Status.PENDING),
    ],
)
def test_test_mode_codes_have_their_documented_status(fixture: str, status: Status) -> None:
    result = parse(fixture)
    assert result.status is status
    assert result.carrier == "easypost"
    assert result.service_carrier == "USPS"
    assert all(event.time.tzinfo is not None for event in result.events)


def test_pre_transit_is_the_documented_sample() -> None:
    result = parse("pre_transit")
    assert result.status_code == "pre_transit"  # status_update adds nothing
    assert result.status_text == "Pre-Shipment Info Sent to USPS"
    (event,) = result.events
    assert event.time == datetime(2025, 5, 5, 14, 2, 11, tzinfo=UTC)
    assert event.location is None  # every TrackingLocation field is null
    assert event.code == "pre_transit"  # no carrier_code: EasyPost's status stands in
    assert result.eta is not None and result.eta.earliest == date(2025, 5, 9)
    assert not result.eta.estimated


def test_in_transit_events_sorted_by_time_with_local_offsets() -> None:
    result = parse("in_transit")
    assert result.status_code == "in_transit/arrived_at_facility"
    assert result.status_text == "Arrived at USPS Regional Facility"  # the newest scan's words
    texts = [event.description for event in result.events]
    assert texts == [
        "Pre-Shipment Info Sent to USPS",
        "Accepted at USPS Origin Facility",
        "Departed USPS Regional Facility",
        "Arrived at USPS Regional Facility",
    ]  # given newest first in the fixture
    assert result.events[1].time == datetime(2025, 5, 6, 9, 12, tzinfo=PDT)
    assert result.events[1].location == "South San Francisco, CA"
    assert result.events[0].status is Status.LABEL_CREATED
    assert result.last_location == "Salt Lake City, UT"
    assert result.events[-1].time == datetime(2025, 5, 7, 16, 5, tzinfo=MDT)
    # est_delivery_date_local wins over est_delivery_date (the date as written, no zone shift)
    assert result.eta is not None and result.eta.earliest == date(2025, 5, 9)
    assert result.delay_reason is None and result.delivered_at is None


def test_out_for_delivery() -> None:
    result = parse("out_for_delivery")
    assert result.status is Status.OUT_FOR_DELIVERY
    assert result.eta is not None and result.eta.earliest == date(2025, 5, 8)
    assert result.last_event is not None and result.last_event.status is Status.OUT_FOR_DELIVERY


def test_delivered_with_signature_time_and_place() -> None:
    result = parse("delivered")
    assert result.status is Status.DELIVERED
    assert result.delivered_at == datetime(2025, 5, 8, 14, 14, tzinfo=EDT)
    assert result.delivery_location == "front door"
    assert result.proof_of_delivery  # signed_by "John Tester"
    assert result.eta is None and result.delay_reason is None
    assert result.pieces == 1  # one Tracker per tracking code


def test_delivered_without_signature_has_no_proof() -> None:
    result = parse("delivered_ontrac")
    assert result.status is Status.DELIVERED
    assert result.delivery_location == "back door"
    assert result.delivered_at == datetime(2025, 5, 8, 13, 5, tzinfo=PDT)
    assert not result.proof_of_delivery
    assert result.service_carrier == "OnTrac"


def test_return_to_sender() -> None:
    result = parse("return_to_sender")
    assert result.status is Status.RETURNING
    assert result.status_code == "return_to_sender/return"
    assert result.eta is None


def test_failure_names_the_address_problem_from_the_message() -> None:
    result = parse("failure")
    assert result.status is Status.EXCEPTION
    assert result.delay_reason is DelayReason.ADDRESS
    assert result.status_text == "Undeliverable as Addressed"


def test_available_for_pickup_abroad() -> None:
    result = parse("available_for_pickup")
    assert result.status is Status.AVAILABLE_FOR_PICKUP
    assert result.service_carrier == "CanadaPost"
    assert result.last_location == "Toronto, ON, CA"


def test_weather_delay_stays_in_transit_with_the_new_eta() -> None:
    result = parse("weather_delay")
    assert result.status is Status.IN_TRANSIT
    assert result.delay_reason is DelayReason.WEATHER
    assert result.eta is not None and result.eta.earliest == date(2025, 5, 11)
    assert result.last_location == "Phoenix, AZ"


def test_a_weather_failure_is_a_late_parcel() -> None:
    # EasyPost re-updates such trackers to in_transit once the parcel moves again.
    result = parse("failure_weather")
    assert result.status is Status.IN_TRANSIT
    assert result.delay_reason is DelayReason.WEATHER
    assert result.status_code == "failure/weather_delay"


def test_address_corrected_in_transit_is_no_problem() -> None:
    result = parse("address_correction")
    assert result.status is Status.IN_TRANSIT
    assert result.delay_reason is None


def test_delivery_attempted() -> None:
    result = parse("delivery_attempted")
    assert result.status is Status.DELIVERY_ATTEMPTED
    assert result.delay_reason is DelayReason.RECIPIENT_UNAVAILABLE


def test_lost_in_transit_is_a_problem() -> None:
    result = parse("lost")
    assert result.status is Status.EXCEPTION
    assert result.delay_reason is DelayReason.LOST


def test_cancelled_says_so_in_plain_english() -> None:
    result = parse("cancelled")
    assert result.status is Status.EXCEPTION
    assert result.delay_reason is DelayReason.OTHER
    assert result.status_text == "Shipment cancelled"
    assert result.events == () and result.eta is None


def test_error_status_without_scans_is_no_news() -> None:
    result = parse("error")
    assert result.status is Status.PENDING
    assert result.problem is None
    assert result.status_code == "error"
    assert result.status_text == "Tracking is not available from the carrier right now"


@pytest.mark.parametrize("status", ["error", "unknown"])
def test_silent_status_with_scans_keeps_the_last_known_one(status: str) -> None:
    payload = load("weather_delay")
    payload["status"], payload["status_detail"] = status, "unknown"
    result = easypost.parse_tracker(payload, ONTRAC)
    assert result.status is Status.IN_TRANSIT
    assert result.delay_reason is DelayReason.WEATHER
    assert result.status_code == status
    assert result.problem is None


def test_unknown_without_scans_is_not_found() -> None:
    result = parse("unknown")
    assert result.problem is Problem.NOT_FOUND
    assert result.events == ()


def test_unmapped_status_keeps_the_carriers_words() -> None:
    result = parse("unknown_status")
    assert result.status is Status.UNKNOWN
    assert result.status_code == "in_review"
    assert result.status_text == "Shipment under carrier review"


@pytest.mark.parametrize(
    ("status", "detail", "message", "expected", "reason"),
    [
        ("canceled", "", "", Status.EXCEPTION, DelayReason.OTHER),
        ("in_transit", "arrived_at_pickup_location", "", Status.AVAILABLE_FOR_PICKUP, None),
        ("in_transit", "held", "Held in customs", Status.EXCEPTION, DelayReason.CUSTOMS),
        ("in_transit", "refused", "", Status.EXCEPTION, DelayReason.REFUSED),
        ("in_transit", "damaged", "", Status.EXCEPTION, DelayReason.DAMAGED),
        ("in_transit", "delayed", "", Status.IN_TRANSIT, DelayReason.CARRIER_DELAY),
        ("in_transit", "transit_exception", "Holiday", Status.IN_TRANSIT, DelayReason.HOLIDAY),
        ("in_transit", "in_transit", "Customs clearance completed", Status.IN_TRANSIT, None),
        ("in_transit", "departed_facility", "Departed Lostock depot", Status.IN_TRANSIT, None),
        ("failure", "missorted", "", Status.IN_TRANSIT, DelayReason.CARRIER_DELAY),
        ("failure", "delivery_exception", "Notice left", Status.DELIVERY_ATTEMPTED, None),
        ("failure", "delivery_exception", "Awaiting payment of duties", Status.EXCEPTION,
         DelayReason.HELD_FOR_PAYMENT),
        ("failure", "address_correction", "", Status.EXCEPTION, DelayReason.ADDRESS),
        ("return_to_sender", "refused", "", Status.RETURNING, DelayReason.REFUSED),
        ("delivered", "weather_delay", "", Status.DELIVERED, None),
        ("pre_transit", "awaiting_information", "", Status.LABEL_CREATED, None),
        ("out_for_delivery", "out_for_delivery", "", Status.OUT_FOR_DELIVERY, None),
    ],
)  # fmt: skip
def test_status_detail_refines_the_status(
    status: str, detail: str, message: str, expected: Status, reason: DelayReason | None
) -> None:
    result = easypost.parse_tracker(tracker_with(status, detail, message), ONTRAC)
    assert (result.status, result.delay_reason) == (expected, reason)


def test_every_documented_status_is_mapped() -> None:
    documented = (
        "unknown pre_transit in_transit out_for_delivery delivered available_for_pickup"
        " return_to_sender failure cancelled error"
    )
    assert all(status in easypost.STATUS_CODES for status in documented.split())


def test_missing_optional_fields() -> None:
    result = parse("missing_fields")
    assert result.status is Status.IN_TRANSIT
    assert (result.events, result.eta, result.service_carrier) == ((), None, None)
    assert result.status_text == "" and not result.proof_of_delivery


def test_odd_timestamps() -> None:
    result = parse("odd_timestamps")
    # Empty, null and garbled times are skipped; the rest are sorted by time.
    assert [event.time for event in result.events] == [
        datetime(2025, 5, 5, 18, 20, tzinfo=UTC),
        datetime(2025, 5, 6, 17, 55, tzinfo=UTC),  # no offset: EasyPost's default zone is UTC
        datetime(2025, 5, 7, 23, 45, 0, 123456, tzinfo=PDT),  # nanoseconds cut to micro
    ]
    assert result.events[1].location == "US"
    assert result.eta is not None and result.eta.earliest == date(2025, 5, 9)  # a bare date


@pytest.mark.parametrize("fixture", ["error_test_mode", "error_invalid_number", "error_in_200"])
def test_error_documents_about_the_number_are_results(fixture: str) -> None:
    result = easypost.parse_tracker(load(fixture), ONTRAC)
    assert result.problem is Problem.INVALID_NUMBER
    assert result.status is Status.PENDING
    assert result.status_text == load(fixture)["error"]["message"]


def test_field_error_on_the_tracking_code_is_an_invalid_number() -> None:
    field = {"field": "tracking_code", "message": "is invalid"}
    payload = {"error": {"code": "PARAMETER.INVALID", "message": "Bad code", "errors": [field]}}
    assert easypost.parse_tracker(payload, ONTRAC).problem is Problem.INVALID_NUMBER


def test_tracker_not_found_error_is_a_result() -> None:
    payload = {"error": {"code": "TRACKER.NOT_FOUND", "message": "No tracker", "errors": []}}
    assert easypost.parse_tracker(payload, ONTRAC).problem is Problem.NOT_FOUND


@pytest.mark.parametrize("fixture", ["error_carrier", "error_not_found", "error_server"])
def test_errors_not_about_the_parcel_raise(fixture: str) -> None:
    code = load(fixture)["error"]["code"]
    with pytest.raises(CarrierResponseError, match=code):
        easypost.parse_tracker(load(fixture), ONTRAC)


@pytest.mark.parametrize(
    "payload",
    [
        [],
        "Tracker",
        {"error": {}},
        {"status": 5},
        {"trackers": []},
        {"status": "in_transit", "tracking_details": {"message": "x"}},
    ],
)
def test_schema_drift_raises(payload: object) -> None:
    with pytest.raises(CarrierResponseError):
        easypost.parse_tracker(payload, ONTRAC)


def test_result_is_keyed_by_the_number_as_asked() -> None:
    result = easypost.parse_tracker(load("in_transit_ontrac"), "C1103 1500 0018 79")
    assert result.number == "C1103 1500 0018 79"


# Fetching


def test_create_does_no_io_and_makes_an_aggregator() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("create() must not call EasyPost")

    adapter = make_adapter(handler)
    assert isinstance(adapter, AggregatorAdapter)
    assert isinstance(adapter, CheckableAdapter)
    assert (adapter.name, adapter.display_name) == ("easypost", "EasyPost")


async def test_create_request_shape() -> None:
    fake = FakeEasyPost()
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return fake.handler(request)

    results = await make_adapter(handler).track_for("ontrac", [ONTRAC])
    result = results[ONTRAC]
    assert (result.status, result.carrier, result.service_carrier) == (
        Status.IN_TRANSIT,
        "easypost",
        "OnTrac",
    )
    (request,) = seen
    assert (request.method, request.url.host, request.url.path) == (
        "POST",
        "easypost.test",
        "/v2/trackers",
    )
    assert posted(request) == {"tracker": {"tracking_code": ONTRAC, "carrier": "OnTrac"}}
    assert request.headers["Authorization"] == basic(API_KEY)
    assert request.headers["Accept"] == "application/json"
    assert request.headers["Content-Type"] == "application/json"


async def test_later_asks_read_the_tracker_instead_of_creating() -> None:
    fake = FakeEasyPost()
    adapter = make_adapter(fake.handler)
    for _ in range(3):
        results = await adapter.track_for("ontrac", [ONTRAC])
        assert results[ONTRAC].status is Status.IN_TRANSIT
    (tracker_id,) = fake.trackers
    assert fake.calls == [
        ("POST", "/v2/trackers"),
        ("GET", f"/v2/trackers/{tracker_id}"),
        ("GET", f"/v2/trackers/{tracker_id}"),
    ]


async def test_a_deleted_tracker_is_created_again() -> None:
    fake = FakeEasyPost()
    adapter = make_adapter(fake.handler)
    await adapter.track_for("ontrac", [ONTRAC])
    (tracker_id,) = fake.trackers
    fake.delete(tracker_id)
    results = await adapter.track_for("ontrac", [ONTRAC])
    assert results[ONTRAC].status is Status.IN_TRANSIT
    assert [method for method, _path in fake.calls] == ["POST", "GET", "POST"]
    await adapter.track_for("ontrac", [ONTRAC])
    assert fake.counts() == {"create": 2, "read": 2}


async def test_concurrent_asks_about_one_code_create_one_tracker() -> None:
    fake = FakeEasyPost()
    adapter = make_adapter(fake.handler)
    first, second = await asyncio.gather(
        adapter.track_for("ontrac", [ONTRAC]), adapter.track_for("ontrac", [ONTRAC])
    )
    assert first[ONTRAC] == second[ONTRAC]
    assert fake.counts() == {"create": 1, "read": 1}


async def test_a_restart_posts_again_and_easypost_dedupes() -> None:
    fake = FakeEasyPost()
    await make_adapter(fake.handler).track_for("ontrac", [ONTRAC])
    await make_adapter(fake.handler).track_for("ontrac", [ONTRAC])
    assert fake.counts() == {"create": 2, "read": 0}
    assert len(fake.trackers) == 1


async def test_remembered_trackers_are_bounded() -> None:
    fake = FakeEasyPost()
    http = httpx.AsyncClient(transport=httpx.MockTransport(fake.handler))
    config = make_config()
    adapter = easypost.EasyPostAdapter(
        http,
        name="easypost",
        api_key=API_KEY,
        base_url="https://easypost.test",
        codes={},
        budget=config.budget(max_concurrency=1, requests_per_second=1000),
        remember=2,
    )
    for code in ("EZ1000000001", "EZ2000000002", "EZ3000000003", "EZ1000000001"):
        await adapter.track_for("usps", [code])
    # The oldest id was dropped: the fourth ask creates (EasyPost returns the same tracker).
    assert [method for method, _path in fake.calls] == ["POST", "POST", "POST", "POST"]
    await adapter.track_for("usps", ["EZ3000000003"])
    assert fake.calls[-1][0] == "GET"


async def test_track_without_a_carrier_lets_easypost_detect_it() -> None:
    fake = FakeEasyPost()
    results = await make_adapter(fake.handler).track(["EZ4000000004"])
    assert fake.posted == [{"tracking_code": "EZ4000000004"}]
    assert results["EZ4000000004"].status is Status.DELIVERED
    assert results["EZ4000000004"].service_carrier == "USPS"  # as EasyPost detected it


async def test_one_result_per_distinct_number_keyed_as_asked() -> None:
    fake = FakeEasyPost()
    numbers = ["EZ1000000001", "EZ6000000006", "EZ1000000001", "EZ 7000 000 007"]
    results = await make_adapter(fake.handler).track_for("usps", numbers)
    assert list(results) == ["EZ1000000001", "EZ6000000006", "EZ 7000 000 007"]
    assert results["EZ6000000006"].status is Status.EXCEPTION
    assert results["EZ 7000 000 007"].problem is Problem.NOT_FOUND
    assert sorted(p["tracking_code"] for p in fake.posted) == [
        "EZ1000000001",
        "EZ6000000006",
        "EZ7000000007",  # spaces removed before asking
    ]


@pytest.mark.parametrize(
    ("carrier", "code"),
    [
        ("ontrac", "OnTrac"),
        ("canada_post", "CanadaPost"),
        ("royal_mail", "RoyalMail"),
        ("dhl", "DHLExpress"),
        ("usps", "USPS"),
        ("veho", "veho"),  # unknown names are passed as given
    ],
)
async def test_track_for_sends_easyposts_carrier_code(carrier: str, code: str) -> None:
    fake = FakeEasyPost()
    results = await make_adapter(fake.handler).track_for(carrier, [ONTRAC])
    assert fake.posted == [{"tracking_code": ONTRAC, "carrier": code}]
    assert results[ONTRAC].service_carrier == code  # the fake echoes the carrier asked


async def test_codes_table_overrides_and_adds() -> None:
    fake = FakeEasyPost()
    adapter = make_adapter(fake.handler, codes={"ontrac": "OnTracV2", "veho": "Veho"})
    await adapter.track_for("ontrac", [ONTRAC])
    await adapter.track_for("veho", ["V123456"])
    await adapter.track_for("canada_post", ["7023210039414604"])
    assert [p["carrier"] for p in fake.posted] == ["OnTracV2", "Veho", "CanadaPost"]
    assert adapter.code_for("purolator") == "Purolator"


@pytest.mark.parametrize("codes", ["OnTrac", {"ontrac": 7}, {"ontrac": " "}])
def test_bad_codes_table_names_the_key(codes: object) -> None:
    with pytest.raises(ConfigError, match=r"carriers\.easypost\.codes"):
        make_adapter(answer("pre_transit"), codes=codes)


async def test_routed_through_the_registry() -> None:
    fake = FakeEasyPost()
    async with httpx.AsyncClient(transport=httpx.MockTransport(fake.handler)) as http:
        table = {"api_key": API_KEY, "base_url": "https://easypost.test"}
        registry = load_registry({"easypost": table}, http, installed=[], default_route="easypost")
        results = await registry.track("ontrac", [ONTRAC])
    assert results[ONTRAC].carrier == "ontrac"
    assert results[ONTRAC].service_carrier == "OnTrac"
    assert fake.posted == [{"tracking_code": ONTRAC, "carrier": "OnTrac"}]


@pytest.mark.parametrize("status", [400, 422])
async def test_rejected_number_is_a_result_and_is_asked_again(status: int) -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(status, json=load("error_test_mode"))

    adapter = make_adapter(handler)
    result = (await adapter.track_for("ontrac", [ONTRAC]))[ONTRAC]
    assert result.problem is Problem.INVALID_NUMBER
    assert result.service_carrier == "OnTrac"
    assert "only test tracking numbers" in result.status_text
    await adapter.track_for("ontrac", [ONTRAC])
    assert calls == 2  # no tracker id to remember


async def test_error_inside_a_200() -> None:
    result = (await make_adapter(answer("error_in_200")).track_for("ups", [ONTRAC]))[ONTRAC]
    assert result.problem is Problem.INVALID_NUMBER


async def test_unknown_carrier_code_is_an_error_naming_it() -> None:
    with pytest.raises(CarrierResponseError, match=r"TRACKER\.CARRIER\.INVALID"):
        await make_adapter(answer("error_carrier", 422)).track_for("ontrac", [ONTRAC])


async def test_404_on_create_is_an_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, text="<html>Not Found</html>")

    with pytest.raises(CarrierResponseError, match="404"):
        await make_adapter(handler).track([ONTRAC])


@pytest.mark.parametrize("status", [401, 403])
async def test_refused_key_is_an_auth_error_without_the_key(status: int) -> None:
    with pytest.raises(CarrierAuthError) as caught:
        await make_adapter(answer("error_unauthorized", status)).track([ONTRAC])
    assert API_KEY not in str(caught.value)


async def test_fake_refuses_a_wrong_key() -> None:
    fake = FakeEasyPost()
    with pytest.raises(CarrierAuthError):
        await make_adapter(fake.handler, api_key="EZTKwrong").track([ONTRAC])
    assert fake.trackers == {}


async def test_payment_required_is_an_auth_error() -> None:
    with pytest.raises(CarrierAuthError, match="402"):
        await make_adapter(answer("error_payment", 402)).track([ONTRAC])


async def test_429_pauses_the_budget() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(429, json=load("error_rate_limited"), headers={"Retry-After": "30"})

    adapter = make_adapter(handler)
    with pytest.raises(CarrierRateLimited) as caught:
        await adapter.track([ONTRAC])
    assert caught.value.retry_after == 30
    with pytest.raises(CarrierRateLimited):
        await adapter.track_for("ontrac", ["another"])
    assert calls == 1


async def test_429_in_a_batch_stops_the_remaining_numbers() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(429, json=load("error_rate_limited"))

    with pytest.raises(CarrierRateLimited):
        await make_adapter(handler, max_concurrency=1).track(["A1", "A2", "A3"])
    assert calls == 1


async def test_no_calls_left_pauses_before_the_next_429() -> None:
    fake = FakeEasyPost()
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        response = fake.handler(request)
        response.headers.update({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "20"})
        return response

    adapter = make_adapter(handler)
    assert (await adapter.track([ONTRAC]))[ONTRAC].status is Status.IN_TRANSIT
    with pytest.raises(CarrierRateLimited) as caught:
        await adapter.track(["EZ1000000001"])
    assert caught.value.retry_after is not None and 0 < caught.value.retry_after <= 20
    assert calls == 1


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors(status: int) -> None:
    with pytest.raises(CarrierUnavailable):
        await make_adapter(answer("error_server", status)).track([ONTRAC])


async def test_timeout() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(CarrierTimeout):
        await make_adapter(handler).track([ONTRAC])


async def test_malformed_json() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text='{"id": "trk_1", "status": ')

    with pytest.raises(CarrierResponseError):
        await make_adapter(handler).track([ONTRAC])


async def test_blank_number_costs_no_call() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("a blank number must not be sent")

    results = await make_adapter(handler).track_for("ontrac", ["  "])
    assert results["  "].problem is Problem.INVALID_NUMBER


async def test_unmapped_status_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    adapter = make_adapter(answer("unknown_status"))
    with caplog.at_level(logging.WARNING, logger="smsbot.carriers.easypost"):
        await adapter.track([ONTRAC])
        await adapter.track([ONTRAC])
    assert len([r for r in caplog.records if "in_review" in r.getMessage()]) == 1


# check()


async def test_check_lists_one_tracker_and_creates_nothing() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=load("list"))

    assert await make_adapter(handler).check() == "credentials accepted (test mode)"
    (request,) = seen
    assert (request.method, request.url.path) == ("GET", "/v2/trackers")
    assert request.url.params["page_size"] == "1"


async def test_check_on_an_account_without_trackers() -> None:
    fake = FakeEasyPost()
    assert await make_adapter(fake.handler).check() == "credentials accepted"


async def test_check_reports_a_refused_key() -> None:
    with pytest.raises(CarrierAuthError):
        await make_adapter(answer("error_unauthorized", 401)).check()


# Configuration


def test_missing_api_key_names_the_key_and_variable() -> None:
    http = httpx.AsyncClient(transport=httpx.MockTransport(answer("pre_transit")))
    with pytest.raises(ConfigError, match=r"carriers\.easypost\.api_key.*SMSBOT_EASYPOST_API_KEY"):
        easypost.create(CarrierConfig("easypost", {}, environ={}), http)


async def test_api_key_from_the_environment() -> None:
    fake = FakeEasyPost()
    http = httpx.AsyncClient(transport=httpx.MockTransport(fake.handler))
    config = CarrierConfig(
        "easypost",
        {"base_url": "https://easypost.test"},
        environ={"SMSBOT_EASYPOST_API_KEY": API_KEY},
    )
    results = await easypost.create(config, http).track([ONTRAC])
    assert results[ONTRAC].status is Status.IN_TRANSIT


async def test_default_base_url_and_override() -> None:
    urls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        urls.append(f"{request.url.scheme}://{request.url.host}{request.url.path}")
        return httpx.Response(200, json=load("in_transit_ontrac"))

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    await easypost.create(CarrierConfig("easypost", {"api_key": "k"}, environ={}), http).track(
        [ONTRAC]
    )
    await make_adapter(handler, base_url="http://127.0.0.1:8080/").track([ONTRAC])
    assert urls == ["https://api.easypost.com/v2/trackers", "http://127.0.0.1/v2/trackers"]


def test_bad_base_url_names_the_key() -> None:
    with pytest.raises(ConfigError, match=r"carriers\.easypost\.base_url"):
        make_adapter(answer("pre_transit"), base_url="api.easypost.com")


def test_budget_defaults_and_overrides() -> None:
    http = httpx.AsyncClient(transport=httpx.MockTransport(answer("pre_transit")))
    adapter = easypost.create(CarrierConfig("easypost", {"api_key": "k"}, environ={}), http)
    assert (adapter.budget.max_concurrency, adapter.budget.requests_per_second) == (4, 5)
    tuned = make_adapter(answer("pre_transit"), max_concurrency=2, requests_per_second=0.5)
    assert (tuned.budget.max_concurrency, tuned.budget.requests_per_second) == (2, 0.5)


def test_a_second_account_under_another_name() -> None:
    http = httpx.AsyncClient(transport=httpx.MockTransport(answer("pre_transit")))
    adapter = easypost.create(CarrierConfig("easypost_eu", {"api_key": "k"}, environ={}), http)
    assert adapter.name == "easypost_eu" and adapter.budget.carrier == "easypost_eu"
