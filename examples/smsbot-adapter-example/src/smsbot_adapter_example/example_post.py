"""Example Post: a fictional carrier whose API answers many parcels in one GET.

`GET /api/parcels?ids=EP1,EP2` with header `X-Api-Key` answers
`{"parcels": [{"id", "state", "state_text", "eta", "scans": [...]}], "unknown": [ids]}`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

import httpx

from smsbot.errors import CarrierResponseError
from smsbot.tracking import (
    CarrierConfig,
    DelayReason,
    Eta,
    Event,
    RequestBudget,
    Status,
    TrackingResult,
    UnknownCodeLog,
    check_status,
    parse_timestamp,
    read_json,
    send,
)

NAME = "example_post"
DEFAULT_BASE_URL = "https://api.example-post.example"
PARCELS_PATH = "/api/parcels"
MAX_BATCH = 20  # ids the API takes in one call

STATUS_CODES: dict[str, Status] = {
    "registered": Status.LABEL_CREATED,
    "moving": Status.IN_TRANSIT,
    "on_van": Status.OUT_FOR_DELIVERY,
    "at_counter": Status.AVAILABLE_FOR_PICKUP,
    "missed": Status.DELIVERY_ATTEMPTED,
    "handed_over": Status.DELIVERED,
    "held": Status.EXCEPTION,
    "going_back": Status.RETURNING,
}

#: Example Post's hold reasons (`hold`), for parcels in state "held" or "missed".
DELAY_REASONS: dict[str, DelayReason] = {
    "storm": DelayReason.WEATHER,
    "customs": DelayReason.CUSTOMS,
    "bad_address": DelayReason.ADDRESS,
    "nobody_home": DelayReason.RECIPIENT_UNAVAILABLE,
}


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _scan(entry: object) -> Event | None:
    """One scan, or None when it has no usable time (the others can still be placed)."""
    if not isinstance(entry, dict):
        return None
    try:
        when = parse_timestamp(_text(entry.get("at")))
    except ValueError:
        return None
    code = _text(entry.get("state"))
    place = _text(entry.get("place")) or None
    return Event(
        when, STATUS_CODES.get(code, Status.UNKNOWN), _text(entry.get("text")), code, place
    )


def _eta(value: object) -> Eta | None:
    try:
        return Eta(date.fromisoformat(_text(value))) if _text(value) else None
    except ValueError:
        return None


def parse_parcel(parcel: Mapping[str, Any], *, carrier: str = NAME) -> TrackingResult:
    """One parcel of an answer; raises `CarrierResponseError` without an id or a state."""
    number, code = _text(parcel.get("id")), _text(parcel.get("state"))
    if not number or not code:
        raise CarrierResponseError(carrier, "a parcel has no id or no state")
    scans = parcel.get("scans")
    events = tuple(e for e in map(_scan, scans if isinstance(scans, list) else []) if e)
    status = STATUS_CODES.get(code, Status.UNKNOWN)
    delivered = status is Status.DELIVERED
    return TrackingResult(
        carrier,
        number,
        status,
        status_text=_text(parcel.get("state_text")) or code,
        status_code=code,
        events=events,
        eta=None if delivered else _eta(parcel.get("eta")),
        delivered_at=max(e.time for e in events) if delivered and events else None,
        delivery_location=(_text(parcel.get("left_at")) or None) if delivered else None,
        delay_reason=DELAY_REASONS.get(_text(parcel.get("hold"))),
        proof_of_delivery=parcel.get("photo") is True,
    )


def parse_parcels(payload: object, *, carrier: str = NAME) -> dict[str, TrackingResult]:
    """Every parcel of a `GET /api/parcels` answer by id; `unknown` ids are not found."""
    if not isinstance(payload, dict) or not isinstance(payload.get("parcels"), list):
        raise CarrierResponseError(carrier, "answer has no parcels list")
    results: dict[str, TrackingResult] = {}
    for parcel in payload["parcels"]:
        if not isinstance(parcel, dict):
            raise CarrierResponseError(carrier, "a parcel is not a JSON object")
        result = parse_parcel(parcel, carrier=carrier)
        results[result.number] = result
    unknown = payload.get("unknown")
    for number in unknown if isinstance(unknown, list) else []:
        if isinstance(number, str):
            results[number] = TrackingResult.not_found(carrier, number)
    return results


class ExamplePostAdapter:
    """Tracks Example Post parcels, up to `MAX_BATCH` per request."""

    name = NAME
    display_name = "Example Post"

    def __init__(
        self, http: httpx.AsyncClient, *, api_key: str, base_url: str, budget: RequestBudget
    ) -> None:
        self._http = http
        self._api_key = api_key
        self._url = base_url + PARCELS_PATH
        self._budget = budget
        self._unknown = UnknownCodeLog(NAME)

    async def track(self, numbers: Sequence[str]) -> dict[str, TrackingResult]:
        """One result per distinct number; a failed call raises its `CarrierError`."""
        wanted = list(dict.fromkeys(numbers))
        found: dict[str, TrackingResult] = {}
        for start in range(0, len(wanted), MAX_BATCH):
            found.update(await self._track_batch(wanted[start : start + MAX_BATCH]))
        results: dict[str, TrackingResult] = {}
        for number in wanted:
            result = found.get(number) or found.get(number.upper())
            if result is None:
                result = TrackingResult.not_found(NAME, number)  # left out: nothing to say
            results[number] = replace(result, number=number)
            self._unknown.note(result)
        return results

    async def _track_batch(self, batch: Sequence[str]) -> dict[str, TrackingResult]:
        request = self._http.build_request(
            "GET",
            self._url,
            params={"ids": ",".join(batch)},
            headers={"X-Api-Key": self._api_key, "Accept": "application/json"},
        )
        response = await send(self._http, self._budget, request)
        check_status(response, NAME)
        return parse_parcels(read_json(response, NAME))


def create(config: CarrierConfig, http: httpx.AsyncClient) -> ExamplePostAdapter:
    """Build the adapter from `[carriers.example_post]`; reads configuration only."""
    return ExamplePostAdapter(
        http,
        api_key=config.secret("api_key", env="SMSBOT_EXAMPLE_POST_API_KEY"),
        base_url=config.base_url(DEFAULT_BASE_URL),
        budget=config.budget(max_concurrency=2, requests_per_second=5),
    )
