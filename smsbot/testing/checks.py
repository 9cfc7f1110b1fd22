"""The conformance checks every adapter runs, and `checks_for(spec)`."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Mapping
from typing import Any

import httpx

from smsbot.errors import (
    CarrierAuthError,
    CarrierError,
    CarrierRateLimited,
    CarrierTimeout,
    CarrierUnavailable,
)
from smsbot.testing.drift import check_payload_drift
from smsbot.testing.results import result_problems
from smsbot.testing.router import Reply, Responder, Route, Router
from smsbot.testing.spec import (
    AdapterSpec,
    Check,
    answers_problems,
    create_adapter,
    failing,
    track_with,
)
from smsbot.tracking import TokenCache

#: How many `track` calls the concurrency check runs at once.
CONCURRENT_CALLS = 8


async def check_factory(spec: AdapterSpec) -> None:
    """`create(config, http)` returns an adapter with the right name, a display name and
    an async `track` (and an async `track_for`, if it is an aggregator)."""
    async with httpx.AsyncClient(transport=spec.routes.fresh().transport()) as http:
        adapter = create_adapter(spec, http)
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
        create_adapter(spec, http)
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
    _, empty = await track_with(spec, spec.routes.fresh(), [])
    assert not empty, f"track([]) returned {dict(empty)!r}; it must return an empty mapping"
    asked = [*spec.numbers, spec.numbers[0]]  # a number asked twice still gets one result
    try:
        _, results = await track_with(spec, spec.routes.fresh(), asked)
    except AssertionError:
        raise
    except Exception as exc:
        raise failing(f"track({asked}) on the recorded payloads", exc) from exc
    problems = answers_problems(results, asked, spec.carrier)
    assert not problems, f"track({asked}): " + "; ".join(problems)


async def check_results_are_valid(spec: AdapterSpec) -> None:
    """Statuses from the vocabulary, aware datetimes, sorted events, ETA types right."""
    _, results = await track_with(spec, spec.routes.fresh(), spec.numbers)
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
                await track_with(spec, router, spec.numbers)
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


def _summary(results: Mapping[str, Any]) -> list[tuple[object, ...]]:
    """What must not differ between calls (times may: the demo is relative to now)."""
    return sorted(
        (number, r.status, r.status_code, r.problem, len(r.events), r.delay_reason)
        for number, r in results.items()
    )


async def check_concurrency(spec: AdapterSpec) -> None:
    """Many `track` calls at once on one adapter all succeed with the same answer as one
    call, and fetch a shared credential (a `TokenCache`, a `shared` route) once."""
    _, alone = await track_with(spec, spec.routes.fresh(), spec.numbers)
    router = spec.routes.fresh()
    async with httpx.AsyncClient(transport=router.transport()) as http:
        adapter = create_adapter(spec, http)
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
        _, results = await track_with(spec, spec.routes.fresh(), asked, carrier)
    except AssertionError:
        raise
    except Exception as exc:
        raise failing(f"track_for({carrier!r}, {asked})", exc) from exc
    problems = answers_problems(results, asked, spec.carrier)
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
