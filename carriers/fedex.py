"""FedEx Track API adapter: OAuth client credentials, up to 30 numbers per tracking call.

Parsing (`parse_track_response`) is pure and apart from fetching (`FedExAdapter`).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, NamedTuple

import httpx

from smsbot.errors import CarrierResponseError
from smsbot.tracking import (
    CarrierConfig,
    DelayReason,
    Eta,
    Event,
    Problem,
    RequestBudget,
    Status,
    TokenCache,
    TrackingResult,
    UnknownCodeLog,
    check_status,
    fetch_token,
    format_place,
    parse_timestamp,
    read_json,
)

NAME = "fedex"
PRODUCTION_URL = "https://apis.fedex.com"
SANDBOX_URL = "https://apis-sandbox.fedex.com"
TOKEN_PATH = "/oauth/token"  # noqa: S105  # a path, not a password
TRACK_PATH = "/track/v1/trackingnumbers"
MAX_BATCH = 30  # the Track API's documented limit of trackingInfo items per request

# Groups of `latestStatusDetail.code` / `scanEvents[].eventType` values (FedEx "Tracking
# Status Codes"); the DE/SE/CA/CD exceptions carry a reason (see _delay_reason).
_LABEL = ("OC", "OX", "EP", "RP", "LP", "RG", "RD")  # order created, return label links
_MOVING = (
    *("PU", "PX", "AP", "IT", "IX", "AR", "AF", "AA", "AC", "AX", "DP", "EA", "EO", "FD"),
    *("LO", "OF", "Ow", "PF", "PL", "PM", "SF", "TR", "CC", "CP", "CH", "DS", "DR", "SP"),
    *("AO", "AE", "RR", "RM", "RC", "DY", "DD", "PD"),  # on time / early / delivery changes / late
)

#: FedEx status codes.
STATUS_CODES: dict[str, Status] = {
    **dict.fromkeys(_LABEL, Status.LABEL_CREATED),
    **dict.fromkeys(_MOVING, Status.IN_TRANSIT),
    **dict.fromkeys(("OD", "ED", "AD"), Status.OUT_FOR_DELIVERY),
    "DL": Status.DELIVERED,
    **dict.fromkeys(("HL", "HP"), Status.AVAILABLE_FOR_PICKUP),  # hold at location, pickup
    **dict.fromkeys(("DE", "SE", "CA", "CD"), Status.EXCEPTION),
    "RS": Status.RETURNING,  # return to shipper
}

#: `derivedCode`, FedEx's simplified family, used when `code` is not in STATUS_CODES.
DERIVED_CODES: dict[str, Status] = {
    **dict.fromkeys(("IN", "OC"), Status.LABEL_CREATED),  # IN: initiated
    **dict.fromkeys(("PU", "IT", "DY", "RL"), Status.IN_TRANSIT),  # RL: running late
    "OD": Status.OUT_FOR_DELIVERY,
    **dict.fromkeys(("HL", "HP"), Status.AVAILABLE_FOR_PICKUP),
    "DL": Status.DELIVERED,
    **dict.fromkeys(("DE", "SE", "CA"), Status.EXCEPTION),
    "RS": Status.RETURNING,
}

#: The reason a status code implies when FedEx gives no more specific one.
DEFAULT_REASONS: dict[str, DelayReason] = {
    **dict.fromkeys(("DY", "DD", "PD", "RL"), DelayReason.CARRIER_DELAY),
    "CD": DelayReason.CUSTOMS,
    **dict.fromkeys(("DE", "SE", "CA"), DelayReason.OTHER),
}

#: Delivery-exception codes (`ancillaryDetails[].reason`, `scanEvents[].exceptionCode`).
EXCEPTION_CODES: dict[str, DelayReason] = {
    "03": DelayReason.ADDRESS,  # incorrect address
    "07": DelayReason.REFUSED,  # refused by recipient
    "08": DelayReason.RECIPIENT_UNAVAILABLE,  # customer not available or business closed
    "10": DelayReason.DAMAGED,
    "15": DelayReason.RECIPIENT_UNAVAILABLE,  # business closed
    "A52": DelayReason.CARRIER_DELAY,  # package delayed
}

#: `delayDetail.type`.
DELAY_TYPES: dict[str, DelayReason] = {
    "WEATHER": DelayReason.WEATHER,
    "CLEARANCE": DelayReason.CUSTOMS,
    **dict.fromkeys(("OPERATIONAL", "LOCAL", "GENERAL"), DelayReason.CARRIER_DELAY),
}

# FedEx has hundreds of exception codes and documents few; its descriptions are stable
# English, so unknown codes fall back to these words. Order matters: payment before customs
# ("duties"), address before lost ("missing apartment number"), the generic "delay" last.
REASON_WORDS: tuple[tuple[re.Pattern[str], DelayReason], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), reason)
    for pattern, reason in (
        (r"\b(weather|storm|snow|hurricane|flood|tornado)", DelayReason.WEATHER),
        (r"\b(payment|duties|duty|cod)\b", DelayReason.HELD_FOR_PAYMENT),
        (r"\b(customs|clearance|regulatory)", DelayReason.CUSTOMS),
        (r"\baddress", DelayReason.ADDRESS),
        (r"\brefus", DelayReason.REFUSED),
        (r"\b(not available|not home|business closed)", DelayReason.RECIPIENT_UNAVAILABLE),
        (r"\bdamage", DelayReason.DAMAGED),
        (r"\b(lost|cannot be located)\b", DelayReason.LOST),
        (r"\bholiday", DelayReason.HOLIDAY),
        (r"\bsecurity", DelayReason.SECURITY),
        (r"\b(delay|late)", DelayReason.CARRIER_DELAY),
    )
)

NOT_FOUND_ERRORS = frozenset({"TRACKING.TRACKINGNUMBER.NOTFOUND", "TRACKING.DATA.NOTFOUND"})
INVALID_ERRORS = frozenset({"TRACKING.TRACKINGNUMBER.INVALID", "TRACKING.TRACKINGNUMBER.EMPTY"})

# Statuses whose delay reason is worth looking for even when the code implies none.
_REASON_STATUSES = frozenset({Status.EXCEPTION, Status.DELIVERY_ATTEMPTED, Status.RETURNING})
_UNPADDED = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?")
_EARLIEST = datetime.min.replace(tzinfo=UTC)


class _Scan(NamedTuple):
    event: Event
    exception_code: str
    exception_text: str


def _dict(value: object, key: str) -> dict[str, Any]:
    found = value.get(key) if isinstance(value, dict) else None
    return found if isinstance(found, dict) else {}


def _list(value: object, key: str) -> list[Any]:
    found = value.get(key) if isinstance(value, dict) else None
    return found if isinstance(found, list) else []


def _text(value: object, key: str) -> str:
    found = value.get(key) if isinstance(value, dict) else None
    return found.strip() if isinstance(found, str) else ""


def _time(text: object) -> datetime | None:
    """An aware time from FedEx's ISO text (padded or not, with or without offset), or None."""
    if not isinstance(text, str) or not text.strip():
        return None

    def pad(match: re.Match[str]) -> str:
        year, month, day, hour, minute, second = match.groups()
        padded = f"{year}-{int(month):02d}-{int(day):02d}"
        if hour is not None:
            padded += f"T{int(hour):02d}:{int(minute):02d}:{int(second or 0):02d}"
        return padded

    try:
        return parse_timestamp(_UNPADDED.sub(pad, text.strip(), count=1))
    except ValueError:
        return None


