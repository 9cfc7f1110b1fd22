"""Shippo tracking adapter (an aggregator): one `GET /tracks/{carrier}/{number}` per number.

Shippo needs the carrier with every number: `track_for` ([routing]) is the normal way in;
`track` serves `default_carrier` and Shippo's test numbers. Reference: carriers.md section 9.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from smsbot.errors import CarrierResponseError, ConfigError
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

NAME = "shippo"
DEFAULT_BASE_URL = "https://api.goshippo.com"
PUSH_TOLERANCE_S = 300  # how old a signed push may be (its `t`), either way
TRACK_PATH = "/tracks/"
CHECK_PATH = "/carrier_accounts"
API_VERSION = "2018-02-08"  # pins the documented Track shape
TEST_CARRIER = "shippo"  # Shippo's mock carrier, for the SHIPPO_* test numbers
#: Shippo's test numbers (carrier "shippo", test tokens only), by their compact form: order
#: files keep letters and digits only, so "SHIPPO-DELIVERED" is imported as SHIPPODELIVERED.
TEST_NUMBERS = {
    number.replace("_", ""): number
    for number in (
        "SHIPPO_PRE_TRANSIT", "SHIPPO_TRANSIT", "SHIPPO_DELIVERED",
        "SHIPPO_RETURNED", "SHIPPO_FAILURE", "SHIPPO_UNKNOWN",
    )
}  # fmt: skip
TEST_TOKEN_PREFIX = "shippo_test_"  # noqa: S105  # a prefix Shippo documents, not a secret

#: smsbot carrier names whose Shippo token differs; any other name is passed as given
#: (`ups`, `usps`, `fedex`, `ontrac`, `canada_post`, `royal_mail`... are Shippo's tokens too).
#: `codes = { name = "token" }` in `[carriers.shippo]` adds or overrides entries.
CARRIER_CODES: dict[str, str] = {
    "dhl": "dhl_express",  # smsbot's `dhl` detects DHL Express numbers
    "evri": "hermes_uk",
    "hermes": "hermes_uk",
    "startrack": "australia_post",
    "posten_norge": "bring",
    "courierpost": "new_zealand_post",
    "jitsu": "axlehire",
    "correos": "correos_espana",
    "correios": "correios_br",
    "epost_global": "rr_donnelley",
    "asendia": "asendia_us",
    "gls": "gls_us",
}
_TOKEN = re.compile(r"^[a-z0-9_]+$")

V = TypeVar("V")

#: `tracking_status.status`. UNKNOWN is handled apart: with no history it means Shippo has
#: nothing for the number (not found); with history, Shippo could not classify the last scan.
STATUS_CODES: dict[str, Status] = {
    "PRE_TRANSIT": Status.LABEL_CREATED,
    "TRANSIT": Status.IN_TRANSIT,
    "DELIVERED": Status.DELIVERED,
    "RETURNED": Status.RETURNING,
    "FAILURE": Status.EXCEPTION,
}

#: `substatus.code` values that say more than a TRANSIT status does (carriers.md 9.3; the
#: codes come from three agreeing copies of Shippo's event list, the mapping is inferred).
SUBSTATUS_STATUSES: dict[str, Status] = {
    "out_for_delivery": Status.OUT_FOR_DELIVERY,
    "delivery_attempted": Status.DELIVERY_ATTEMPTED,
    "notice_left": Status.DELIVERY_ATTEMPTED,
    "reschedule_delivery": Status.DELIVERY_ATTEMPTED,  # the recipient must rebook
    "pickup_available": Status.AVAILABLE_FOR_PICKUP,
    "package_available_for_pickup": Status.AVAILABLE_FOR_PICKUP,  # alias; 9.3 lists the above
    "address_issue": Status.EXCEPTION,
    "contact_carrier": Status.EXCEPTION,
    "location_inaccessible": Status.EXCEPTION,
    "package_held": Status.EXCEPTION,
    "package_damaged": Status.EXCEPTION,
}

#: Why a parcel is late or stuck, by `substatus.code`, whatever its status.
SUBSTATUS_REASONS: dict[str, DelayReason] = {
    "delayed": DelayReason.CARRIER_DELAY,
    "address_issue": DelayReason.ADDRESS,
    "location_inaccessible": DelayReason.ADDRESS,
    "contact_carrier": DelayReason.OTHER,
    "package_held": DelayReason.OTHER,
    "package_damaged": DelayReason.DAMAGED,
    "package_unclaimed": DelayReason.RECIPIENT_UNAVAILABLE,
    "package_undeliverable": DelayReason.OTHER,
    "package_disposed": DelayReason.OTHER,
    "package_lost": DelayReason.LOST,
}

#: Words of the carrier's text that name a more precise reason than a generic one (OTHER,
#: CARRIER_DELAY) or none: "delayed" + "severe weather" is a weather delay. Read only for
#: parcels in trouble (see `classify`). Whole words, first wins.
TEXT_REASONS: dict[str, DelayReason] = {
    "no authorized recipient": DelayReason.RECIPIENT_UNAVAILABLE,
    "recipient not available": DelayReason.RECIPIENT_UNAVAILABLE,
    "business closed": DelayReason.RECIPIENT_UNAVAILABLE,
    "weather": DelayReason.WEATHER,
    "storm": DelayReason.WEATHER,
    "snow": DelayReason.WEATHER,
    "customs": DelayReason.CUSTOMS,
    "duties": DelayReason.HELD_FOR_PAYMENT,
    "payment": DelayReason.HELD_FOR_PAYMENT,
    "address": DelayReason.ADDRESS,
    "addressed": DelayReason.ADDRESS,  # "undeliverable as addressed"
    "refused": DelayReason.REFUSED,
    "holiday": DelayReason.HOLIDAY,
    "security": DelayReason.SECURITY,
}
_GENERIC_REASONS = frozenset({DelayReason.OTHER, DelayReason.CARRIER_DELAY})
_TROUBLED = frozenset({Status.EXCEPTION, Status.DELIVERY_ATTEMPTED, Status.RETURNING})

#: Where a delivered parcel was left, from the delivered status text.
LEFT_AT_PHRASES: dict[str, str] = {
    "front door": "front door",
    "front porch": "front porch",
    "porch": "porch",
    "mailbox": "mailbox",
    "letterbox": "mailbox",
    "mail room": "mail room",
    "parcel locker": "parcel locker",
    "reception": "reception",
    "front desk": "front desk",
    "neighbour": "neighbour",
    "neighbor": "neighbour",
    "safe place": "safe place",
    "garage": "garage",
}

_LONE_DIGIT = re.compile(r"(?<![\d.])(\d)(?!\d)")  # "5" in "2024-11-5T9:07", not in ".5"


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _obj(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _words(*texts: str) -> str:
    return f" {re.sub(r'[^a-z0-9]+', ' ', ' '.join(texts).lower()).strip()} "


def _first(table: Mapping[str, V], words: str) -> V | None:
    """The value of the first phrase of `table` found in `words` (see `_words`)."""
    return next((value for phrase, value in table.items() if f" {phrase} " in words), None)


def parse_time(value: object) -> datetime | None:
    """A Shippo time, always aware; None when absent or unreadable.

    Shippo sends UTC ("2024-11-20T10:00:00Z"), so a time without an offset is UTC too.
    Unpadded parts ("2024-11-5T9:07:00Z") and a bare date (midnight UTC) are accepted.
    """
    text = _text(value)
    try:
        parsed = parse_timestamp(_LONE_DIGIT.sub(r"0\1", text)) if text else None
    except ValueError:
        return None
    if parsed is not None and parsed.tzinfo is CARRIER_LOCAL:
        return parsed.replace(tzinfo=UTC)
    return parsed


def classify(entry: Mapping[str, Any]) -> tuple[Status, DelayReason | None]:
    """The status and delay reason of one Shippo tracking status (current or history)."""
    code = _text(entry.get("status")).upper()
    substatus = _obj(entry.get("substatus"))
    sub = _text(substatus.get("code")).lower()
    if code == "UNKNOWN" or code not in STATUS_CODES:
        return Status.UNKNOWN, None
    status = STATUS_CODES[code]
    if status is Status.IN_TRANSIT:
        refined = SUBSTATUS_STATUSES.get(sub)
        if refined is not None:
            status = refined
        elif substatus.get("action_required") is True and sub not in SUBSTATUS_REASONS:
            status = Status.EXCEPTION  # Shippo says someone must act; it names no more
    if status is Status.DELIVERED:
        return status, None
    reason = SUBSTATUS_REASONS.get(sub)
    troubled = reason is not None or status in _TROUBLED
    if troubled and (reason is None or reason in _GENERIC_REASONS):
        # Only a parcel already in trouble is read for why: "Departed customs" is progress.
        said = _words(_text(entry.get("status_details")), _text(substatus.get("text")))
        reason = _first(TEXT_REASONS, said) or reason
    if status is Status.EXCEPTION and reason is None:
        reason = DelayReason.OTHER
    return status, reason


def _code(entry: Mapping[str, Any]) -> str:
    """The raw code kept on results and events: "TRANSIT/out_for_delivery"."""
    code = _text(entry.get("status")).upper()
    sub = _text(_obj(entry.get("substatus")).get("code")).lower()
    return f"{code}/{sub}" if code and sub else code or sub


def _description(entry: Mapping[str, Any]) -> str:
    return _text(entry.get("status_details")) or _text(_obj(entry.get("substatus")).get("text"))


def _place(value: object) -> str | None:
    location = _obj(value)
    locality = _text(location.get("city")) or _text(location.get("zip"))
    return format_place(locality, _text(location.get("state")), _text(location.get("country")))


def _event(entry: Mapping[str, Any]) -> Event | None:
    when = parse_time(entry.get("status_date"))
    if when is None:
        return None  # an event without a usable time cannot be placed; the rest still can
    status = classify(entry)[0]
    location = _obj(entry.get("location"))
    return Event(
        when,
        status,
        _description(entry),
        _code(entry),
        _place(location),
        state=_text(location.get("state")) or None,
        postal_code=_text(location.get("zip")) or None,
        country=_text(location.get("country")) or None,
    )


def _events(history: list[Any], current: Mapping[str, Any]) -> tuple[Event, ...]:
    events: dict[tuple[datetime, str], Event] = {}
    # The current status is normally the last history entry; added when it is not.
    for entry in [*history, current]:
        event = _event(_obj(entry))
        if event is not None:
            events.setdefault((event.time, event.code), event)
    return tuple(events.values())


def _eta(payload: Mapping[str, Any]) -> Eta | None:
    """`eta` (kept current by the carrier), else `original_eta`; a day, as Shippo gives it."""
    when = parse_time(payload.get("eta")) or parse_time(payload.get("original_eta"))
    return Eta(when.date()) if when is not None else None


def _not_found_text(payload: Mapping[str, Any], current: Mapping[str, Any]) -> str:
    """Shippo's words for a number it has nothing for: the status text, else a message."""
    messages = payload.get("messages")
    for message in messages if isinstance(messages, list) else []:
        text = _text(message) or _text(_obj(message).get("text"))
        if text:
            return _description(current) or text
    return _description(current)


