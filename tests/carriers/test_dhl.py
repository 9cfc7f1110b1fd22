"""The DHL adapter: parsing recorded payloads, and the HTTP conversation on a mock transport."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from carriers import dhl
from smsbot.errors import (
    CarrierAuthError,
    CarrierRateLimited,
    CarrierResponseError,
    CarrierTimeout,
    CarrierUnavailable,
    ConfigError,
)
from smsbot.tracking import (
    CARRIER_LOCAL,
    CarrierAdapter,
    CarrierConfig,
    DelayReason,
    Problem,
    Status,
    TrackingResult,
)

FIXTURES = Path(__file__).parent / "fixtures" / "dhl"
NUMBER = "1234567890"
API_KEY = "k3y-s3cret"
CET = timezone(timedelta(hours=1))

Handler = Callable[[httpx.Request], httpx.Response]


def load(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def parse(name: str) -> TrackingResult:
    return dhl.parse_track_response(load(name), NUMBER)


def make_config(**values: Any) -> CarrierConfig:
    # A high rate keeps multi-request tests from waiting on the real 1-per-second spacing.
    base = {"api_key": API_KEY, "base_url": "https://carrier.test", "requests_per_second": 1000}
    return CarrierConfig("dhl", {**base, **values}, environ={})


def make_adapter(handler: Handler, **values: Any) -> dhl.DhlAdapter:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return dhl.create(make_config(**values), http)


def answer(name: str, status: int = 200, **headers: str) -> Handler:
    body = (FIXTURES / f"{name}.json").read_bytes()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers=headers)

    return handler


def shipment_with(status_code: str, description: str) -> dict[str, Any]:
    status = {"timestamp": "2024-11-20T10:00:00Z", "statusCode": status_code}
    return {"shipments": [{"id": NUMBER, "status": {**status, "description": description}}]}


# Parsing


def test_label_created() -> None:
    result = parse("label_created")
    assert result.status is Status.LABEL_CREATED
    assert result.status_code == "pre-transit"
    assert result.delay_reason is None
    assert len(result.events) == 1


def test_in_transit_with_eta_window_and_events_sorted_by_time() -> None:
    result = parse("in_transit_eta")
    assert result.status is Status.IN_TRANSIT
    assert result.status_text == "Arrived at DHL Sort Facility LEIPZIG - GERMANY"
    assert result.eta is not None
    assert result.eta.earliest == date(2024, 11, 21)
    assert result.eta.latest is None
    assert result.eta.window_start == datetime(2024, 11, 21, 9, tzinfo=CET)
    assert result.eta.window_end == datetime(2024, 11, 21, 12, tzinfo=CET)
    assert not result.eta.estimated
    assert result.delivered_at is None
    assert result.delay_reason is None

    codes = [event.code for event in result.events]
    assert codes == ["pre-transit", "transit", "transit"]  # oldest first, not as given
    info, pickup, arrival = result.events
    assert info.time == datetime(2024, 11, 18, 8, 5, tzinfo=CARRIER_LOCAL)  # no offset given
    assert info.status is Status.LABEL_CREATED
    assert pickup.time == datetime(2024, 11, 18, 18, 30, tzinfo=UTC)
    assert arrival.time == datetime(2024, 11, 19, 22, 40, 10, 331986, tzinfo=CET)  # nanoseconds
    assert arrival.location == "Leipzig, DE"
    assert result.last_location == "Leipzig, DE"


def test_out_for_delivery_is_read_from_the_text() -> None:
    result = parse("out_for_delivery")
    assert result.status is Status.OUT_FOR_DELIVERY
    assert result.status_code == "transit"
    assert result.eta is not None
    assert result.eta.earliest == date(2024, 11, 21)
    assert result.eta.window_start is None
    assert result.events[0].status is Status.OUT_FOR_DELIVERY


def test_delivered_with_time_place_pod_and_pieces() -> None:
    result = parse("delivered")
    assert result.status is Status.DELIVERED
    assert result.delivered_at == datetime(2024, 11, 21, 14, 14, tzinfo=CET)
    assert result.delivery_location == "front door"
    assert result.proof_of_delivery
    assert result.pieces == 2
    assert result.eta is None
    assert result.delay_reason is None
    assert result.last_event is not None
    assert result.last_event.status is Status.DELIVERED


def test_delivery_attempted_names_the_reason() -> None:
    result = parse("delivery_attempted")
    assert result.status is Status.DELIVERY_ATTEMPTED  # nextSteps' "returned to sender" ignored
    assert result.status_code == "failure"
    assert result.delay_reason is DelayReason.RECIPIENT_UNAVAILABLE


def test_available_for_pickup() -> None:
    result = parse("available_for_pickup")
    assert result.status is Status.AVAILABLE_FOR_PICKUP
    assert result.events == ()
    assert result.delivery_location is None


def test_weather_delay_stays_in_transit_with_a_multi_day_eta() -> None:
    result = parse("exception_weather")
    assert result.status is Status.IN_TRANSIT
    assert result.delay_reason is DelayReason.WEATHER
    assert result.eta is not None
    assert (result.eta.earliest, result.eta.latest) == (date(2024, 11, 22), date(2024, 11, 23))


@pytest.mark.parametrize(
    ("fixture", "reason"),
    [("exception_customs", DelayReason.CUSTOMS), ("exception_address", DelayReason.ADDRESS)],
)
def test_exceptions(fixture: str, reason: DelayReason) -> None:
    result = parse(fixture)
    assert result.status is Status.EXCEPTION
    assert result.delay_reason is reason


@pytest.mark.parametrize(
    ("code", "text", "status", "reason"),
    [
        ("failure", "Shipment refused by recipient", Status.EXCEPTION, DelayReason.REFUSED),
        ("transit", "Shipment damaged", Status.EXCEPTION, DelayReason.DAMAGED),
        ("failure", "Shipment reported lost", Status.EXCEPTION, DelayReason.LOST),
        ("transit", "Awaiting payment of duties", Status.EXCEPTION, DelayReason.HELD_FOR_PAYMENT),
        ("transit", "Delayed by a public holiday", Status.IN_TRANSIT, DelayReason.HOLIDAY),
        ("transit", "Held for a security check", Status.IN_TRANSIT, DelayReason.SECURITY),
        ("transit", "Missed connection", Status.IN_TRANSIT, DelayReason.CARRIER_DELAY),
        ("failure", "Shipment is on hold", Status.EXCEPTION, DelayReason.OTHER),
        ("failure", "Please contact DHL", Status.EXCEPTION, DelayReason.OTHER),
        ("transit", "Customs clearance status updated", Status.IN_TRANSIT, None),
        ("transit", "Arrived at Lostock depot", Status.IN_TRANSIT, None),  # whole words only
        ("pre-transit", "Ready for pickup by courier", Status.LABEL_CREATED, None),
        ("delivered", "Returned to shipper", Status.RETURNING, None),
        ("unknown", "Out for delivery", Status.OUT_FOR_DELIVERY, None),
    ],
)
def test_text_refines_the_status_code(
    code: str, text: str, status: Status, reason: DelayReason | None
) -> None:
    result = dhl.parse_track_response(shipment_with(code, text), NUMBER)
    assert (result.status, result.delay_reason) == (status, reason)
    assert result.status_code == code


def test_returning_to_sender() -> None:
    result = parse("returning")
    assert result.status is Status.RETURNING


def test_return_flag_alone_means_returning() -> None:
    payload = shipment_with("transit", "Processed at LEIPZIG - GERMANY")
    payload["shipments"][0]["returnFlag"] = True
    assert dhl.parse_track_response(payload, NUMBER).status is Status.RETURNING


def test_unknown_status_code_keeps_dhl_words() -> None:
    result = parse("unknown_code")
    assert result.status is Status.UNKNOWN
    assert result.status_code == "parked"
    assert result.status_text == "Shipment parked at terminal"


def test_several_shipments_use_the_first() -> None:
    result = parse("multiple_shipments")
    assert result.status is Status.DELIVERED
    assert result.delivered_at == datetime(2024, 11, 21, 14, 14, tzinfo=CET)


def test_missing_optional_fields() -> None:
    result = parse("minimal")
    assert result.status is Status.IN_TRANSIT
    assert result.status_text == ""
    assert result.events == ()
    assert result.eta is None
    assert result.pieces == 1
    assert not result.proof_of_delivery
    assert result.last_location is None


def test_delivered_time_without_offset_is_carrier_local() -> None:
    payload = shipment_with("delivered", "Delivered to the neighbour")
    payload["shipments"][0]["status"]["timestamp"] = "2024-11-21T14:14:00"
    result = dhl.parse_track_response(payload, NUMBER)
    assert result.delivered_at == datetime(2024, 11, 21, 14, 14, tzinfo=CARRIER_LOCAL)
    assert result.delivery_location == "neighbour"


def test_events_without_a_usable_time_are_skipped() -> None:
    payload = shipment_with("transit", "In transit")
    payload["shipments"][0]["events"] = [
        {"statusCode": "transit", "description": "no time"},
        {"timestamp": "yesterday", "statusCode": "transit"},
        {"timestamp": "2024-11-20T10:00:00Z", "statusCode": "transit", "description": "ok"},
    ]
    result = dhl.parse_track_response(payload, NUMBER)
    assert [event.description for event in result.events] == ["ok"]


@pytest.mark.parametrize("fixture", ["error_inside_200", "empty_shipments"])
def test_not_found_inside_a_200(fixture: str) -> None:
    result = parse(fixture)
    assert result.problem is Problem.NOT_FOUND
    assert result.status is Status.PENDING
    assert result.number == NUMBER


@pytest.mark.parametrize(
    "payload",
    [
        load("drifted"),
        [],
        {"shipments": {"id": NUMBER}},
        {"shipments": ["1234567890"]},
        {"shipments": [{"id": NUMBER, "status": "transit"}]},
        {"shipments": [{"id": NUMBER, "status": {"statusCode": "transit"}, "events": {}}]},
        {"status": 500, "title": "Internal Server Error"},
    ],
)
def test_schema_drift_raises(payload: object) -> None:
    with pytest.raises(CarrierResponseError):
        dhl.parse_track_response(payload, NUMBER)


# Fetching


def test_create_returns_an_adapter_without_io() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("create() must not call the carrier")

    adapter = make_adapter(handler)
    assert isinstance(adapter, CarrierAdapter)
    assert (adapter.name, adapter.display_name) == ("dhl", "DHL")


async def test_request_path_query_and_headers() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=load("in_transit_eta"))

    results = await make_adapter(handler).track([NUMBER])
    assert results[NUMBER].status is Status.IN_TRANSIT
    (request,) = seen
    assert request.method == "GET"
    assert request.url.host == "carrier.test"
    assert request.url.path == "/track/shipments"
    assert dict(request.url.params) == {"trackingNumber": NUMBER, "language": "en"}
    assert request.headers["DHL-API-Key"] == API_KEY
    assert request.headers["Accept"] == "application/json"
    assert "authorization" not in request.headers


async def test_default_base_url_and_override() -> None:
    hosts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hosts.append(f"{request.url.scheme}://{request.url.host}{request.url.path}")
        return httpx.Response(200, json=load("label_created"))

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    default = CarrierConfig("dhl", {"api_key": API_KEY}, environ={})
    await dhl.create(default, http).track([NUMBER])
    await make_adapter(handler, base_url="http://localhost:8080/").track([NUMBER])
    assert hosts == [
        "https://api-eu.dhl.com/track/shipments",
        "http://localhost/track/shipments",
    ]


async def test_service_hint_is_sent() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=load("label_created"))

    await make_adapter(handler, service="parcel-de").track([NUMBER])
    assert seen[0].url.params["service"] == "parcel-de"


def test_unknown_service_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"carriers\.dhl\.service"):
        make_adapter(answer("label_created"), service="pony-express")


async def test_one_request_per_distinct_number() -> None:
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        number = request.url.params["trackingNumber"]
        asked.append(number)
        if number == "000":
            return httpx.Response(404, json=load("not_found"))
        return httpx.Response(200, json=load("delivered"))

    results = await make_adapter(handler).track([NUMBER, "000", NUMBER])
    assert sorted(asked) == ["000", NUMBER]
    assert list(results) == [NUMBER, "000"]
    assert results[NUMBER].status is Status.DELIVERED
    assert results["000"].problem is Problem.NOT_FOUND


async def test_not_found_404() -> None:
    results = await make_adapter(answer("not_found", 404)).track([NUMBER])
    result = results[NUMBER]
    assert result.problem is Problem.NOT_FOUND
    assert result.status_text == "No shipment with given tracking number found."


async def test_404_without_a_problem_document_is_an_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, text="<html>Not Found</html>")

    with pytest.raises(CarrierResponseError, match="404"):
        await make_adapter(handler).track([NUMBER])


@pytest.mark.parametrize("status", [401, 403])
async def test_refused_key_raises_auth_error_without_the_key(status: int) -> None:
    with pytest.raises(CarrierAuthError) as caught:
        await make_adapter(answer("unauthorized", status)).track([NUMBER])
    assert API_KEY not in str(caught.value)


async def test_429_pauses_the_budget() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        body = (FIXTURES / "rate_limited.json").read_bytes()
        headers = {"Retry-After": "30", "Content-Type": "application/problem+json"}
        return httpx.Response(429, content=body, headers=headers)

    adapter = make_adapter(handler)
    with pytest.raises(CarrierRateLimited) as caught:
        await adapter.track([NUMBER])
    assert caught.value.retry_after == 30
    with pytest.raises(CarrierRateLimited):
        await adapter.track(["another"])
    assert calls == 1


async def test_429_in_a_batch_stops_the_remaining_numbers() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(429, json=load("rate_limited"))

    with pytest.raises(CarrierRateLimited):
        await make_adapter(handler, max_concurrency=1).track(["1", "2", "3"])
    assert calls == 1


@pytest.mark.parametrize("status", [500, 503])
async def test_server_errors(status: int) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, text="unavailable")

    with pytest.raises(CarrierUnavailable):
        await make_adapter(handler).track([NUMBER])


async def test_malformed_json() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text='{"shipments": [')

    with pytest.raises(CarrierResponseError):
        await make_adapter(handler).track([NUMBER])


async def test_schema_drifted_200() -> None:
    with pytest.raises(CarrierResponseError):
        await make_adapter(answer("drifted")).track([NUMBER])


async def test_timeout() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(CarrierTimeout):
        await make_adapter(handler).track([NUMBER])


async def test_unknown_code_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    adapter = make_adapter(answer("unknown_code"))
    with caplog.at_level(logging.WARNING, logger="smsbot.carriers.dhl"):
        await adapter.track([NUMBER])
        await adapter.track([NUMBER])
    warnings = [record for record in caplog.records if "parked" in record.getMessage()]
    assert len(warnings) == 1


# Configuration


def test_missing_api_key_names_the_key() -> None:
    http = httpx.AsyncClient(transport=httpx.MockTransport(answer("label_created")))
    with pytest.raises(ConfigError, match=r"carriers\.dhl\.api_key.*SMSBOT_DHL_API_KEY"):
        dhl.create(CarrierConfig("dhl", {}, environ={}), http)


async def test_api_key_from_the_environment() -> None:
    keys: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        keys.append(request.headers["DHL-API-Key"])
        return httpx.Response(200, json=load("label_created"))

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    config = CarrierConfig("dhl", {}, environ={"SMSBOT_DHL_API_KEY": "from-env"})
    await dhl.create(config, http).track([NUMBER])
    assert keys == ["from-env"]


def test_default_budget_is_one_call_a_second() -> None:
    http = httpx.AsyncClient(transport=httpx.MockTransport(answer("label_created")))
    adapter = dhl.create(CarrierConfig("dhl", {"api_key": API_KEY}, environ={}), http)
    assert (adapter.budget.max_concurrency, adapter.budget.requests_per_second) == (1, 1)
    tuned = make_adapter(answer("label_created"), max_concurrency=2, requests_per_second=4)
    assert (tuned.budget.max_concurrency, tuned.budget.requests_per_second) == (2, 4)


def test_place_names_read_as_people_write_them() -> None:
    """Item 6: "NEW YORK GATEWAY - USA, US" reads "New York Gateway, US"."""
    result = parse("gateway_caps_us")
    assert result.last_location == "New York Gateway, US"
    assert [event.location for event in result.events] == [
        "Leipzig, DE",
        "Cincinnati Hub, OH, US",
        "New York Gateway, US",
    ]


@pytest.mark.parametrize(
    ("locality", "country", "expected"),
    [
        ("NEW YORK GATEWAY - USA", "US", "New York Gateway"),
        ("LONDON HEATHROW - UK", "GB", "London Heathrow"),
        ("EAST MIDLANDS - UNITED KINGDOM", "GB", "East Midlands"),
        ("JFK AIRPORT NYC", "US", "JFK Airport NYC"),
        ("FEDEX SHIP CENTER O'HARE", "US", "FedEx Ship Center O'Hare"),
        ("Wilmington - Ohio", "US", "Wilmington - Ohio"),  # not a country: kept
        ("Leipzig", "DE", "Leipzig"),  # mixed case is DHL's own spelling
    ],
)
def test_place_name(locality: str, country: str, expected: str) -> None:
    assert dhl.place_name(locality, country) == expected


def test_carrier_local_scans_get_their_zone() -> None:
    """Item 7: a Leipzig scan without offset is a Berlin instant; a US state from
    "CINCINNATI HUB, OH" places that scan in Eastern time."""
    events = parse("gateway_caps_us").events
    assert events[0].zone == "Europe/Berlin"
    assert events[0].time.astimezone(UTC) == datetime(2024, 11, 20, 8, 5, tzinfo=UTC)
    assert events[1].zone == "America/New_York"


def test_delivery_window_is_on_the_recipients_clock() -> None:
    """Item 18: a UTC window for a New York delivery is 9 AM-1 PM New York time."""
    eta = parse("gateway_caps_us").eta
    assert eta is not None
    new_york = ZoneInfo("America/New_York")
    assert eta.window_start == datetime(2024, 11, 22, 9, 0, tzinfo=new_york)
    assert eta.window_start is not None and eta.window_start.tzinfo == new_york
    assert eta.window_end is not None and eta.window_end.hour == 13