def _reason(code: str, text: str) -> DelayReason | None:
    if code in EXCEPTION_CODES:
        return EXCEPTION_CODES[code]
    for pattern, reason in REASON_WORDS:
        if pattern.search(text):
            return reason
    return None


def _scan(raw: object) -> _Scan | None:
    """One scan event; None when it has no usable time (it cannot be placed in order)."""
    time = _time(raw.get("date") if isinstance(raw, dict) else None)
    if time is None:
        return None
    location = _dict(raw, "scanLocation")
    code = _text(raw, "eventType")
    derived = _text(raw, "derivedStatusCode")
    description = _text(raw, "eventDescription") or _text(raw, "derivedStatus")
    exception_text = _text(raw, "exceptionDescription")
    if exception_text and exception_text.lower() not in description.lower():
        description = f"{description}: {exception_text}" if description else exception_text
    event = Event(
        time=time,
        status=STATUS_CODES.get(code) or DERIVED_CODES.get(derived, Status.UNKNOWN),
        description=description,
        code=code,
        location=format_place(
            _text(location, "city"),
            _text(location, "stateOrProvinceCode"),
            _text(location, "countryCode"),
        ),
        state=_text(location, "stateOrProvinceCode") or None,
        postal_code=_text(location, "postalCode") or None,
        country=_text(location, "countryCode") or None,
    )
    return _Scan(event, _text(raw, "exceptionCode"), exception_text)