def parse_track_response(payload: object, number: str, *, carrier: str = NAME) -> TrackingResult:
    """Turn one Track object (`GET /tracks/{carrier}/{number}`) into a `TrackingResult`.

    No current status, or UNKNOWN with no history, is not found (Shippo answers a number it
    has nothing for with a 200). `service_carrier` is the carrier Shippo reports. Raises
    `CarrierResponseError` when the answer is not a Track object.
    """
    if not isinstance(payload, dict):
        raise CarrierResponseError(carrier, "answer is not a JSON object")
    if "tracking_status" not in payload and "tracking_history" not in payload:
        raise CarrierResponseError(carrier, "answer is not a Track object (no tracking_status)")
    raw_current, history = payload.get("tracking_status"), payload.get("tracking_history")
    if raw_current is not None and not isinstance(raw_current, dict):
        raise CarrierResponseError(carrier, "tracking_status is not an object")
    if history is None:
        history = []
    if not isinstance(history, list):
        raise CarrierResponseError(carrier, "tracking_history is not a list")
    current: Mapping[str, Any] = raw_current or {}
    if raw_current is not None and not _text(current.get("status")):
        raise CarrierResponseError(carrier, "tracking_status has no status")
    service_carrier = _text(payload.get("carrier")) or None
    code = _text(current.get("status")).upper()
    if not current or (code == "UNKNOWN" and not history):
        found = TrackingResult.not_found(carrier, number, _not_found_text(payload, current))
        return replace(found, service_carrier=service_carrier)

    status, reason = classify(current)
    events = _events(history, current)
    delivered_at = None
    if status is Status.DELIVERED:
        delivered = [event.time for event in events if event.status is Status.DELIVERED]
        delivered_at = parse_time(current.get("status_date")) or max(delivered, default=None)
    # A delivered, returning or failed (lost, undeliverable) parcel has no ETA worth telling.
    finished = status in (Status.DELIVERED, Status.RETURNING) or code == "FAILURE"
    words = _words(_description(current))
    return TrackingResult(
        carrier,
        number,
        status,
        status_text=_description(current),
        status_code=_code(current),
        events=events,
        eta=None if finished else _eta(payload),
        delivered_at=delivered_at,
        delivery_location=_first(LEFT_AT_PHRASES, words) if delivered_at else None,
        delay_reason=reason,
        service_carrier=service_carrier,
    )


