"""EasyPost Trackers adapter: one API key for many carriers, one Tracker per tracking code.

Reference: carriers.md section 7 (Trackers API, `status` and `status_detail`, errors, test
numbers EZ1000000001 ... EZ7000000007, which only a test API key accepts).
"""

from __future__ import annotations

import asyncio
import base64
import re
import weakref
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from smsbot.errors import CarrierAuthError, CarrierResponseError, ConfigError
from smsbot.tracking import (
    CARRIER_LOCAL,
    CarrierConfig,
    DelayReason,
    Eta,
    Event,
    Problem,
    RequestBudget,
    Status,
    TrackingResult,
    UnknownCodeLog,
    check_status,
    format_place,
    parse_timestamp,
    push_document,
    read_json,
    send,
    signature_matches,
    track_each,
)

NAME = "easypost"
DEFAULT_BASE_URL = "https://api.easypost.com"
TRACKERS_PATH = "/v2/trackers"
REMEMBERED_TRACKERS = 10_000  # tracker ids kept in memory; the least recently used go first

V = TypeVar("V")

#: smsbot's carrier names and EasyPost's codes for them (`tracker[carrier]`). A `codes`
#: table in `[carriers.easypost]` adds or corrects entries; other names are sent as given.
CARRIER_CODES: dict[str, str] = {
    "ups": "UPS",
    "fedex": "FedEx",
    "usps": "USPS",
    "dhl": "DHLExpress",  # DHL eCommerce and others need a `codes` entry
    "dhl_express": "DHLExpress",
    "ontrac": "OnTrac",
    "lasership": "LaserShip",
    "canada_post": "CanadaPost",
    "royal_mail": "RoyalMail",
    "australia_post": "AustraliaPost",
    "purolator": "Purolator",
}

STATUS_CODES: dict[str, Status] = {
    "unknown": Status.PENDING,  # EasyPost has heard nothing from the carrier (yet)
    "pre_transit": Status.LABEL_CREATED,
    "in_transit": Status.IN_TRANSIT,
    "out_for_delivery": Status.OUT_FOR_DELIVERY,
    "available_for_pickup": Status.AVAILABLE_FOR_PICKUP,
    "delivered": Status.DELIVERED,
    "return_to_sender": Status.RETURNING,
    "failure": Status.EXCEPTION,
    "cancelled": Status.EXCEPTION,  # the label was voided: this parcel will not come
    "canceled": Status.EXCEPTION,  # one SDK spells it so
    # EasyPost could not get tracking from the carrier: nothing about the parcel itself.
    "error": Status.PENDING,
}
#: Statuses that say nothing about where the parcel is: the newest event's status speaks.
SILENT_STATUSES = frozenset({"unknown", "error"})

#: Why a parcel is late or stuck, by `status_detail` (the documented values that name one).
DETAIL_REASONS: dict[str, DelayReason] = {
    "address_correction": DelayReason.ADDRESS,
    "damaged": DelayReason.DAMAGED,
    "delayed": DelayReason.CARRIER_DELAY,
    "lost": DelayReason.LOST,
    "missorted": DelayReason.CARRIER_DELAY,
    "refused": DelayReason.REFUSED,
    "weather_delay": DelayReason.WEATHER,
}
#: Details that stop a parcel "in transit": a delivery problem, not progress.
EXCEPTION_DETAILS = frozenset({"damaged", "lost", "refused", "held", "delivery_exception"})
#: Details that make a "failure" a late parcel still on its way (EasyPost re-updates such
#: trackers to in_transit once the carrier moves the parcel again).
LATE_DETAILS = frozenset({"weather_delay", "delayed", "missorted"})