def _delay_reason(
    status: Status, codes: Sequence[str], latest: Mapping[str, Any], newest: _Scan | None
) -> DelayReason | None:
    """Why the parcel is late or stuck: ancillary details, delay detail, the newest scan."""
    delay = _dict(latest, "delayDetail")
    delayed = _text(delay, "status") == "DELAYED"
    default = next((DEFAULT_REASONS[code] for code in codes if code in DEFAULT_REASONS), None)
    if status is Status.DELIVERED or (
        status not in _REASON_STATUSES and default is None and not delayed
    ):
        return None  # a late delivery is still a delivery: no reason to report
    for detail in _list(latest, "ancillaryDetails"):
        reason = _reason(_text(detail, "reason"), _text(detail, "reasonDescription"))
        if reason is not None:
            return reason
    if _text(delay, "type") in DELAY_TYPES:
        return DELAY_TYPES[_text(delay, "type")]
    if newest is not None and (newest.exception_code or newest.exception_text):
        reason = _reason(newest.exception_code, newest.exception_text)
        if reason is not None:
            return reason
    return default or (DelayReason.CARRIER_DELAY if delayed else None)


def _eta(raw: Mapping[str, Any]) -> Eta | None:
    window = _dict(_dict(raw, "estimatedDeliveryTimeWindow"), "window")
    begins, ends = _time(window.get("begins")), _time(window.get("ends"))
    if begins is not None and ends is not None and begins < ends:
        if begins.date() == ends.date():
            return Eta(begins.date(), window_start=begins, window_end=ends)
        return Eta(begins.date(), latest=ends.date())
    day = begins or ends
    if day is not None:
        return Eta(day.date())
    estimated = _date_and_time(raw, "ESTIMATED_DELIVERY")
    return Eta(estimated.date()) if estimated is not None else None


def _date_and_time(raw: Mapping[str, Any], kind: str) -> datetime | None:
    for item in _list(raw, "dateAndTimes"):
        if _text(item, "type") == kind:
            found = _time(item.get("dateTime"))
            if found is not None:
                return found
    return None


def _pieces(raw: Mapping[str, Any]) -> int:
    count = _dict(raw, "packageDetails").get("count")  # a string: "2"
    if isinstance(count, int | str) and str(count).strip().isdigit():
        return max(1, int(count))
    return 1