def _url_of(response: httpx.Response) -> str:
    try:
        url = response.request.url
    except RuntimeError:  # a response built without its request
        return "Shippo"
    return str(url.copy_with(query=None))


def _refusal(response: httpx.Response, number: str, token: str, asked: str) -> TrackingResult:
    """Read a 400/404: a number Shippo refuses is a result; a carrier it does not know raises.

    A wrong carrier code is a configuration problem, so the error says how to fix it.
    """
    try:
        body = response.json()
    except ValueError:
        # Not Shippo's API answering (a web page: wrong base_url or path, or a proxy): say
        # what came back and where from, rather than guess at the carrier code.
        kind = response.headers.get("content-type", "").split(";")[0].strip() or "no type"
        raise CarrierResponseError(
            NAME,
            f"HTTP {response.status_code} with a non-JSON body ({kind}) from "
            f"{_url_of(response)}: not an answer of Shippo's API; check base_url "
            f"(default {DEFAULT_BASE_URL}) and the carrier token {token!r}",
        ) from None
    details: list[str] = []
    fields: set[str] = set()
    if isinstance(body, dict):
        for key, value in body.items():
            fields.add(str(key))
            values = value if isinstance(value, list) else [value]
            details.extend(text for item in values if (text := _text(item)))
    said = "; ".join(details)[:200]
    words = _words(said)
    if "tracking_number" in fields or " tracking number " in words:
        if " invalid " in words:
            return TrackingResult(
                NAME, number, Status.PENDING, status_text=said, problem=Problem.INVALID_NUMBER
            )
        return TrackingResult.not_found(NAME, number, said)
    if " tracking information not available " in words:
        return TrackingResult.not_found(NAME, number, said)  # Shippo: carrier and number disagree
    if "carrier" in fields or " carrier " in words or response.status_code == 404:
        raise CarrierResponseError(
            NAME,
            f"Shippo does not accept the carrier code {token!r} (HTTP {response.status_code}"
            f"{': ' + said if said else ''}). If that is not Shippo's token for {asked!r}, "
            f'set it in [carriers.shippo]: codes = {{ {asked} = "<shippo token>" }} '
            "(tokens: docs.goshippo.com, Carriers); a 404 can also mean a wrong base_url",
        )
    raise CarrierResponseError(NAME, f"request refused (HTTP {response.status_code}): {said}")