#: Phrases of the carrier's message (whole lower-case words) naming a reason EasyPost's
#: `status_detail` did not. First match wins; progress texts ("customs clearance
#: completed") deliberately match nothing.
REASON_PHRASES: dict[str, DelayReason] = {
    "weather": DelayReason.WEATHER,
    "natural disaster": DelayReason.WEATHER,
    "held in customs": DelayReason.CUSTOMS,
    "held by customs": DelayReason.CUSTOMS,
    "customs delay": DelayReason.CUSTOMS,
    "customs hold": DelayReason.CUSTOMS,
    "awaiting customs": DelayReason.CUSTOMS,
    "incorrect address": DelayReason.ADDRESS,
    "insufficient address": DelayReason.ADDRESS,
    "incomplete address": DelayReason.ADDRESS,
    "address issue": DelayReason.ADDRESS,
    "undeliverable as addressed": DelayReason.ADDRESS,
    "no one available": DelayReason.RECIPIENT_UNAVAILABLE,
    "recipient not available": DelayReason.RECIPIENT_UNAVAILABLE,
    "business closed": DelayReason.RECIPIENT_UNAVAILABLE,
    "no access": DelayReason.RECIPIENT_UNAVAILABLE,
    "no secure location": DelayReason.RECIPIENT_UNAVAILABLE,
    "refused": DelayReason.REFUSED,
    "damaged": DelayReason.DAMAGED,
    "lost": DelayReason.LOST,
    "awaiting payment": DelayReason.HELD_FOR_PAYMENT,
    "duties": DelayReason.HELD_FOR_PAYMENT,
    "holiday": DelayReason.HOLIDAY,
    "security": DelayReason.SECURITY,
}
#: Phrases of a failure message that mean a delivery attempt.
ATTEMPT_PHRASES = ("attempted", "attempt", "notice left", "unable to deliver")
#: Where a delivered parcel was left, from the delivered event's message.
LEFT_AT_PHRASES: dict[str, str] = {
    "front door": "front door",
    "porch": "front door",
    "back door": "back door",
    "side door": "side door",
    "garage": "garage",
    "mailbox": "mailbox",
    "mail room": "front desk",
    "front desk": "front desk",
    "reception": "front desk",
    "parcel locker": "parcel locker",
    "left with individual": "left with individual",
    "neighbor": "neighbour",
    "neighbour": "neighbour",
}
#: Plain-English status text for a tracker whose events carry no message.
DETAIL_TEXTS: dict[str, str] = {
    "address_correction": "Address needs correcting",
    "damaged": "Reported damaged",
    "delayed": "Delayed",
    "lost": "Reported lost",
    "refused": "Refused by the recipient",
    "held": "Held by the carrier",
    "weather_delay": "Delayed by weather",
    "cancelled": "Shipment cancelled",
    "error": "Tracking is not available from the carrier right now",
}

_TRACKER_ID = re.compile(r"^[A-Za-z0-9_]+$")
_DAY = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})")