def _parse_result(carrier: str, number: str, raw: Mapping[str, Any]) -> TrackingResult:
    latest = raw.get("latestStatusDetail")
    if not isinstance(latest, dict):
        raise CarrierResponseError(carrier, "a track result has no latestStatusDetail")
    code, derived = _text(latest, "code"), _text(latest, "derivedCode")
    status = STATUS_CODES.get(code) or DERIVED_CODES.get(derived, Status.UNKNOWN)
    scans = [scan for scan in map(_scan, _list(raw, "scanEvents")) if scan is not None]
    newest = max(scans, key=lambda scan: scan.event.time, default=None)
    reason = _delay_reason(status, (code, derived), latest, newest)
    if "DE" in (code, derived) and reason is DelayReason.RECIPIENT_UNAVAILABLE:
        status = Status.DELIVERY_ATTEMPTED  # nobody was in: FedEx tries again, not a problem
    delivered = status is Status.DELIVERED
    details = _dict(raw, "deliveryDetails")
    delivered_at = _date_and_time(raw, "ACTUAL_DELIVERY") if delivered else None
    if delivered and delivered_at is None:
        delivered_at = max(
            (scan.event.time for scan in scans if scan.event.code == "DL"), default=None
        )
    # Never `receivedByName`: a person's name must not reach an unverified texter.
    where = _text(details, "locationDescription").lower()
    images = {_text(image, "type") for image in _list(raw, "availableImages")}
    return TrackingResult(
        carrier,
        number,
        status,
        status_text=_text(latest, "statusByLocale") or _text(latest, "description"),
        status_code=code or derived,
        events=tuple(scan.event for scan in scans),
        eta=None if delivered else _eta(raw),
        delivered_at=delivered_at,
        delivery_location=(where or None) if delivered else None,
        delay_reason=reason,
        proof_of_delivery="SIGNATURE_PROOF_OF_DELIVERY" in images
        or bool(_text(details, "signedByName")),
        pieces=_pieces(raw),
    )


def _error_result(carrier: str, number: str, error: Mapping[str, Any]) -> TrackingResult:
    code, message = _text(error, "code"), _text(error, "message")
    if code in NOT_FOUND_ERRORS:
        return TrackingResult.not_found(carrier, number, message)
    if code in INVALID_ERRORS:
        return TrackingResult(
            carrier,
            number,
            Status.PENDING,
            status_text=message,
            status_code=code,
            problem=Problem.INVALID_NUMBER,
        )
    # Another per-number failure: keep FedEx's words rather than claim the number is unknown.
    return TrackingResult(carrier, number, Status.UNKNOWN, status_text=message, status_code=code)


def _has_error(raw: Mapping[str, Any]) -> bool:
    error = raw.get("error")
    if not isinstance(error, dict):
        return bool(error)
    return bool(_text(error, "code") or _text(error, "message"))


def _has_data(raw: Mapping[str, Any]) -> bool:
    latest = raw.get("latestStatusDetail")
    scans = raw.get("scanEvents")
    return (isinstance(latest, dict) and bool(_text(latest, "code"))) or (
        isinstance(scans, list) and bool(scans)
    )


def _newest_time(result: TrackingResult) -> datetime:
    return result.last_event.time if result.last_event is not None else _EARLIEST


def parse_track_response(payload: object, *, carrier: str = NAME) -> dict[str, TrackingResult]:
    """Results keyed by the tracking number FedEx echoes, one per `completeTrackResults` entry.

    Per-number errors inside the 200 become not-found / invalid-number results. Raises
    `CarrierResponseError` when the payload does not have the Track API's shape.
    """
    if not isinstance(payload, dict):
        raise CarrierResponseError(carrier, "answer is not a JSON object")
    output = payload.get("output")
    if not isinstance(output, dict):
        codes = ", ".join(filter(None, (_text(e, "code") for e in _list(payload, "errors"))))
        raise CarrierResponseError(carrier, f"answer has no output ({codes or 'no error code'})")
    complete = output.get("completeTrackResults")
    if not isinstance(complete, list):
        raise CarrierResponseError(carrier, "answer has no completeTrackResults list")
    results: dict[str, TrackingResult] = {}
    for entry in complete:
        number = _text(entry, "trackingNumber")
        raws = entry.get("trackResults") if isinstance(entry, dict) else None
        if not number or not isinstance(raws, list) or not all(isinstance(r, dict) for r in raws):
            raise CarrierResponseError(carrier, "a completeTrackResults entry has the wrong shape")
        # Data wins over an error object: FedEx sends empty ones ({"code": "", ...}) beside
        # real track data, and an error only means something when there is nothing else.
        shipments = [raw for raw in raws if _has_data(raw) or not _has_error(raw)]
        if shipments:
            # A reused number has one result per shipment: the one scanned last is current.
            parsed = [_parse_result(carrier, number, raw) for raw in shipments]
            results[number] = max(parsed, key=_newest_time)
        elif raws:
            results[number] = _error_result(carrier, number, _dict(raws[0], "error"))
        else:
            results[number] = TrackingResult.not_found(carrier, number)
    return results


