"""DHL Shipment Tracking - Unified API: one number per GET, authenticated by a static API key.

DHL's `statusCode` is coarse (pre-transit, transit, delivered, failure, unknown); its status
text refines it through phrase tables into a `Status` and a `DelayReason`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx

from smsbot.errors import CarrierResponseError, ConfigError
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
    country_code,
    format_place,
    is_carrier_local,
    parse_timestamp,
    read_json,
    send,
    track_each,
    zone_for,
)

NAME = "dhl"
DEFAULT_BASE_URL = "https://api-eu.dhl.com"
TRACK_PATH = "/track/shipments"

V = TypeVar("V")

#: The `service` hints the API accepts. Without one, a number may resolve to another DHL
#: business unit's shipment, so merchants shipping with one unit should set it.
SERVICES = frozenset(
    {
        "dgf", "dsc", "ecommerce", "ecommerce-apac", "ecommerce-europe", "ecommerce-ppl",
        "ecommerce-iberia", "express", "freight", "parcel-de", "parcel-nl", "parcel-pl",
        "parcel-uk", "post-de", "post-international", "sameday", "svb",
    }
)  # fmt: skip

STATUS_CODES: dict[str, Status] = {
    "pre-transit": Status.LABEL_CREATED,
    "transit": Status.IN_TRANSIT,
    "delivered": Status.DELIVERED,
    "failure": Status.EXCEPTION,
    # DHL's own "no grouping" code: replies show DHL's words unless a phrase below says more.
    "unknown": Status.UNKNOWN,
}

# The phrase tables match whole words of the lower-cased status text (punctuation and
# hyphens read as spaces), so "pick-up" is "pick up". First match wins: specific first.
# We ask DHL for English (`language=en`) so that these tables can read its text.

#: Phrases that say more than `statusCode` (which has no out-for-delivery, pickup or return).
STATUS_PHRASES: dict[str, Status] = {
    "returned to shipper": Status.RETURNING,
    "returned to sender": Status.RETURNING,
    "returning to shipper": Status.RETURNING,
    "returning to sender": Status.RETURNING,
    "being returned": Status.RETURNING,
    "out for delivery": Status.OUT_FOR_DELIVERY,
    "with delivery courier": Status.OUT_FOR_DELIVERY,
    "delivery vehicle": Status.OUT_FOR_DELIVERY,
    "ready for pickup": Status.AVAILABLE_FOR_PICKUP,
    "ready for pick up": Status.AVAILABLE_FOR_PICKUP,
    "ready to be picked up": Status.AVAILABLE_FOR_PICKUP,
    "available for pickup": Status.AVAILABLE_FOR_PICKUP,
    "available for pick up": Status.AVAILABLE_FOR_PICKUP,
    "ready for collection": Status.AVAILABLE_FOR_PICKUP,
    "available for collection": Status.AVAILABLE_FOR_PICKUP,
    "awaiting collection": Status.AVAILABLE_FOR_PICKUP,
    "delivery attempted": Status.DELIVERY_ATTEMPTED,
    "attempted delivery": Status.DELIVERY_ATTEMPTED,
    "delivery attempt": Status.DELIVERY_ATTEMPTED,
    "could not be delivered": Status.DELIVERY_ATTEMPTED,
    "unsuccessful delivery": Status.DELIVERY_ATTEMPTED,
}

#: Phrases naming why a parcel is late or stuck. Normal progress texts ("customs clearance
#: status updated", "clearance processing complete") deliberately match nothing.
DELAY_PHRASES: dict[str, DelayReason] = {
    "weather": DelayReason.WEATHER,
    "natural disaster": DelayReason.WEATHER,
    "clearance delay": DelayReason.CUSTOMS,
    "customs delay": DelayReason.CUSTOMS,
    "held by customs": DelayReason.CUSTOMS,
    "held in customs": DelayReason.CUSTOMS,
    "held at customs": DelayReason.CUSTOMS,
    "customs hold": DelayReason.CUSTOMS,
    "awaiting customs": DelayReason.CUSTOMS,
    "customs inspection": DelayReason.CUSTOMS,
    "incorrect address": DelayReason.ADDRESS,
    "wrong address": DelayReason.ADDRESS,
    "incomplete address": DelayReason.ADDRESS,
    "insufficient address": DelayReason.ADDRESS,
    "unknown address": DelayReason.ADDRESS,
    "address incorrect": DelayReason.ADDRESS,
    "address incomplete": DelayReason.ADDRESS,
    "address unknown": DelayReason.ADDRESS,
    "address information": DelayReason.ADDRESS,
    "address issue": DelayReason.ADDRESS,
    "recipient moved": DelayReason.ADDRESS,
    "addressee unknown": DelayReason.ADDRESS,
    "not at home": DelayReason.RECIPIENT_UNAVAILABLE,
    "not home": DelayReason.RECIPIENT_UNAVAILABLE,
    "recipient not available": DelayReason.RECIPIENT_UNAVAILABLE,
    "recipient unavailable": DelayReason.RECIPIENT_UNAVAILABLE,
    "recipient absent": DelayReason.RECIPIENT_UNAVAILABLE,
    "business closed": DelayReason.RECIPIENT_UNAVAILABLE,
    "refused": DelayReason.REFUSED,
    "damaged": DelayReason.DAMAGED,
    "lost": DelayReason.LOST,
    "awaiting payment": DelayReason.HELD_FOR_PAYMENT,
    "payment required": DelayReason.HELD_FOR_PAYMENT,
    "pending payment": DelayReason.HELD_FOR_PAYMENT,
    "unpaid": DelayReason.HELD_FOR_PAYMENT,
    "holiday": DelayReason.HOLIDAY,
    "security": DelayReason.SECURITY,
    "missed connection": DelayReason.CARRIER_DELAY,
    "operational reasons": DelayReason.CARRIER_DELAY,
    "delayed": DelayReason.CARRIER_DELAY,
    "delay": DelayReason.CARRIER_DELAY,
    "on hold": DelayReason.OTHER,
}

#: A reason that decides the status when no status phrase did ("transit: refused by
#: recipient" is a delivery problem, not progress). Other reasons leave the status alone.
REASON_STATUS: dict[DelayReason, Status] = {
    DelayReason.ADDRESS: Status.EXCEPTION,
    DelayReason.REFUSED: Status.EXCEPTION,
    DelayReason.DAMAGED: Status.EXCEPTION,
    DelayReason.LOST: Status.EXCEPTION,
    DelayReason.HELD_FOR_PAYMENT: Status.EXCEPTION,
    DelayReason.RECIPIENT_UNAVAILABLE: Status.DELIVERY_ATTEMPTED,
}

#: Where a delivered parcel was left, from the delivered status text.
LEFT_AT_PHRASES: dict[str, str] = {
    "front door": "front door",
    "neighbour": "neighbour",
    "neighbor": "neighbour",
    "mailbox": "mailbox",
    "letterbox": "mailbox",
    "reception": "reception",
    "parcel locker": "parcel locker",
    "packstation": "parcel locker",
    "preferred location": "preferred location",
    "servicepoint": "pickup point",
    "service point": "pickup point",
    "retail outlet": "pickup point",
}


def _obj(value: object) -> Mapping[str, Any]:
    """`value` if it is a JSON object, else an empty one (optional parts of the payload)."""
    return value if isinstance(value, dict) else {}


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _first_text(entry: Mapping[str, Any], *keys: str) -> str:
    """The first non-empty text among `keys` of `entry`."""
    return next((text for text in (_text(entry.get(key)) for key in keys) if text), "")


def _time(value: object) -> datetime | None:
    """A DHL timestamp (offset, `Z`, none, or nanoseconds), or None when absent or garbled."""
    try:
        return parse_timestamp(value) if isinstance(value, str) and value.strip() else None
    except ValueError:
        return None


def _words(*texts: str) -> str:
    joined = " ".join(texts).lower()
    return f" {re.sub(r'[^a-z0-9]+', ' ', joined).strip()} "


def _first(table: Mapping[str, V], words: str) -> V | None:
    """The value of the first phrase of `table` found in `words` (see `_words`)."""
    for phrase, value in table.items():
        if f" {phrase} " in words:
            return value
    return None


#: Words kept in capitals (or in their own spelling) when a place name is title-cased.
ACRONYMS = {
    word.upper(): word
    for word in (
        *("US", "USA", "UK", "UAE", "EU", "UPS", "USPS", "DHL", "FedEx", "NYC", "DC"),
        *("JFK", "LAX", "ORD", "CVG", "LEJ", "HKG", "EWR", "SFO", "MIA", "ATL", "DFW"),
    )
}


def _word_case(word: str) -> str:
    known = ACRONYMS.get(word.upper())
    if known is not None:
        return known
    # "O'HARE" -> "O'Hare", "SAINT-DENIS" -> "Saint-Denis"
    return re.sub(r"[A-Za-z]+", lambda m: m[0][:1].upper() + m[0][1:].lower(), word)


def place_name(locality: str, country: str) -> str:
    """DHL's locality as people write it: "NEW YORK GATEWAY - USA" in country US is
    "New York Gateway". Capitals are title-cased (known acronyms kept); a trailing
    " - <country>" that repeats `country` is dropped. Mixed case is left as DHL sent it.
    """
    head, sep, tail = locality.rpartition(" - ")
    repeated = country_code(tail)
    if sep and head.strip() and repeated and repeated == (country_code(country) or repeated):
        locality = head.strip()
    if locality != locality.upper():
        return locality
    # A two-letter part after a comma is a state or province code: "CINCINNATI HUB, OH".
    parts = [part.strip() for part in locality.split(",")]
    return ", ".join(
        part if index and len(part) == 2 else " ".join(_word_case(w) for w in part.split())
        for index, part in enumerate(parts)
    )


_STATE_SUFFIX = re.compile(r",\s*([A-Za-z]{2})(?:\s+-\s+[A-Za-z ]+)?$")


def _state(address: Mapping[str, Any]) -> str | None:
    """A US state or Canadian province at the end of the locality ("CINCINNATI HUB, OH")."""
    if _text(address.get("countryCode")).upper() not in ("US", "CA"):
        return None
    match = _STATE_SUFFIX.search(_text(address.get("addressLocality")))
    return match[1].upper() if match else None


def _place(value: object) -> str | None:
    address = _obj(_obj(value).get("address"))
    country = _text(address.get("countryCode"))
    locality = _text(address.get("addressLocality")) or _text(address.get("postalCode"))
    return format_place(place_name(locality, country), country)


def classify(status: Mapping[str, Any]) -> tuple[Status, DelayReason | None]:
    """The status and delay reason of one DHL status object (the current one or an event)."""
    base = STATUS_CODES.get(_text(status.get("statusCode")), Status.UNKNOWN)
    words = _words(*(_text(status.get(key)) for key in ("status", "statusDetailed", "description")))
    said = _first(STATUS_PHRASES, words)
    reason = _first(DELAY_PHRASES, words)
    result: Status
    if base is Status.LABEL_CREATED:
        result = base  # before transit, "ready for pickup" means waiting for DHL's courier
    elif base is Status.DELIVERED:
        result = Status.RETURNING if said is Status.RETURNING else base  # back at the shipper
    elif said is not None:
        result = said
    else:
        result = REASON_STATUS.get(reason, base) if reason is not None else base
    if result is Status.DELIVERED:
        return result, None
    if result is Status.EXCEPTION and reason is None:
        return result, DelayReason.OTHER
    return result, reason


def _recipient_zone(shipment: Mapping[str, Any]) -> ZoneInfo | None:
    address = _obj(_obj(shipment.get("destination")).get("address"))
    name = zone_for(
        postal_code=_text(address.get("postalCode")) or None,
        country=_text(address.get("countryCode")) or None,
    )
    return ZoneInfo(name) if name else None


def _at_recipient(moment: datetime | None, zone: ZoneInfo | None) -> datetime | None:
    """A window bound on the recipient's clock: a carrier-local or UTC ("Z") time is put in
    the destination's zone when it is known; a time with a local offset is kept as given."""
    if moment is None or zone is None:
        return moment
    if is_carrier_local(moment):
        return moment.replace(tzinfo=zone)
    return moment.astimezone(zone) if moment.utcoffset() == timedelta(0) else moment


