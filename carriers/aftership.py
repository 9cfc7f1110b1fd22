"""AfterShip Tracking API, version 2025-01: one API key for hundreds of carriers.

AfterShip tracks only numbers registered with it: the first ask creates the tracking
(`POST /trackings`), later asks read it by id. Tags and subtags map onto `Status` and
`DelayReason` through tables. Reference: carriers.md sections 2 and 8.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, time
from typing import Any, NamedTuple
from urllib.parse import quote

import httpx

from smsbot.errors import (
    CarrierAuthError,
    CarrierRateLimited,
    CarrierResponseError,
    CarrierUnavailable,
    ConfigError,
)
from smsbot.tracking import (
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
    is_carrier_local,
    parse_timestamp,
    push_document,
    rate_limit_wait,
    read_json,
    send,
    signature_matches,
    track_each,
)

NAME = "aftership"
DEFAULT_BASE_URL = "https://api.aftership.com"
# 2025-01: the version whose shapes, error codes and rate limits the reference took from
# AfterShip's SDK and docs (later ones were seen only in doc excerpts). Its paths and its
# unwrapped envelope are those of every version since 2024-04.
API_VERSION = "2025-01"
API_PATH = f"/tracking/{API_VERSION}"
REMEMBERED_IDS = 10_000  # tracking ids kept in memory, so that a re-ask is one GET

#: smsbot carrier names whose AfterShip slug is not the name with "_" turned into "-"
#: (canada_post -> canada-post, royal_mail -> royal-mail, ontrac -> ontrac need no entry).
SLUGS: dict[str, str] = {
    "dhl_express": "dhl",
    "dhl_ecommerce": "dhl-global-mail",
    "deutsche_post": "deutsch-post",
    "la_poste": "la-poste-colissimo",
    "parcelforce": "parcel-force",
    "startrack": "star-track",
    "ups_mail_innovations": "ups-mi",
}

#: AfterShip meta codes that are facts about one number, not failures of the call.
INVALID_NUMBER_CODES = frozenset({4005, 4012, 4017})  # invalid; no carrier recognises it
NOT_FOUND_CODE = 4004
ALREADY_EXISTS_CODE = 4003
SLUG_INVALID_CODE = 4010


class Meaning(NamedTuple):
    """What a tag or subtag says: a status, maybe a delay reason, and a plain-English note."""

    status: Status
    reason: DelayReason | None = None
    note: str = ""


#: The nine tags, for subtags this table does not know. A plain "Exception" keeps the
#: carrier's own words as its note (the newest checkpoint's message).
TAGS: dict[str, Meaning] = {
    "Pending": Meaning(Status.PENDING, None, "No tracking information from the carrier yet"),
    "InfoReceived": Meaning(Status.LABEL_CREATED, None, "Label created, not yet with the carrier"),
    "InTransit": Meaning(Status.IN_TRANSIT, None, "In transit"),
    "OutForDelivery": Meaning(Status.OUT_FOR_DELIVERY, None, "Out for delivery"),
    "AttemptFail": Meaning(Status.DELIVERY_ATTEMPTED, None, "Delivery attempted"),
    "Delivered": Meaning(Status.DELIVERED, None, "Delivered"),
    "AvailableForPickup": Meaning(Status.AVAILABLE_FOR_PICKUP, None, "Ready for pickup"),
    "Exception": Meaning(Status.EXCEPTION, DelayReason.OTHER),
    # No update for 30 days: tracking stopped, nothing is known to be wrong. `parse_tracking`
    # says so with the last scan (UNKNOWN + note), or PENDING without any scan.
    "Expired": Meaning(Status.PENDING, None, "No tracking updates for 30 days"),
}

_ATTEMPTED, _EXCEPTION = Status.DELIVERY_ATTEMPTED, Status.EXCEPTION
_AWAY, _FEES, _LATE = (
    DelayReason.RECIPIENT_UNAVAILABLE,
    DelayReason.HELD_FOR_PAYMENT,
    DelayReason.CARRIER_DELAY,
)

#: Subtags (reference section 2.2). Delays that leave the parcel moving stay IN_TRANSIT with
#: a reason, as the direct carriers' delays do.
SUBTAGS: dict[str, Meaning] = {
    "Pending_001": TAGS["Pending"],
    "InfoReceived_001": TAGS["InfoReceived"],
    "InTransit_001": TAGS["InTransit"],
    "InTransit_002": Meaning(Status.IN_TRANSIT, None, "Accepted by the carrier"),
    "InTransit_003": Meaning(Status.IN_TRANSIT, None, "Arrived at a sorting facility"),
    "InTransit_004": Meaning(Status.IN_TRANSIT, None, "Arrived in the destination country"),
    "InTransit_005": Meaning(Status.IN_TRANSIT, None, "Cleared customs"),
    "InTransit_006": Meaning(Status.IN_TRANSIT, None, "Handed to customs"),
    "InTransit_007": Meaning(Status.IN_TRANSIT, None, "Left a carrier facility"),
    "InTransit_008": Meaning(Status.IN_TRANSIT, None, "Problem resolved, moving again"),
    "InTransit_009": Meaning(Status.IN_TRANSIT, None, "Forwarded to a different address"),
    "OutForDelivery_001": TAGS["OutForDelivery"],
    "OutForDelivery_002": TAGS["AvailableForPickup"],  # the legacy scheme's pickup subtag
    "OutForDelivery_003": Meaning(Status.OUT_FOR_DELIVERY, None, "The carrier contacted you"),
    "OutForDelivery_004": Meaning(Status.OUT_FOR_DELIVERY, None, "Delivery appointment set"),
    "AttemptFail_001": TAGS["AttemptFail"],
    "AttemptFail_002": Meaning(_ATTEMPTED, _AWAY, "No one was available"),
    "AttemptFail_003": Meaning(_ATTEMPTED, _AWAY, "The business was closed"),
    "Delivered_001": TAGS["Delivered"],
    "Delivered_002": Meaning(Status.DELIVERED, None, "Picked up"),
    "Delivered_003": Meaning(Status.DELIVERED, None, "Delivered and signed for"),
    "Delivered_004": Meaning(Status.DELIVERED, None, "Delivered, cash on delivery paid"),
    "Delivered_005": Meaning(Status.DELIVERED, None, "Delivered to a neighbour"),
    "AvailableForPickup_001": TAGS["AvailableForPickup"],
    "Exception_001": TAGS["Exception"],
    "Exception_002": Meaning(Status.EXCEPTION, DelayReason.ADDRESS, "The recipient has moved"),
    "Exception_003": Meaning(Status.EXCEPTION, DelayReason.REFUSED, "Delivery was refused"),
    "Exception_004": Meaning(Status.EXCEPTION, DelayReason.CUSTOMS, "Held in customs"),
    "Exception_005": Meaning(Status.IN_TRANSIT, DelayReason.CARRIER_DELAY, "Delayed"),
    "Exception_006": Meaning(_EXCEPTION, DelayReason.HELD_FOR_PAYMENT, "Held until fees are paid"),
    "Exception_007": Meaning(Status.EXCEPTION, DelayReason.ADDRESS, "Incorrect address"),
    "Exception_008": Meaning(_EXCEPTION, _AWAY, "Not picked up in time"),
    "Exception_009": Meaning(Status.EXCEPTION, DelayReason.OTHER, "Rejected by the carrier"),
    "Exception_010": Meaning(Status.RETURNING, None, "Returning to the sender"),
    "Exception_011": Meaning(Status.RETURNING, None, "Returned to the sender"),
    "Exception_012": Meaning(Status.EXCEPTION, DelayReason.DAMAGED, "Damaged"),
    "Exception_013": Meaning(Status.EXCEPTION, DelayReason.LOST, "Lost"),
    "Exception_016": Meaning(Status.IN_TRANSIT, _LATE, "Delayed at the carrier"),
    "Exception_017": Meaning(Status.IN_TRANSIT, DelayReason.WEATHER, "Delayed by extreme weather"),
    "Exception_018": Meaning(Status.EXCEPTION, DelayReason.CUSTOMS, "Documents missing"),
    "Expired_001": TAGS["Expired"],
}

#: Statuses for which an ETA means nothing (or only an old one for the original route).
NO_ETA = frozenset({Status.DELIVERED, Status.RETURNING})

#: Where a delivered parcel was left, by subtag (else `delivery_location_type`, lower-cased).
LEFT_AT: dict[str, str] = {"Delivered_002": "picked up", "Delivered_005": "neighbour"}

_CLOCK = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2}))?(\.\d+)?)?"
    r"(Z|[+-]\d{2}:?\d{2})?$"
)


def _obj(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _time(value: object) -> datetime | None:
    """An AfterShip time: with or without offset, date only, or unpadded ("2024-11-20T9:05")."""
    text = _text(value)
    match = _CLOCK.match(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    padded = f"{year}-{int(month):02d}-{int(day):02d}"
    if hour is not None:
        padded += f"T{int(hour):02d}:{int(minute):02d}:{int(second or 0):02d}{fraction or ''}"
    try:
        return parse_timestamp(padded + (offset or ""))
    except ValueError:
        return None


def meta_of(payload: object, carrier: str = NAME) -> tuple[int, str]:
    """The `meta.code` and `meta.message` of an AfterShip answer."""
    meta = payload.get("meta") if isinstance(payload, dict) else None
    code = meta.get("code") if isinstance(meta, dict) else None
    if not isinstance(code, int) or isinstance(code, bool):
        raise CarrierResponseError(carrier, "answer has no meta.code")
    return code, _text(meta.get("message"))  # type: ignore[union-attr]  # a dict, checked above


def raise_for_meta(code: int, message: str, carrier: str = NAME, *, slug: str = "") -> None:
    """Raise the `CarrierError` for a meta code that fails the call as a whole."""
    if code in (200, 201):
        return
    said = f"{message} (meta code {code})" if message else f"meta code {code}"
    if code in (401, 403):
        raise CarrierAuthError(carrier, f"API key refused: {said}")
    if code == 429:
        raise CarrierRateLimited(carrier, f"rate-limited: {said}")
    if 500 <= code <= 599:
        raise CarrierUnavailable(carrier, f"server error: {said}")
    if code == SLUG_INVALID_CODE:
        raise CarrierResponseError(
            carrier,
            f"AfterShip does not know the carrier code {slug!r} ({said}); set the right one in "
            f'[carriers.{carrier}] codes = {{ <carrier> = "<AfterShip slug>" }}',
        )
    raise CarrierResponseError(carrier, f"request refused: {said}")


def tracking_of(payload: object) -> Mapping[str, Any] | None:
    """The tracking object of an answer: `data` (2024-04 on) or `data.tracking` (v4)."""
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, dict):
        return None
    inner = data.get("tracking")
    return inner if isinstance(inner, dict) else data


def parse_tracking_response(
    payload: object, number: str, *, carrier: str = NAME, slug: str = ""
) -> TrackingResult:
    """Turn an answer of `POST /trackings` or `GET /trackings/{id}` into a `TrackingResult`.

    Meta codes about the number (4004 not found; 4005, 4012, 4017 invalid) are results;
    other error codes raise (see `raise_for_meta`), as does a tracking we cannot read.
    """
    code, message = meta_of(payload, carrier)
    if code == NOT_FOUND_CODE:
        return TrackingResult.not_found(carrier, number, message)
    if code in INVALID_NUMBER_CODES:
        return TrackingResult(
            carrier, number, Status.PENDING, status_text=message, problem=Problem.INVALID_NUMBER
        )
    raise_for_meta(code, message, carrier, slug=slug)
    tracking = tracking_of(payload)
    if tracking is None:
        raise CarrierResponseError(carrier, "answer has no tracking in data")
    return parse_tracking(tracking, number, carrier=carrier)


def find_tracking(payload: object, number: str, slug: str = "") -> Mapping[str, Any] | None:
    """The tracking for `number` (and `slug`, when given) in a `GET /trackings` answer."""
    trackings = _obj(_obj(payload).get("data")).get("trackings")
    wanted = number.upper()
    for tracking in trackings if isinstance(trackings, list) else []:
        if not isinstance(tracking, dict):
            continue
        same = _text(tracking.get("tracking_number")).replace(" ", "").upper() == wanted
        if same and (not slug or _text(tracking.get("slug")) == slug):
            return tracking
    return None


def _meaning(tag: str, subtag: str) -> Meaning | None:
    return SUBTAGS.get(subtag) or TAGS.get(tag)


def _place(checkpoint: Mapping[str, Any]) -> str | None:
    country = _first(checkpoint, "country_region_name", "country_name", "country_region")
    city, state = _text(checkpoint.get("city")), _text(checkpoint.get("state"))
    if city or state:
        return format_place(city, state, country or _text(checkpoint.get("country_iso3")))
    return format_place(_text(checkpoint.get("location"))) or format_place(country)


def _first(entry: Mapping[str, Any], *keys: str) -> str:
    return next((text for text in (_text(entry.get(key)) for key in keys) if text), "")


def _events(raw: object, carrier: str) -> tuple[Event, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise CarrierResponseError(carrier, "checkpoints is not a list")
    timed = [
        (when, entry)
        for entry in raw
        if isinstance(entry, dict) and (when := _time(entry.get("checkpoint_time"))) is not None
    ]
    # Each checkpoint keeps what AfterShip gave: its own offset ("it uses the time zone of
    # the checkpoint"), or carrier-local time that the SDK places by the checkpoint's state,
    # postal code and country.
    events = []
    for when, entry in timed:
        tag, subtag = _text(entry.get("tag")), _text(entry.get("subtag"))
        meaning = _meaning(tag, subtag)
        events.append(
            Event(
                when,
                meaning.status if meaning else Status.UNKNOWN,
                _first(entry, "message", "subtag_message"),
                _first(entry, "raw_tag", "subtag", "tag"),
                _place(entry),
                state=_text(entry.get("state")) or None,
                postal_code=_text(entry.get("zip")) or None,
                country=_text(entry.get("country_region") or entry.get("country_iso3")) or None,
            )
        )
    return tuple(events)


def _span(single: object, low: object, high: object, *, estimated: bool) -> Eta | None:
    """An Eta from one date, or a range of dates or times on one day."""
    start, end = _time(low), _time(high)
    if start is not None and end is not None and end >= start:
        if start.date() != end.date():
            return Eta(start.date(), latest=end.date(), estimated=estimated)
        whole_day = start.time() == time(0) and end.time() >= time(23, 59)
        if whole_day or start == end:
            return Eta(start.date(), estimated=estimated)
        return Eta(start.date(), window_start=start, window_end=end, estimated=estimated)
    day = _time(single) or start or end
    return Eta(day.date(), estimated=estimated) if day is not None else None


def _eta(tracking: Mapping[str, Any]) -> Eta | None:
    """The carrier's estimate first; then AfterShip's own (AI, or the merchant's rules)."""
    courier = _obj(tracking.get("courier_estimated_delivery_date"))
    ai = _obj(tracking.get("aftership_estimated_delivery_date"))
    custom = _obj(tracking.get("custom_estimated_delivery_date"))
    latest = _obj(tracking.get("latest_estimated_delivery"))
    keys = ("estimated_delivery_date", "estimated_delivery_date_min", "estimated_delivery_date_max")
    return (
        _span(*(courier.get(key) for key in keys), estimated=False)
        or _span(tracking.get("expected_delivery"), None, None, estimated=False)  # v4
        or _span(*(ai.get(key) for key in keys), estimated=True)
        or _span(
            *(custom.get(k) for k in ("datetime", "datetime_min", "datetime_max")), estimated=True
        )
        or _span(
            *(latest.get(k) for k in ("datetime", "datetime_min", "datetime_max")),
            estimated="carrier" not in _text(latest.get("source")).lower(),
        )
    )


def _delivered_at(tracking: Mapping[str, Any], events: Sequence[Event]) -> datetime | None:
    """When it was delivered, from the most exact source AfterShip gives.

    The Delivered checkpoint's `checkpoint_time` carries the local offset of the scan, so an
    offset-bearing delivered checkpoint wins. `shipment_delivery_date` often comes without
    an offset although AfterShip fills it in UTC: with an offset it is used as is; without
    one, a delivered checkpoint (placed in its zone) is preferred, and the field is read as
    UTC only when there is no such checkpoint. A date without a time of day says no time.
    """
    delivered = [event for event in events if event.status is Status.DELIVERED]
    exact = [event.time for event in delivered if not is_carrier_local(event.time)]
    if exact:
        return max(exact)
    text = _text(tracking.get("shipment_delivery_date"))
    given = _time(text)
    timed = given is not None and len(text) > len("YYYY-MM-DD")
    if given is not None and timed and not is_carrier_local(given):
        return given
    if delivered:
        return delivered[-1].time
    return given.replace(tzinfo=UTC) if given is not None and timed else None


def expired_note(last: Event) -> str:
    """What an expired tracking says: updates stopped, and the last scan the carrier made."""
    scan = ", ".join(filter(None, (last.description or "a scan", last.location)))
    return f"tracking expired, no update for 30 days; last scan {last.time.date()}: {scan}"


def _pieces(tracking: Mapping[str, Any]) -> int:
    count = tracking.get("shipment_package_count")
    return count if isinstance(count, int) and not isinstance(count, bool) and count > 0 else 1


def parse_tracking(
    tracking: Mapping[str, Any], number: str, *, carrier: str = NAME
) -> TrackingResult:
    """Turn one AfterShip tracking object into a `TrackingResult` for `number`.

    The current status comes from the tracking's own `tag`/`subtag`, never from the events
    (AfterShip statuses are not monotonic). Raises `CarrierResponseError` without a tag.
    """
    events = _events(tracking.get("checkpoints"), carrier)
    tag, subtag = _text(tracking.get("tag")), _text(tracking.get("subtag"))
    if not tag:
        raise CarrierResponseError(carrier, "tracking has no tag")
    meaning = _meaning(tag, subtag)
    status, reason = (meaning.status, meaning.reason) if meaning else (Status.UNKNOWN, None)
    newest = events[-1].description if events else ""
    said = _text(tracking.get("subtag_message"))
    # A tag we do not know: AfterShip's words for it first. A plain Exception has no note of
    # its own: the carrier's words (the newest checkpoint) say more than "Exception".
    note = (said or newest or tag) if meaning is None else (meaning.note or newest or said or tag)
    if tag == "Expired" and not events:
        status, note = Status.PENDING, "No tracking information from the carrier in 30 days"
    elif tag == "Expired":
        # Expired after scans: tracking stopped updating, nothing is known to be wrong with
        # the parcel. Say so, with the last scan, instead of calling it a delivery problem.
        status, reason, note = Status.UNKNOWN, None, expired_note(events[-1])
    if tracking.get("return_to_sender") is True and status not in (
        Status.PENDING,
        Status.LABEL_CREATED,
    ):
        status, reason = Status.RETURNING, None  # a checkpoint said it is going back
    delivered = status is Status.DELIVERED
    signed_by = _text(tracking.get("signed_by"))
    left_at = LEFT_AT.get(subtag) or _text(tracking.get("delivery_location_type")).lower()
    slug = _text(tracking.get("slug"))
    return TrackingResult(
        carrier,
        number,
        status,
        status_text=note,
        status_code=subtag or tag,
        events=events,
        eta=None if status in NO_ETA or tag == "Expired" else _eta(tracking),
        delivered_at=_delivered_at(tracking, events) if delivered else None,
        delivery_location=(left_at or None) if delivered else None,
        delay_reason=None if delivered else reason,
        proof_of_delivery=bool(signed_by) or subtag == "Delivered_003",
        pieces=_pieces(tracking),
        service_carrier=slug or None,
    )


class AfterShipAdapter:
    """Tracks numbers through AfterShip, one number per call, registering new ones first.

    Tracking ids are remembered (up to `REMEMBERED_IDS`), so asking again about a number
    costs one `GET /trackings/{id}`; after a restart the first ask costs two calls (the
    create answers "already exists", then the tracking is read), and never makes a duplicate.
    """

    name = NAME
    display_name = "AfterShip"

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        api_key: str,
        base_url: str,
        budget: RequestBudget,
        codes: Mapping[str, str],
        webhook_secret: str | None = None,
    ) -> None:
        self._webhook_secret = webhook_secret
        self._http = http
        self._api_key = api_key
        self._url = base_url + API_PATH
        self.budget = budget
        self.codes = dict(codes)
        self._ids: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._unknown = UnknownCodeLog(NAME)

    def verify_push(self, headers: Mapping[str, str], body: bytes) -> bool:
        """`aftership-hmac-sha256`: base64 HMAC-SHA256 of the raw body, keyed by the
        webhook secret. Without `webhook_secret` configured, every push is refused."""
        given = headers.get("aftership-hmac-sha256")
        return signature_matches(self._webhook_secret, body, given, encoding="base64")

    def parse_push(self, headers: Mapping[str, str], body: bytes) -> list[TrackingResult]:
        """A tracking webhook: the tracking is in `msg`."""
        tracking = _obj(push_document(body, NAME).get("msg"))
        number = _text(tracking.get("tracking_number"))
        if not number:
            raise CarrierResponseError(NAME, "tracking webhook without a tracking_number")
        result = parse_tracking(tracking, number)
        slug = result.service_carrier or ""
        known = {**SLUGS, **self.codes}.items()
        ours = next((name for name, code in known if code == slug), slug.replace("-", "_"))
        return [replace(result, service_carrier=ours or None)]

    def slug_for(self, carrier: str) -> str:
        """AfterShip's slug for smsbot's carrier name: `codes`, `SLUGS`, else "_" -> "-"."""
        name = carrier.strip().lower()
        return self.codes.get(name) or SLUGS.get(name) or name.replace("_", "-")

    async def check(self) -> str:
        """List the account's carriers (`GET /couriers`): proves the key, tracks nothing."""
        payload = await self._call("GET", "/couriers")
        raise_for_meta(*meta_of(payload))
        couriers = _obj(_obj(payload).get("data")).get("couriers")
        count = len(couriers) if isinstance(couriers, list) else 0
        return f"credentials accepted ({count} carriers enabled in AfterShip)"

    async def track(self, numbers: Sequence[str]) -> dict[str, TrackingResult]:
        """Track numbers of any carrier: AfterShip detects the carrier from each number
        (among the carriers enabled in the AfterShip account); 4012 when it cannot."""
        return await track_each(numbers, lambda number: self._track_one(number, ""), self._unknown)

    async def track_for(self, carrier: str, numbers: Sequence[str]) -> dict[str, TrackingResult]:
        """Track numbers of `carrier` (smsbot's name), asking AfterShip by its slug."""
        slug = self.slug_for(carrier)
        return await track_each(
            numbers, lambda number: self._track_one(number, slug), self._unknown
        )

    async def _track_one(self, number: str, slug: str) -> TrackingResult:
        inquiry = "".join(number.split())
        if not inquiry:
            return TrackingResult(
                NAME,
                number,
                Status.PENDING,
                "empty tracking number",
                problem=Problem.INVALID_NUMBER,
            )
        key = (slug, inquiry)
        known = self._ids.get(key)
        if known is not None:
            payload = await self._call("GET", f"/trackings/{quote(known, safe='')}")
            if meta_of(payload)[0] != NOT_FOUND_CODE:
                return self._result(payload, number, key)
            del self._ids[key]  # deleted in AfterShip since: register it again
        body = {"tracking_number": inquiry, **({"slug": slug} if slug else {})}
        payload = await self._call("POST", "/trackings", json=body)
        if meta_of(payload)[0] == ALREADY_EXISTS_CODE:
            payload = await self._existing(payload, inquiry, slug)
            if payload is None:
                return TrackingResult.not_found(NAME, number, "AfterShip lists no such tracking")
        return self._result(payload, number, key)

    async def _existing(self, payload: Any, inquiry: str, slug: str) -> Any:
        """The tracking that made a create fail with 4003: by the id the error carries,
        else by slug and number from the list endpoint. None when neither finds it."""
        tracking_id = _text(_obj(tracking_of(payload)).get("id"))
        if tracking_id:
            found = await self._call("GET", f"/trackings/{quote(tracking_id, safe='')}")
            if meta_of(found)[0] != NOT_FOUND_CODE:
                return found
        params = {"tracking_numbers": inquiry, **({"slug": slug} if slug else {})}
        listed = await self._call("GET", "/trackings", params=params)
        raise_for_meta(*meta_of(listed), slug=slug)
        tracking = find_tracking(listed, inquiry, slug)
        return None if tracking is None else {"meta": {"code": 200}, "data": tracking}

    def _result(self, payload: Any, number: str, key: tuple[str, str]) -> TrackingResult:
        result = parse_tracking_response(payload, number, slug=key[0])
        tracking_id = _text(_obj(tracking_of(payload)).get("id"))
        if result.problem is None and tracking_id:
            self._ids[key] = tracking_id
            self._ids.move_to_end(key)
            while len(self._ids) > REMEMBERED_IDS:
                self._ids.popitem(last=False)
        return result

    async def _call(self, method: str, path: str, **query: Any) -> Any:
        """One API call (`query`: `params` and/or `json`); the JSON envelope, or the
        `CarrierError` for a failed HTTP call.

        4xx answers with an envelope are returned (their meta code says what happened); a
        200 whose meta says 429 pauses the budget like an HTTP 429 does.
        """
        headers = {"as-api-key": self._api_key, "Accept": "application/json"}
        request = self._http.build_request(method, self._url + path, headers=headers, **query)
        response = await send(self._http, self.budget, request)
        if response.status_code in (401, 403) or response.status_code >= 500:
            check_status(response, NAME)
        try:
            payload = read_json(response, NAME)
            code, _message = meta_of(payload)
        except CarrierResponseError:
            check_status(response, NAME)  # a 4xx page that is not AfterShip's (wrong base_url)
            raise
        if code == 429:  # inside a 200: honour it as the HTTP 429 would be
            wait = rate_limit_wait(response.headers)
            self.budget.pause(wait)
            raise CarrierRateLimited(NAME, "rate-limited by AfterShip (meta code 429)", wait)
        return payload


def create(config: CarrierConfig, http: httpx.AsyncClient) -> AfterShipAdapter:
    """Build the AfterShip adapter from `[carriers.aftership]`; reads configuration only."""
    codes = {name.lower(): slug.strip() for name, slug in config.table("codes").items()}
    for name, slug in codes.items():
        if not slug:
            raise ConfigError(
                "must be an AfterShip slug, not empty",
                source=config.source,
                key=f"carriers.{config.name}.codes.{name}",
            )
    return AfterShipAdapter(
        http,
        api_key=config.secret("api_key", env="SMSBOT_AFTERSHIP_API_KEY"),
        base_url=config.base_url(DEFAULT_BASE_URL),
        # AfterShip limits each endpoint per second: GET /trackings/:id 5, the list 6,
        # POST /trackings 20. One budget covers them all, so the tightest one sets the pace.
        budget=config.budget(max_concurrency=4, requests_per_second=5),
        codes=codes,
        webhook_secret=config.optional_secret(
            "webhook_secret", env="SMSBOT_AFTERSHIP_WEBHOOK_SECRET"
        ),
    )
