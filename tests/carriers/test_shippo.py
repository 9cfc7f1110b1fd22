"""The Shippo adapter: parsing recorded Track objects, and the HTTP conversation on a mock
transport (carrier codes, test numbers, errors, budget)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from carriers import shippo
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
    AggregatorAdapter,
    CarrierAdapter,
    CarrierConfig,
    CheckableAdapter,
    DelayReason,
    Eta,
    Problem,
    Status,
    TrackingResult,
)

FIXTURES = Path(__file__).parent / "fixtures" / "shippo"
NUMBER = "9205590164917312751089"
ROYAL_MAIL = "RB123456785GB"
TOKEN = "shippo_live_0123456789abcdef"

Handler = Callable[[httpx.Request], httpx.Response]


def load(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def parse(name: str) -> TrackingResult:
    return shippo.parse_track_response(load(name), NUMBER)


def make_config(**values: Any) -> CarrierConfig:
    # A high rate keeps multi-request tests from waiting on the real spacing.
    base = {"api_token": TOKEN, "base_url": "https://shippo.test", "requests_per_second": 1000}
    return CarrierConfig("shippo", {**base, **values}, environ={})


def make_adapter(handler: Handler, **values: Any) -> shippo.ShippoAdapter:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return shippo.create(make_config(**values), http)


def answer(name: str, status: int = 200, **headers: str) -> Handler:
    body = (FIXTURES / f"{name}.json").read_bytes()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers=headers)

    return handler


def track_with(status: str, details: str, sub: str | None, action: bool = False) -> dict[str, Any]:
    """A Track object whose current status is `status`/`sub` with the text `details`."""
    substatus = None if sub is None else {"code": sub, "text": "", "action_required": action}
    current = {
        "status": status,
        "status_details": details,
        "status_date": "2024-11-20T10:00:00Z",
        "substatus": substatus,
        "location": None,
    }
    return {"carrier": "usps", "tracking_number": NUMBER, "tracking_status": current,
            "tracking_history": [current]}  # fmt: skip


# The adapter kit's conformance suite: `track` (with default_carrier) and `track_for`.

SPEC = AdapterSpec(
    shippo,
    config={
        "api_token": TOKEN,
        "base_url": "https://shippo.test",
        "requests_per_second": 1000,
        "default_carrier": "usps",
    },
    numbers=(NUMBER, "9400111899223197428490", "SHIPPO_TRANSIT"),
    routes=Router().add("GET /tracks/{carrier}/{number}", reply_file(FIXTURES / "transit.json")),
    routed_carrier="royal_mail",
)


@pytest.mark.parametrize("check", checks_for(SPEC), ids=str)
async def test_conformance(check: Check) -> None:
    await check.run_async(SPEC)


# Parsing: one fixture per status family


def test_pre_transit_is_label_created() -> None:
    result = parse("pre_transit")
    assert result.status is Status.LABEL_CREATED
    assert result.status_code == "PRE_TRANSIT/information_received"
    assert result.status_text == "Shipping Label Created, USPS Awaiting Item"
    assert result.eta == Eta(date(2024, 11, 22))
    assert result.service_carrier == "usps"
    assert result.delay_reason is None
    assert result.last_location is None


def test_transit_events_are_sorted_aware_and_placed() -> None:
    result = parse("transit")
    assert result.status is Status.IN_TRANSIT
    assert result.eta is not None and result.eta.earliest == date(2024, 11, 22)
    assert not result.eta.estimated
    assert [event.code for event in result.events] == [
        "PRE_TRANSIT/information_received",
        "TRANSIT/package_accepted",
        "TRANSIT/package_arrived",  # listed after "departed" in the payload
        "TRANSIT/package_departed",
    ]
    assert all(event.time.tzinfo is UTC for event in result.events)
    first, accepted, _, departed = result.events
    assert first.status is Status.LABEL_CREATED and first.location is None
    assert accepted.time == datetime(2024, 11, 18, 21, 40, tzinfo=UTC)
    assert accepted.location == "San Francisco, CA, US"
    assert departed.description == "Departed USPS Regional Facility"
    assert result.last_location == "Oakland, CA, US"
    assert result.delay_reason is None
    assert result.pieces == 1


def test_out_for_delivery() -> None:
    result = parse("out_for_delivery")
    assert result.status is Status.OUT_FOR_DELIVERY
    assert result.eta is not None and result.eta.earliest == date(2024, 11, 21)
    assert result.events[-1].status is Status.OUT_FOR_DELIVERY


def test_delivered_with_time_and_place() -> None:
    result = parse("delivered")
    assert result.status is Status.DELIVERED
    assert result.delivered_at == datetime(2024, 11, 21, 19, 14, tzinfo=UTC)
    assert result.delivery_location == "front door"
    assert result.eta is None
    assert result.delay_reason is None
    assert not result.proof_of_delivery  # Shippo's Track object has no proof of delivery


def test_delivery_attempted_reads_why_from_the_text() -> None:
    result = parse("delivery_attempted")
    assert result.status is Status.DELIVERY_ATTEMPTED
    assert result.delay_reason is DelayReason.RECIPIENT_UNAVAILABLE


def test_pickup_available() -> None:
    result = parse("pickup_available")
    assert result.status is Status.AVAILABLE_FOR_PICKUP
    assert result.last_location == "Chicago, IL, US"


def test_weather_delay_stays_in_transit_with_the_new_eta() -> None:
    result = parse("delayed_weather")
    assert result.status is Status.IN_TRANSIT
    assert result.delay_reason is DelayReason.WEATHER
    assert result.eta == Eta(date(2024, 11, 25))  # eta, not original_eta
    assert result.last_location == "Memphis, TN, US"


@pytest.mark.parametrize(
    ("fixture", "reason"),
    [
        ("address_issue", DelayReason.ADDRESS),
        ("package_held_customs", DelayReason.CUSTOMS),
        ("package_damaged", DelayReason.DAMAGED),
        ("contact_carrier", DelayReason.OTHER),
        ("failure_lost", DelayReason.LOST),
        ("failure_undeliverable", DelayReason.ADDRESS),  # "Undeliverable as Addressed"
    ],
)
def test_exceptions(fixture: str, reason: DelayReason) -> None:
    result = parse(fixture)
    assert result.status is Status.EXCEPTION
    assert result.delay_reason is reason


def test_customs_hold_is_royal_mail_without_eta() -> None:
    result = parse("package_held_customs")
    assert result.service_carrier == "royal_mail"
    assert result.eta is None
    assert result.last_location == "London, GB"


def test_failure_has_no_eta() -> None:
    assert parse("failure_lost").eta is None


@pytest.mark.parametrize(
    ("fixture", "reason"), [("returned", None), ("unclaimed", DelayReason.RECIPIENT_UNAVAILABLE)]
)
def test_returned_is_returning(fixture: str, reason: DelayReason | None) -> None:
    result = parse(fixture)
    assert result.status is Status.RETURNING
    assert result.delay_reason is reason
    assert result.eta is None


@pytest.mark.parametrize(
    ("status", "details", "sub", "action", "expected", "reason"),
    [
        ("TRANSIT", "Notice left", "notice_left", True, Status.DELIVERY_ATTEMPTED, None),
        ("TRANSIT", "Please reschedule", "reschedule_delivery", True,
         Status.DELIVERY_ATTEMPTED, None),
        ("TRANSIT", "Gate locked", "location_inaccessible", True, Status.EXCEPTION,
         DelayReason.ADDRESS),
        ("TRANSIT", "At the post office", "package_available_for_pickup", True,
         Status.AVAILABLE_FOR_PICKUP, None),
        ("TRANSIT", "Delivery rescheduled", "delivery_rescheduled", False, Status.IN_TRANSIT, None),
        ("TRANSIT", "Departed customs facility", "package_departed", False, Status.IN_TRANSIT,
         None),  # progress, not a customs hold
        ("TRANSIT", "Delayed: holiday closure", "delayed", False, Status.IN_TRANSIT,
         DelayReason.HOLIDAY),
        ("TRANSIT", "Delayed", "delayed", False, Status.IN_TRANSIT, DelayReason.CARRIER_DELAY),
        ("TRANSIT", "Awaiting payment of duties", "package_held", True, Status.EXCEPTION,
         DelayReason.HELD_FOR_PAYMENT),
        ("TRANSIT", "Something needs doing", "other", True, Status.EXCEPTION, DelayReason.OTHER),
        ("TRANSIT", "Moving", None, False, Status.IN_TRANSIT, None),
        ("FAILURE", "Refused by recipient", "package_undeliverable", True, Status.EXCEPTION,
         DelayReason.REFUSED),
        ("FAILURE", "Disposed", "package_disposed", False, Status.EXCEPTION, DelayReason.OTHER),
        ("DELIVERED", "Delivered to neighbor", "delivered", False, Status.DELIVERED, None),
        ("PRE_TRANSIT", "Label created", "information_received", False, Status.LABEL_CREATED,
         None),
    ],
)  # fmt: skip
def test_substatus_refines_the_status(
    status: str,
    details: str,
    sub: str | None,
    action: bool,
    expected: Status,
    reason: DelayReason | None,
) -> None:
    result = shippo.parse_track_response(track_with(status, details, sub, action), NUMBER)
    assert (result.status, result.delay_reason) == (expected, reason)


def test_delivered_to_a_neighbour() -> None:
    payload = track_with("DELIVERED", "Delivered to neighbor at 12", "delivered")
    assert shippo.parse_track_response(payload, NUMBER).delivery_location == "neighbour"


@pytest.mark.parametrize("fixture", ["unknown", "no_status"])
def test_nothing_known_is_not_found(fixture: str) -> None:
    result = parse(fixture)
    assert result.status is Status.PENDING
    assert result.problem is Problem.NOT_FOUND
    assert result.events == ()
    assert result.number == NUMBER


def test_not_found_keeps_shippos_message() -> None:
    assert parse("no_status").status_text == "Tracking information not available"


def test_unknown_with_history_keeps_the_carriers_words() -> None:
    result = parse("unknown_with_history")
    assert result.status is Status.UNKNOWN
    assert result.problem is None
    assert result.status_text == "Item processed at origin depot"
    assert len(result.events) == 3


def test_unmapped_status_code_is_unknown() -> None:
    result = parse("unmapped_status")
    assert result.status is Status.UNKNOWN
    assert result.status_code == "HELD_AT_DEPOT"
    assert result.status_text == "Held at depot"


def test_odd_timestamps() -> None:
    result = parse("odd_timestamps")
    # No date and "yesterday" are skipped; the current status is the last history entry.
    assert [event.time for event in result.events] == [
        datetime(2024, 11, 5, 9, 7, tzinfo=UTC),  # unpadded
        datetime(2024, 11, 6, 10, 0, tzinfo=UTC),  # no offset: Shippo's times are UTC
        datetime(2024, 11, 6, 12, 30, 0, 123456, tzinfo=timezone(timedelta(hours=1))),
        datetime(2024, 11, 7, tzinfo=UTC),  # a bare date
    ]
    assert result.eta == Eta(date(2024, 11, 9))  # "2024-11-9"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-11-20T10:00:00Z", datetime(2024, 11, 20, 10, tzinfo=UTC)),
        ("2024-11-20T10:00:00+0530", datetime(2024, 11, 20, 4, 30, tzinfo=UTC)),
        ("2024-11-20 10:00", datetime(2024, 11, 20, 10, tzinfo=UTC)),
        ("2024-02-30T10:00:00Z", None),
        ("", None),
        (None, None),
        (20241120, None),
    ],
)  # fmt: skip
def test_parse_time(text: object, expected: datetime | None) -> None:
    assert shippo.parse_time(text) == expected


def test_missing_optional_fields() -> None:
    result = parse("minimal")
    assert result.status is Status.IN_TRANSIT
    assert result.status_text == ""
    assert result.status_code == "TRANSIT"
    assert result.eta is None
    assert [event.time for event in result.events] == [datetime(2024, 11, 19, 9, 31, tzinfo=UTC)]
    assert result.last_location is None


def test_original_eta_stands_in_for_a_missing_eta() -> None:
    payload = load("transit")
    payload["eta"] = None
    assert shippo.parse_track_response(payload, NUMBER).eta == Eta(date(2024, 11, 21))


def test_test_mode_answer() -> None:
    result = shippo.parse_track_response(load("shippo_delivered"), "SHIPPO_DELIVERED")
    assert result.status is Status.DELIVERED
    assert result.service_carrier == "shippo"
    assert result.last_location == "Las Vegas, NV, US"


@pytest.mark.parametrize(
    "payload",
    [
        load("drifted"),
        load("odd_200"),
        [],
        "TRANSIT",
        {"tracking_status": {"status_details": "no status"}, "tracking_history": []},
        {"tracking_status": None, "tracking_history": {"0": {}}},
    ],
)
def test_schema_drift_raises(payload: object) -> None:
    with pytest.raises(CarrierResponseError):
        shippo.parse_track_response(payload, NUMBER)


# Fetching


def test_create_does_no_io_and_keeps_the_contract() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("create() must not call Shippo")

    adapter = make_adapter(handler)
    assert isinstance(adapter, CarrierAdapter)
    assert isinstance(adapter, AggregatorAdapter)
    assert isinstance(adapter, CheckableAdapter)
    assert (adapter.name, adapter.display_name) == ("shippo", "Shippo")


async def test_request_path_and_headers() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=load("transit_royal_mail"))

    results = await make_adapter(handler).track_for("royal_mail", [ROYAL_MAIL])
    result = results[ROYAL_MAIL]
    assert (result.carrier, result.service_carrier) == ("shippo", "royal_mail")
    assert result.status is Status.IN_TRANSIT
    (request,) = seen
    assert request.method == "GET"
    assert str(request.url) == f"https://shippo.test/tracks/royal_mail/{ROYAL_MAIL}"
    assert request.headers["Authorization"] == f"ShippoToken {TOKEN}"
    assert request.headers["SHIPPO-API-VERSION"] == "2018-02-08"
    assert request.headers["Accept"] == "application/json"


def carriers_asked(asked: list[str]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        carrier = request.url.path.split("/")[2]
        asked.append(carrier)
        payload = load("transit")
        payload["carrier"] = carrier
        return httpx.Response(200, json=payload)

    return handler


@pytest.mark.parametrize(
    ("carrier", "token"),
    [
        ("dhl", "dhl_express"),
        ("evri", "hermes_uk"),
        ("canada_post", "canada_post"),
        ("ontrac", "ontrac"),
        ("speedy_parcels", "speedy_parcels"),  # unknown names are passed as given
    ],
)
async def test_track_for_maps_carrier_names(carrier: str, token: str) -> None:
    asked: list[str] = []
    results = await make_adapter(carriers_asked(asked)).track_for(carrier, [NUMBER])
    assert asked == [token]
    assert results[NUMBER].service_carrier == token


async def test_codes_table_overrides_and_adds() -> None:
    asked: list[str] = []
    codes = {"royal_mail": "royal_mail_sf", "acme": "acme_freight"}
    adapter = make_adapter(carriers_asked(asked), codes=codes)
    await adapter.track_for("royal_mail", [NUMBER])
    await adapter.track_for("acme", [NUMBER])
    await adapter.track_for("dhl", [NUMBER])  # the built-in table still applies
    assert asked == ["royal_mail_sf", "acme_freight", "dhl_express"]


async def test_one_request_per_distinct_number_keyed_as_asked() -> None:
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        if request.url.path.endswith("/000"):
            return httpx.Response(200, json=load("unknown"))
        return httpx.Response(200, json=load("delivered"))

    spaced = "9205 5901 6491 7312 7510 89"
    results = await make_adapter(handler).track_for("usps", [NUMBER, "000", NUMBER, spaced])
    # The spaced number is asked (compacted) on its own: results are keyed as asked.
    assert sorted(paths) == ["/tracks/usps/000", f"/tracks/usps/{NUMBER}", f"/tracks/usps/{NUMBER}"]
    assert list(results) == [NUMBER, "000", spaced]
    assert results[NUMBER].status is Status.DELIVERED
    assert results[spaced].number == spaced
    assert results["000"].problem is Problem.NOT_FOUND
    assert results["000"].service_carrier == "usps"


async def test_track_sends_test_numbers_to_shippos_test_carrier() -> None:
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        return httpx.Response(200, json=load("shippo_delivered"))

    # Order files keep letters and digits only: SHIPPO-DELIVERED is stored SHIPPODELIVERED.
    asked = ["SHIPPO_DELIVERED", "SHIPPODELIVERED", "shippo-pre-transit"]
    results = await make_adapter(handler).track(asked)
    assert sorted(paths) == [
        "/tracks/shippo/SHIPPO_DELIVERED",
        "/tracks/shippo/SHIPPO_DELIVERED",
        "/tracks/shippo/SHIPPO_PRE_TRANSIT",
    ]
    assert list(results) == asked
    assert results["SHIPPODELIVERED"].status is Status.DELIVERED
    assert results["SHIPPODELIVERED"].service_carrier == "shippo"


async def test_track_without_a_carrier_raises_before_any_call() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, json=load("transit"))

    with pytest.raises(CarrierResponseError, match=r"\[routing\].*default_carrier"):
        await make_adapter(handler).track(["SHIPPO_TRANSIT", NUMBER])
    assert calls == []


async def test_track_uses_default_carrier() -> None:
    asked: list[str] = []
    adapter = make_adapter(carriers_asked(asked), default_carrier="dhl")
    results = await adapter.track([NUMBER])
    assert asked == ["dhl_express"]  # mapped like a routed carrier
    assert results[NUMBER].status is Status.IN_TRANSIT


@pytest.mark.parametrize(("status", "fixture"), [(401, "error_401"), (403, "error_403")])
async def test_refused_token_raises_auth_error_without_the_token(status: int, fixture: str) -> None:
    with pytest.raises(CarrierAuthError) as caught:
        await make_adapter(answer(fixture, status)).track_for("usps", [NUMBER])
    assert TOKEN not in str(caught.value)


@pytest.mark.parametrize("fixture", ["error_400_carrier", "error_404"])
async def test_unknown_carrier_code_is_a_config_problem(fixture: str) -> None:
    status = 404 if fixture == "error_404" else 400
    adapter = make_adapter(answer(fixture, status))
    with pytest.raises(CarrierResponseError) as caught:
        await adapter.track_for("royalmail", [ROYAL_MAIL])
    message = str(caught.value)
    assert "carrier code 'royalmail'" in message
    assert 'codes = { royalmail = "<shippo token>" }' in message
    assert f"HTTP {status}" in message


async def test_invalid_number_is_a_result() -> None:
    results = await make_adapter(answer("error_400_number", 400)).track_for("usps", ["12"])
    result = results["12"]
    assert result.problem is Problem.INVALID_NUMBER
    assert result.status is Status.PENDING
    assert result.status_text == "Invalid tracking number"
    assert result.service_carrier == "usps"


async def test_carrier_and_number_disagreeing_is_not_found() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"detail": "Tracking information not available"})

    results = await make_adapter(handler).track_for("dhl", [NUMBER])
    assert results[NUMBER].problem is Problem.NOT_FOUND


async def test_other_400_is_a_response_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"detail": "Malformed request."})

    with pytest.raises(CarrierResponseError, match="HTTP 400"):
        await make_adapter(handler).track_for("usps", [NUMBER])


async def test_429_pauses_the_budget_with_the_reset_header() -> None:
    calls = 0
    reset = int(datetime.now(UTC).timestamp()) + 30

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        body = (FIXTURES / "error_429.json").read_bytes()
        headers = {"X-RateLimit-Reset": str(reset), "X-RateLimit-Remaining": "0"}
        return httpx.Response(429, content=body, headers=headers)

    adapter = make_adapter(handler)
    with pytest.raises(CarrierRateLimited) as caught:
        await adapter.track_for("usps", [NUMBER])
    assert caught.value.retry_after is not None and 0 < caught.value.retry_after <= 30
    with pytest.raises(CarrierRateLimited):
        await adapter.track_for("usps", ["another"])
    assert calls == 1


async def test_429_with_retry_after() -> None:
    adapter = make_adapter(answer("error_429", 429, **{"Retry-After": "12"}))
    with pytest.raises(CarrierRateLimited) as caught:
        await adapter.track_for("usps", [NUMBER])
    assert caught.value.retry_after == 12
    assert adapter.budget.paused_for() > 0


async def test_last_allowed_call_pauses_the_next() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "20"}
        return httpx.Response(200, json=load("transit"), headers=headers)

    adapter = make_adapter(handler)
    results = await adapter.track_for("usps", [NUMBER])
    assert results[NUMBER].status is Status.IN_TRANSIT  # the answer itself is good
    with pytest.raises(CarrierRateLimited):
        await adapter.track_for("usps", [NUMBER])
    assert calls == 1


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors(status: int) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, text="<html>Server Error</html>")

    with pytest.raises(CarrierUnavailable):
        await make_adapter(handler).track_for("usps", [NUMBER])


@pytest.mark.parametrize("body", ['{"tracking_status": ', "<html>hello</html>"])
async def test_garbage_body(body: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text=body)

    with pytest.raises(CarrierResponseError):
        await make_adapter(handler).track_for("usps", [NUMBER])


async def test_odd_200_is_a_response_error() -> None:
    with pytest.raises(CarrierResponseError, match="not a Track object"):
        await make_adapter(answer("odd_200")).track_for("usps", [NUMBER])


async def test_timeout() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(CarrierTimeout):
        await make_adapter(handler).track_for("usps", [NUMBER])


async def test_unmapped_code_is_logged_once_and_unknown_is_not(
    caplog: pytest.LogCaptureFixture,
) -> None:
    adapter = make_adapter(answer("unmapped_status"))
    quiet = make_adapter(answer("unknown_with_history"))
    with caplog.at_level(logging.WARNING, logger="smsbot.carriers.shippo"):
        await adapter.track_for("usps", [NUMBER])
        await adapter.track_for("usps", [NUMBER])
        await quiet.track_for("usps", [NUMBER])
    warnings = [record.getMessage() for record in caplog.records]
    assert len(warnings) == 1 and "HELD_AT_DEPOT" in warnings[0]


async def test_check_lists_one_carrier_account() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=load("carrier_accounts"))

    assert await make_adapter(handler).check() == "credentials accepted (live token)"
    test_mode = make_adapter(handler, api_token="shippo_test_abc")
    assert await test_mode.check() == "credentials accepted (test token)"
    asked = [(request.url.path, dict(request.url.params)) for request in seen]
    assert asked == [("/carrier_accounts", {"results": "1"})] * 2
    assert seen[1].headers["Authorization"] == "ShippoToken shippo_test_abc"


async def test_check_reports_a_refused_token() -> None:
    with pytest.raises(CarrierAuthError) as caught:
        await make_adapter(answer("error_401", 401)).check()
    assert TOKEN not in str(caught.value)


# Configuration


def test_missing_token_names_the_key_and_variable() -> None:
    http = httpx.AsyncClient(transport=httpx.MockTransport(answer("transit")))
    with pytest.raises(ConfigError, match=r"carriers\.shippo\.api_token.*SMSBOT_SHIPPO_API_TOKEN"):
        shippo.create(CarrierConfig("shippo", {}, environ={}), http)


async def test_token_from_the_environment_and_default_host() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=load("transit"))

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    config = CarrierConfig("shippo", {}, environ={"SMSBOT_SHIPPO_API_TOKEN": "from-env"})
    await shippo.create(config, http).track_for("usps", [NUMBER])
    assert seen[0].headers["Authorization"] == "ShippoToken from-env"
    assert str(seen[0].url).startswith("https://api.goshippo.com/tracks/usps/")


@pytest.mark.parametrize(
    ("values", "key"),
    [
        ({"codes": {"royal_mail": "Royal Mail"}}, "carriers.shippo.codes.royal_mail"),
        ({"codes": {"royal_mail": "../admin"}}, "carriers.shippo.codes.royal_mail"),
        ({"codes": ["usps"]}, "carriers.shippo.codes"),
        ({"default_carrier": "USPS"}, "carriers.shippo.default_carrier"),
        ({"base_url": "api.goshippo.com"}, "carriers.shippo.base_url"),
        ({"requests_per_second": 0}, "carriers.shippo.requests_per_second"),
    ],
)
def test_bad_config_is_refused_naming_the_key(values: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        make_adapter(answer("transit"), **values)
    assert caught.value.key == key


def test_default_budget_follows_the_token_kind() -> None:
    http = httpx.AsyncClient(transport=httpx.MockTransport(answer("transit")))
    live = shippo.create(CarrierConfig("shippo", {"api_token": TOKEN}, environ={}), http)
    test = shippo.create(CarrierConfig("shippo", {"api_token": "shippo_test_x"}, environ={}), http)
    assert (live.budget.max_concurrency, live.budget.requests_per_second) == (4, 8)
    assert (test.budget.max_concurrency, test.budget.requests_per_second) == (2, 0.8)
    tuned = make_adapter(answer("transit"), max_concurrency=1, requests_per_second=2)
    assert (tuned.budget.max_concurrency, tuned.budget.requests_per_second) == (1, 2)


async def test_html_404_says_what_came_back_and_from_where() -> None:
    """Item 5: a web page instead of Shippo's API is not blamed on the carrier code."""
    page = (FIXTURES / "error_404.html").read_bytes()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, content=page, headers={"content-type": "text/html"})

    adapter = make_adapter(handler, base_url="https://shippo.example.com/v1")
    with pytest.raises(CarrierResponseError) as caught:
        await adapter.track_for("royalmail", [ROYAL_MAIL])
    message = str(caught.value)
    assert "HTTP 404 with a non-JSON body (text/html)" in message
    assert f"https://shippo.example.com/v1/tracks/royalmail/{ROYAL_MAIL}" in message
    assert "does not accept the carrier code" not in message