def _eta(shipment: Mapping[str, Any]) -> Eta | None:
    frame = _obj(shipment.get("estimatedDeliveryTimeFrame"))
    zone = _recipient_zone(shipment)
    start = _at_recipient(_time(frame.get("estimatedFrom")), zone)
    end = _at_recipient(_time(frame.get("estimatedThrough")), zone)
    single = _at_recipient(_time(shipment.get("estimatedTimeOfDelivery")), zone)
    if start is not None and end is not None and end >= start:
        if start.date() != end.date():
            return Eta(start.date(), latest=end.date())
        whole_day = start.time() == time(0) and end.time() >= time(23, 59)
        if whole_day or start == end:
            return Eta(start.date())
        return Eta(start.date(), window_start=start, window_end=end)
    day = single or start or end
    return Eta(day.date()) if day is not None else None


def _pieces(details: Mapping[str, Any]) -> int:
    total = details.get("totalNumberOfPieces")
    if isinstance(total, int) and not isinstance(total, bool) and total > 0:
        return total
    ids = details.get("pieceIds")
    return len(ids) if isinstance(ids, list) and ids else 1


def _events(raw: object, carrier: str) -> tuple[Event, ...]:
    if not isinstance(raw, list):
        if raw is None:
            return ()
        raise CarrierResponseError(carrier, "shipment events is not a list")
    events = []
    for item in raw:
        entry = _obj(item)
        when = _time(entry.get("timestamp"))
        if when is None:
            continue  # an event without a usable time cannot be placed; the rest still can
        status = classify(entry)[0]
        text = _first_text(entry, "description", "statusDetailed", "status")
        code = _text(entry.get("statusCode"))
        address = _obj(_obj(entry.get("location")).get("address"))
        events.append(
            Event(
                when,
                status,
                text,
                code,
                _place(entry.get("location")),
                state=_state(address),
                postal_code=_text(address.get("postalCode")) or None,
                country=_text(address.get("countryCode")) or None,
            )
        )
    return tuple(events)


