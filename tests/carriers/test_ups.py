"""UPS adapter: parsing recorded payloads, and the HTTP contract on a mock transport."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from carriers import ups
from smsbot.errors import (
    CarrierAuthError,
    CarrierRateLimited,
    CarrierResponseError,
    CarrierTimeout,
    CarrierUnavailable,
    ConfigError,
)
from smsbot.tracking import (
    CarrierConfig,
    DelayReason,
    Eta,
    Problem,
    Status,
    TrackingResult,
    carrier_local,
)

FIXTURES = Path(__file__).parent / "fixtures" / "ups"
NUMBER = "1Z999AA10123456784"
TOKEN_PATH = "/security/v1/oauth/token"
TRACK_PATH = f"/api/track/v1/details/{NUMBER}"
EST = timezone(timedelta(hours=-5))
CET = timezone(timedelta(hours=1))

Handler = Callable[[httpx.Request], httpx.Response]


def load(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def parse(name: str) -> TrackingResult:
    results = ups.parse_track_response(load(name), carrier="ups")
    assert list(results) == [NUMBER]
    return results[NUMBER]


def local(year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return carrier_local(datetime(year, month, day, hour, minute, second))


def make_config(**overrides: Any) -> CarrierConfig:
    values: dict[str, Any] = {
        "client_id": "id",
        "client_secret": "s3cret",
        "base_url": "https://carrier.test",
        "requests_per_second": 1000,  # no spacing sleeps in tests
    }
    values.update(overrides)
    return CarrierConfig("ups", {k: v for k, v in values.items() if v is not None}, environ={})


class FakeUps:
    """A scripted UPS: tokens are minted on demand; tracking answers are taken in order.

    With no scripted tracking answers left, every number gets the `in_transit` fixture
    rewritten to its own inquiry number.
    """

    def __init__(self, *tracking: httpx.Response, token: httpx.Response | None = None) -> None:
        self.tracking = list(tracking)
        self.token = token
        self.requests: list[httpx.Request] = []
        self.token_calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == TOKEN_PATH:
            self.token_calls += 1
            if self.token is not None:
                return self.token
            return httpx.Response(
                200, json={**load("token"), "access_token": f"tok-{self.token_calls}"}
            )
        if self.tracking:
            return self.tracking.pop(0)
        body = load("in_transit")
        number = request.url.path.rsplit("/", 1)[-1]
        body["trackResponse"]["shipment"][0]["inquiryNumber"] = number
        return httpx.Response(200, json=body)

    @property
    def track_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path.startswith("/api/track/")]


def adapter_for(handler: Handler, **config: Any) -> ups.UpsAdapter:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return ups.create(make_config(**config), http)


def ok(name: str) -> httpx.Response:
    return httpx.Response(200, json=load(name))


# --- parsing ---------------------------------------------------------------------------


def test_label_created() -> None:
    result = parse("label_created")
    assert result.status is Status.LABEL_CREATED
    assert result.status_code == "003"
    assert result.status_text == "Shipment Ready for UPS"
    assert result.eta == Eta(date(2024, 3, 6))
    assert result.last_location == "Atlanta, GA, US"
    assert result.delivered_at is None
    assert result.problem is None


def test_in_transit_eta_prefers_rescheduled_date_and_window() -> None:
    result = parse("in_transit")
    assert result.status is Status.IN_TRANSIT
    assert result.eta is not None
    assert result.eta.earliest == date(2024, 3, 7)  # RDD, not SDD 2024-03-06
    assert result.eta.window_start == local(2024, 3, 7, 9, 0)  # unpadded "90000"
    assert result.eta.window_end == local(2024, 3, 7, 13, 0)
    assert result.eta.estimated is False


def test_events_sorted_with_unpadded_local_times() -> None:
    events = parse("in_transit").events  # UPS sends newest first
    assert [e.description for e in events] == [
        "Shipper created a label",
        "Departed from Facility",
        "Arrived at Facility",
    ]
    assert events[0].status is Status.LABEL_CREATED
    assert [e.time.replace(tzinfo=None) for e in events] == [
        datetime(2024, 3, 2, 18, 45),
        datetime(2024, 3, 3, 7, 47),  # "74700"
        datetime(2024, 3, 4, 9, 15),  # "91500"
    ]
    # Local wall clocks placed in the zone of each scan's state (item 7): real instants.
    assert all(e.zone for e in events)
    assert events[2].time == datetime(2024, 3, 4, 9, 15, tzinfo=ZoneInfo("America/New_York"))
    assert events[2].location == "Louisville, KY, US"
    assert events[2].code == "005"


def test_events_use_gmt_and_offset_when_every_scan_has_them() -> None:
    events = parse("delivered").events
    assert [e.time for e in events] == [
        datetime(2024, 3, 6, 8, 12, tzinfo=EST),
        datetime(2024, 3, 6, 16, 30, tzinfo=EST),  # gmtTime 213000 at -05:00
        datetime(2024, 3, 6, 16, 35, tzinfo=EST),
    ]
    assert all(e.time.utcoffset() == timedelta(hours=-5) for e in events)


def test_gmt_only_scan_in_a_mixed_package_is_shown_as_local() -> None:
    payload = load("in_transit")
    newest = payload["trackResponse"]["shipment"][0]["package"][0]["activity"][0]
    del newest["date"], newest["time"]
    events = ups.parse_track_response(payload)[NUMBER].events
    # 14:15 GMT at -05:00: Louisville's wall clock, in Louisville's zone.
    assert events[-1].time == datetime(2024, 3, 4, 9, 15, tzinfo=ZoneInfo("America/New_York"))


def test_out_for_delivery_commit_time() -> None:
    result = parse("out_for_delivery")
    assert result.status is Status.OUT_FOR_DELIVERY
    assert result.status_code == "021"
    assert result.eta == Eta(date(2024, 3, 6), window_end=local(2024, 3, 6, 10, 30))
    assert result.pieces == 1


def test_delivered() -> None:
    result = parse("delivered")
    assert result.status is Status.DELIVERED
    # DEL date + DEL time, given the delivery scan's zone.
    assert result.delivered_at == datetime(2024, 3, 6, 16, 30, tzinfo=EST)
    assert result.delivered_at is not None and result.delivered_at.utcoffset() == EST.utcoffset(
        None
    )
    assert result.eta is None  # the DEL date is never an ETA, nor is a stale SDD
    assert result.delivery_location == "front door"
    assert result.proof_of_delivery is True
    assert result.pieces == 2
    last = result.last_event
    assert last is not None
    assert last.description == "Delivery Photo"
    assert last.status is Status.DELIVERED  # an update scan keeps the status before it
    assert result.delay_reason is None


def test_delivered_without_photo_has_no_proof() -> None:
    payload = load("delivered")
    package = payload["trackResponse"]["shipment"][0]["package"][0]
    package["deliveryInformation"] = {
        "location": "Mailbox",
        "deliveryPhoto": {"photoDispositionCode": "U"},
    }
    package["activity"] = package["activity"][1:]  # no "Delivery Photo" scan
    del package["deliveryTime"]
    result = ups.parse_track_response(payload)[NUMBER]
    assert result.proof_of_delivery is False
    assert result.delivery_location == "mailbox"
    # No DEL time: the delivered scan's own time (with its offset) stands in.
    assert result.delivered_at == datetime(2024, 3, 6, 16, 30, tzinfo=EST)


def test_delivered_with_signature_is_proof() -> None:
    payload = load("delivered")
    package = payload["trackResponse"]["shipment"][0]["package"][0]
    package["activity"] = package["activity"][1:]
    package["deliveryInformation"] = {"signature": {"image": "aGVsbG8="}}
    assert ups.parse_track_response(payload)[NUMBER].proof_of_delivery is True


def test_delivery_attempted() -> None:
    result = parse("attempted")
    assert result.status is Status.DELIVERY_ATTEMPTED
    assert result.delay_reason is DelayReason.RECIPIENT_UNAVAILABLE
    assert result.eta == Eta(date(2024, 3, 7))


def test_available_for_pickup() -> None:
    result = parse("pickup")
    assert result.status is Status.AVAILABLE_FOR_PICKUP  # statusCode 161 beats type X
    assert result.delay_reason is None
    assert result.delivered_at is None


@pytest.mark.parametrize(
    ("name", "status", "reason"),
    [
        ("weather", Status.IN_TRANSIT, DelayReason.WEATHER),
        ("customs", Status.EXCEPTION, DelayReason.CUSTOMS),
        ("address", Status.EXCEPTION, DelayReason.ADDRESS),
        ("refused", Status.EXCEPTION, DelayReason.REFUSED),
        ("damaged", Status.EXCEPTION, DelayReason.DAMAGED),
    ],
)
def test_exception_families(name: str, status: Status, reason: DelayReason) -> None:
    result = parse(name)
    assert result.status is status
    assert result.delay_reason is reason
    assert (
        result.status_text
        == load(name)["trackResponse"]["shipment"][0]["package"][0]["currentStatus"]["description"]
    )


def test_weather_delay_keeps_rescheduled_eta() -> None:
    assert parse("weather").eta == Eta(date(2024, 3, 8))


def test_customs_event_time_uses_gmt_and_offset() -> None:
    (event,) = parse("customs").events
    assert event.time == datetime(2024, 3, 5, 10, 0, tzinfo=CET)  # 09:00 GMT at +01:00
    assert event.time.utcoffset() == timedelta(hours=1)
    assert event.location == "Koeln, DE"


def test_refused_event_without_location() -> None:
    (event,) = parse("refused").events
    assert event.location is None
    assert event.time == local(2024, 3, 6, 15, 5)


@pytest.mark.parametrize(
    ("current", "status", "reason"),
    [
        ({"type": "X", "code": "1E", "statusCode": "046"}, Status.IN_TRANSIT, DelayReason.WEATHER),
        (
            {"type": "X", "code": "ZZ", "statusCode": "046"},
            Status.IN_TRANSIT,
            DelayReason.CARRIER_DELAY,
        ),
        ({"type": "X", "statusCode": "068"}, Status.EXCEPTION, DelayReason.LOST),
        ({"type": "X", "statusCode": "85"}, Status.EXCEPTION, DelayReason.HELD_FOR_PAYMENT),
        ({"type": "X", "statusCode": "132"}, Status.IN_TRANSIT, DelayReason.SECURITY),
        (
            {"type": "X", "code": "1C", "statusCode": "013"},
            Status.EXCEPTION,
            DelayReason.HELD_FOR_PAYMENT,
        ),
        ({"type": "X", "code": "5", "statusCode": "013"}, Status.EXCEPTION, DelayReason.CUSTOMS),
        ({"type": "X", "code": "Q7", "statusCode": "013"}, Status.EXCEPTION, DelayReason.OTHER),
        ({"type": "X"}, Status.EXCEPTION, DelayReason.OTHER),
        ({"type": "I", "code": "50", "statusCode": "005"}, Status.IN_TRANSIT, None),
        ({"type": "D", "code": "PX", "statusCode": "155"}, Status.DELIVERED, None),
        ({"code": "011", "description": "Delivered"}, Status.DELIVERED, None),
        ({"type": "RS"}, Status.RETURNING, None),
        ({"type": "NA", "statusCode": "000"}, Status.PENDING, None),
        ({"type": "I", "statusCode": "064"}, Status.EXCEPTION, DelayReason.REFUSED),
    ],
)
def test_current_status_table(
    current: dict[str, str], status: Status, reason: DelayReason | None
) -> None:
    payload = load("label_created")
    payload["trackResponse"]["shipment"][0]["package"][0]["currentStatus"] = current
    result = ups.parse_track_response(payload)[NUMBER]
    assert result.status is status
    assert result.delay_reason is reason


@pytest.mark.parametrize(
    "groups", [ups.STATUS_GROUPS, ups.STATUS_REASON_GROUPS, ups.EXCEPTION_REASON_GROUPS]
)
def test_code_tables_name_each_code_once(groups: dict[Any, str]) -> None:
    codes = " ".join(groups.values()).split()
    assert len(codes) == len(set(codes))


def test_current_status_wins_over_newest_event() -> None:
    payload = load("in_transit")
    package = payload["trackResponse"]["shipment"][0]["package"][0]
    package["currentStatus"] = {"type": "I", "statusCode": "021", "description": "Out for Delivery"}
    result = ups.parse_track_response(payload)[NUMBER]
    assert result.status is Status.OUT_FOR_DELIVERY
    last = result.last_event
    assert last is not None and last.status is Status.IN_TRANSIT


def test_returning_to_sender() -> None:
    result = parse("returning")
    assert result.status is Status.RETURNING
    assert result.eta is None  # the old scheduled date no longer applies


def test_not_found_inside_200() -> None:
    results = ups.parse_track_response(load("not_found"))
    result = results["1Z12345E1505270452"]
    assert result.problem is Problem.NOT_FOUND
    assert result.status is Status.PENDING
    assert result.status_text == "Tracking Information Not Found"


def test_invalid_number_warning_inside_200() -> None:
    payload = {
        "trackResponse": {
            "shipment": [
                {"inquiryNumber": "1Z0", "warnings": [{"code": "TV1002", "message": "Invalid"}]}
            ]
        }
    }
    assert ups.parse_track_response(payload)["1Z0"].problem is Problem.INVALID_NUMBER


def test_unknown_code_keeps_carrier_words() -> None:
    result = parse("unknown_code")
    assert result.status is Status.UNKNOWN
    assert result.status_code == "998"
    assert result.status_text == "Teleported to Orbit"
    assert result.events[0].status is Status.UNKNOWN


def test_missing_current_status_and_odd_times() -> None:
    result = parse("no_current_status")
    # The undated activity is dropped; the others are placed by time, oldest first.
    assert [e.time for e in result.events] == [local(2024, 3, 3, 0, 0, 5), local(2024, 3, 4, 0, 0)]
    assert result.status is Status.IN_TRANSIT  # the newest scan by time: type I "Origin Scan"
    assert result.status_code == "I"
    assert result.status_text == "Origin Scan"
    assert result.eta is None
    assert result.delivered_at is None
    assert result.delivery_location is None
    assert result.proof_of_delivery is False
    assert result.pieces == 1
    assert result.last_location is None


@pytest.mark.parametrize(
    "payload",
    [
        load("schema_drift"),
        [],
        {"trackresponse": {}},
        {"trackResponse": None},
        {"trackResponse": {"shipment": ["1Z"]}},
        {"trackResponse": {"shipment": [{"inquiryNumber": NUMBER, "package": {"a": 1}}]}},
        {"trackResponse": {"shipment": [{"inquiryNumber": NUMBER, "package": ["x"]}]}},
        {"trackResponse": {"shipment": [{"package": [{"activity": "none"}]}]}},
    ],
)
def test_schema_drift_raises(payload: Any) -> None:
    with pytest.raises(CarrierResponseError):
        ups.parse_track_response(payload)


# --- HTTP contract ---------------------------------------------------------------------


async def test_paths_and_headers() -> None:
    fake = FakeUps(ok("label_created"))
    results = await adapter_for(fake).track([NUMBER])
    assert results[NUMBER].status is Status.LABEL_CREATED
    token_request, track_request = fake.requests
    assert token_request.method == "POST"
    assert token_request.url.host == "carrier.test"
    assert token_request.url.path == TOKEN_PATH
    basic = base64.b64encode(b"id:s3cret").decode()
    assert token_request.headers["Authorization"] == f"Basic {basic}"
    assert token_request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert token_request.content == b"grant_type=client_credentials"
    assert track_request.method == "GET"
    assert track_request.url.host == "carrier.test"
    assert track_request.url.path == TRACK_PATH
    assert track_request.url.params["locale"] == "en_US"
    assert track_request.headers["Authorization"] == "Bearer tok-1"
    assert track_request.headers["transactionSrc"] == "smsbot"
    assert len(track_request.headers["transId"]) == 32


async def test_default_host_is_production() -> None:
    fake = FakeUps(ok("label_created"))
    await adapter_for(fake, base_url=None).track([NUMBER])
    assert {r.url.host for r in fake.requests} == {"onlinetools.ups.com"}


async def test_base_url_override_for_sandbox() -> None:
    fake = FakeUps(ok("label_created"))
    await adapter_for(fake, base_url="https://wwwcie.ups.com/").track([NUMBER])
    assert [str(r.url.copy_with(query=None)) for r in fake.requests] == [
        f"https://wwwcie.ups.com{TOKEN_PATH}",
        f"https://wwwcie.ups.com{TRACK_PATH}",
    ]


async def test_several_numbers_one_request_each_and_keyed_as_given() -> None:
    fake = FakeUps()
    spaced = "1Z 999 AA1 0123456784"
    numbers = [spaced, "1Z999AA10123456795", "1Z999AA10123456806", "1Z999AA10123456795"]
    results = await adapter_for(fake).track(numbers)
    assert list(results) == [spaced, "1Z999AA10123456795", "1Z999AA10123456806"]
    assert results[spaced].number == spaced
    assert results["1Z999AA10123456806"].number == "1Z999AA10123456806"
    paths = sorted(r.url.path for r in fake.track_requests)
    assert paths == sorted(
        f"/api/track/v1/details/{n}" for n in (NUMBER, "1Z999AA10123456795", "1Z999AA10123456806")
    )
    assert len({r.headers["transId"] for r in fake.track_requests}) == 3
    assert fake.token_calls == 1


async def test_empty_request_makes_no_call() -> None:
    fake = FakeUps()
    assert await adapter_for(fake).track([]) == {}
    assert fake.requests == []


async def test_token_reused_across_concurrent_calls() -> None:
    fake = FakeUps()
    adapter = adapter_for(fake)
    batches = await asyncio.gather(*(adapter.track([NUMBER]) for _ in range(5)))
    assert all(batch[NUMBER].status is Status.IN_TRANSIT for batch in batches)
    assert fake.token_calls == 1
    assert len(fake.track_requests) == 5
    await adapter.track([NUMBER])
    assert fake.token_calls == 1  # "14399" seconds, as a string: still valid


async def test_401_refreshes_token_once_and_retries() -> None:
    fake = FakeUps(httpx.Response(401, json=load("auth_error")), ok("delivered"))
    results = await adapter_for(fake).track([NUMBER])
    assert results[NUMBER].status is Status.DELIVERED
    assert fake.token_calls == 2
    assert [r.headers["Authorization"] for r in fake.track_requests] == [
        "Bearer tok-1",
        "Bearer tok-2",
    ]


async def test_second_401_is_an_auth_error() -> None:
    unauthorized = httpx.Response(401, json=load("auth_error"))
    fake = FakeUps(unauthorized, unauthorized)
    with pytest.raises(CarrierAuthError) as caught:
        await adapter_for(fake).track([NUMBER])
    assert "s3cret" not in str(caught.value)
    assert len(fake.track_requests) == 2
    assert fake.token_calls == 2


@pytest.mark.parametrize("status", [400, 401, 403])
async def test_token_endpoint_refusing_credentials(status: int) -> None:
    fake = FakeUps(token=httpx.Response(status, json={"response": {"errors": []}}))
    with pytest.raises(CarrierAuthError) as caught:
        await adapter_for(fake).track([NUMBER])
    assert "s3cret" not in str(caught.value)
    assert "aWQ6czNjcmV0" not in str(caught.value)  # base64 of id:s3cret
    assert fake.track_requests == []


async def test_token_answer_without_access_token() -> None:
    fake = FakeUps(token=httpx.Response(200, json={"expires_in": "14399"}))
    with pytest.raises(CarrierResponseError):
        await adapter_for(fake).track([NUMBER])


async def test_429_pauses_the_budget() -> None:
    fake = FakeUps(httpx.Response(429, headers={"Retry-After": "30"}, json={}))
    adapter = adapter_for(fake)
    with pytest.raises(CarrierRateLimited) as caught:
        await adapter.track([NUMBER])
    assert caught.value.retry_after == 30
    sent = len(fake.requests)
    with pytest.raises(CarrierRateLimited):
        await adapter.track([NUMBER])
    assert len(fake.requests) == sent  # refused before reaching the transport


@pytest.mark.parametrize("status", [500, 503])
async def test_server_errors(status: int) -> None:
    body = {"response": {"errors": [{"code": "9999", "message": "Resource is not available"}]}}
    fake = FakeUps(httpx.Response(status, json=body))
    with pytest.raises(CarrierUnavailable):
        await adapter_for(fake).track([NUMBER])


async def test_one_failed_number_fails_the_call() -> None:
    fake = FakeUps(ok("label_created"), httpx.Response(503))
    with pytest.raises(CarrierUnavailable):
        await adapter_for(fake, max_concurrency=1).track([NUMBER, "1Z999AA10123456795"])


async def test_malformed_json() -> None:
    fake = FakeUps(httpx.Response(200, content=b"<html>oops</html>"))
    with pytest.raises(CarrierResponseError):
        await adapter_for(fake).track([NUMBER])


async def test_schema_drifted_200() -> None:
    with pytest.raises(CarrierResponseError):
        await adapter_for(FakeUps(ok("schema_drift"))).track([NUMBER])


async def test_answer_without_the_shipment_asked() -> None:
    body: dict[str, Any] = {"trackResponse": {"shipment": []}}
    with pytest.raises(CarrierResponseError):
        await adapter_for(FakeUps(httpx.Response(200, json=body))).track([NUMBER])


async def test_timeout() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == TOKEN_PATH:
            return ok("token")
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(CarrierTimeout):
        await adapter_for(handler).track([NUMBER])


async def test_not_found_200_over_http() -> None:
    body = load("not_found")
    body["trackResponse"]["shipment"][0]["inquiryNumber"] = NUMBER
    results = await adapter_for(FakeUps(httpx.Response(200, json=body))).track([NUMBER])
    assert results[NUMBER].problem is Problem.NOT_FOUND


async def test_not_found_404() -> None:
    fake = FakeUps(httpx.Response(404, json=load("not_found_404")))
    result = (await adapter_for(fake).track([NUMBER]))[NUMBER]
    assert result.problem is Problem.NOT_FOUND
    assert result.status_text == "Tracking Information Not Found"


async def test_404_without_ups_error_body_is_not_a_parcel_fact() -> None:
    fake = FakeUps(httpx.Response(404, content=b"<html>Not Found</html>"))
    with pytest.raises(CarrierResponseError):
        await adapter_for(fake).track([NUMBER])


async def test_invalid_number_400() -> None:
    fake = FakeUps(httpx.Response(400, json=load("invalid_number")))
    result = (await adapter_for(fake).track([NUMBER]))[NUMBER]
    assert result.problem is Problem.INVALID_NUMBER
    assert result.status is Status.PENDING


async def test_other_400_is_an_error() -> None:
    body = {"response": {"errors": [{"code": "TV9999", "message": "Bad request"}]}}
    with pytest.raises(CarrierResponseError):
        await adapter_for(FakeUps(httpx.Response(400, json=body))).track([NUMBER])


async def test_impossible_number_costs_no_call() -> None:
    fake = FakeUps()
    results = await adapter_for(fake).track(["1Z12", "1Z/../../x"])
    assert {r.problem for r in results.values()} == {Problem.INVALID_NUMBER}
    assert fake.requests == []


async def test_unknown_code_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    fake = FakeUps(ok("unknown_code"), ok("unknown_code"))
    adapter = adapter_for(fake)
    with caplog.at_level(logging.WARNING, logger="smsbot.carriers.ups"):
        await adapter.track([NUMBER])
        await adapter.track([NUMBER])
    warnings = [r for r in caplog.records if r.name == "smsbot.carriers.ups"]
    assert len(warnings) == 1
    assert "998" in warnings[0].getMessage()


# --- configuration ---------------------------------------------------------------------


def test_create_does_no_io() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("create() must not call the carrier")

    adapter = adapter_for(handler)
    assert adapter.name == "ups"
    assert adapter.display_name == "UPS"


@pytest.mark.parametrize("key", ["client_id", "client_secret"])
def test_missing_credentials_name_the_key(key: str) -> None:
    http = httpx.AsyncClient(transport=httpx.MockTransport(FakeUps()))
    with pytest.raises(ConfigError) as caught:
        ups.create(make_config(**{key: None}), http)
    assert caught.value.key == f"carriers.ups.{key}"
    assert f"SMSBOT_UPS_{key.upper()}" in str(caught.value)


async def test_credentials_from_environment() -> None:
    fake = FakeUps(ok("label_created"))
    environ = {"SMSBOT_UPS_CLIENT_ID": "env-id", "SMSBOT_UPS_CLIENT_SECRET": "env-secret"}
    config = CarrierConfig(
        "ups", {"base_url": "https://carrier.test", "requests_per_second": 1000}, environ=environ
    )
    await ups.create(config, httpx.AsyncClient(transport=httpx.MockTransport(fake))).track([NUMBER])
    basic = base64.b64encode(b"env-id:env-secret").decode()
    assert fake.requests[0].headers["Authorization"] == f"Basic {basic}"


def test_manifest_only_activity_of_type_i_is_label_created() -> None:
    """Item 3: the only activity is MP (type I, no currentStatus): a label, not in transit."""
    result = parse("manifest_only_type_i")
    assert result.status is Status.LABEL_CREATED
    assert [event.status for event in result.events] == [Status.LABEL_CREATED]
    assert result.events[0].zone == "America/New_York"


def test_cross_country_local_times_sort_as_instants() -> None:
    """Item 7: scans printed in each facility's local time, Eastern to Hawaii, are ordered
    by when they happened, not by their wall clocks (Louisville's 11:30 PM Eastern comes
    before Ontario's 10:40 PM Pacific)."""
    events = parse("cross_country_local_times").events
    assert [event.location for event in events] == [
        "Memphis, TN, US",
        "Denver, CO, US",
        "Louisville, KY, US",
        "Ontario, CA, US",
        "Anchorage, AK, US",
        "Honolulu, HI, US",
    ]
    assert [event.zone for event in events] == [
        "America/Chicago",
        "America/Denver",
        "America/New_York",
        "America/Los_Angeles",
        "America/Anchorage",
        "Pacific/Honolulu",
    ]
    newest = events[-1].time
    assert newest.astimezone(UTC) == datetime(2025, 1, 15, 9, 50, tzinfo=UTC)
