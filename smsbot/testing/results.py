"""What a good `TrackingResult` looks like: every way a result breaks the contract."""

from __future__ import annotations

from datetime import date, datetime

from smsbot.tracking import (
    DelayReason,
    Eta,
    Event,
    Problem,
    Status,
    TrackingResult,
)


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