def _match_key(number: str) -> str:
    return "".join(number.split()).upper()


class FedExAdapter:
    """Tracks FedEx numbers through the Track API, in batches of `MAX_BATCH` sent concurrently."""

    name = NAME
    display_name = "FedEx"
    batch_size = MAX_BATCH  # the Track API takes 30 numbers a request: one call, one request

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str,
        client_id: str,
        client_secret: str,
        budget: RequestBudget,
    ) -> None:
        self.budget = budget
        self._http = http
        self._base_url = base_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._tokens = TokenCache(self._fetch_token)
        self._unknown = UnknownCodeLog(NAME)

    async def check(self) -> str:
        """Fetch an OAuth token: proves the credentials without tracking anything."""
        await self._tokens.token()
        return "credentials accepted (token fetched)"

    async def track(self, numbers: Sequence[str]) -> dict[str, TrackingResult]:
        """One result per number asked, keyed as given; raises `CarrierError` on failure."""
        wanted = list(dict.fromkeys(numbers))
        batches = [wanted[i : i + MAX_BATCH] for i in range(0, len(wanted), MAX_BATCH)]
        answers = await asyncio.gather(
            *(self._track_batch(batch) for batch in batches), return_exceptions=True
        )
        found: dict[str, TrackingResult] = {}
        for answer in answers:
            if isinstance(answer, BaseException):
                raise answer
            found.update({_match_key(number): result for number, result in answer.items()})
        results: dict[str, TrackingResult] = {}
        for number in wanted:
            result = found.get(_match_key(number))
            if result is None:
                # FedEx left the number out of its answer: it has nothing to say about it.
                result = TrackingResult.not_found(NAME, number)
            elif result.number != number:
                result = replace(result, number=number)
            self._unknown.note(result)
            results[number] = result
        return results

    async def _track_batch(self, batch: Sequence[str]) -> dict[str, TrackingResult]:
        body = {
            "includeDetailedScans": True,
            "trackingInfo": [{"trackingNumberInfo": {"trackingNumber": n}} for n in batch],
        }
        response = await self._tokens.send(
            self._http, self.budget, lambda token: self._track_request(token, body)
        )
        check_status(response, NAME)
        return parse_track_response(read_json(response, NAME), carrier=NAME)

    def _track_request(self, token: str, body: Mapping[str, Any]) -> httpx.Request:
        return self._http.build_request(
            "POST",
            self._base_url + TRACK_PATH,
            json=body,
            headers={
                "Authorization": f"Bearer {token}",
                "X-locale": "en_US",
                "Content-Type": "application/json",
            },
        )

    async def _fetch_token(self) -> tuple[str, float]:
        request = self._http.build_request(
            "POST",
            self._base_url + TOKEN_PATH,
            data={
                "grant_type": "client_credentials",
                "client_id": self._client_id,
                "client_secret": self._client_secret,
            },
        )
        return await fetch_token(self._http, self.budget, request)


def create(config: CarrierConfig, http: httpx.AsyncClient) -> FedExAdapter:
    """Build the FedEx adapter from `[carriers.fedex]`; no I/O."""
    return FedExAdapter(
        http,
        base_url=config.base_url(PRODUCTION_URL),
        client_id=config.secret("client_id", env="SMSBOT_FEDEX_CLIENT_ID"),
        client_secret=config.secret("client_secret", env="SMSBOT_FEDEX_CLIENT_SECRET"),
        # FedEx allows 1,400 calls per 10 s per project, but Basic Integrated Visibility is
        # capped per day (10,000 calls documented on one page, 100K on another): the daily
        # quota binds, and a per-second cap cannot protect it, only caching can. 3/s x 30
        # numbers is plenty for a bot and keeps a burst (a backlog after a restart) from
        # spending the day's quota in minutes; 4 in flight covers 120 numbers at once.
        budget=config.budget(max_concurrency=4, requests_per_second=3),
    )
