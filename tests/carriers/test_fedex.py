"""The FedEx adapter: parsing recorded Track API payloads, and calling it over MockTransport."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import httpx
import pytest

from carriers import fedex
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

FIXTURES = Path(__file__).parent / "fixtures" / "fedex"
NUMBER = "794843185271"
PDT = timezone(timedelta(hours=-7))
CDT = timezone(timedelta(hours=-5))
EDT = timezone(timedelta(hours=-4))

Handler = Callable[[httpx.Request], httpx.Response]


def load(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def parse_one(name: str) -> TrackingResult:
    results = fedex.parse_track_response(load(name))
    assert list(results) == [NUMBER]
    return results[NUMBER]


def make_config(**values: Any) -> CarrierConfig:
    # A high rate keeps the tests free of the budget's spacing sleeps (3/s by default).
    base = {
        "client_id": "id",
        "client_secret": "s3cret",
        "base_url": "https://carrier.test",
        "requests_per_second": 1000,
    }
    return CarrierConfig("fedex", {**base, **values}, environ={})


class FakeFedEx:
    """A FedEx stand-in: issues numbered tokens, answers tracking calls from `track`.

    By default every number asked is answered with the in-transit fixture.
    """

    def __init__(self, track: Handler | None = None) -> None:
        self.token_requests: list[httpx.Request] = []
        self.track_requests: list[httpx.Request] = []
        self.token_status = 200
        self._track = track or self.echo

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == fedex.TOKEN_PATH:
            self.token_requests.append(request)
            if self.token_status != 200:
                return httpx.Response(self.token_status, json=load("error_401"))
            token = {**load("token"), "access_token": f"token-{len(self.token_requests)}"}
            return httpx.Response(200, json=token)
        assert request.url.path == fedex.TRACK_PATH
        self.track_requests.append(request)
        return self._track(request)

    @staticmethod
    def echo(request: httpx.Request) -> httpx.Response:
        template = load("in_transit")["output"]["completeTrackResults"][0]
        asked = [
            item["trackingNumberInfo"]["trackingNumber"]
            for item in json.loads(request.content)["trackingInfo"]
        ]
        complete = [{**copy.deepcopy(template), "trackingNumber": number} for number in asked]
        return httpx.Response(200, json={"output": {"completeTrackResults": complete}})


def make_adapter(fake: FakeFedEx, config: CarrierConfig | None = None) -> fedex.FedExAdapter:
    http = httpx.AsyncClient(transport=httpx.MockTransport(fake))
    return fedex.create(config or make_config(), http)


def answer(status: int, body: Any = None, **headers: str) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body, headers=headers)

    return handler


# --- parsing ----------------------------------------------------------------------------


def test_label_created() -> None:
    result = parse_one("label_created")
    assert result.status is Status.LABEL_CREATED
    assert result.status_code == "OC"
    assert result.status_text == "Label created"
    assert result.eta is None
    assert result.delay_reason is None
    assert result.problem is None
    assert len(result.events) == 1
    assert result.events[0].location == "US"


def test_in_transit_with_window_eta_and_events_sorted() -> None:
    result = parse_one("in_transit")
    assert result.status is Status.IN_TRANSIT
    assert result.delay_reason is None
    # The window wins over dateAndTimes' ESTIMATED_DELIVERY (a day later in the fixture).
    assert result.eta is not None
    assert result.eta.earliest == date(2024, 4, 26)
    assert result.eta.latest is None
    assert result.eta.window_start == datetime(2024, 4, 26, 8, tzinfo=PDT)
    assert result.eta.window_end == datetime(2024, 4, 26, 12, tzinfo=PDT)
    assert not result.eta.estimated
    # Given out of order (DP, PU, AR); sorted by time whatever the offsets.
    assert [event.code for event in result.events] == ["PU", "AR", "DP"]
    first = result.events[0]
    assert first.time == datetime(2024, 4, 23, 17, 40, tzinfo=EDT)
    assert first.time.utcoffset() == timedelta(hours=-4)
    assert first.status is Status.IN_TRANSIT
    assert first.description == "Picked up"
    assert result.last_location == "MEMPHIS, TN, US"
    assert result.delivered_at is None


def test_out_for_delivery_eta_from_date_and_times() -> None:
    result = parse_one("out_for_delivery")
    assert result.status is Status.OUT_FOR_DELIVERY
    assert result.eta is not None
    assert result.eta.earliest == date(2024, 4, 26)
    assert result.eta.window_start is None
    assert result.last_event is not None
    assert result.last_event.status is Status.OUT_FOR_DELIVERY


def test_delivered() -> None:
    result = parse_one("delivered")
    assert result.status is Status.DELIVERED
    assert result.delivered_at == datetime(2024, 4, 26, 9, 26, tzinfo=PDT)
    assert result.delivery_location == "front door"
    assert result.proof_of_delivery
    assert result.pieces == 2
    assert result.eta is None  # no promise left to show once delivered
    assert result.delay_reason is None
    assert result.last_event is not None
    assert result.last_event.code == "DL"
    assert result.last_event.location == "SEATTLE, WA, US"


def test_delivered_without_details_falls_back() -> None:
    payload = load("delivered")
    raw = payload["output"]["completeTrackResults"][0]["trackResults"][0]
    del raw["dateAndTimes"], raw["availableImages"]
    raw["deliveryDetails"] = {"receivedByName": "J.SMITH"}
    raw["latestStatusDetail"]["delayDetail"] = {"type": "WEATHER", "status": "DELAYED"}
    result = fedex.parse_track_response(payload)[NUMBER]
    assert result.delivered_at == datetime(2024, 4, 26, 9, 26, tzinfo=PDT)  # the DL scan
    assert result.delivery_location is None  # a signer's name is personal data, not a place
    assert not result.proof_of_delivery
    assert result.delay_reason is None  # delivered late is still delivered


def test_delivery_attempted() -> None:
    result = parse_one("delivery_attempted")
    assert result.status is Status.DELIVERY_ATTEMPTED
    assert result.status_code == "DE"
    assert result.delay_reason is DelayReason.RECIPIENT_UNAVAILABLE
    assert result.last_event is not None
    assert result.last_event.description == (
        "Delivery exception: Customer not available or business closed"
    )


def test_available_for_pickup() -> None:
    result = parse_one("available_for_pickup")
    assert result.status is Status.AVAILABLE_FOR_PICKUP
    assert result.delay_reason is None


@pytest.mark.parametrize(
    ("fixture", "status", "reason"),
    [
        ("exception_weather", Status.IN_TRANSIT, DelayReason.WEATHER),
        ("exception_customs", Status.EXCEPTION, DelayReason.CUSTOMS),
        ("exception_address", Status.EXCEPTION, DelayReason.ADDRESS),
        ("exception_payment", Status.EXCEPTION, DelayReason.HELD_FOR_PAYMENT),
        ("shipment_exception", Status.EXCEPTION, DelayReason.DAMAGED),
        ("running_late", Status.IN_TRANSIT, DelayReason.CARRIER_DELAY),
        ("returning", Status.RETURNING, DelayReason.REFUSED),
    ],
)
def test_exceptions_and_delays(fixture: str, status: Status, reason: DelayReason) -> None:
    result = parse_one(fixture)
    assert result.status is status
    assert result.delay_reason is reason
    assert result.problem is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Delivery delayed due to a local holiday", DelayReason.HOLIDAY),
        ("Held for security inspection", DelayReason.SECURITY),
        ("Package cannot be located", DelayReason.LOST),
        ("Recipient refused the package", DelayReason.REFUSED),
        ("Something nobody planned for", DelayReason.OTHER),
    ],
)
def test_exception_reason_from_text(text: str, reason: DelayReason) -> None:
    payload = load("shipment_exception")
    raw = payload["output"]["completeTrackResults"][0]["trackResults"][0]
    raw["latestStatusDetail"]["ancillaryDetails"] = [{"reason": "X99", "reasonDescription": text}]
    raw["scanEvents"] = []
    assert fedex.parse_track_response(payload)[NUMBER].delay_reason is reason


def test_delay_detail_type_when_no_ancillary_details() -> None:
    payload = load("exception_weather")
    raw = payload["output"]["completeTrackResults"][0]["trackResults"][0]
    raw["latestStatusDetail"]["ancillaryDetails"] = []
    raw["latestStatusDetail"]["delayDetail"] = {"type": "CLEARANCE", "status": "DELAYED"}
    assert fedex.parse_track_response(payload)[NUMBER].delay_reason is DelayReason.CUSTOMS


def test_not_found_inside_a_200() -> None:
    results = fedex.parse_track_response(load("not_found"))
    result = results["123456789012"]
    assert result.problem is Problem.NOT_FOUND
    assert result.status is Status.PENDING
    assert "cannot be found" in result.status_text


def test_unknown_status_code_keeps_the_carriers_words() -> None:
    result = parse_one("unknown_code")
    assert result.status is Status.UNKNOWN
    assert result.status_code == "ZQ"
    assert result.status_text == "Awaiting teleportation"
    assert result.events[0].status is Status.UNKNOWN


def test_odd_times_and_missing_fields() -> None:
    result = parse_one("odd_times")
    assert result.status is Status.IN_TRANSIT  # code AR, no derivedCode
    assert result.pieces == 1
    assert result.eta is not None
    assert result.eta.earliest == date(2024, 5, 2)  # only the window's end, date only
    # Events without a usable date are dropped; the rest are sorted.
    assert [event.code for event in result.events] == ["PU", "DP", "AR"]
    picked_up, departed, arrived = result.events
    assert picked_up.time == datetime(2024, 4, 28, 8, 1, tzinfo=EDT)  # "8:1:00" unpadded
    # No offset: Indianapolis' wall clock, in Indianapolis' zone (item 7).
    assert departed.time == datetime(
        2024, 4, 29, 23, 15, tzinfo=ZoneInfo("America/Indiana/Indianapolis")
    )
    assert departed.location == "INDIANAPOLIS, IN"
    assert arrived.time == datetime(2024, 4, 30, 9, 5, tzinfo=CARRIER_LOCAL)
    assert arrived.location is None


def test_batch_with_errors_inside_and_a_reused_number() -> None:
    results = fedex.parse_track_response(load("batch_mixed"))
    assert set(results) == {NUMBER, "123456789012", "12AB", "999999999999"}
    # Two shipments used the number: the one scanned last (2024, in transit) is current.
    assert results[NUMBER].status is Status.IN_TRANSIT
    assert results["123456789012"].problem is Problem.NOT_FOUND
    invalid = results["12AB"]
    assert invalid.problem is Problem.INVALID_NUMBER
    assert invalid.status is Status.PENDING
    assert invalid.status_code == "TRACKING.TRACKINGNUMBER.INVALID"
    other = results["999999999999"]
    assert other.status is Status.UNKNOWN
    assert other.problem is None
    assert other.status_code == "SYSTEM.UNAVAILABLE.EXCEPTION"


@pytest.mark.parametrize(
    "payload",
    [
        load("schema_drift"),
        load("empty_request"),
        [],
        {"output": {"completeTrackResults": [{"trackingNumber": NUMBER}]}},
        {"output": {"completeTrackResults": [{"trackingNumber": NUMBER, "trackResults": [1]}]}},
        {"output": {"completeTrackResults": [{"trackingNumber": NUMBER, "trackResults": [{}]}]}},
    ],
)
def test_wrong_shapes_raise_response_error(payload: Any) -> None:
    with pytest.raises(CarrierResponseError):
        fedex.parse_track_response(payload)


def test_top_level_errors_are_named() -> None:
    with pytest.raises(CarrierResponseError, match=re.escape("TRACKING.TRACKINGNUMBER.EMPTY")):
        fedex.parse_track_response(load("empty_request"))


# --- calling FedEx ----------------------------------------------------------------------


async def test_paths_headers_and_bodies() -> None:
    fake = FakeFedEx()
    adapter = make_adapter(fake)
    assert isinstance(adapter, CarrierAdapter)
    assert (adapter.name, adapter.display_name) == ("fedex", "FedEx")

    results = await adapter.track([NUMBER])

    assert results[NUMBER].status is Status.IN_TRANSIT
    (token_request,) = fake.token_requests
    assert token_request.method == "POST"
    assert token_request.url == "https://carrier.test/oauth/token"
    assert token_request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(token_request.content.decode()) == {
        "grant_type": ["client_credentials"],
        "client_id": ["id"],
        "client_secret": ["s3cret"],
    }
    (track_request,) = fake.track_requests
    assert track_request.method == "POST"
    assert track_request.url == "https://carrier.test/track/v1/trackingnumbers"
    assert not track_request.url.query
    assert track_request.headers["Authorization"] == "Bearer token-1"
    assert track_request.headers["X-locale"] == "en_US"
    assert track_request.headers["Content-Type"] == "application/json"
    assert json.loads(track_request.content) == {
        "includeDetailedScans": True,
        "trackingInfo": [{"trackingNumberInfo": {"trackingNumber": NUMBER}}],
    }


async def test_default_host_and_budget() -> None:
    fake = FakeFedEx()
    config = CarrierConfig("fedex", {"client_id": "id", "client_secret": "s3cret"}, environ={})
    adapter = make_adapter(fake, config)
    assert (adapter.budget.max_concurrency, adapter.budget.requests_per_second) == (4, 3)
    await adapter.track([NUMBER])
    assert fake.token_requests[0].url.host == "apis.fedex.com"
    assert fake.track_requests[0].url.host == "apis.fedex.com"


async def test_base_url_override() -> None:
    fake = FakeFedEx()
    adapter = make_adapter(fake, make_config(base_url=fedex.SANDBOX_URL + "/"))
    await adapter.track([NUMBER])
    assert fake.track_requests[0].url == "https://apis-sandbox.fedex.com/track/v1/trackingnumbers"


async def test_batches_of_thirty() -> None:
    fake = FakeFedEx()
    adapter = make_adapter(fake)
    numbers = [f"7948431{index:05d}" for index in range(65)]

    results = await adapter.track([*numbers, numbers[0]])

    assert list(results) == numbers
    assert all(result.status is Status.IN_TRANSIT for result in results.values())
    sizes = sorted(len(json.loads(r.content)["trackingInfo"]) for r in fake.track_requests)
    assert sizes == [5, 30, 30]
    assert len(fake.token_requests) == 1


async def test_results_keyed_as_asked_and_missing_numbers_not_found() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=load("in_transit"))  # only knows 794843185271

    adapter = make_adapter(FakeFedEx(handler))
    results = await adapter.track(["7948 4318 5271", "111111111111"])
    assert set(results) == {"7948 4318 5271", "111111111111"}
    assert results["7948 4318 5271"].number == "7948 4318 5271"
    assert results["7948 4318 5271"].status is Status.IN_TRANSIT
    assert results["111111111111"].problem is Problem.NOT_FOUND


async def test_track_nothing() -> None:
    fake = FakeFedEx()
    assert await make_adapter(fake).track([]) == {}
    assert fake.token_requests == fake.track_requests == []


async def test_token_reused_across_concurrent_calls() -> None:
    fake = FakeFedEx()
    adapter = make_adapter(fake)
    answers = await asyncio.gather(*(adapter.track([NUMBER]) for _ in range(5)))
    assert all(NUMBER in found for found in answers)
    assert len(fake.token_requests) == 1
    assert len(fake.track_requests) == 5


async def test_401_refreshes_the_token_once_and_retries() -> None:
    statuses = [401, 200]

    def handler(request: httpx.Request) -> httpx.Response:
        if statuses.pop(0) == 401:
            return httpx.Response(401, json=load("error_401"))
        return FakeFedEx.echo(request)

    fake = FakeFedEx(handler)
    results = await make_adapter(fake).track([NUMBER])
    assert results[NUMBER].status is Status.IN_TRANSIT
    assert len(fake.token_requests) == 2
    auth = [request.headers["Authorization"] for request in fake.track_requests]
    assert auth == ["Bearer token-1", "Bearer token-2"]


async def test_second_401_is_an_auth_error() -> None:
    fake = FakeFedEx(answer(401, load("error_401")))
    with pytest.raises(CarrierAuthError):
        await make_adapter(fake).track([NUMBER])
    assert len(fake.track_requests) == 2


@pytest.mark.parametrize("status", [400, 401, 403])
async def test_token_refused_is_an_auth_error_without_the_secret(status: int) -> None:
    fake = FakeFedEx()
    fake.token_status = status
    with pytest.raises(CarrierAuthError) as caught:
        await make_adapter(fake).track([NUMBER])
    assert "s3cret" not in str(caught.value)
    assert fake.track_requests == []


async def test_token_answer_without_access_token() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"token_type": "bearer", "expires_in": 3599})

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    with pytest.raises(CarrierResponseError):
        await fedex.create(make_config(), http).track([NUMBER])


async def test_429_pauses_the_budget() -> None:
    fake = FakeFedEx(answer(429, load("error_429"), **{"Retry-After": "30"}))
    adapter = make_adapter(fake)
    with pytest.raises(CarrierRateLimited) as caught:
        await adapter.track([NUMBER])
    assert caught.value.retry_after == 30
    with pytest.raises(CarrierRateLimited):
        await adapter.track([NUMBER])
    assert len(fake.track_requests) == 1  # the second call never reached FedEx


@pytest.mark.parametrize("status", [500, 503])
async def test_server_errors(status: int) -> None:
    fake = FakeFedEx(answer(status, load("error_503")))
    with pytest.raises(CarrierUnavailable):
        await make_adapter(fake).track([NUMBER])


async def test_403_is_an_auth_error_without_retry() -> None:
    fake = FakeFedEx(answer(403, {"errors": [{"code": "FORBIDDEN.ERROR"}]}))
    with pytest.raises(CarrierAuthError):
        await make_adapter(fake).track([NUMBER])
    assert len(fake.track_requests) == 1


async def test_other_4xx_is_a_response_error() -> None:
    fake = FakeFedEx(answer(400, {"errors": [{"code": "TRACKING.TRACKINGNUMBERS.LIMITEXCEEDED"}]}))
    with pytest.raises(CarrierResponseError):
        await make_adapter(fake).track([NUMBER])


async def test_malformed_json() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"<html>Service Unavailable</html>")

    with pytest.raises(CarrierResponseError):
        await make_adapter(FakeFedEx(handler)).track([NUMBER])


async def test_schema_drift_in_a_200() -> None:
    fake = FakeFedEx(answer(200, load("schema_drift")))
    with pytest.raises(CarrierResponseError):
        await make_adapter(fake).track([NUMBER])


async def test_timeout() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(CarrierTimeout):
        await make_adapter(FakeFedEx(handler)).track([NUMBER])


async def test_unknown_code_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    adapter = make_adapter(FakeFedEx(answer(200, load("unknown_code"))))
    with caplog.at_level(logging.WARNING, logger="smsbot.carriers.fedex"):
        await adapter.track([NUMBER])
        await adapter.track([NUMBER])
    assert [record.getMessage().count("'ZQ'") for record in caplog.records] == [1]


@pytest.mark.parametrize("key", ["client_id", "client_secret"])
def test_missing_credentials_name_the_key(key: str) -> None:
    values = {"client_id": "id", "client_secret": "s3cret"}
    del values[key]
    with pytest.raises(ConfigError, match=re.escape(f"carriers.fedex.{key}")):
        fedex.create(CarrierConfig("fedex", values, environ={}), httpx.AsyncClient())


def test_credentials_from_the_environment() -> None:
    environ = {"SMSBOT_FEDEX_CLIENT_ID": "id", "SMSBOT_FEDEX_CLIENT_SECRET": "s3cret"}
    adapter = fedex.create(CarrierConfig("fedex", {}, environ=environ), httpx.AsyncClient())
    assert adapter.name == "fedex"


def test_track_data_wins_over_an_empty_error_object() -> None:
    """Item 4: data beside {"code": "", "message": ""} is a parcel, not an invalid number."""
    result = parse_one("in_transit_empty_error")
    assert result.problem is None
    assert result.status is Status.IN_TRANSIT
    assert result.events


def test_an_error_without_data_still_counts() -> None:
    payload = load("not_found")
    result = fedex.parse_track_response(payload)
    assert all(r.problem is not None for r in result.values())