def parse_track_response(payload: object, number: str, *, carrier: str = NAME) -> TrackingResult:
    """Turn one `GET /track/shipments` answer for `number` into a `TrackingResult`.

    The API may return several shipments for one number (one per DHL business unit); the
    first is used. An empty `shipments` list, or a 404 problem document
    (`{"status": 404, "title": ...}`) inside a 200, is not found. Raises
    `CarrierResponseError` when the shape is not DHL's.
    """
    if not isinstance(payload, dict):
        raise CarrierResponseError(carrier, "answer is not a JSON object")
    shipments = payload.get("shipments")
    if shipments is None and payload.get("status") == 404 and "title" in payload:
        return TrackingResult.not_found(carrier, number, _first_text(payload, "detail", "title"))
    if not isinstance(shipments, list):
        raise CarrierResponseError(carrier, "answer has no shipments list")
    if not shipments:
        return TrackingResult.not_found(carrier, number)
    shipment = shipments[0]
    current = shipment.get("status") if isinstance(shipment, dict) else None
    if not isinstance(current, dict):
        raise CarrierResponseError(carrier, "shipment has no status object")

    status, reason = classify(current)
    if shipment.get("returnFlag") is True and status is not Status.RETURNING:
        status = Status.RETURNING  # DHL flags a parcel on its way back to the shipper
    details = _obj(shipment.get("details"))
    proof = _obj(details.get("proofOfDelivery"))
    delivered = status is Status.DELIVERED
    delivered_at = _time(current.get("timestamp")) or _time(proof.get("timestamp"))
    words = _words(*(_text(current.get(key)) for key in ("status", "description")))
    return TrackingResult(
        carrier,
        number,
        status,
        status_text=_first_text(current, "description", "statusDetailed", "status"),
        status_code=_text(current.get("statusCode")),
        events=_events(shipment.get("events"), carrier),
        eta=None if delivered else _eta(shipment),
        delivered_at=delivered_at if delivered else None,
        delivery_location=_first(LEFT_AT_PHRASES, words) if delivered else None,
        delay_reason=reason,
        proof_of_delivery=bool(
            _text(proof.get("documentUrl"))
            or _text(proof.get("signatureUrl"))
            or details.get("proofOfDeliverySignedAvailable") is True
        ),
        pieces=_pieces(details),
    )