def _obj(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _words(text: str) -> str:
    return f" {re.sub(r'[^a-z0-9]+', ' ', text.lower()).strip()} "


def _first(table: Mapping[str, V], text: str) -> V | None:
    """The value of the first phrase of `table` found as whole words in `text`."""
    words = _words(text)
    return next((value for phrase, value in table.items() if f" {phrase} " in words), None)


def _time(value: object) -> datetime | None:
    """An event time. EasyPost gives the place's offset, else UTC (so no offset is UTC)."""
    try:
        parsed = parse_timestamp(value) if isinstance(value, str) and value.strip() else None
    except ValueError:
        return None
    if parsed is not None and parsed.tzinfo is CARRIER_LOCAL:
        return parsed.replace(tzinfo=UTC)
    return parsed


def _day(value: object) -> date | None:
    """The date as written ("2025-05-09T20:40:17Z" is May 9): no zone conversion, which
    would move a midnight-UTC estimate to the day before in the Americas."""
    match = _DAY.match(value) if isinstance(value, str) else None
    try:
        return date.fromisoformat(match.group(1)) if match else None
    except ValueError:
        return None


def classify(status: str, detail: str, message: str = "") -> tuple[Status, DelayReason | None]:
    """The status and delay reason of one EasyPost `status` + `status_detail` (+ message)."""
    base = STATUS_CODES.get(status, Status.UNKNOWN)
    if base is Status.DELIVERED:
        return base, None
    reason = DETAIL_REASONS.get(detail) or _first(REASON_PHRASES, message)
    result = base
    if base is Status.IN_TRANSIT:
        if detail == "arrived_at_pickup_location":
            result = Status.AVAILABLE_FOR_PICKUP
        elif detail in EXCEPTION_DETAILS:
            result = Status.EXCEPTION
        elif detail == "address_correction":
            reason = None  # still moving: the carrier has corrected the address itself
    elif status == "failure":
        if any(f" {phrase} " in _words(message) for phrase in ATTEMPT_PHRASES):
            result = Status.DELIVERY_ATTEMPTED
        elif detail in LATE_DETAILS:
            result = Status.IN_TRANSIT
    if result is Status.EXCEPTION and reason is None:
        reason = DelayReason.OTHER
    return result, reason


def _where(value: object) -> dict[str, str | None]:
    """The parts of a tracking_location that give a scan its time zone."""
    location = _obj(value)
    return {
        "state": _text(location.get("state")) or None,
        "postal_code": _text(location.get("zip")) or None,
        "country": _text(location.get("country")) or None,
    }


def _place(value: object) -> str | None:
    location = _obj(value)
    country = _text(location.get("country"))
    state = _text(location.get("state"))
    if country.upper() in ("US", "USA") and state:
        country = ""  # "Memphis, TN" reads better than "Memphis, TN, US"
    city = _text(location.get("city"))
    city = city.title() if city.isupper() else city or _text(location.get("zip"))
    return format_place(city, state, country)


def _events(raw: object, carrier: str) -> tuple[tuple[Event, str, str], ...]:
    """Each usable tracking detail as (Event, EasyPost status, status_detail)."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise CarrierResponseError(carrier, "tracking_details is not a list")
    events = []
    for item in raw:
        entry = _obj(item)
        when = _time(entry.get("datetime"))
        if when is None:
            continue  # a detail without a usable time cannot be placed; the rest still can
        status, detail = _text(entry.get("status")), _text(entry.get("status_detail"))
        message = _text(entry.get("message")) or _text(entry.get("description"))
        code = _text(entry.get("carrier_code")) or status
        event = Event(
            when,
            classify(status, detail, message)[0],
            message,
            code,
            _place(entry.get("tracking_location")),
            **_where(entry.get("tracking_location")),
        )
        events.append((event, status, detail))
    return tuple(sorted(events, key=lambda item: item[0].time))


def _eta(tracker: Mapping[str, Any]) -> Eta | None:
    details = _obj(tracker.get("carrier_detail"))
    for value in (
        details.get("est_delivery_date_local"),
        tracker.get("est_delivery_date"),
        details.get("guaranteed_delivery_date"),
    ):
        day = _day(value)
        if day is not None:
            return Eta(day)
    return None


def parse_error(payload: object, number: str, *, carrier: str = NAME) -> TrackingResult:
    """An EasyPost error document about `number`, as the parcel fact it states.

    `TRACKER.*` codes and field errors on `tracking_code` say the number is wrong (or, in
    test mode, not a test number): `Problem.INVALID_NUMBER`; `TRACKER.*NOT_FOUND*` is not
    found. Anything else (a carrier code EasyPost does not know, a missing parameter) is
    not about this parcel and raises `CarrierResponseError` with EasyPost's code.
    """
    error = _obj(_obj(payload).get("error"))
    code, message = _text(error.get("code")).upper(), _text(error.get("message"))
    fields = error.get("errors")
    fields = fields if isinstance(fields, list) else []
    on_number = any(_text(_obj(field).get("field")) == "tracking_code" for field in fields)
    if code.startswith("TRACKER.") and "NOT_FOUND" in code:
        return TrackingResult.not_found(carrier, number, message)
    if (code.startswith("TRACKER.") and "CARRIER" not in code.split(".")) or on_number:
        return TrackingResult(
            carrier, number, Status.PENDING, status_text=message, problem=Problem.INVALID_NUMBER
        )
    raise CarrierResponseError(carrier, f"EasyPost error {code or '(no code)'}: {message}")


def parse_tracker(payload: object, number: str, *, carrier: str = NAME) -> TrackingResult:
    """Normalize one EasyPost answer about `number`: a Tracker, or an error document.

    An error document (also inside a 200) goes through `parse_error`. A tracker still
    `unknown` with no tracking details is not found (the carrier has nothing yet).
    Raises `CarrierResponseError` when the answer has neither shape.
    """
    if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
        return parse_error(payload, number, carrier=carrier)
    if not isinstance(payload, dict) or not isinstance(payload.get("status"), str):
        raise CarrierResponseError(carrier, "answer is not a Tracker (no status)")
    status, detail = _text(payload.get("status")), _text(payload.get("status_detail"))
    service = _text(payload.get("carrier")) or None
    scans = _events(payload.get("tracking_details"), carrier)
    events = tuple(event for event, _status, _detail in scans)
    if status == "unknown" and not events:
        return replace(TrackingResult.not_found(carrier, number), service_carrier=service)

    newest = events[-1] if events else None
    message = newest.description if newest else ""
    if status in SILENT_STATUSES:
        # "unknown" and "error" say nothing of the parcel: its newest telling scan speaks.
        told = [(code, sub) for _event, code, sub in scans if code and code not in SILENT_STATUSES]
        normalized, reason = classify(*told[-1], message) if told else (Status.PENDING, None)
    else:
        normalized, reason = classify(status, detail, message)
    drop = None  # the newest delivered scan, when the parcel is delivered
    if normalized is Status.DELIVERED:
        drop = next((event for event, code, _ in reversed(scans) if code == "delivered"), None)
    plain = detail if detail not in ("", "unknown", "status_update", status) else ""
    return TrackingResult(
        carrier,
        number,
        normalized,
        status_text=message or DETAIL_TEXTS.get(plain or status, ""),
        status_code=f"{status}/{plain}" if plain else status,
        events=events,
        eta=None if normalized in (Status.DELIVERED, Status.RETURNING) else _eta(payload),
        delivered_at=drop.time if drop else None,
        delivery_location=_first(LEFT_AT_PHRASES, drop.description) if drop else None,
        delay_reason=reason,
        proof_of_delivery=bool(_text(payload.get("signed_by"))),
        service_carrier=service,
    )


def _tracker_id(payload: object) -> str | None:
    value = _text(_obj(payload).get("id"))
    return value if _TRACKER_ID.match(value) else None


class EasyPostAdapter:
    """Tracks numbers through EasyPost Trackers, create-or-fetch, inside one request budget.

    The first ask about a (tracking code, carrier) posts `POST /v2/trackers`. EasyPost
    answers with a new Tracker, or with the one it already has for that code and carrier
    (it dedupes for three months and bills once). The Tracker's id is remembered (the
    newest `REMEMBERED_TRACKERS`, in memory) and later asks read `GET /v2/trackers/{id}`:
    a read never creates or bills, and EasyPost keeps the Tracker current in the
    background, so each ask (as often as the lookup cache lets one through) sees the latest
    scans. A 404 there (the tracker was deleted) forgets the id and posts again. The list
    endpoint filtered by tracking_code is not used: it costs a read before every first
    create, and may return an old tracker of a recycled code. After a restart the first ask
    posts again, which EasyPost's dedupe turns into a fetch. Asks about one code are
    serialized, so concurrent texts never race two creates ("duplicate request in flight").

    `track(numbers)` sends no carrier and lets EasyPost detect it (its "best fit"); a number
    it cannot place comes back as an error document, i.e. `Problem.INVALID_NUMBER`.
    """

    display_name = "EasyPost"

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        name: str,
        api_key: str,
        base_url: str,
        codes: Mapping[str, str],
        budget: RequestBudget,
        remember: int = REMEMBERED_TRACKERS,
        webhook_secret: str | None = None,
    ) -> None:
        self.name = name
        self._webhook_secret = webhook_secret
        self.codes = {**CARRIER_CODES, **codes}
        self.budget = budget
        self._http = http
        self._url = base_url + TRACKERS_PATH
        self._auth = "Basic " + base64.b64encode(f"{api_key}:".encode()).decode("ascii")
        self._remember = remember
        self._ids: OrderedDict[tuple[str, str | None], str] = OrderedDict()
        self._locks: weakref.WeakValueDictionary[tuple[str, str | None], asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )
        self._unknown = UnknownCodeLog(name)

    def code_for(self, carrier: str) -> str:
        """EasyPost's code for smsbot's carrier name; unknown names are sent as given."""
        return self.codes.get(carrier, carrier)

    def verify_push(self, headers: Mapping[str, str], body: bytes) -> bool:
        """EasyPost signs a webhook with its secret: `X-Hmac-Signature` is
        "hmac-sha256-hex=" + the hex HMAC-SHA256 of the raw body, keyed by the secret in
        NFKD form. Without `webhook_secret` configured, every push is refused."""
        signature = headers.get("x-hmac-signature")
        return signature_matches(
            self._webhook_secret, body, signature, prefix="hmac-sha256-hex=", nfkd=True
        )

    def parse_push(self, headers: Mapping[str, str], body: bytes) -> list[TrackingResult]:
        """A `tracker.*` Event: its `result` is the Tracker. Other events: nothing."""
        event = push_document(body, self.name)
        if not _text(event.get("description")).startswith("tracker."):
            return []
        tracker = _obj(event.get("result"))
        number = _text(tracker.get("tracking_code"))
        if not number:
            raise CarrierResponseError(self.name, "tracker event without a tracking_code")
        result = parse_tracker(tracker, number, carrier=self.name)
        code = (result.service_carrier or "").casefold()
        ours = next((n for n, c in self.codes.items() if c.casefold() == code), code or None)
        return [replace(result, service_carrier=ours)]

    async def track(self, numbers: Sequence[str]) -> dict[str, TrackingResult]:
        """One result per distinct number, carrier detected by EasyPost."""
        return await track_each(numbers, lambda n: self._track_one(n, None), self._unknown)

    async def track_for(self, carrier: str, numbers: Sequence[str]) -> dict[str, TrackingResult]:
        """One result per distinct number of `carrier` (smsbot's name for it)."""
        code = self.code_for(carrier)
        return await track_each(numbers, lambda n: self._track_one(n, code), self._unknown)

    async def check(self) -> str:
        """List one tracker: proves the API key without creating (or paying for) anything."""
        request = self._request("GET", self._url, params={"page_size": 1})
        response = await send(self._http, self.budget, request)
        self._raise_for_status(response)
        trackers = _obj(read_json(response, self.name)).get("trackers")
        mode = (
            _text(_obj(trackers[0]).get("mode")) if isinstance(trackers, list) and trackers else ""
        )
        return "credentials accepted" + (f" ({mode} mode)" if mode else "")

    async def _track_one(self, number: str, carrier: str | None) -> TrackingResult:
        code = "".join(number.split())
        if not code:
            result = TrackingResult(
                self.name, number, Status.PENDING, problem=Problem.INVALID_NUMBER
            )
        else:
            result = parse_tracker(await self._fetch(code, carrier), number, carrier=self.name)
        return replace(result, service_carrier=result.service_carrier or carrier)

    async def _fetch(self, code: str, carrier: str | None) -> Any:
        """The answer about `code`: read by remembered id, else create-or-fetch (see class)."""
        key = (code, carrier)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            tracker_id = self._ids.get(key)
            if tracker_id is not None:
                url = f"{self._url}/{quote(tracker_id, safe='')}"
                response = await send(self._http, self.budget, self._request("GET", url))
                if response.status_code != 404:
                    self._ids.move_to_end(key)
                    return self._payload(response)
                del self._ids[key]  # deleted at EasyPost: create it again
            tracker: dict[str, str] = {"tracking_code": code}
            if carrier:
                tracker["carrier"] = carrier
            request = self._request("POST", self._url, json={"tracker": tracker})
            payload = self._payload(await send(self._http, self.budget, request))
            tracker_id = _tracker_id(payload)
            if tracker_id is not None and "error" not in payload:
                self._ids[key] = tracker_id
                while len(self._ids) > self._remember:
                    self._ids.popitem(last=False)
            return payload

    def _payload(self, response: httpx.Response) -> Any:
        """The JSON of a tracker answer; error documents of 400/404/422 are returned too."""
        if response.status_code in (400, 404, 422):
            try:
                payload = read_json(response, self.name)
            except CarrierResponseError:
                payload = None
            if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
                return payload
        self._raise_for_status(response)
        return read_json(response, self.name)

    def _raise_for_status(self, response: httpx.Response) -> None:
        if response.status_code == 402:
            # Payment Required: the account cannot pay for trackers; like a refused key, only
            # the merchant can fix it.
            raise CarrierAuthError(self.name, "the EasyPost account cannot pay (HTTP 402)")
        check_status(response, self.name)

    def _request(self, method: str, url: str, **options: Any) -> httpx.Request:
        headers = {"Authorization": self._auth, "Accept": "application/json"}
        return self._http.build_request(method, url, headers=headers, **options)


def create(config: CarrierConfig, http: httpx.AsyncClient) -> EasyPostAdapter:
    """Build the EasyPost adapter from `[carriers.easypost]`; reads configuration, no I/O."""
    codes = config.table("codes")
    empty = sorted(name for name, code in codes.items() if not code.strip())
    if empty:
        raise ConfigError(
            f"names no EasyPost code for {', '.join(empty)}",
            source=config.source,
            key=f"carriers.{config.name}.codes",
        )
    return EasyPostAdapter(
        http,
        name=config.name,
        api_key=config.secret("api_key", env="SMSBOT_EASYPOST_API_KEY"),
        base_url=config.base_url(DEFAULT_BASE_URL),
        codes={name: code.strip() for name, code in codes.items()},
        # EasyPost publishes no numbers (its limits are partly CPU-time based) and answers
        # overload with 429: four calls in flight at five a second stays well clear of it.
        budget=config.budget(max_concurrency=4, requests_per_second=5),
        webhook_secret=config.optional_secret(
            "webhook_secret", env="SMSBOT_EASYPOST_WEBHOOK_SECRET"
        ),
    )
