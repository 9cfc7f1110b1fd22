"""The adapter kit: a conformance suite any carrier adapter runs from its own tests, and a
`Router` that serves recorded payloads through `httpx.MockTransport`.

In an adapter's pytest file::

    SPEC = AdapterSpec(
        acme,  # the adapter module
        config={"api_key": "test", "base_url": "https://acme.test"},
        numbers=("AC123", "AC456"),
        routes=Router().add("GET /v1/track/{number}", reply_file(FIXTURES / "in_transit.json")),
    )

    @pytest.mark.parametrize("check", checks_for(SPEC), ids=str)
    def test_conformance(check: Check) -> None:
        check.run(SPEC)

Each check builds a fresh adapter on a fresh copy of the routes, and fails with an
`AssertionError` whose message says what to fix. This module does not import pytest, so
`import smsbot` never needs the test extra, and the checks also run under unittest or a
plain script. `Check.run` drives its own event loop (`asyncio.run`), so no asyncio pytest
plugin is needed; inside a running loop, `await check.run_async(SPEC)` instead.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import re
from collections import Counter
from collections.abc import Callable, Coroutine, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx

from smsbot.errors import (
    CarrierAuthError,
    CarrierError,
    CarrierRateLimited,
    CarrierTimeout,
    CarrierUnavailable,
)
from smsbot.lookup.registry import contract_problems
from smsbot.tracking import (
    CarrierConfig,
    DelayReason,
    Eta,
    Event,
    Problem,
    Status,
    TokenCache,
    TrackingResult,
)

__all__ = [
    "AGGREGATOR_CHECKS",
    "CHECKS",
    "AdapterSpec",
    "Check",
    "Reply",
    "Route",
    "Router",
    "UnroutedRequest",
    "assert_valid_result",
    "checks_for",
    "reply_file",
    "reply_json",
]

#: How many `track` calls the concurrency check runs at once.
CONCURRENT_CALLS = 8


class UnroutedRequest(AssertionError):
    """The adapter sent a request that no route of the `Router` serves."""


# Serving recorded payloads


@dataclass(frozen=True)
class Reply:
    """A canned answer: status, body and headers (JSON unless the headers say otherwise)."""

    status: int = 200
    content: bytes = b""
    headers: Mapping[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})

    def response(self) -> httpx.Response:
        return httpx.Response(self.status, content=self.content, headers=dict(self.headers))


def reply_json(data: object, status: int = 200, headers: Mapping[str, str] | None = None) -> Reply:
    """A JSON answer built from `data`."""
    return Reply(
        status, json.dumps(data).encode(), {"Content-Type": "application/json", **(headers or {})}
    )


def reply_file(path: Path, status: int = 200, headers: Mapping[str, str] | None = None) -> Reply:
    """A recorded JSON payload, read now (a missing fixture fails where it is named)."""
    return Reply(status, path.read_bytes(), {"Content-Type": "application/json", **(headers or {})})


#: A computed answer: the request and the values the pattern captured ({"number": ...}).
Responder = Callable[[httpx.Request, Mapping[str, str]], httpx.Response]


@dataclass(frozen=True)
class Route:
    """`pattern` is "METHOD /path/{name}?key={name}"; query keys given must be present."""

    pattern: str
    answer: Reply | Responder
    shared: bool = False  # a credential endpoint (a token): once however many calls run

    def match(self, request: httpx.Request) -> dict[str, str] | None:
        method, _, target = self.pattern.partition(" ")
        path, _, query = target.partition("?")
        if method == "*":  # "* *": every request (the kit breaks routeless adapters so)
            return {}
        if request.method != method.upper():
            return None
        found = re.fullmatch(_template(path), request.url.path)
        if found is None:
            return None
        captured = found.groupdict()
        for key, wanted in httpx.QueryParams(query).multi_items():
            value = request.url.params.get(key)
            part = re.fullmatch(_template(wanted), value) if value is not None else None
            if part is None:
                return None
            captured.update(part.groupdict())
        return captured

    def respond(self, request: httpx.Request, captured: Mapping[str, str]) -> httpx.Response:
        if isinstance(self.answer, Reply):
            return self.answer.response()
        return self.answer(request, captured)


def _template(text: str) -> str:
    """A regex for a path or value template: `{name}` matches one path segment."""
    parts = re.split(r"\{(\w+)\}", text)
    return "".join(
        f"(?P<{part}>[^/]+)" if index % 2 else re.escape(part) for index, part in enumerate(parts)
    )


class Router:
    """Serves requests from routes (first match wins) and records every request it got.

    Use `router.transport()` as an `AsyncClient`'s transport. A request no route serves
    raises `UnroutedRequest` naming it, so a test never passes on an answer nobody chose.
    """

    def __init__(self, routes: Sequence[Route] = ()) -> None:
        self.routes: tuple[Route, ...] = tuple(routes)
        self.requests: list[httpx.Request] = []
        self.hits: Counter[str] = Counter()  # pattern -> requests served

    def add(self, pattern: str, answer: Reply | Responder, *, shared: bool = False) -> Router:
        """Add a route (see `Route`); returns the router, so that calls chain."""
        self.routes = (*self.routes, Route(pattern, answer, shared))
        return self

    def fresh(self) -> Router:
        """The same routes, no recorded requests."""
        return Router(self.routes)

    def with_answer(self, pattern: str, answer: Reply | Responder) -> Router:
        """A fresh copy where the route `pattern` answers `answer` instead."""
        return Router(
            [replace(r, answer=answer) if r.pattern == pattern else r for r in self.routes]
        )

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        for route in self.routes:
            captured = route.match(request)
            if captured is not None:
                self.hits[route.pattern] += 1
                return route.respond(request, captured)
        served = ", ".join(route.pattern for route in self.routes) or "none"
        raise UnroutedRequest(
            f"no route serves {request.method} {request.url.path}"
            f"{'?' + request.url.query.decode() if request.url.query else ''} (routes: {served}); "
            "add one: Router().add('METHOD /path/{number}', reply_file(...))"
        )


# What a good result looks like


def _aware(value: datetime) -> bool:
    return value.tzinfo is not None and value.utcoffset() is not None


def result_problems(result: object, *, number: str, carrier: str) -> list[str]:
    """Everything `result` (the answer for `number` from `carrier`) gets wrong."""
    if not isinstance(result, TrackingResult):
        return [f"the value for {number!r} is a {type(result).__name__}, not a TrackingResult"]
    problems: list[str] = []
    if result.number != number:
        problems.append(
            f"result.number is {result.number!r}, expected the number asked, {number!r}"
        )
    if result.carrier != carrier:
        problems.append(
            f"result.carrier is {result.carrier!r}, expected the adapter's name {carrier!r}"
        )
    if not isinstance(result.status, Status):
        problems.append(f"status {result.status!r} is not a Status (use Status.IN_TRANSIT, ...)")
    if result.delay_reason is not None and not isinstance(result.delay_reason, DelayReason):
        problems.append(f"delay_reason {result.delay_reason!r} is not a DelayReason")
    if result.problem is not None and not isinstance(result.problem, Problem):
        problems.append(f"problem {result.problem!r} is not a Problem")
    for key in ("status_text", "status_code"):
        if not isinstance(getattr(result, key), str):
            problems.append(f"{key} must be a string, not {getattr(result, key)!r}")
    if isinstance(result.pieces, bool) or not isinstance(result.pieces, int) or result.pieces < 1:
        problems.append(f"pieces must be a whole number >= 1, not {result.pieces!r}")
    if not isinstance(result.proof_of_delivery, bool):
        problems.append("proof_of_delivery must be True or False")
    if result.delivered_at is not None and not (
        isinstance(result.delivered_at, datetime) and _aware(result.delivered_at)
    ):
        problems.append(
            f"delivered_at {result.delivered_at!r} must be a time-zone-aware datetime "
            "(parse_timestamp, or carrier_local() for carrier wall-clock times)"
        )
    problems += _event_problems(result.events)
    if result.eta is not None:
        problems += _eta_problems(result.eta)
    return problems


def _event_problems(events: object) -> list[str]:
    if not isinstance(events, tuple):
        return [f"events must be a tuple of Event, not {type(events).__name__}"]
    problems: list[str] = []
    for index, event in enumerate(events):
        if not isinstance(event, Event):
            problems.append(f"events[{index}] is a {type(event).__name__}, not an Event")
            continue
        if not isinstance(event.time, datetime) or not _aware(event.time):
            problems.append(
                f"events[{index}].time {event.time!r} must be a time-zone-aware datetime "
                "(parse_timestamp, or carrier_local() for carrier wall-clock times)"
            )
        if not isinstance(event.status, Status):
            problems.append(f"events[{index}].status {event.status!r} is not a Status")
        if not isinstance(event.description, str):
            problems.append(f"events[{index}].description must be a string")
    times = [event.time for event in events if isinstance(event, Event)]
    if not problems and times != sorted(times):
        problems.append("events are not sorted oldest first (build them through TrackingResult)")
    return problems


def _eta_problems(eta: object) -> list[str]:
    if not isinstance(eta, Eta):
        return [f"eta is a {type(eta).__name__}, not an Eta"]
    problems: list[str] = []
    for key in ("earliest", "latest"):
        value = getattr(eta, key)
        if value is not None and (isinstance(value, datetime) or not isinstance(value, date)):
            problems.append(
                f"eta.{key} must be a date (not a datetime: use .date()), not {value!r}"
            )
    for key in ("window_start", "window_end"):
        value = getattr(eta, key)
        if value is not None and not (isinstance(value, datetime) and _aware(value)):
            problems.append(f"eta.{key} must be a time-zone-aware datetime, not {value!r}")
    if not problems and eta.latest is not None and eta.latest < eta.earliest:
        problems.append(f"eta.latest {eta.latest} is before eta.earliest {eta.earliest}")
    if not problems and eta.window_start and eta.window_end and eta.window_end < eta.window_start:
        problems.append("eta.window_end is before eta.window_start")
    return problems


def assert_valid_result(result: object, *, number: str, carrier: str) -> None:
    """Fail with every way `result` breaks the `TrackingResult` contract (for fixture tests)."""
    problems = result_problems(result, number=number, carrier=carrier)
    assert not problems, f"{carrier} result for {number!r}: " + "; ".join(problems)


# The suite


@dataclass(frozen=True)
class AdapterSpec:
    """What the kit needs to check one adapter.

    `config` is the `[carriers.<name>]` table (point `base_url` at a made-up host, and set
    `requests_per_second` high so that no check waits on the budget); `routes` answer every
    request `track(numbers)` makes, from recorded payloads; `numbers` are the ones they
    answer for. An aggregator also names a `routed_carrier` to ask `track_for` about.
    """

    module: ModuleType
    config: Mapping[str, Any]
    numbers: Sequence[str]
    routes: Router = field(default_factory=Router)
    name: str = ""  # the config table's name; default: the module's own last name
    routed_carrier: str | None = None
    environ: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.numbers or isinstance(self.numbers, str):
            raise ValueError("AdapterSpec.numbers must list at least one tracking number")

    @property
    def carrier(self) -> str:
        """The name the adapter is enabled under."""
        return self.name or self.module.__name__.rpartition(".")[2]

    def carrier_config(self) -> CarrierConfig:
        return CarrierConfig(self.carrier, dict(self.config), source="test", environ=self.environ)


@dataclass(frozen=True)
class Check:
    """One named conformance check; `run(spec)` raises `AssertionError` saying what to fix."""

    name: str
    run_async: Callable[[AdapterSpec], Coroutine[Any, Any, None]]

    def run(self, spec: AdapterSpec) -> None:
        asyncio.run(self.run_async(spec))

    def __str__(self) -> str:
        return self.name


def _factory(spec: AdapterSpec) -> Callable[..., Any]:
    factory: Callable[..., Any] | None = getattr(spec.module, "create", None)
    assert callable(factory), (
        f"{spec.module.__name__} has no create() function; the registry calls "
        "create(config: CarrierConfig, http: httpx.AsyncClient) and uses what it returns"
    )
    try:
        inspect.signature(factory).bind(spec.carrier_config(), None)
    except TypeError:
        raise AssertionError(
            f"{spec.module.__name__}.create{inspect.signature(factory)} cannot be called as "
            "create(config, http); give it exactly those two parameters"
        ) from None
    return factory


def _create(spec: AdapterSpec, http: httpx.AsyncClient) -> Any:
    adapter = _factory(spec)(spec.carrier_config(), http)
    problems = contract_problems(adapter, spec.carrier)
    assert not problems, (
        f"{spec.module.__name__}.create() returned an adapter that breaks the contract: "
        + "; ".join(problems)
        + f" (name must be the config table's name, config.name == {spec.carrier!r})"
    )
    return adapter


async def _track(
    spec: AdapterSpec, router: Router, numbers: Sequence[str], carrier: str | None = None
) -> tuple[Any, Mapping[str, Any]]:
    """A fresh adapter on `router`, and what it answered for `numbers` (or track_for)."""
    async with httpx.AsyncClient(transport=router.transport()) as http:
        adapter = _create(spec, http)
        if carrier is None:
            results = await adapter.track(list(numbers))
        else:
            results = await adapter.track_for(carrier, list(numbers))
    assert isinstance(results, Mapping), (
        f"track() returned a {type(results).__name__}; return a dict {{number: TrackingResult}}"
    )
    return adapter, results


def _answers_problems(results: Mapping[str, Any], asked: Sequence[str], carrier: str) -> list[str]:
    wanted = list(dict.fromkeys(asked))
    problems = []
    missing = [number for number in wanted if number not in results]
    extra = [key for key in results if key not in wanted]
    if missing:
        problems.append(f"no result for {missing} (every number asked needs one)")
    if extra:
        problems.append(f"results for numbers nobody asked about: {extra} (key them as asked)")
    for number in wanted:
        if number in results:
            problems += result_problems(results[number], number=number, carrier=carrier)
    return problems


def _failing(what: str, exc: Exception) -> AssertionError:
    return AssertionError(f"{what} raised {type(exc).__name__}: {exc}")


async def check_factory(spec: AdapterSpec) -> None:
    """`create(config, http)` returns an adapter with the right name, a display name and
    an async `track` (and an async `track_for`, if it is an aggregator)."""
    async with httpx.AsyncClient(transport=spec.routes.fresh().transport()) as http:
        adapter = _create(spec, http)
    track_for = getattr(adapter, "track_for", None)
    if track_for is not None:
        assert inspect.iscoroutinefunction(track_for), (
            "adapter.track_for must be an async method: async def track_for(self, carrier, numbers)"
        )
        assert spec.routed_carrier is not None, (
            "the adapter is an aggregator (it has track_for): set routed_carrier='<carrier>' in "
            "the AdapterSpec so that the kit checks track_for too"
        )


async def check_no_io_in_create(spec: AdapterSpec) -> None:
    """`create` only reads the configuration: no request, no background task."""
    sent: list[str] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        sent.append(f"{request.method} {request.url}")
        raise AssertionError("create() must not send requests")

    before = asyncio.all_tasks()
    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as http:
        _create(spec, http)
        for _ in range(3):
            await asyncio.sleep(0)  # let any task create() started run its first step
    started = asyncio.all_tasks() - before
    for task in started:
        task.cancel()
    assert not sent, (
        f"create() sent {sent}: it must only read the configuration; fetch tokens and the "
        "like lazily in track() (TokenCache does), so a start never waits on a carrier"
    )
    assert not started, (
        f"create() started {len(started)} task(s); start work lazily in track() instead"
    )


async def check_one_result_per_number(spec: AdapterSpec) -> None:
    """`track` answers every distinct number asked exactly once, keyed as asked (and
    `track([])` is an empty mapping)."""
    _, empty = await _track(spec, spec.routes.fresh(), [])
    assert not empty, f"track([]) returned {dict(empty)!r}; it must return an empty mapping"
    asked = [*spec.numbers, spec.numbers[0]]  # a number asked twice still gets one result
    try:
        _, results = await _track(spec, spec.routes.fresh(), asked)
    except AssertionError:
        raise
    except Exception as exc:
        raise _failing(f"track({asked}) on the recorded payloads", exc) from exc
    problems = _answers_problems(results, asked, spec.carrier)
    assert not problems, f"track({asked}): " + "; ".join(problems)


async def check_results_are_valid(spec: AdapterSpec) -> None:
    """Statuses from the vocabulary, aware datetimes, sorted events, ETA types right."""
    _, results = await _track(spec, spec.routes.fresh(), spec.numbers)
    problems = [
        problem
        for number in spec.numbers
        for problem in result_problems(results.get(number), number=number, carrier=spec.carrier)
    ]
    assert not problems, "; ".join(problems)


def _raising(exc: Exception) -> Responder:
    def respond(request: httpx.Request, captured: Mapping[str, str]) -> httpx.Response:
        raise exc

    return respond


RETRY_AFTER_S = 7.0
_TEXT = {"Content-Type": "text/plain"}

#: Failures every call must turn into its own `CarrierError`: (what, answer, error).
FAILURES: tuple[tuple[str, Reply | Responder, type[CarrierError]], ...] = (
    ("HTTP 500", Reply(500, b"Internal Server Error", _TEXT), CarrierUnavailable),
    ("HTTP 503", Reply(503, b"<html>Service Unavailable</html>", _TEXT), CarrierUnavailable),
    ("HTTP 401", Reply(401, b'{"error": "unauthorized"}'), CarrierAuthError),
    ("HTTP 429", Reply(429, b"{}", {"Retry-After": f"{RETRY_AFTER_S:.0f}"}), CarrierRateLimited),
    ("a timeout", _raising(httpx.ReadTimeout("timed out")), CarrierTimeout),
    ("a refused connection", _raising(httpx.ConnectError("refused")), CarrierUnavailable),
)


def _targets(spec: AdapterSpec) -> list[Route]:
    """The routes to break one at a time; for an adapter with none, every request."""
    return list(spec.routes.routes) or [Route("* *", Reply())]


async def check_errors_are_typed(spec: AdapterSpec) -> None:
    """5xx, 401, 429, timeouts and refused connections on any route raise the matching
    `CarrierError` subclass (429 with its Retry-After), never a foreign exception."""
    problems: list[str] = []
    for route in _targets(spec):
        for what, answer, expected in FAILURES:
            router = spec.routes.with_answer(route.pattern, answer)
            if not spec.routes.routes:
                router = Router([Route("* *", answer)])
            where = f"when {route.pattern} answers {what}"
            try:
                await _track(spec, router, spec.numbers)
            except expected as exc:
                if expected is CarrierRateLimited and getattr(exc, "retry_after", None) is None:
                    problems.append(
                        f"{where}, CarrierRateLimited has no retry_after; pass "
                        "rate_limit_wait(response.headers) (send() and check_status() do)"
                    )
            except AssertionError:
                raise
            except Exception as exc:
                problems.append(
                    f"{where}, track raised {type(exc).__name__}, expected {expected.__name__} "
                    "(send() and check_status() map HTTP failures; raise ... from exc)"
                )
            else:
                if router.hits[route.pattern]:
                    problems.append(f"{where}, track returned results; raise {expected.__name__}")
    assert not problems, "; ".join(problems)


_REMOVE = object()


def _paths(node: object, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Every value's path inside a JSON document, parents before children."""
    items: list[tuple[str | int, object]] = []
    if isinstance(node, dict):
        items = list(node.items())
    elif isinstance(node, list):
        items = list(enumerate(node[:2]))  # list items share a shape: two stand for all
    for key, child in items:
        yield (*prefix, key)
        yield from _paths(child, (*prefix, key))


