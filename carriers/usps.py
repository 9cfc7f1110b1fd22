"""USPS Tracking API v3: OAuth client credentials, one `GET` per number with `expand=DETAIL`.

Shapes and limits: shared reference `carriers.md` section 5.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

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
    carrier_local,
    check_status,
    fetch_token,
    format_place,
    parse_timestamp,
    read_json,
    track_each,
)

NAME = "usps"
PRODUCTION_URL = "https://apis.usps.com"  # test environment ("TEM"): https://apis-tem.usps.com

#: `statusCategory` (Pub 199 G-4/G-5 free text, case-folded). Only "Delivered" is confirmed
#: by a recorded payload; the others are USPS.com's category names, kept here so a new one
#: shows up as UNKNOWN in the log instead of being guessed.
STATUS_CODES: dict[str, Status] = {
    "pre-shipment": Status.LABEL_CREATED,
    "label created": Status.LABEL_CREATED,
    "accepted": Status.IN_TRANSIT,
    "in transit": Status.IN_TRANSIT,
    "moving through network": Status.IN_TRANSIT,
    "out for delivery": Status.OUT_FOR_DELIVERY,
    "delivered": Status.DELIVERED,
    "available for pickup": Status.AVAILABLE_FOR_PICKUP,
    "delivery attempt": Status.DELIVERY_ATTEMPTED,
    "alert": Status.EXCEPTION,
    "undeliverable": Status.EXCEPTION,
    "refused": Status.EXCEPTION,
    "return to sender": Status.RETURNING,
}

#: `status` texts (case-folded) that say more than their category: "Alert" covers returns and
#: attempts, and "Delivered, To Original Sender" is a return, not the customer's delivery.
STATUS_TEXTS: dict[str, Status] = {
    "a status update is not yet available on your package": Status.LABEL_CREATED,
    "label created, not yet in system": Status.LABEL_CREATED,
    "shipping label created, usps awaiting item": Status.LABEL_CREATED,
    "pre-shipment, usps awaiting item": Status.LABEL_CREATED,
    "notice left": Status.DELIVERY_ATTEMPTED,
    "notice left (no authorized recipient available)": Status.DELIVERY_ATTEMPTED,
    "notice left (no secure location available)": Status.DELIVERY_ATTEMPTED,
    "notice left (receptacle blocked)": Status.DELIVERY_ATTEMPTED,
    "notice left (receptacle full/item oversized)": Status.DELIVERY_ATTEMPTED,
    "receptacle full/item oversized": Status.DELIVERY_ATTEMPTED,
    "delivery attempted - no access to delivery location": Status.DELIVERY_ATTEMPTED,
    "held at post office, at customer request": Status.AVAILABLE_FOR_PICKUP,
    "return to sender": Status.RETURNING,
    "return to sender processed": Status.RETURNING,
    "delivered, to original sender": Status.RETURNING,
    "held in customs": Status.EXCEPTION,
    "dead mail": Status.EXCEPTION,
}

#: `trackingEvents[].eventCode` (Pub 199 Appendix G-4), for the status of each event.
EVENT_CODES: dict[str, Status] = {
    **dict.fromkeys(("GX", "MA", "89", "83", "TM"), Status.LABEL_CREATED),
    **dict.fromkeys(("03", "OA", "UA", "SF", "10", "T1", "TL", "A1", "07"), Status.IN_TRANSIT),
    "AD": Status.IN_TRANSIT,
    "OF": Status.OUT_FOR_DELIVERY,
    "01": Status.DELIVERED,
    "02": Status.DELIVERY_ATTEMPTED,  # Notice Left
    "53": Status.DELIVERY_ATTEMPTED,  # Notice Left (Receptacle Blocked)
}

#: Where a delivered item was left, from the delivered status text (case-folded).
DELIVERY_LOCATIONS: dict[str, str] = {
    "delivered, front door/porch": "front door",
    "delivered, in/at mailbox": "mailbox",
    "delivered, parcel locker": "parcel locker",
    "delivered, left with individual": "left with individual",
    "delivered, front desk/reception/mail room": "front desk",
    "delivered, po box": "PO box",
    "delivered, garage or other location at address": "garage",
    "delivered, individual picked up at post office": "picked up at post office",
    "delivered to agent": "agent",
}

#: Phrases of USPS exception texts (case-folded) and the delay they mean: the tracking API
#: has no reason code, only these fixed texts. "No access", a full receptacle and "no
#: authorized recipient" all mean the item could not be handed over and the customer must
#: act. Dead mail goes to the Mail Recovery Center: lost to both parties.
DELAY_PHRASES: dict[str, DelayReason] = {
    "weather": DelayReason.WEATHER,
    "held in customs": DelayReason.CUSTOMS,
    "customs delay": DelayReason.CUSTOMS,
    "insufficient address": DelayReason.ADDRESS,
    "undeliverable as addressed": DelayReason.ADDRESS,
    "no such number": DelayReason.ADDRESS,
    "addressee unknown": DelayReason.ADDRESS,
    "moved, left no address": DelayReason.ADDRESS,
    "vacant": DelayReason.ADDRESS,
    "no authorized recipient available": DelayReason.RECIPIENT_UNAVAILABLE,
    "no access to delivery location": DelayReason.RECIPIENT_UNAVAILABLE,
    "no secure location available": DelayReason.RECIPIENT_UNAVAILABLE,
    "receptacle full": DelayReason.RECIPIENT_UNAVAILABLE,
    "receptacle blocked": DelayReason.RECIPIENT_UNAVAILABLE,
    "business closed": DelayReason.RECIPIENT_UNAVAILABLE,
    "refused": DelayReason.REFUSED,
    "damaged": DelayReason.DAMAGED,
    "dead mail": DelayReason.LOST,
    "postage due": DelayReason.HELD_FOR_PAYMENT,
    "arriving late": DelayReason.CARRIER_DELAY,
    "missent": DelayReason.CARRIER_DELAY,
}

_UNPADDED_HOUR = re.compile(r"T(\d):")
_OFFSET = re.compile(r"^(?:GMT|UTC)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$")
_WINDOW_FORMATS = ("%H:%M:%S", "%H:%M", "%I:%M %p", "%I:%M%p", "%I %p", "%I%p")


def _drift(message: str) -> CarrierResponseError:
    return CarrierResponseError(NAME, f"unexpected payload: {message}")


def _text(mapping: Mapping[str, Any], key: str) -> str:
    """The stripped string at `key` ("" when absent or null); other types are drift."""
    value = mapping.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _drift(f"{key} is a {type(value).__name__}, not a string")
    return value.strip()


def _json_or_none(response: httpx.Response) -> object:
    try:
        return response.json()
    except ValueError:  # JSONDecodeError and UnicodeDecodeError are both ValueErrors
        return None


def _flag(value: object) -> bool:
    # USPS sends the spec's booleans as "true"/"false" strings.
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _parse_offset(text: str) -> timezone | None:
    """A `GMTOffset` such as "-05:00" or "-7:00" (unpadded); None when unreadable."""
    if text.upper() in ("Z", "GMT", "UTC"):
        return UTC
    match = _OFFSET.match(text)
    if match is None:
        return None
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
    if delta >= timedelta(hours=24):
        return None
    return timezone(-delta if sign == "-" else delta)


def _time_of(raw: Mapping[str, Any]) -> tuple[datetime | None, datetime | None]:
    """(aware time from the GMT fields, local time from eventTimestamp) of one event."""
    local_text, gmt_text = _text(raw, "eventTimestamp"), _text(raw, "GMTTimestamp")
    offset = _parse_offset(_text(raw, "GMTOffset"))
    try:
        # Some scans carry an unpadded hour ("T9:10:00"), which fromisoformat refuses.
        local = parse_timestamp(_UNPADDED_HOUR.sub(r"T0\1:", local_text)) if local_text else None
        gmt = parse_timestamp(_UNPADDED_HOUR.sub(r"T0\1:", gmt_text)) if gmt_text else None
    except ValueError as exc:
        raise _drift(f"unreadable event time {local_text or gmt_text!r}") from exc
    aware = None
    if local is not None and offset is not None:
        aware = local.replace(tzinfo=offset)  # keeps the local wall-clock time
    elif gmt is not None:
        if not gmt.utcoffset():  # "Z", or no offset at all: GMT by definition
            gmt = gmt.replace(tzinfo=UTC)
        try:
            aware = gmt.astimezone(offset) if offset is not None else gmt
        except OverflowError as exc:  # year 1 or 9999 moved past the calendar's ends
            raise _drift(f"event time out of range {gmt_text!r}") from exc
    return aware, local


def _status_from_text(text: str) -> Status | None:
    key = text.casefold()
    if key in STATUS_TEXTS:
        return STATUS_TEXTS[key]
    if key in DELIVERY_LOCATIONS:
        return Status.DELIVERED
    return STATUS_CODES.get(key)


def _events(raw_events: object) -> tuple[Event, ...]:
    if raw_events is None:
        return ()
    if not isinstance(raw_events, list) or not all(isinstance(e, dict) for e in raw_events):
        raise _drift("trackingEvents is not a list of objects")
    times = [_time_of(raw) for raw in raw_events]
    # Mixing offset-aware times with carrier-local ones would misorder the events, so the
    # GMT fields are used only when every event has them.
    use_aware = all(aware is not None for aware, _ in times)
    events = []
    for raw, (aware, local) in zip(raw_events, times, strict=True):
        when = aware if use_aware else (local or aware)
        if when is None:
            raise _drift("an event has no timestamp")
        code, description = _text(raw, "eventCode"), _text(raw, "eventType")
        status = EVENT_CODES.get(code) or _status_from_text(description) or Status.UNKNOWN
        city, state = _text(raw, "eventCity"), _text(raw, "eventState")
        place = format_place(city, state or _text(raw, "eventCountry")) or format_place(
            _text(raw, "eventZIP")
        )
        events.append(
            Event(
                when,
                status,
                description,
                code,
                place,
                state=state or None,
                postal_code=_text(raw, "eventZIP") or None,
                # USPS leaves eventCountry empty for domestic scans.
                country=_text(raw, "eventCountry") or ("US" if state else None),
            )
        )
    return tuple(events)


def _day(text: str) -> date | None:
    try:
        return parse_timestamp(text).date() if "T" in text else date.fromisoformat(text[:10])
    except ValueError:
        return None


def _window_time(day: date, text: str) -> datetime | None:
    """A predicted window bound ("10:30", "10:30 AM" or a timestamp) on `day`, local time."""
    if not text:
        return None
    if "T" in text:
        try:
            return parse_timestamp(text)
        except ValueError:
            return None
    for pattern in _WINDOW_FORMATS:
        try:
            clock = datetime.strptime(text.upper(), pattern).time()
        except ValueError:
            continue
        return carrier_local(datetime.combine(day, clock))
    return None


def _eta(payload: Mapping[str, Any]) -> Eta | None:
    expected = _day(_text(payload, "expectedDeliveryTimeStamp"))
    if expected is not None:
        return Eta(expected)
    predicted = _day(_text(payload, "predictedDeliveryDate"))
    if predicted is not None:
        start = _window_time(predicted, _text(payload, "predictedDeliveryWindowStartTime"))
        end = _window_time(predicted, _text(payload, "predictedDeliveryWindowEndTime"))
        return Eta(predicted, window_start=start, window_end=end)
    guaranteed = _day(_text(payload, "guaranteedDeliveryTimeStamp"))
    return Eta(guaranteed) if guaranteed is not None else None


def _delay_reason(status: Status, texts: Sequence[str]) -> DelayReason | None:
    if status in (Status.DELIVERED, Status.LABEL_CREATED, Status.PENDING):
        return None
    for text in texts:
        folded = text.casefold()
        for phrase, reason in DELAY_PHRASES.items():
            if phrase in folded:
                return reason
    return DelayReason.OTHER if status is Status.EXCEPTION else None


#: Codes of USPS's error catalogue (`error.errors[].code`) that are facts about the parcel.
#: 150001: "A status update is not yet available on your package..." - the label exists and
#: USPS has not scanned the item yet. The negative codes are the legacy catalogue's, still
#: carried through: -2147219302 "could not locate the tracking information", -2147219283
#: "Label Created, not yet in system".
LABEL_ONLY_ERRORS = frozenset({"150001", "-2147219283"})
NOT_FOUND_ERRORS = frozenset({"-2147219302", "-2147219284"})

#: Phrases of error texts (case-folded) that say the same when the code is missing.
LABEL_ONLY_PHRASES = ("status update is not yet available", "label created, not yet in system")
NOT_FOUND_PHRASES = (
    "could not locate the tracking information",
    "tracking number not found",
    "no record of that item",
)


def _error_details(error: Mapping[str, Any]) -> tuple[set[str], list[str]]:
    """(codes, texts) of an error object: its message and every errors[] entry."""
    codes: set[str] = set()
    message = error.get("message")
    texts = [message.strip()] if isinstance(message, str) and message.strip() else []
    details = error.get("errors")
    for detail in details if isinstance(details, list) else []:
        if not isinstance(detail, dict):
            continue
        code = detail.get("code")
        if isinstance(code, str | int) and not isinstance(code, bool):
            codes.add(str(code).strip())
        for key in ("title", "detail", "message"):
            value = detail.get(key)
            if isinstance(value, str) and value.strip():
                texts.append(value.strip())
    return codes, texts


def _parcel_fact(error: Mapping[str, Any], number: str) -> TrackingResult | None:
    """What an error body says about the parcel itself, by catalogue code or status text."""
    codes, texts = _error_details(error)
    folded = [text.casefold() for text in texts]
    said = next((text for text in texts if text.casefold() != "bad request"), "")
    if codes & LABEL_ONLY_ERRORS or any(p in t for t in folded for p in LABEL_ONLY_PHRASES):
        hint = next((t for t in texts if "not yet" in t.casefold()), said)
        code = min(codes & LABEL_ONLY_ERRORS, default="")
        return TrackingResult(NAME, number, Status.LABEL_CREATED, hint, status_code=code)
    if codes & NOT_FOUND_ERRORS or any(p in t for t in folded for p in NOT_FOUND_PHRASES):
        return TrackingResult.not_found(NAME, number, said)
    for text in texts:  # a status text inside an error body still says where the parcel is
        status = _status_from_text(text.rstrip("."))
        if status is not None and status is not Status.UNKNOWN:
            return TrackingResult(NAME, number, status, status_text=text)
    return None


def parse_error(code: int, body: object, number: str) -> TrackingResult | None:
    """The result an error answer means for `number`: label created (code 150001: no scan
    yet), not found (404 or a not-found code), a status named in the error's texts, an
    invalid number (400 naming the tracking number), or None when it is not about the parcel.
    """
    error = body.get("error") if isinstance(body, dict) else None
    error = error if isinstance(error, dict) else {}
    message = error.get("message")
    text = message.strip() if isinstance(message, str) else ""
    if code in (0, 200, 400, 404):
        fact = _parcel_fact(error, number)
        if fact is not None:
            return fact
    if code == 404:
        return TrackingResult.not_found(NAME, number, text)
    if code != 400:
        return None
    # The spec's 400 names the offending input in errors[].source.parameter; only the number
    # varies in our request, but we still require USPS to point at it.
    details = error.get("errors")
    blamed = [text]
    for detail in details if isinstance(details, list) else []:
        source = detail.get("source") if isinstance(detail, dict) else None
        if isinstance(source, dict):
            blamed.append(str(source.get("parameter") or ""))
    if any("trackingnumber" in part.casefold().replace(" ", "") for part in blamed):
        return TrackingResult(
            NAME, number, Status.PENDING, status_text=text, problem=Problem.INVALID_NUMBER
        )
    return None


def parse_tracking(payload: object, number: str) -> TrackingResult:
    """Normalize one DETAIL answer for `number`; CarrierResponseError when the shape is wrong.

    A 200 whose body is USPS's error object is read like the HTTP error it carries.
    """
    if not isinstance(payload, dict):
        raise _drift("the answer is not an object")
    if payload.get("error") is not None:
        error = payload["error"]
        code = str(error.get("code", "")) if isinstance(error, dict) else ""
        result = parse_error(int(code) if code.isdigit() else 0, payload, number)
        if result is None:
            raise CarrierResponseError(NAME, f"error inside a 200 answer (code {code or '?'})")
        return result
    category, text = _text(payload, "statusCategory"), _text(payload, "status")
    if not category and not text:
        raise _drift("neither statusCategory nor status")
    events = _events(payload.get("trackingEvents"))
    status = (
        STATUS_TEXTS.get(text.casefold())
        or STATUS_CODES.get(category.casefold())
        or _status_from_text(text)
        or Status.UNKNOWN
    )
    latest = max(events, key=lambda event: event.time) if events else None
    delivered_at, location, proof = None, None, False
    if status is Status.DELIVERED:
        delivered = [event for event in events if event.status is Status.DELIVERED]
        last_delivered = max(delivered, key=lambda event: event.time) if delivered else None
        delivered_at = last_delivered.time if last_delivered else None
        location = DELIVERY_LOCATIONS.get(text.casefold())
        if location is None and last_delivered is not None:
            location = DELIVERY_LOCATIONS.get(last_delivered.description.casefold())
        signed = any(
            isinstance(raw, dict) and raw.get("eventCode") == "01" and _text(raw, "name")
            for raw in payload.get("trackingEvents") or []
        )
        proof = signed or any(
            _flag(payload.get(key))
            for key in ("proofOfDeliveryEnabled", "trackingProofOfDeliveryEnabled")
        )
    return TrackingResult(
        NAME,
        number,
        status,
        status_text=text or _text(payload, "statusSummary") or category,
        status_code=category,
        events=events,
        eta=_eta(payload),
        delivered_at=delivered_at,
        delivery_location=location,
        delay_reason=_delay_reason(status, [text, latest.description if latest else ""]),
        proof_of_delivery=proof,
    )


def result_from_response(response: httpx.Response, number: str) -> TrackingResult:
    """Turn a tracking answer into a result, or raise the CarrierError it means."""
    if response.status_code in (400, 404):
        result = parse_error(response.status_code, _json_or_none(response), number)
        if result is not None:
            return result
    check_status(response, NAME)
    return parse_tracking(read_json(response, NAME), number)


class UspsAdapter:
    """Tracks USPS numbers, one request each, run concurrently inside the request budget."""

    name = NAME
    display_name = "USPS"

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str,
        client_id: str,
        client_secret: str,
        budget: RequestBudget,
    ) -> None:
        self._http = http
        self._base = base_url
        self._client_id = client_id
        self._client_secret = client_secret
        self.budget = budget
        self.tokens = TokenCache(self._fetch_token)
        self._unknown = UnknownCodeLog(NAME)

    async def check(self) -> str:
        """Fetch an OAuth token: proves the credentials without tracking anything."""
        await self.tokens.token()
        return "credentials accepted (token fetched)"

    async def track(self, numbers: Sequence[str]) -> dict[str, TrackingResult]:
        """One result per number asked; raises the first CarrierError when a call fails."""
        return await track_each(numbers, self._track_one, self._unknown)

    async def _track_one(self, number: str) -> TrackingResult:
        response = await self.tokens.send(
            self._http, self.budget, lambda token: self._tracking_request(number, token)
        )
        return result_from_response(response, number)

    def _tracking_request(self, number: str, token: str) -> httpx.Request:
        path_number = quote("".join(number.split()), safe="")
        return self._http.build_request(
            "GET",
            f"{self._base}/tracking/v3/tracking/{path_number}",
            params={"expand": "DETAIL"},
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        )

    async def _fetch_token(self) -> tuple[str, float]:
        # USPS's own examples post JSON (karrio posts a form); we follow USPS.
        request = self._http.build_request(
            "POST",
            f"{self._base}/oauth2/v3/token",
            json={
                "grant_type": "client_credentials",
                "client_id": self._client_id,
                "client_secret": self._client_secret,
            },
            headers={"Accept": "application/json"},
        )
        return await fetch_token(self._http, self.budget, request)


def create(config: CarrierConfig, http: httpx.AsyncClient) -> UspsAdapter:
    """Build the USPS adapter from `[carriers.usps]`; reads configuration only, no I/O."""
    return UspsAdapter(
        http,
        base_url=config.base_url(PRODUCTION_URL),
        client_id=config.secret("client_id", env="SMSBOT_USPS_CLIENT_ID"),
        client_secret=config.secret("client_secret", env="SMSBOT_USPS_CLIENT_SECRET"),
        # USPS quotas are per hour and small (about 60 requests/hour by default, per the
        # reference); a per-second budget cannot express that, so keep bursts small enough
        # for one order's packages to answer within the reply deadline, and rely on the
        # tracking cache and the 429 Retry-After pause for the hourly quota.
        budget=config.budget(max_concurrency=2, requests_per_second=1.0),
    )
