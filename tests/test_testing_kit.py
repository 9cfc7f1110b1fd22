"""The adapter kit (smsbot.testing): the router, and checks that pass a good adapter and
fail broken ones with a message that says what to fix."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from types import ModuleType
from typing import Any

import httpx
import pytest

from smsbot.errors import CarrierResponseError
from smsbot.testing import (
    CHECKS,
    AdapterSpec,
    Check,
    Reply,
    Router,
    UnroutedRequest,
    assert_valid_result,
    checks_for,
    reply_json,
)
from smsbot.tracking import (
    CarrierConfig,
    Eta,
    Event,
    RequestBudget,
    Status,
    TrackingResult,
    check_status,
    parse_timestamp,
    read_json,
    send,
    track_each,
)

PAYLOAD = {
    "state": "moving",
    "events": [
        {"at": "2024-11-19T09:00:00-05:00", "text": "Departed"},
        {"at": "2024-11-18T09:00:00-05:00", "text": "Picked up"},
    ],
    "eta": "2024-11-21",
}
NUMBERS = ("TK1", "TK2")


def parse(payload: Any, number: str) -> TrackingResult:
    """A small parser that keeps the contract: unreadable payloads raise CarrierResponseError."""
    try:
        events = tuple(
            Event(parse_timestamp(e["at"]), Status.IN_TRANSIT, str(e["text"]))
            for e in payload["events"]
        )
        eta = Eta(date.fromisoformat(payload["eta"]))
        state = payload["state"]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CarrierResponseError("acme", f"unreadable answer: {exc!r}") from exc
    return TrackingResult("acme", number, Status.IN_TRANSIT, str(state), events=events, eta=eta)


class GoodAdapter:
    name = "acme"
    display_name = "Acme"

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.budget = RequestBudget("acme", 4, 1000)

    async def track(self, numbers: Sequence[str]) -> Mapping[str, TrackingResult]:
        return await track_each(numbers, self.track_one)

    async def track_one(self, number: str) -> TrackingResult:
        request = self.http.build_request("GET", f"https://acme.test/t/{number}")
        response = await send(self.http, self.budget, request)
        check_status(response, "acme")
        return self.parse(read_json(response, "acme"), number)

    def parse(self, payload: Any, number: str) -> TrackingResult:
        return parse(payload, number)


def module_of(adapter: Callable[[httpx.AsyncClient], object], **extra: Any) -> ModuleType:
    module = ModuleType("acme")

    def create(config: CarrierConfig, http: httpx.AsyncClient) -> object:
        return adapter(http)

    module.create = create  # type: ignore[attr-defined]
    for key, value in extra.items():
        setattr(module, key, value)
    return module


def spec(module: ModuleType, routes: Router | None = None, **kwargs: Any) -> AdapterSpec:
    routes = routes or Router().add("GET /t/{number}", reply_json(PAYLOAD))
    return AdapterSpec(module, {}, NUMBERS, routes, **kwargs)


def check(name: str) -> Check:
    return next(c for c in CHECKS if c.name == name)


def failure(name: str, target: AdapterSpec) -> str:
    with pytest.raises(AssertionError) as caught:
        check(name).run(target)
    return str(caught.value)


# The router


async def test_router_matches_path_and_query_and_records() -> None:
    router = (
        Router()
        .add("GET /track?id={number}", lambda r, c: httpx.Response(200, json={"n": c["number"]}))
        .add("POST /token", reply_json({"t": 1}), shared=True)
    )
    async with httpx.AsyncClient(transport=router.transport()) as http:
        tracked = await http.get("https://x.test/track", params={"id": "A1", "lang": "en"})
        token = await http.post("https://x.test/token")
    assert tracked.json() == {"n": "A1"}
    assert token.json() == {"t": 1}
    assert [r.url.path for r in router.requests] == ["/track", "/token"]
    assert router.hits == {"GET /track?id={number}": 1, "POST /token": 1}


async def test_router_refuses_requests_no_route_serves() -> None:
    router = Router().add("GET /track/{number}", Reply())
    async with httpx.AsyncClient(transport=router.transport()) as http:
        with pytest.raises(UnroutedRequest, match=r"no route serves POST /track/A1"):
            await http.post("https://x.test/track/A1")
        with pytest.raises(UnroutedRequest, match=r"GET /track\?id=A1"):
            await http.get("https://x.test/track", params={"id": "A1"})


async def test_with_answer_changes_one_route_on_a_fresh_copy() -> None:
    router = Router().add("GET /a", reply_json(1)).add("GET /b", reply_json(2))
    broken = router.with_answer("GET /b", Reply(500))
    async with httpx.AsyncClient(transport=broken.transport()) as http:
        assert (await http.get("https://x.test/a")).json() == 1
        assert (await http.get("https://x.test/b")).status_code == 500
    assert not router.requests


# A good adapter passes everything


@pytest.mark.parametrize("kit_check", CHECKS, ids=str)
def test_a_good_adapter_passes(kit_check: Check) -> None:
    kit_check.run(spec(module_of(GoodAdapter)))


def test_checks_for_an_aggregator_include_track_for() -> None:
    names = [c.name for c in checks_for(spec(module_of(GoodAdapter), routed_carrier="ontrac"))]
    assert names[-1] == "track_for"
    assert "track_for" not in [c.name for c in checks_for(spec(module_of(GoodAdapter)))]


def test_spec_needs_numbers() -> None:
    with pytest.raises(ValueError, match="at least one tracking number"):
        AdapterSpec(module_of(GoodAdapter), {}, ())


async def test_checks_run_inside_a_running_loop_too() -> None:
    await check("factory").run_async(spec(module_of(GoodAdapter)))


# Broken adapters fail with messages that say what to fix


def test_missing_create() -> None:
    assert "has no create() function" in failure("factory", spec(ModuleType("acme")))


def test_create_with_the_wrong_parameters() -> None:
    module = ModuleType("acme")
    module.create = lambda config: GoodAdapter(httpx.AsyncClient())  # type: ignore[attr-defined]
    assert "cannot be called as create(config, http)" in failure("factory", spec(module))


def test_sync_track_and_wrong_name() -> None:
    class Sync(GoodAdapter):
        name = "other"

        def track(self, numbers: Sequence[str]) -> Mapping[str, TrackingResult]:  # type: ignore[override]
            return {}

    message = failure("factory", spec(module_of(Sync)))
    assert "adapter.track must be an async method" in message
    assert "adapter.name is 'other', expected 'acme'" in message


def test_aggregator_without_routed_carrier() -> None:
    class Aggregator(GoodAdapter):
        async def track_for(
            self, carrier: str, numbers: Sequence[str]
        ) -> Mapping[str, TrackingResult]:
            return await self.track(numbers)

    assert "set routed_carrier=" in failure("factory", spec(module_of(Aggregator)))


def test_create_that_starts_io() -> None:
    class Eager(GoodAdapter):
        def __init__(self, http: httpx.AsyncClient) -> None:
            super().__init__(http)
            self.warmup = asyncio.get_running_loop().create_task(http.get("https://acme.test/"))

    message = failure("no_io_in_create", spec(module_of(Eager)))
    assert "create() sent ['GET https://acme.test/']" in message


def test_results_under_the_wrong_keys() -> None:
    class WrongKeys(GoodAdapter):
        async def track(self, numbers: Sequence[str]) -> Mapping[str, TrackingResult]:
            results = await super().track(numbers)
            return {number.lower(): result for number, result in results.items()}

    message = failure("one_result_per_number", spec(module_of(WrongKeys)))
    assert "no result for ['TK1', 'TK2']" in message
    assert "numbers nobody asked about: ['tk1', 'tk2']" in message


def test_results_with_the_wrong_number_and_carrier() -> None:
    class Mislabelled(GoodAdapter):
        def parse(self, payload: Any, number: str) -> TrackingResult:
            return TrackingResult("ACME", "X", Status.IN_TRANSIT)

    message = failure("one_result_per_number", spec(module_of(Mislabelled)))
    assert "result.number is 'X', expected the number asked, 'TK1'" in message
    assert "result.carrier is 'ACME'" in message


def test_naive_times_string_status_and_datetime_eta() -> None:
    class Sloppy(GoodAdapter):
        def parse(self, payload: Any, number: str) -> TrackingResult:
            naive = datetime(2024, 11, 18, 9)
            return TrackingResult(
                "acme",
                number,
                "in_transit",  # type: ignore[arg-type]
                events=(Event(naive, Status.IN_TRANSIT, "Picked up"),),
                eta=Eta(datetime(2024, 11, 21, tzinfo=UTC)),
                delivered_at=naive,
            )

    message = failure("results_are_valid", spec(module_of(Sloppy)))
    assert "status 'in_transit' is not a Status" in message
    assert "events[0].time" in message and "time-zone-aware" in message
    assert "delivered_at" in message
    assert "eta.earliest must be a date (not a datetime" in message


def test_assert_valid_result_for_fixture_tests() -> None:
    good = TrackingResult("acme", "TK1", Status.DELIVERED)
    assert_valid_result(good, number="TK1", carrier="acme")
    with pytest.raises(AssertionError, match=r"result for 'TK2'.*expected the number asked"):
        assert_valid_result(good, number="TK2", carrier="acme")


def test_foreign_errors_on_garbage_payloads() -> None:
    class Careless(GoodAdapter):
        def parse(self, payload: Any, number: str) -> TrackingResult:
            return TrackingResult("acme", number, Status.IN_TRANSIT, payload["state"])

    message = failure("payload_drift", spec(module_of(Careless)))
    assert "track raised TypeError" in message or "track raised KeyError" in message
    assert "raise CarrierResponseError" in message


def test_http_failures_that_are_not_typed() -> None:
    class Unchecked(GoodAdapter):
        async def track_one(self, number: str) -> TrackingResult:
            response = await self.http.get(f"https://acme.test/t/{number}")
            if response.status_code >= 500:
                return TrackingResult.not_found("acme", number)
            return self.parse(response.json(), number)

    message = failure("errors_are_typed", spec(module_of(Unchecked)))
    assert "answers HTTP 500, track returned results; raise CarrierUnavailable" in message
    assert "answers a timeout, track raised ReadTimeout, expected CarrierTimeout" in message
    assert "answers HTTP 401, track raised CarrierResponseError, expected CarrierAuthError" in (
        message
    )


def test_a_token_fetched_by_every_call() -> None:
    class Forgetful(GoodAdapter):
        async def track_one(self, number: str) -> TrackingResult:
            await self.http.post("https://acme.test/token")  # no cache: one per call
            return await super().track_one(number)

    routes = (
        Router()
        .add("POST /token", reply_json({"access_token": "t"}), shared=True)
        .add("GET /t/{number}", reply_json(PAYLOAD))
    )
    message = failure("concurrency", spec(module_of(Forgetful), routes))
    assert "POST /token (a shared credential) was called" in message


def test_state_kept_on_the_adapter_between_awaits() -> None:
    class Shared(GoodAdapter):
        calls = 0

        async def track(self, numbers: Sequence[str]) -> Mapping[str, TrackingResult]:
            self.calls += 1
            if self.calls > 1:
                raise RuntimeError("busy")
            try:
                return await super().track(numbers)
            finally:
                self.calls -= 1

    message = failure("concurrency", spec(module_of(Shared)))
    assert "concurrent track() calls failed" in message


def test_track_for_answers_as_the_aggregator() -> None:
    class Aggregator(GoodAdapter):
        async def track_for(
            self, carrier: str, numbers: Sequence[str]
        ) -> Mapping[str, TrackingResult]:
            return await self.track(numbers)  # no service_carrier

    target = spec(module_of(Aggregator), routed_carrier="ontrac")
    (track_for,) = [c for c in checks_for(target) if c.name == "track_for"]
    with pytest.raises(AssertionError, match="has no service_carrier"):
        track_for.run(target)
