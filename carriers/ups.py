"""UPS Track API adapter: OAuth client credentials, one tracking number per request.

Reference: carriers.md section 3 (UPS TrackService OpenAPI, status-description code tables).
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta, timezone
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
    read_json,
    track_each,
)

NAME = "ups"
PRODUCTION_HOST = "https://onlinetools.ups.com"  # CIE sandbox: https://wwwcie.ups.com
OAUTH_PATH = "/security/v1/oauth/token"
TRACK_PATH = "/api/track/v1/details/"
INVALID_NUMBER_ERRORS = frozenset({"TV1002"})  # "Invalid inquiry number" with HTTP 400

# UPS status-description codes (`statusCode`, 3 digits) with one meaning whatever the
# activity type, grouped as in the reference's table. Codes left out (153-155 updated
# date/time/photo, claims, investigations, pickup attempts) say nothing about where the
# parcel is: TYPE_STATUSES decides those. A test checks that no code is in two groups.
STATUS_GROUPS: dict[Status, str] = {
    Status.PENDING: "000 148 163",
    Status.LABEL_CREATED: "003 044 045 079 080 157 166",
    Status.IN_TRANSIT: (
        "005 010 012 014 016 018 019 020 025 027 028 038 039 041 042 047 054 055 056 057 063"
        " 071 075 082 084 087 092 134 138 158 159 160 164 165 167 168 169"
        # Delays: still moving; delay_reason says why (weather, emergency, airport security).
        " 032 046 048 051 052 053 086 090 132"
    ),
    Status.OUT_FOR_DELIVERY: "006 021 037 072 078 089 091 146 162",
    Status.AVAILABLE_FOR_PICKUP: "017 040 144 161",
    Status.DELIVERY_ATTEMPTED: "022 023 024 060 061 062 066 145",
    Status.DELIVERED: "011 026 143",
    Status.EXCEPTION: (
        "007 013 029 030 043 049 050 058 059 064 068 069 076 081 083 085 123 124 125 126 139"
        " 141 147 149"
    ),
    Status.RETURNING: "033 034 035 036 067 118 119",
}
STATUS_CODES: dict[str, Status] = {
    code: status for status, codes in STATUS_GROUPS.items() for code in codes.split()
}

#: Activity types (`type`), used when the status-description code is absent or neutral.
#: The spec lists D, I, M, MV, X, DO, DD, W, NA, U; P (pickup) and RS (returned to shipper)
#: appear in UPS answers outside that table. "I" covers out-for-delivery too.
TYPE_STATUSES: dict[str, Status] = {
    "D": Status.DELIVERED,
    "I": Status.IN_TRANSIT,
    "P": Status.IN_TRANSIT,
    "M": Status.LABEL_CREATED,
    "MV": Status.EXCEPTION,  # billing information voided: the label will not ship
    "X": Status.EXCEPTION,
    "RS": Status.RETURNING,
    "DO": Status.IN_TRANSIT,  # freight delivered to the origin container station
    "DD": Status.IN_TRANSIT,  # freight delivered to the destination container station
    "W": Status.IN_TRANSIT,
    "NA": Status.PENDING,
}

#: Why a parcel is stuck, by status-description code (one meaning per code).
STATUS_REASON_GROUPS: dict[DelayReason, str] = {
    DelayReason.WEATHER: "032 051 052 053",
    DelayReason.CARRIER_DELAY: "046 048 086 090",  # "Delay", no more said
    DelayReason.CUSTOMS: "058 123 124 125 126 141",
    DelayReason.ADDRESS: "050",
    DelayReason.RECIPIENT_UNAVAILABLE: "061",  # adult signature required
    DelayReason.REFUSED: "064",
    DelayReason.DAMAGED: "059 081",
    DelayReason.LOST: "068",
    DelayReason.HELD_FOR_PAYMENT: "062 085",
    DelayReason.SECURITY: "132 139",
}

#: Why, by the 2-character exception code (`code` on type "X" only: the same code means
#: something else in UPS's movement-scan and manifest tables). Package Exceptions table,
#: plus the delivery codes 50 (incorrect address) and 53 (receiver refused).
EXCEPTION_REASON_GROUPS: dict[DelayReason, str] = {
    DelayReason.WEATHER: "1E",
    DelayReason.CUSTOMS: "05 1U 29 40 43 71 1W",
    DelayReason.ADDRESS: "47 50",
    DelayReason.RECIPIENT_UNAVAILABLE: "48 49 55",
    DelayReason.REFUSED: "53",
    DelayReason.DAMAGED: "13 45 65 66 67",
    DelayReason.HELD_FOR_PAYMENT: "1C 51 52",
    DelayReason.SECURITY: "95",
    DelayReason.CARRIER_DELAY: "03 04 06 07 08 1B 1K 1L",
}
STATUS_REASONS: dict[str, DelayReason] = {
    code: reason for reason, codes in STATUS_REASON_GROUPS.items() for code in codes.split()
}
EXCEPTION_REASONS: dict[str, DelayReason] = {
    code: reason for reason, codes in EXCEPTION_REASON_GROUPS.items() for code in codes.split()
}

UPDATE_CODES = frozenset({"153", "154", "155"})  # new delivery time, new date, photo taken
_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")
_WINDOW_TYPES = frozenset({"EDW", "CDW", "IDW"})  # estimated, confirmed, imminent windows


class UpsAdapter:
    """Tracks UPS numbers concurrently (one request each) inside the request budget."""

    name = NAME
    display_name = "UPS"

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
        self._base_url = base_url
        pair = f"{client_id}:{client_secret}".encode()
        self._basic = "Basic " + base64.b64encode(pair).decode("ascii")
        self._budget = budget
        self._tokens = TokenCache(self._fetch_token)
        self._unknown = UnknownCodeLog(NAME)

    async def check(self) -> str:
        """Fetch an OAuth token: proves the credentials without tracking anything."""
        await self._tokens.token()
        return "credentials accepted (token fetched)"

    async def track(self, numbers: Sequence[str]) -> dict[str, TrackingResult]:
        """One result per distinct number; the first failed call raises its CarrierError."""
        return await track_each(numbers, self._track_one, self._unknown)

    async def _track_one(self, number: str) -> TrackingResult:
        inquiry = "".join(number.split())
        if not (inquiry.isalnum() and 7 <= len(inquiry) <= 34):
            # The spec: "must be between 7 and 34 characters"; no call spent on it.
            return _invalid(NAME, number, "")
        response = await self._tokens.send(
            self._http, self._budget, lambda token: self._track_request(inquiry, token)
        )
        if response.status_code in (400, 404):
            codes, message = _error_codes(response)
            if response.status_code == 404 and codes:
                return TrackingResult.not_found(NAME, number, message)
            if codes & INVALID_NUMBER_ERRORS:
                return _invalid(NAME, number, message)
        check_status(response, NAME)
        results = parse_track_response(read_json(response, NAME), carrier=NAME)
        result = results.get(inquiry)
        if result is None and len(results) == 1:
            (result,) = results.values()  # UPS may echo the number in another spelling
        if result is None:
            raise CarrierResponseError(NAME, "answer does not name the number asked")
        return replace(result, number=number)

    def _track_request(self, inquiry: str, token: str) -> httpx.Request:
        return httpx.Request(
            "GET",
            self._base_url + TRACK_PATH + quote(inquiry, safe=""),
            params={"locale": "en_US"},
            headers={
                "Authorization": f"Bearer {token}",
                "transId": uuid.uuid4().hex,  # required, unique per request
                "transactionSrc": "smsbot",
                "Accept": "application/json",
            },
        )

    async def _fetch_token(self) -> tuple[str, float]:
        request = httpx.Request(
            "POST",
            self._base_url + OAUTH_PATH,
            data={"grant_type": "client_credentials"},
            headers={"Authorization": self._basic, "Accept": "application/json"},
        )
        return await fetch_token(self._http, self._budget, request)


def create(config: CarrierConfig, http: httpx.AsyncClient) -> UpsAdapter:
    """Build the UPS adapter from `[carriers.ups]`; no I/O."""
    return UpsAdapter(
        http,
        base_url=config.base_url(PRODUCTION_HOST),
        client_id=config.secret("client_id", env="SMSBOT_UPS_CLIENT_ID"),
        client_secret=config.secret("client_secret", env="SMSBOT_UPS_CLIENT_SECRET"),
        # UPS publishes no per-second quota; it answers bursts with 429 (tiered per account,
        # low in CIE). Four calls in flight at five a second tracks a 20-number batch in
        # about four seconds without looking like a burst.
        budget=config.budget(max_concurrency=4, requests_per_second=5),
    )


def parse_track_response(payload: Any, *, carrier: str = NAME) -> dict[str, TrackingResult]:
    """Normalize a Track API answer: one result per shipment, keyed by inquiry number.

    A shipment without packages is not found (UPS says so with warning TW0001 in a 200),
    unless a warning calls the number invalid. Raises
    CarrierResponseError when the answer does not have the documented shape.
    """
    track = _dict(payload, "answer", carrier).get("trackResponse")
    shipments = _list(_dict(track, "trackResponse", carrier).get("shipment"), "shipment", carrier)
    results: dict[str, TrackingResult] = {}
    for raw in shipments:
        shipment = _dict(raw, "shipment", carrier)
        packages = [
            _dict(item, "package", carrier)
            for item in _list(shipment.get("package") or [], "package", carrier)
        ]
        number = _text(shipment.get("inquiryNumber"))
        if not number and packages:
            number = _text(packages[0].get("trackingNumber"))
        if not packages:
            warnings = _list(shipment.get("warnings") or [], "warnings", carrier)
            found = [warning for warning in warnings if isinstance(warning, dict)]
            codes = {_text(warning.get("code")) for warning in found}
            text = next((_text(warning.get("message")) for warning in found), "")
            if codes & INVALID_NUMBER_ERRORS:
                results[number] = _invalid(carrier, number, text)
            else:
                results[number] = TrackingResult.not_found(carrier, number, text)
            continue
        # The inquiry number's own package speaks for a multi-piece shipment.
        lead = next((p for p in packages if p.get("trackingNumber") == number), packages[0])
        count = lead.get("packageCount")
        pieces = count if isinstance(count, int) and count > 0 else len(packages)
        results[number] = _parse_package(lead, number, pieces, carrier)
    return results


def _parse_package(
    package: dict[str, Any], number: str, pieces: int, carrier: str
) -> TrackingResult:
    activities = _list(package.get("activity") or [], "activity", carrier)
    # CARRIER_LOCAL sorts like UTC, so one package mixing it with real offsets would be
    # misordered: real offsets only when every scan has the GMT fields.
    use_gmt = all(isinstance(item, dict) and _gmt_time(item) for item in activities)
    scans = [scan for item in activities if (scan := _activity(item, use_gmt)) is not None]
    events = _inherit_updates([event for event, _status in scans])
    current = package.get("currentStatus")
    if not isinstance(current, dict) and scans:
        # Older answers omit currentStatus: the newest scan by time stands in for it.
        current = max(scans, key=lambda scan: scan[0].time)[1]
    current = current if isinstance(current, dict) else {}
    status, code = _status_of(current)
    text = _text(current.get("description")) or _text(current.get("simplifiedTextDescription"))
    dates = {
        _text(d.get("type")): day
        for d in _list(package.get("deliveryDate") or [], "deliveryDate", carrier)
        if isinstance(d, dict) and (day := _date(d.get("date"))) is not None
    }
    window = package.get("deliveryTime")
    window = window if isinstance(window, dict) else {}
    delivered_at = _delivered_at(dates.get("DEL"), window, events, status)
    info = package.get("deliveryInformation")
    info = info if isinstance(info, dict) else {}
    return TrackingResult(
        carrier,
        number,
        status,
        status_text=text,
        status_code=code,
        events=tuple(events),
        eta=None if status in (Status.DELIVERED, Status.RETURNING) else _eta(dates, window),
        delivered_at=delivered_at,
        delivery_location=_text(info.get("location")).lower() or None,
        delay_reason=_reason(current, status),
        proof_of_delivery=_has_proof(info, events),
        pieces=pieces,
    )


def _invalid(carrier: str, number: str, text: str) -> TrackingResult:
    """UPS says the number cannot be one of its own."""
    return TrackingResult(
        carrier, number, Status.PENDING, status_text=text, problem=Problem.INVALID_NUMBER
    )


#: Manifest codes (`status.code`): shipment information received, nothing scanned yet.
MANIFEST_CODES = frozenset({"MP"})


def _status_of(status: dict[str, Any]) -> tuple[Status, str]:
    """The normalized status and the code it was read from (kept for unknown codes)."""
    kind = _text(status.get("type")).upper()
    detail = _detail_code(status)
    if detail in STATUS_CODES:
        return STATUS_CODES[detail], detail
    if _text(status.get("code")).upper() in MANIFEST_CODES:
        # A manifest scan is the label, whatever its activity type says (UPS sends "I").
        return Status.LABEL_CREATED, detail or kind
    if kind in TYPE_STATUSES:
        return TYPE_STATUSES[kind], detail or kind
    return Status.UNKNOWN, detail or kind or _text(status.get("code"))


def _detail_code(status: dict[str, Any]) -> str:
    """The 3-digit status-description code; some answers carry it in `code` instead."""
    detail = _text(status.get("statusCode"))
    if detail.isdigit() and len(detail) <= 3:
        return detail.zfill(3)
    code = _text(status.get("code"))
    return code if code.isdigit() and len(code) == 3 else ""


def _reason(status: dict[str, Any], normalized: Status) -> DelayReason | None:
    by_status = STATUS_REASONS.get(_detail_code(status))
    code = _text(status.get("code")).upper()
    by_code = None
    if _text(status.get("type")).upper() == "X":
        by_code = EXCEPTION_REASONS.get(code.zfill(2) if code.isdigit() else code)
    if by_status is not None and by_status is not DelayReason.CARRIER_DELAY:
        return by_status
    reason = by_code or by_status  # a specific exception code beats a generic "Delay"
    if reason is None and normalized is Status.EXCEPTION:
        return DelayReason.OTHER
    return reason


def _activity(item: Any, use_gmt: bool) -> tuple[Event, dict[str, Any]] | None:
    """One activity as an Event, with its raw status; None without a usable date."""
    if not isinstance(item, dict):
        return None
    gmt = _gmt_time(item)
    day, clock = _date(item.get("date")), _clock(item.get("time"))
    if gmt is not None and (use_gmt or day is None):
        when = gmt if use_gmt else carrier_local(gmt.replace(tzinfo=None))
    elif day is not None:
        when = carrier_local(datetime.combine(day, clock or time()))
    else:
        return None
    status = item.get("status")
    status = status if isinstance(status, dict) else {}
    normalized, code = _status_of(status)
    location = item.get("location")
    address = location.get("address") if isinstance(location, dict) else None
    place, state, postal, country = None, "", "", ""
    if isinstance(address, dict):
        country = _text(address.get("countryCode")) or _text(address.get("country"))
        state, postal = _text(address.get("stateProvince")), _text(address.get("postalCode"))
        place = format_place(_text(address.get("city")), state, country)
    description = _text(status.get("description")) or _text(status.get("simplifiedTextDescription"))
    event = Event(
        when,
        normalized,
        description,
        code,
        place,
        state=state or None,
        postal_code=postal or None,
        country=country or None,
    )
    return event, status


def _inherit_updates(events: list[Event]) -> list[Event]:
    """Updated date/time and delivery-photo scans take the status of the scan before them."""
    ordered = sorted(events, key=lambda event: event.time)
    for index in range(1, len(ordered)):
        if ordered[index].code in UPDATE_CODES:
            ordered[index] = replace(ordered[index], status=ordered[index - 1].status)
    return ordered


def _gmt_time(item: dict[str, Any]) -> datetime | None:
    """The GMT date and time shown in the activity's own offset, when all three are given."""
    day, clock = _date(item.get("gmtDate")), _clock(item.get("gmtTime"))
    match = _OFFSET.match(_text(item.get("gmtOffset")))
    if day is None or clock is None or match is None:
        return None
    sign = -1 if match[1] == "-" else 1
    offset = timedelta(hours=int(match[2]), minutes=int(match[3])) * sign
    utc = datetime.combine(day, clock, tzinfo=UTC)
    return utc.astimezone(timezone(offset))