def canonical_test_number(number: str) -> str | None:
    """Shippo's spelling of one of its test numbers ("shippo-transit" is SHIPPO_TRANSIT)."""
    return TEST_NUMBERS.get(re.sub(r"[\s_-]", "", number).upper())


class ShippoAdapter:
    """Tracks numbers through Shippo, one request per distinct number, inside the budget."""

    name = NAME
    display_name = "Shippo"

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        api_token: str,
        base_url: str,
        budget: RequestBudget,
        codes: Mapping[str, str],
        default_carrier: str | None = None,
        webhook_secret: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._webhook_secret = webhook_secret
        self._clock = clock
        self._http = http
        self._auth = f"ShippoToken {api_token}"
        self._test_mode = api_token.startswith(TEST_TOKEN_PREFIX)
        self._base_url = base_url
        self.budget = budget
        self.codes = {**CARRIER_CODES, **codes}
        self.default_carrier = default_carrier
        self._unknown = UnknownCodeLog(NAME)

    def code_for(self, carrier: str) -> str:
        """Shippo's token for smsbot's carrier name (the name itself when none is known)."""
        return self.codes.get(carrier, carrier)

    def verify_push(self, headers: Mapping[str, str], body: bytes) -> bool:
        """`Shippo-Auth-Signature: t=<unix time>,v1=<hex>`: the HMAC-SHA256 of "<t>." + the
        raw body, keyed by the webhook secret, sent less than `PUSH_TOLERANCE_S` ago (an old
        signed body replayed is refused). Without `webhook_secret`, every push is refused."""
        parts = dict(
            part.strip().split("=", 1)
            for part in headers.get("shippo-auth-signature", "").split(",")
            if "=" in part
        )
        stamp = parts.get("t", "")
        if not stamp.isdigit() or abs(self._clock() - int(stamp)) > PUSH_TOLERANCE_S:
            return False
        signed = stamp.encode() + b"." + body
        return signature_matches(self._webhook_secret, signed, parts.get("v1"))

    def parse_push(self, headers: Mapping[str, str], body: bytes) -> list[TrackingResult]:
        """A `track_updated` webhook: the Track object is in `data`. Other events: nothing."""
        document = push_document(body, NAME)
        if _text(document.get("event")) != "track_updated":
            return []
        track = _obj(document.get("data"))
        number = _text(track.get("tracking_number"))
        if not number:
            raise CarrierResponseError(NAME, "track_updated without a tracking_number")
        result = parse_track_response(track, number)
        token = (result.service_carrier or _text(track.get("carrier"))).casefold()
        ours = next((n for n, c in self.codes.items() if c.casefold() == token), token or None)
        return [replace(result, service_carrier=ours)]

    async def track_for(self, carrier: str, numbers: Sequence[str]) -> dict[str, TrackingResult]:
        """Track `numbers` of `carrier` (smsbot's name); one result per distinct number.

        Results carry `carrier` "shippo" and `service_carrier` = the carrier Shippo reports.
        """
        return await self._track(numbers, lambda number: carrier)

    async def track(self, numbers: Sequence[str]) -> dict[str, TrackingResult]:
        """Track numbers without a carrier: Shippo's test carrier for SHIPPO_* test numbers,
        else `default_carrier`. Without one, other numbers raise `CarrierResponseError`
        before any call, because Shippo cannot look a number up without its carrier.
        """

        def carrier_of(number: str) -> str:
            if canonical_test_number(number) is not None:
                return TEST_CARRIER
            if self.default_carrier is not None:
                return self.default_carrier
            raise CarrierResponseError(
                NAME,
                "Shippo needs the carrier with every number: route the carrier through Shippo "
                '([routing] carriers = { royal_mail = "shippo" }), name the real carrier in the '
                "order, or set default_carrier in [carriers.shippo]",
            )

        for number in numbers:
            carrier_of(number)  # refuse the whole call before spending any of it
        return await self._track(numbers, carrier_of)

    async def check(self) -> str:
        """One cheap authenticated call (list one carrier account): proves the token."""
        request = self._request(CHECK_PATH, params={"results": "1"})
        response = await send(self._http, self.budget, request)
        check_status(response, NAME)
        mode = "test" if self._test_mode else "live"
        return f"credentials accepted ({mode} token)"

    async def _track(
        self, numbers: Sequence[str], carrier_of: Callable[[str], str]
    ) -> dict[str, TrackingResult]:
        async def track_one(number: str) -> TrackingResult:
            return await self._track_one(carrier_of(number), number)

        results = await track_each(numbers, track_one)
        for result in results.values():
            if not result.status_code.startswith("UNKNOWN"):  # Shippo's own "no idea"
                self._unknown.note(result)
        return results

    async def _track_one(self, carrier: str, number: str) -> TrackingResult:
        token = self.code_for(carrier)
        inquiry = (token == TEST_CARRIER and canonical_test_number(number)) or "".join(
            number.split()
        )
        path = f"{TRACK_PATH}{quote(token, safe='')}/{quote(inquiry, safe='')}"
        response = await send(self._http, self.budget, self._request(path))
        if response.status_code in (400, 404):
            result = _refusal(response, number, token, carrier)
        else:
            check_status(response, NAME)
            result = parse_track_response(read_json(response, NAME), number)
        return result if result.service_carrier else replace(result, service_carrier=token)

    def _request(self, path: str, params: Mapping[str, str] | None = None) -> httpx.Request:
        return self._http.build_request(
            "GET",
            self._base_url + path,
            params=params,
            headers={
                "Authorization": self._auth,
                "Accept": "application/json",
                "SHIPPO-API-VERSION": API_VERSION,
            },
        )