def _label(path: tuple[str | int, ...]) -> str:
    return "".join(f"[{key}]" if isinstance(key, int) else f".{key}" for key in path).lstrip(".")


def _changed(payload: object, path: tuple[str | int, ...], value: object) -> object:
    copy = json.loads(json.dumps(payload))  # a deep copy of plain JSON
    parent = copy
    for key in path[:-1]:
        parent = parent[key]
    if value is _REMOVE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return copy


def drifted(payload: object) -> Iterator[tuple[str, object]]:
    """`payload` with one value removed, set to null, or of another type, in turn."""
    for path in _paths(payload):
        parent = payload
        for key in path:
            parent = parent[key]  # type: ignore[index]  # the path came from this document
        wrong = {str: 12345, dict: [], list: {}, type(None): {}}.get(type(parent), "x")
        changes = [("removed", _REMOVE), (f"turned into {json.dumps(wrong)}", wrong)]
        if parent is not None:
            changes.append(("set to null", None))
        for how, value in changes:
            yield f"{_label(path)} {how}", _changed(payload, path, value)


#: Bodies no carrier means, served with the route's own status.
GARBAGE: tuple[tuple[str, bytes], ...] = (
    ("an HTML page", b"<html><body>Service Unavailable</body></html>"),
    ("an empty body", b""),
    ("null", b"null"),
    ("an empty list", b"[]"),
    ("an empty object", b"{}"),
    ("a bare string", b'"ok"'),
)