def _eta(dates: dict[str, date], window: dict[str, Any]) -> Eta | None:
    """Rescheduled date before scheduled date; never DEL, which is the delivered date."""
    day = dates.get("RDD") or dates.get("SDD")
    if day is None:
        return None
    kind = _text(window.get("type")).upper()
    start, end = _clock(window.get("startTime")), _clock(window.get("endTime"))
    if kind in _WINDOW_TYPES and start is not None and end is not None:
        return Eta(
            day,
            window_start=carrier_local(datetime.combine(day, start)),
            window_end=carrier_local(datetime.combine(day, end)),
        )
    if kind == "CMT" and end is not None:  # committed by this time
        return Eta(day, window_end=carrier_local(datetime.combine(day, end)))
    return Eta(day)


def _delivered_at(
    day: date | None, window: dict[str, Any], events: list[Event], status: Status
) -> datetime | None:
    if day is not None:
        clock = _clock(window.get("endTime")) if window.get("type") == "DEL" else None
        if clock is not None:
            return carrier_local(datetime.combine(day, clock))
    if status is Status.DELIVERED or day is not None:
        delivered = [event.time for event in events if event.status is Status.DELIVERED]
        if delivered:
            return max(delivered)
    return None


def _has_proof(info: dict[str, Any], events: list[Event]) -> bool:
    photo = info.get("deliveryPhoto")
    if isinstance(photo, dict) and (
        _text(photo.get("photo")) or _text(photo.get("photoDispositionCode")).upper() == "V"
    ):
        return True
    for key, field in (("signature", "image"), ("pod", "content")):
        part = info.get(key)
        if isinstance(part, dict) and _text(part.get(field)):
            return True
    return any(event.code == "155" for event in events)  # "Delivery Photo" update scan