def _carrier_token(config: CarrierConfig, key: str, value: str) -> str:
    """`value`, checked to look like a carrier name or token (it goes into the URL path)."""
    if not _TOKEN.match(value):
        raise ConfigError(
            f"must be a Shippo carrier token (lower-case letters, digits, _), not {value!r}",
            source=config.source,
            key=f"carriers.{config.name}.{key}",
        )
    return value


def create(config: CarrierConfig, http: httpx.AsyncClient) -> ShippoAdapter:
    """Build the Shippo adapter from `[carriers.shippo]`; reads configuration only, no I/O."""
    api_token = config.secret("api_token", env="SMSBOT_SHIPPO_API_TOKEN")
    codes = {
        name: _carrier_token(config, f"codes.{name}", token)
        for name, token in config.table("codes").items()
    }
    default = config.string("default_carrier", "") or None
    if default is not None:
        default = _carrier_token(config, "default_carrier", default)
    test = api_token.startswith(TEST_TOKEN_PREFIX)
    return ShippoAdapter(
        http,
        api_token=api_token,
        base_url=config.base_url(DEFAULT_BASE_URL),
        # Shippo allows 500 tracking GETs a minute with a live token and 50 with a test one
        # (carriers.md 9.4): 8 a second and 0.8 a second stay just under, and a 429 pauses.
        budget=config.budget(
            max_concurrency=2 if test else 4, requests_per_second=0.8 if test else 8
        ),
        codes=codes,
        default_carrier=default,
        webhook_secret=config.optional_secret("webhook_secret", env="SMSBOT_SHIPPO_WEBHOOK_SECRET"),
    )
