"""USPS adapter: parsing recorded payloads, and the HTTP contract on a mock transport."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from carriers import usps
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
    Problem,
    Status,
    TrackingResult,
    carrier_local,
)

FIXTURES = Path(__file__).parent / "fixtures" / "usps"
NUMBER = "9400109104250532908587"
EST = timezone(timedelta(hours=-5))
MST = timezone(timedelta(hours=-7))

Handler = Callable[[httpx.Request], httpx.Response]


def load(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def parse(name: str, number: str = NUMBER) -> TrackingResult:
    return usps.parse_tracking(load(name), number)


def make_config(**overrides: Any) -> CarrierConfig:
    values: dict[str, Any] = {
        "client_id": "id",
        "client_secret": "s3cret",
        "base_url": "https://carrier.test",
        "requests_per_second": 1000,  # no spacing sleeps in tests
    }
    values.update(overrides)
    return CarrierConfig("usps", {k: v for k, v in values.items() if v is not None}, environ={})


class FakeUsps:
    """A scripted USPS: token answers and tracking answers, each taken in order."""

    def __init__(
        self, *tracking: httpx.Response, tokens: list[httpx.Response] | None = None
    ) -> None:
        self.tracking = list(tracking)
        self.tokens = tokens
        self.requests: list[httpx.Request] = []
        self.token_calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/oauth2/v3/token":
            self.token_calls += 1
            if self.tokens:
                return self.tokens.pop(0)
            body = {**load("token"), "access_token": f"tok-{self.token_calls}"}
            return httpx.Response(200, json=body)
        if len(self.tracking) > 1:
            return self.tracking.pop(0)
        return self.tracking[0]

    @property
    def tracking_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path.startswith("/tracking/")]


def adapter_for(handler: Handler, **overrides: Any) -> usps.UspsAdapter:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return usps.create(make_config(**overrides), http)


def ok(name: str) -> httpx.Response:
    return httpx.Response(200, json=load(name))


# --- parsing -------------------------------------------------------------------------------


def test_label_created() -> None:
    result = parse("label_created")
    assert result.status is Status.LABEL_CREATED
    assert result.status_code == "Pre-Shipment"
    assert result.status_text == "Pre-Shipment, USPS Awaiting Item"
    assert result.eta is None
    assert result.delay_reason is None
    assert result.events[0].status is Status.LABEL_CREATED
    assert result.events[0].location == "SPRINGFIELD GARDENS, NY"


def test_in_transit_with_predicted_window_and_unpadded_offset() -> None:
    result = parse("in_transit")
    assert result.status is Status.IN_TRANSIT
    assert result.eta is not None
    assert result.eta.earliest == date(2024, 11, 22)
    assert result.eta.window_start == carrier_local(datetime(2024, 11, 22, 9, 0))
    assert result.eta.window_end == carrier_local(datetime(2024, 11, 22, 13, 0))
    assert not result.eta.estimated
    # given newest first; "-7:00" offsets and an unpadded "T9:10:00" hour
    assert [event.code for event in result.events] == ["03", "A1", "TL"]
    first = result.events[0].time
    assert first == datetime(2024, 11, 19, 9, 10, tzinfo=MST)
    assert first.utcoffset() == timedelta(hours=-7)
    assert result.last_location == "PHOENIX AZ DISTRIBUTION CENTER"
    assert result.events[-1].location is None
    assert result.delivered_at is None


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        ("14:30:00", carrier_local(datetime(2024, 11, 22, 14, 30))),
        ("2:30 pm", carrier_local(datetime(2024, 11, 22, 14, 30))),
        ("2024-11-22T14:30:00-07:00", datetime(2024, 11, 22, 14, 30, tzinfo=MST)),
        ("soon", None),
    ],
)
def test_predicted_window_formats(start: str, expected: datetime | None) -> None:
    payload = {**load("in_transit"), "predictedDeliveryWindowStartTime": start}
    eta = usps.parse_tracking(payload, NUMBER).eta
    assert eta is not None
    assert eta.window_start == expected


def test_out_for_delivery_prefers_expected_timestamp() -> None:
    result = parse("out_for_delivery")
    assert result.status is Status.OUT_FOR_DELIVERY
    assert result.eta is not None
    assert result.eta.earliest == date(2024, 11, 22)
    assert result.eta.window_start is None
    assert result.last_event is not None
    assert result.last_event.status is Status.OUT_FOR_DELIVERY


def test_delivered_front_door_with_proof() -> None:
    result = parse("delivered")
    assert result.status is Status.DELIVERED
    assert result.delivered_at == datetime(2024, 11, 22, 13, 58, tzinfo=EST)
    assert result.delivered_at is not None
    assert result.delivered_at.utcoffset() == timedelta(hours=-5)
    assert result.delivery_location == "front door"
    assert result.proof_of_delivery
    assert result.delay_reason is None
    assert result.pieces == 1
    assert [event.status for event in result.events] == [
        Status.OUT_FOR_DELIVERY,
        Status.DELIVERED,
    ]


def test_delivered_without_offsets_is_carrier_local() -> None:
    result = parse("delivered_mailbox_no_offset")
    assert result.delivery_location == "mailbox"
    # No offset: the wall clock of the delivery scan's place, Fairfax VA (item 7).
    assert result.delivered_at == datetime(2024, 12, 2, 14, 14, tzinfo=ZoneInfo("America/New_York"))
    assert not result.proof_of_delivery  # "false" as a string
    assert result.events[0].location == "FAIRFAX, VA"


def test_delivered_signed_counts_as_proof() -> None:
    result = parse("delivered_signed")
    assert result.delivery_location == "left with individual"
    assert result.proof_of_delivery
    assert result.delivered_at == datetime(2024, 12, 3, 10, 5, tzinfo=timezone(timedelta(hours=-8)))


def test_delivery_attempted() -> None:
    result = parse("attempted")
    assert result.status is Status.DELIVERY_ATTEMPTED
    assert result.delay_reason is DelayReason.RECIPIENT_UNAVAILABLE
    assert result.events[0].status is Status.DELIVERY_ATTEMPTED
    assert result.delivered_at is None


def test_available_for_pickup_event_status_from_text() -> None:
    result = parse("available_for_pickup")
    assert result.status is Status.AVAILABLE_FOR_PICKUP
    assert result.events[0].status is Status.AVAILABLE_FOR_PICKUP  # unknown code "X1"
    assert result.delay_reason is None


@pytest.mark.parametrize(
    ("name", "status", "reason"),
    [
        ("exception_weather", Status.EXCEPTION, DelayReason.WEATHER),
        ("exception_customs", Status.EXCEPTION, DelayReason.CUSTOMS),
        ("exception_address", Status.EXCEPTION, DelayReason.ADDRESS),
        ("exception_refused", Status.EXCEPTION, DelayReason.REFUSED),
        ("exception_dead_mail", Status.EXCEPTION, DelayReason.LOST),
        ("receptacle_full", Status.DELIVERY_ATTEMPTED, DelayReason.RECIPIENT_UNAVAILABLE),
        ("no_access", Status.DELIVERY_ATTEMPTED, DelayReason.RECIPIENT_UNAVAILABLE),
        ("returning", Status.RETURNING, DelayReason.REFUSED),
    ],
)
def test_exceptions_and_delays(name: str, status: Status, reason: DelayReason) -> None:
    result = parse(name)
    assert result.status is status
    assert result.delay_reason is reason
    assert result.last_location == "MEMPHIS, TN"
    assert result.last_event is not None
    assert result.last_event.time == datetime(2024, 12, 6, 7, 45, tzinfo=EST)


def test_unknown_category_keeps_the_carrier_words() -> None:
    result = parse("unknown_status")
    assert result.status is Status.UNKNOWN
    assert result.status_code == "Forwarded"
    assert result.status_text == "Forwarded"
    assert result.events[-1].status is Status.UNKNOWN


def test_error_inside_a_200_reads_as_not_found() -> None:
    result = parse("error_in_200")
    assert result.problem is Problem.NOT_FOUND
    assert result.status is Status.PENDING


def test_error_inside_a_200_with_another_code_is_drift() -> None:
    with pytest.raises(CarrierResponseError):
        usps.parse_tracking(load("error_503"), NUMBER)


def test_numbers_given_as_is_key_the_result() -> None:
    assert parse("delivered", "9361 2896 7309 0019 5550 35").number == "9361 2896 7309 0019 5550 35"


@pytest.mark.parametrize(
    "payload",
    [
        load("drifted"),  # the SUMMARY shape
        [],
        {"statusCategory": ["Delivered"]},
        {"statusCategory": "Delivered", "trackingEvents": {"eventCode": "01"}},
        {"statusCategory": "Delivered", "trackingEvents": [{"eventCode": "01"}]},
        {"statusCategory": "Delivered", "trackingEvents": [{"eventTimestamp": "yesterday"}]},
        {"statusCategory": "Delivered", "trackingEvents": [{"eventTimestamp": 1732290000}]},
    ],
)
def test_schema_drift_raises(payload: object) -> None:
    with pytest.raises(CarrierResponseError):
        usps.parse_tracking(payload, NUMBER)


def test_mixed_offsets_fall_back_to_local_time_placed_by_state() -> None:
    payload = load("out_for_delivery")
    del payload["trackingEvents"][1]["GMTOffset"]
    del payload["trackingEvents"][1]["GMTTimestamp"]
    result = usps.parse_tracking(payload, NUMBER)
    assert all(event.zone for event in result.events)
    assert [event.code for event in result.events] == ["07", "OF"]


# --- HTTP ----------------------------------------------------------------------------------


async def test_paths_headers_and_token_body() -> None:
    fake = FakeUsps(ok("delivered"))
    results = await adapter_for(fake).track([NUMBER])
    assert results[NUMBER].status is Status.DELIVERED
    token_request, track_request = fake.requests
    assert token_request.method == "POST"
    assert token_request.url == "https://carrier.test/oauth2/v3/token"
    assert json.loads(token_request.content) == {
        "grant_type": "client_credentials",
        "client_id": "id",
        "client_secret": "s3cret",
    }
    assert track_request.method == "GET"
    assert track_request.url.host == "carrier.test"
    assert track_request.url.path == f"/tracking/v3/tracking/{NUMBER}"
    assert track_request.url.params["expand"] == "DETAIL"
    assert track_request.headers["Authorization"] == "Bearer tok-1"
    assert track_request.headers["Accept"] == "application/json"


@pytest.mark.parametrize(
    ("base_url", "host"),
    [(None, "apis.usps.com"), ("https://apis-tem.usps.com/", "apis-tem.usps.com")],
)
async def test_base_url(base_url: str | None, host: str) -> None:
    fake = FakeUsps(ok("in_transit"))
    await adapter_for(fake, base_url=base_url).track([NUMBER])
    assert {request.url.host for request in fake.requests} == {host}
    assert fake.tracking_requests[0].url.path == f"/tracking/v3/tracking/{NUMBER}"


async def test_several_numbers_one_request_each() -> None:
    fake = FakeUsps(ok("in_transit"))
    spaced = "9400 1091 0425 0532 9085 87"
    results = await adapter_for(fake).track([NUMBER, "9205590982952107001084", NUMBER, spaced])
    assert set(results) == {NUMBER, "9205590982952107001084", spaced}
    paths = sorted(request.url.path for request in fake.tracking_requests)
    assert paths == sorted(
        [
            f"/tracking/v3/tracking/{NUMBER}",
            f"/tracking/v3/tracking/{NUMBER}",
            "/tracking/v3/tracking/9205590982952107001084",
        ]
    )
    assert fake.token_calls == 1


async def test_empty_request_makes_no_call() -> None:
    fake = FakeUsps(ok("in_transit"))
    assert await adapter_for(fake).track([]) == {}
    assert fake.requests == []


async def test_token_is_reused_across_concurrent_calls() -> None:
    fake = FakeUsps(ok("in_transit"))
    adapter = adapter_for(fake)
    await asyncio.gather(*(adapter.track([NUMBER]) for _ in range(5)))
    assert fake.token_calls == 1
    assert adapter.tokens.fetches == 1
    assert len(fake.tracking_requests) == 5


async def test_short_lived_token_is_fetched_again() -> None:
    # expires_in arrives as a string; 60 s is inside the cache's refresh margin.
    short = httpx.Response(200, json={**load("token"), "expires_in": "60"})
    fake = FakeUsps(ok("in_transit"), tokens=[short, short])
    adapter = adapter_for(fake)
    await adapter.track([NUMBER])
    await adapter.track([NUMBER])
    assert adapter.tokens.fetches == 2


async def test_401_refreshes_the_token_once_and_retries() -> None:
    fake = FakeUsps(httpx.Response(401, json=load("error_401")), ok("delivered"))
    results = await adapter_for(fake).track([NUMBER])
    assert results[NUMBER].status is Status.DELIVERED
    assert fake.token_calls == 2
    first, second = fake.tracking_requests
    assert first.headers["Authorization"] == "Bearer tok-1"
    assert second.headers["Authorization"] == "Bearer tok-2"


async def test_second_401_is_an_auth_error() -> None:
    fake = FakeUsps(httpx.Response(401, json=load("error_401")))
    with pytest.raises(CarrierAuthError):
        await adapter_for(fake).track([NUMBER])
    assert len(fake.tracking_requests) == 2


async def test_403_is_an_auth_error_without_retry() -> None:
    fake = FakeUsps(httpx.Response(403, json=load("error_401")))
    with pytest.raises(CarrierAuthError):
        await adapter_for(fake).track([NUMBER])
    assert len(fake.tracking_requests) == 1


@pytest.mark.parametrize("status", [400, 401])
async def test_refused_credentials_at_the_token_endpoint(status: int) -> None:
    refused = httpx.Response(status, json=load("token_refused"))
    fake = FakeUsps(ok("delivered"), tokens=[refused])
    with pytest.raises(CarrierAuthError) as caught:
        await adapter_for(fake).track([NUMBER])
    assert "s3cret" not in str(caught.value)
    assert fake.tracking_requests == []


async def test_token_answer_without_a_token_is_drift() -> None:
    fake = FakeUsps(ok("delivered"), tokens=[httpx.Response(200, json={"status": "approved"})])
    with pytest.raises(CarrierResponseError):
        await adapter_for(fake).track([NUMBER])


async def test_429_pauses_the_budget() -> None:
    limited = httpx.Response(429, headers={"Retry-After": "30"}, json=load("error_429"))
    fake = FakeUsps(limited)
    adapter = adapter_for(fake)
    with pytest.raises(CarrierRateLimited) as caught:
        await adapter.track([NUMBER])
    assert caught.value.retry_after == 30
    sent = len(fake.requests)
    with pytest.raises(CarrierRateLimited):
        await adapter.track([NUMBER])
    assert len(fake.requests) == sent


@pytest.mark.parametrize("status", [500, 503])
async def test_server_errors(status: int) -> None:
    fake = FakeUsps(httpx.Response(status, json=load("error_503")))
    with pytest.raises(CarrierUnavailable):
        await adapter_for(fake).track([NUMBER])


async def test_a_failure_among_several_numbers_raises_one_carrier_error() -> None:
    fake = FakeUsps(httpx.Response(503, json=load("error_503")))
    with pytest.raises(CarrierUnavailable):
        await adapter_for(fake).track([NUMBER, "9205590982952107001084", "9241999996333426012948"])


async def test_malformed_json() -> None:
    fake = FakeUsps(httpx.Response(200, text="<html>maintenance</html>"))
    with pytest.raises(CarrierResponseError):
        await adapter_for(fake).track([NUMBER])


async def test_schema_drifted_200() -> None:
    fake = FakeUsps(ok("drifted"))
    with pytest.raises(CarrierResponseError):
        await adapter_for(fake).track([NUMBER])


async def test_timeout() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(CarrierTimeout):
        await adapter_for(handler).track([NUMBER])


async def test_404_is_not_found() -> None:
    fake = FakeUsps(httpx.Response(404, json=load("not_found")))
    result = (await adapter_for(fake).track([NUMBER]))[NUMBER]
    assert result.problem is Problem.NOT_FOUND
    assert result.status is Status.PENDING
    assert result.status_text.startswith("Tracking is not available for this item.")


async def test_404_without_a_body_is_not_found() -> None:
    fake = FakeUsps(httpx.Response(404, text="Not Found"))
    result = (await adapter_for(fake).track([NUMBER]))[NUMBER]
    assert result.problem is Problem.NOT_FOUND


async def test_400_naming_the_number_is_an_invalid_number() -> None:
    fake = FakeUsps(httpx.Response(400, json=load("invalid_number")))
    result = (await adapter_for(fake).track(["12345"]))["12345"]
    assert result.problem is Problem.INVALID_NUMBER
    assert result.status is Status.PENDING


async def test_other_400_is_a_response_error() -> None:
    fake = FakeUsps(httpx.Response(400, json=load("bad_request_other")))
    with pytest.raises(CarrierResponseError):
        await adapter_for(fake).track([NUMBER])


async def test_unknown_codes_are_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    fake = FakeUsps(ok("unknown_status"))
    adapter = adapter_for(fake)
    with caplog.at_level(logging.WARNING, logger="smsbot.carriers.usps"):
        await adapter.track([NUMBER])
        await adapter.track([NUMBER])
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 1
    assert "'Forwarded'" in messages[0]


# --- configuration -------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["client_id", "client_secret"])
def test_missing_credentials_name_the_key(key: str) -> None:
    http = httpx.AsyncClient(transport=httpx.MockTransport(FakeUsps(ok("delivered"))))
    with pytest.raises(ConfigError) as caught:
        usps.create(make_config(**{key: None}), http)
    assert caught.value.key == f"carriers.usps.{key}"
    assert f"SMSBOT_USPS_{key.upper()}" in str(caught.value)


def test_credentials_from_the_environment() -> None:
    environ = {"SMSBOT_USPS_CLIENT_ID": "env-id", "SMSBOT_USPS_CLIENT_SECRET": "env-secret"}
    config = CarrierConfig("usps", {}, environ=environ)
    http = httpx.AsyncClient(transport=httpx.MockTransport(FakeUsps(ok("delivered"))))
    adapter = usps.create(config, http)
    assert adapter.name == "usps"
    assert adapter.display_name == "USPS"
    # the USPS quota is small: the default budget keeps bursts small
    assert adapter.budget.max_concurrency == 2
    assert adapter.budget.requests_per_second == 1.0


async def test_freshly_labelled_parcel_reads_as_label_created() -> None:
    """Item 1: HTTP 400 with catalogue code 150001 is a label not yet scanned, not an error."""
    fake = FakeUsps(httpx.Response(400, json=load("label_only_150001")))
    result = (await adapter_for(fake).track([NUMBER]))[NUMBER]
    assert result.status is Status.LABEL_CREATED
    assert result.problem is None
    assert result.status_code == "150001"
    assert result.status_text.startswith("A status update is not yet available")


async def test_not_found_code_in_a_400_is_not_found() -> None:
    fake = FakeUsps(httpx.Response(400, json=load("not_found_in_400")))
    result = (await adapter_for(fake).track([NUMBER]))[NUMBER]
    assert result.problem is Problem.NOT_FOUND


async def test_status_text_inside_an_error_body_is_read() -> None:
    fake = FakeUsps(httpx.Response(404, json=load("status_in_error_body")))
    result = (await adapter_for(fake).track([NUMBER]))[NUMBER]
    assert result.status is Status.LABEL_CREATED
    assert result.problem is None


def test_label_only_error_inside_a_200_reads_the_same() -> None:
    payload = load("label_only_150001")
    payload["error"]["code"] = "200"
    assert usps.parse_tracking(payload, NUMBER).status is Status.LABEL_CREATED


def test_not_yet_available_in_a_200_is_label_created_too() -> None:
    payload = {
        "trackingNumber": NUMBER,
        "statusCategory": "",
        "status": "A status update is not yet available on your package",
    }
    assert usps.parse_tracking(payload, NUMBER).status is Status.LABEL_CREATED


@pytest.mark.parametrize(
    ("stamp", "offset"), [("9999-12-31T23:30:00", "+05:00"), ("0001-01-01T00:30:00", "-05:00")]
)
def test_an_event_time_past_the_calendar_is_drift_not_a_crash(stamp: str, offset: str) -> None:
    """Found by the fuzz test: a GMT time at year 9999 (or 1) moved to its offset overflows."""
    payload = load("in_transit")
    for event in payload["trackingEvents"]:
        event.pop("eventTimestamp", None)
        event["GMTTimestamp"], event["GMTOffset"] = stamp, offset
    with pytest.raises(CarrierResponseError, match="out of range"):
        usps.parse_tracking(payload, NUMBER)