def _error_codes(response: httpx.Response) -> tuple[set[str], str]:
    """UPS error codes and the first message of an error body (empty when not one)."""
    try:
        payload = response.json()
    except ValueError:
        return set(), ""
    inner = payload.get("response") if isinstance(payload, dict) else None
    errors = inner.get("errors") if isinstance(inner, dict) else None
    if not isinstance(errors, list):
        return set(), ""
    found = [error for error in errors if isinstance(error, dict)]
    message = next((_text(error.get("message")) for error in found), "")
    return {_text(error.get("code")) for error in found} - {""}, message


def _date(value: Any) -> date | None:
    text = _text(value)
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def _clock(value: Any) -> time | None:
    """HHMMSS, which UPS may send unpadded ("91500" is 09:15:00)."""
    text = _text(value)
    if not text.isdigit() or len(text) > 6:
        return None
    text = text.zfill(6)
    try:
        return time(int(text[:2]), int(text[2:4]), int(text[4:]))
    except ValueError:
        return None


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _dict(value: Any, what: str, carrier: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CarrierResponseError(carrier, f"{what} is not an object")
    return value


def _list(value: Any, what: str, carrier: str) -> list[Any]:
    if not isinstance(value, list):
        raise CarrierResponseError(carrier, f"{what} is not a list")
    return value
