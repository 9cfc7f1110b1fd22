"""Tracking results as versioned JSON for the tracking cache: lossless on write, strict on read."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from smsbot.errors import SnapshotError
from smsbot.tracking import (
    CARRIER_LOCAL,
    DelayReason,
    Eta,
    Event,
    Problem,
    Status,
    TrackingResult,
)

#: The format written by `result_to_json`; bump it (and keep reading the old one) on change.
#: Version 2 adds each event's place (`zone`, `state`, `postal_code`, `country`); a
#: version-1 snapshot reads with those unset, its times exactly as they were stored.
VERSION = 2
READABLE = frozenset({1, 2})

# CARRIER_LOCAL's offset is 0, so its ISO text would read as UTC; this suffix keeps it apart.
_LOCAL_MARK = "[carrier-local]"


def result_to_json(result: TrackingResult) -> str:
    """`result` as JSON text that `result_from_json` turns back into an equal result.

    Times keep their UTC offset, and an event's zone name travels beside its time;
    carrier-local times stay carrier-local, and a naive time is written as carrier-local,
    the SDK's reading of a time without an offset.
    """
    eta = result.eta
    document: dict[str, Any] = {
        "version": VERSION,
        "carrier": result.carrier,
        "number": result.number,
        "status": result.status.value,
        "status_text": result.status_text,
        "status_code": result.status_code,
        "events": [
            {
                "time": _time_text(event.time),
                "status": event.status.value,
                "description": event.description,
                "code": event.code,
                "location": event.location,
                "zone": event.zone,
                "state": event.state,
                "postal_code": event.postal_code,
                "country": event.country,
            }
            for event in result.events
        ],
        "eta": None
        if eta is None
        else {
            "earliest": eta.earliest.isoformat(),
            "latest": None if eta.latest is None else eta.latest.isoformat(),
            "window_start": _optional_time_text(eta.window_start),
            "window_end": _optional_time_text(eta.window_end),
            "estimated": eta.estimated,
        },
        "delivered_at": _optional_time_text(result.delivered_at),
        "delivery_location": result.delivery_location,
        "delay_reason": None if result.delay_reason is None else result.delay_reason.value,
        "proof_of_delivery": result.proof_of_delivery,
        "pieces": result.pieces,
        "problem": None if result.problem is None else result.problem.value,
        "service_carrier": result.service_carrier,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def result_from_json(text: str) -> TrackingResult:
    """The result `result_to_json` wrote. Raises SnapshotError (a ValueError) naming what is
    wrong.

    Forward-compatible where it is cheap: a status this version does not know reads as
    `Status.UNKNOWN` and an unknown delay reason as `DelayReason.OTHER`.
    """
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise SnapshotError(f"tracking snapshot is not valid JSON: {exc}") from None
    top = _Reader(data, "snapshot")
    version = top.count("version")
    if version not in READABLE:
        newer = " (written by a newer smsbot)" if version > VERSION else ""
        raise SnapshotError(f"tracking snapshot: unsupported version {version}{newer}")
    eta = top.child("eta")
    reason = top.optional_text("delay_reason")
    problem = top.optional_text("problem")
    try:
        known_problem = None if problem is None else Problem(problem)
    except ValueError:
        raise SnapshotError(f"tracking snapshot: unknown problem {problem!r}") from None
    return TrackingResult(
        carrier=top.text("carrier"),
        number=top.text("number"),
        status=_status(top.text("status")),
        status_text=top.text("status_text", ""),
        status_code=top.text("status_code", ""),
        events=tuple(
            Event(
                time=item.time("time"),
                status=_status(item.text("status")),
                description=item.text("description", ""),
                code=item.text("code", ""),
                location=item.optional_text("location"),
                zone=item.optional_text("zone"),
                state=item.optional_text("state"),
                postal_code=item.optional_text("postal_code"),
                country=item.optional_text("country"),
            )
            for item in top.children("events")
        ),
        eta=None
        if eta is None
        else Eta(
            earliest=eta.day("earliest"),
            latest=eta.optional_day("latest"),
            window_start=eta.optional_time("window_start"),
            window_end=eta.optional_time("window_end"),
            estimated=eta.flag("estimated", False),
        ),
        delivered_at=top.optional_time("delivered_at"),
        delivery_location=top.optional_text("delivery_location"),
        delay_reason=None if reason is None else _delay_reason(reason),
        proof_of_delivery=top.flag("proof_of_delivery", False),
        pieces=top.count("pieces", 1),
        problem=known_problem,
        service_carrier=top.optional_text("service_carrier"),
    )


def _status(value: str) -> Status:
    try:
        return Status(value)
    except ValueError:
        return Status.UNKNOWN


def _delay_reason(value: str) -> DelayReason:
    try:
        return DelayReason(value)
    except ValueError:
        return DelayReason.OTHER


def _time_text(moment: datetime) -> str:
    # By name, not identity: a copied or unpickled CARRIER_LOCAL is a different object.
    if moment.tzinfo is None or moment.tzname() == CARRIER_LOCAL.tzname(None):
        return moment.replace(tzinfo=UTC).isoformat() + _LOCAL_MARK
    return moment.isoformat()


def _optional_time_text(moment: datetime | None) -> str | None:
    return None if moment is None else _time_text(moment)


class _Reader:
    """Typed access to one JSON object of a snapshot; every error names the field."""

    def __init__(self, data: object, where: str) -> None:
        if not isinstance(data, dict):
            raise SnapshotError(f"tracking snapshot: {where} must be an object, not {_kind(data)}")
        self._data: dict[str, object] = data
        self._where = where

    def _wrong(self, key: str, expected: str, value: object) -> SnapshotError:
        return SnapshotError(
            f"tracking snapshot: {self._where}.{key} must be {expected}, not {_kind(value)}"
        )

    def _get(self, key: str, default: object) -> object:
        if key not in self._data and default is None:
            raise SnapshotError(f"tracking snapshot: {self._where}.{key} is missing")
        return self._data.get(key, default)

    def text(self, key: str, default: str | None = None) -> str:
        value = self._get(key, default)
        if not isinstance(value, str):
            raise self._wrong(key, "a string", value)
        return value

    def optional_text(self, key: str) -> str | None:
        return None if self._data.get(key) is None else self.text(key)

    def flag(self, key: str, default: bool) -> bool:
        value = self._get(key, default)
        if not isinstance(value, bool):
            raise self._wrong(key, "true or false", value)
        return value

    def count(self, key: str, default: int | None = None) -> int:
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._wrong(key, "a whole number", value)
        return value

    def time(self, key: str) -> datetime:
        text = self.text(key)
        local = text.endswith(_LOCAL_MARK)
        try:
            moment = datetime.fromisoformat(text.removesuffix(_LOCAL_MARK))
        except ValueError:
            raise self._wrong(key, "an ISO-8601 time", text) from None
        if moment.tzinfo is None or (local and moment.utcoffset() != timedelta(0)):
            raise self._wrong(key, "a time with a UTC offset (+00:00 when carrier-local)", text)
        return moment.replace(tzinfo=CARRIER_LOCAL) if local else moment

    def optional_time(self, key: str) -> datetime | None:
        return None if self._data.get(key) is None else self.time(key)

    def day(self, key: str) -> date:
        text = self.text(key)
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise self._wrong(key, "an ISO-8601 date", text) from None

    def optional_day(self, key: str) -> date | None:
        return None if self._data.get(key) is None else self.day(key)

    def child(self, key: str) -> _Reader | None:
        value = self._data.get(key)
        return None if value is None else _Reader(value, f"{self._where}.{key}")

    def children(self, key: str) -> list[_Reader]:
        value = self._data.get(key, [])
        if not isinstance(value, list):
            raise self._wrong(key, "a list", value)
        return [_Reader(item, f"{self._where}.{key}[{index}]") for index, item in enumerate(value)]


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return repr(value[:40])
    return _KINDS.get(type(value), type(value).__name__)


_KINDS = {bool: "a boolean", int: "a number", float: "a number", list: "a list", dict: "an object"}