#: Most reported problems per check; the rest are counted.
MAX_REPORTED = 5


def _variants(reply: Reply) -> Iterator[tuple[str, bytes]]:
    yield from GARBAGE
    yield "a truncated copy", reply.content[: len(reply.content) // 2]
    try:
        payload = json.loads(reply.content)
    except ValueError:
        return
    for how, changed in drifted(payload):
        yield f"the recorded payload with {how}", json.dumps(changed).encode()


async def check_payload_drift(spec: AdapterSpec) -> None:
    """Garbage and drifted payloads (a value missing, null or of another type) give valid
    results or a `CarrierError` (`CarrierResponseError`), never KeyError or TypeError."""
    problems: list[str] = []
    asked = spec.routes.fresh()
    await _track(spec, asked, spec.numbers[:1])
    for route in spec.routes.routes:
        if not asked.hits[route.pattern] or not isinstance(route.answer, Reply):
            continue  # drift only what the adapter reads when it tracks a number
        for how, body in _variants(route.answer):
            router = spec.routes.with_answer(route.pattern, replace(route.answer, content=body))
            where = f"when {route.pattern} answers {how}"
            try:  # one number: parsing is what drifts, and no budget spacing slows it
                _, results = await _track(spec, router, spec.numbers[:1])
            except CarrierError:
                continue
            except AssertionError:
                raise
            except Exception as exc:
                problems.append(
                    f"{where}, track raised {type(exc).__name__}: {exc} (raise "
                    "CarrierResponseError for a payload it cannot read; leave out optional parts)"
                )
                continue
            answered = _answers_problems(results, spec.numbers[:1], spec.carrier)
            problems += [f"{where}: {problem}" for problem in answered]
    shown = "; ".join(problems[:MAX_REPORTED])
    more = f" (and {len(problems) - MAX_REPORTED} more)" if len(problems) > MAX_REPORTED else ""
    assert not problems, f"{len(problems)} drifted payload(s) break the adapter: {shown}{more}"


def _summary(results: Mapping[str, Any]) -> list[tuple[object, ...]]:
    """What must not differ between calls (times may: the demo is relative to now)."""
    return sorted(
        (number, r.status, r.status_code, r.problem, len(r.events), r.delay_reason)
        for number, r in results.items()
    )


async def check_concurrency(spec: AdapterSpec) -> None:
    """Many `track` calls at once on one adapter all succeed with the same answer as one
    call, and fetch a shared credential (a `TokenCache`, a `shared` route) once."""
    _, alone = await _track(spec, spec.routes.fresh(), spec.numbers)
    router = spec.routes.fresh()
    async with httpx.AsyncClient(transport=router.transport()) as http:
        adapter = _create(spec, http)
        outcomes = await asyncio.gather(
            *(adapter.track(list(spec.numbers)) for _ in range(CONCURRENT_CALLS)),
            return_exceptions=True,
        )
    failures = [o for o in outcomes if isinstance(o, BaseException)]
    assert not failures, (
        f"{len(failures)} of {CONCURRENT_CALLS} concurrent track() calls failed, the first "
        f"with {failures[0]!r}; keep per-call state in locals, not on the adapter"
    )
    differing = [o for o in outcomes if _summary(o) != _summary(alone)]  # type: ignore[arg-type]
    assert not differing, (
        f"{len(differing)} of {CONCURRENT_CALLS} concurrent track() calls answered otherwise "
        f"than one call alone ({_summary(differing[0])} instead of {_summary(alone)})"  # type: ignore[arg-type]
    )
    for attribute, value in vars(adapter).items():
        if isinstance(value, TokenCache):
            assert value.fetches <= 1, (
                f"adapter.{attribute} fetched {value.fetches} tokens for {CONCURRENT_CALLS} "
                "concurrent calls; share one TokenCache per adapter, created in __init__"
            )
    for route in router.routes:
        if route.shared:
            assert router.hits[route.pattern] <= 1, (
                f"{route.pattern} (a shared credential) was called {router.hits[route.pattern]} "
                f"times by {CONCURRENT_CALLS} concurrent calls; cache it (TokenCache)"
            )


async def check_track_for(spec: AdapterSpec) -> None:
    """An aggregator's `track_for(carrier, numbers)` answers each number once, as the
    aggregator (`carrier` = its name), saying the carrier behind it (`service_carrier`)."""
    carrier = spec.routed_carrier
    assert carrier is not None, "set routed_carrier in the AdapterSpec to check track_for"
    asked = [*spec.numbers, spec.numbers[0]]
    try:
        _, results = await _track(spec, spec.routes.fresh(), asked, carrier)
    except AssertionError:
        raise
    except Exception as exc:
        raise _failing(f"track_for({carrier!r}, {asked})", exc) from exc
    problems = _answers_problems(results, asked, spec.carrier)
    for number, result in results.items():
        service = getattr(result, "service_carrier", None)
        if not isinstance(service, str) or not service:
            problems.append(f"result for {number!r} has no service_carrier (say who carries it)")
    assert not problems, f"track_for({carrier!r}, {asked}): " + "; ".join(problems)


CHECKS: tuple[Check, ...] = (
    Check("factory", check_factory),
    Check("no_io_in_create", check_no_io_in_create),
    Check("one_result_per_number", check_one_result_per_number),
    Check("results_are_valid", check_results_are_valid),
    Check("errors_are_typed", check_errors_are_typed),
    Check("payload_drift", check_payload_drift),
    Check("concurrency", check_concurrency),
)
AGGREGATOR_CHECKS: tuple[Check, ...] = (Check("track_for", check_track_for),)


def checks_for(spec: AdapterSpec) -> tuple[Check, ...]:
    """The checks that apply to `spec`: all of them, plus `track_for` for an aggregator."""
    return CHECKS + (AGGREGATOR_CHECKS if spec.routed_carrier is not None else ())