class DhlAdapter:
    """Tracks DHL numbers, one request per distinct number (the API takes one at a time)."""

    name = NAME
    display_name = "DHL"

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        api_key: str,
        base_url: str,
        budget: RequestBudget,
        service: str | None = None,
    ) -> None:
        self._http = http
        self._api_key = api_key
        self._url = f"{base_url}{TRACK_PATH}"
        self.budget = budget
        self._service = service
        self._unknown = UnknownCodeLog(NAME)

    async def track(self, numbers: Sequence[str]) -> dict[str, TrackingResult]:
        """One result per distinct number; raises the first `CarrierError` of any call.

        After a 429 the budget is paused, so the remaining numbers fail fast without
        spending more of the daily quota.
        """
        return await track_each(numbers, self._track_one, self._unknown)

    async def _track_one(self, number: str) -> TrackingResult:
        # language=en: DHL's default, sent so that the English phrase tables always apply.
        params = {"trackingNumber": number, "language": "en"}
        if self._service:
            params["service"] = self._service
        request = self._http.build_request(
            "GET",
            self._url,
            params=params,
            headers={"DHL-API-Key": self._api_key, "Accept": "application/json"},
        )
        response = await send(self._http, self.budget, request)
        if response.status_code == 404:
            # DHL's "No shipment with given tracking number found" is a problem+json 404; a
            # 404 without one is more likely a wrong base_url, left to check_status.
            try:
                problem = read_json(response, NAME)
            except CarrierResponseError:
                problem = None
            if isinstance(problem, dict):
                text = _first_text(problem, "detail", "title")
                return TrackingResult.not_found(NAME, number, text)
        check_status(response, NAME)
        return parse_track_response(read_json(response, NAME), number)


def create(config: CarrierConfig, http: httpx.AsyncClient) -> DhlAdapter:
    """Build the DHL adapter from `[carriers.dhl]`; reads configuration only, no I/O."""
    service = config.string("service", "") or None
    if service is not None and service not in SERVICES:
        raise ConfigError(
            f"must be one of {', '.join(sorted(SERVICES))}, not {service!r}",
            source=config.source,
            key=f"carriers.{config.name}.service",
        )
    return DhlAdapter(
        http,
        api_key=config.secret("api_key", env="SMSBOT_DHL_API_KEY"),
        base_url=config.base_url(DEFAULT_BASE_URL),
        # DHL's default app quota is tiny (e.g. 250 calls a day) with a per-second spike
        # arrest, and overrunning it means 429 until midnight GMT: one call at a time, one a
        # second, and the lookup cache (10-30 min per number) is what keeps us inside it.
        budget=config.budget(max_concurrency=1, requests_per_second=1),
        service=service,
    )
