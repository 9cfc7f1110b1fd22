"""What a carrier says about a parcel: the tracking vocabulary every adapter maps onto.

`Status`, `Event`, `Eta` and `TrackingResult` are the SDK's values (adapters reach them
through `smsbot.tracking`). This module imports nothing from smsbot but its zone tables
(`smsbot.zonedata`, pure data), so the error tree can name `TrackingResult` without a cycle.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone, tzinfo
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from smsbot.zonedata import (
    AU_STATES,
    CA_PROVINCES,
    COUNTRIES,
    COUNTRY_NAMES,
    POSTAL_PREFIXES,
    US_STATES,
    US_ZIP3,
    US_ZIP3_STATES,
)


class Status(StrEnum):
    """Where a parcel is, in the one vocabulary every adapter maps onto."""

    PENDING = "pending"  # the carrier has no information for the number yet
    LABEL_CREATED = "label_created"  # shipment information received, not scanned yet
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    AVAILABLE_FOR_PICKUP = "available_for_pickup"
    DELIVERY_ATTEMPTED = "delivery_attempted"
    DELIVERED = "delivered"
    EXCEPTION = "exception"  # address, refused, damaged, lost, customs or payment hold
    RETURNING = "returning"  # on its way back to the sender
    UNKNOWN = "unknown"  # a carrier code the adapter does not map; keep the carrier's text


#: Statuses after which a shipment needs no more watching.
FINAL_STATUSES = frozenset({Status.DELIVERED})


class DelayReason(StrEnum):
    """Why a parcel is late or stuck, when the carrier says."""

    WEATHER = "weather"
    CUSTOMS = "customs"
    ADDRESS = "address"
    RECIPIENT_UNAVAILABLE = "recipient_unavailable"
    REFUSED = "refused"
    DAMAGED = "damaged"
    LOST = "lost"
    HELD_FOR_PAYMENT = "held_for_payment"
    CARRIER_DELAY = "carrier_delay"
    HOLIDAY = "holiday"
    SECURITY = "security"
    OTHER = "other"


class Problem(StrEnum):
    """A fact about one number that is not a status: the carrier does not know it."""

    NOT_FOUND = "not_found"  # the carrier has no record (yet) of this number
    INVALID_NUMBER = "invalid_number"  # the carrier says the number cannot be one of its own


#: Time zone of times a carrier gave as local wall-clock time without an offset. Such times
#: are shown as given, never converted to the merchant's zone.
CARRIER_LOCAL = timezone(timedelta(0), "carrier-local")


def carrier_local(naive: datetime) -> datetime:
    """Mark a carrier's offset-less local time as such (see `CARRIER_LOCAL`)."""
    return naive.replace(tzinfo=CARRIER_LOCAL)


def is_carrier_local(moment: datetime) -> bool:
    """Whether `moment` is a carrier's wall-clock time of unknown zone (or naive)."""
    # By name, not identity: a copied or unpickled CARRIER_LOCAL is a different object.
    return moment.tzinfo is None or moment.tzname() == CARRIER_LOCAL.tzname(None)


def country_code(country: str | None) -> str | None:
    """ISO alpha-2 for how carriers spell a country ("US", "USA", "United States")."""
    if not country or not country.strip():
        return None
    text = country.strip()
    named = COUNTRY_NAMES.get(text.casefold())
    if named is None and len(text) == 2 and text.isalpha():
        return text.upper()
    return named


def zone_for(
    state: str | None = None, postal_code: str | None = None, country: str | None = None
) -> str | None:
    """The IANA zone of a place, offline (tables in `smsbot.zonedata`); None when unknown.

    A US or Canadian state needs no country; a ZIP code settles the states split between
    zones. A multi-zone country (US, Canada, Australia, Mexico, Brazil, Russia...) without
    a state gives None: the time stays carrier-local rather than guessed.
    """
    code = country_code(country)
    region = (state or "").strip().upper()
    digits = "".join(ch for ch in (postal_code or "") if ch.isalnum()).upper()
    if code in (None, "US") and region in US_STATES:
        if digits[:5].isdigit() and len(digits) >= 5:
            return US_ZIP3.get(digits[:3], US_STATES[region])
        return US_STATES[region]
    if code in (None, "CA") and region in CA_PROVINCES:
        return CA_PROVINCES[region]
    if code == "AU" and region in AU_STATES:
        return AU_STATES[region]
    if code == "US" and len(digits) >= 5 and digits[:5].isdigit():
        zip3 = int(digits[:3])
        state = next((st for end, st in US_ZIP3_STATES if zip3 <= end), "")
        return US_ZIP3.get(digits[:3], US_STATES[state]) if state else None
    if code is None:
        return None
    for prefix, zone in POSTAL_PREFIXES.get(code, {}).items():
        if digits.startswith(prefix):
            return zone
    return COUNTRIES.get(code)


def _zone(name: str | None) -> tzinfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def zone_name(moment: datetime) -> str | None:
    """The IANA name of `moment`'s zone, when it carries one."""
    return moment.tzinfo.key if isinstance(moment.tzinfo, ZoneInfo) else None


@dataclass(frozen=True)
class Event:
    """One scan or update from the carrier. `time` is always time-zone aware.

    Where it happened: `location` for people ("Memphis, TN"), and `state`, `postal_code`
    and `country` (as the carrier sent them) for the time zone. `zone` is the IANA zone of
    the scan's wall clock. When the carrier gave the time with an offset, that offset is the
    truth: `zone` is kept only when it agrees with it. When the time is carrier-local (no
    offset), the zone comes from `zone` if the adapter knew it, else from the place
    (`zone_for`); the time then becomes a real instant in that zone. When no zone can be
    had, the time stays carrier-local and `zone` is None.
    """

    time: datetime
    status: Status
    description: str
    code: str = ""
    location: str | None = None
    zone: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None

    def __post_init__(self) -> None:
        name = (
            self.zone
            or zone_name(self.time)
            or zone_for(self.state, self.postal_code, self.country)
        )
        zone = _zone(name)
        moment = self.time
        if zone is None:
            name = None
        elif is_carrier_local(moment):
            moment = moment.replace(tzinfo=zone)
        elif _agrees(moment, zone):
            moment = moment.astimezone(zone)
        else:
            name = None  # the carrier's offset disagrees with the place: trust the offset
        object.__setattr__(self, "time", moment)
        object.__setattr__(self, "zone", name)


@dataclass(frozen=True)
class Eta:
    """When a parcel should arrive: one day, a run of days, or a time window on a day."""

    earliest: date
    latest: date | None = None  # last day of a multi-day window
    window_start: datetime | None = None  # a time window on `earliest`, when given
    window_end: datetime | None = None
    estimated: bool = False  # True when smsbot estimated it; False when the carrier gave it


@dataclass(frozen=True)
class TrackingResult:
    """What a carrier says about one tracking number, normalized.

    `events` are kept sorted by time (oldest first) whatever order they were given in.
    """

    carrier: str
    number: str
    status: Status
    status_text: str = ""  # the carrier's own words for the current status
    status_code: str = ""  # the carrier's own code for it
    events: tuple[Event, ...] = ()
    eta: Eta | None = None
    delivered_at: datetime | None = None
    delivery_location: str | None = None  # where it was left: "front door", "mailbox"
    delay_reason: DelayReason | None = None
    proof_of_delivery: bool = False  # a photo or signature exists
    pieces: int = 1
    problem: Problem | None = None
    service_carrier: str | None = None  # the real carrier behind an aggregator, if any

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.events, key=_instant))
        object.__setattr__(self, "events", ordered)
        delivered = self.delivered_at
        if delivered is not None and is_carrier_local(delivered):
            # A carrier-local delivery time is the delivery scan's: give it that scan's zone.
            for event in reversed(ordered):
                if event.zone and event.time.replace(tzinfo=None) == delivered.replace(tzinfo=None):
                    object.__setattr__(self, "delivered_at", event.time)
                    break

    @property
    def last_event(self) -> Event | None:
        """The newest event, by time."""
        return self.events[-1] if self.events else None

    @property
    def last_location(self) -> str | None:
        """The newest place the carrier named."""
        for event in reversed(self.events):
            if event.location:
                return event.location
        return None

    @classmethod
    def not_found(cls, carrier: str, number: str, text: str = "") -> TrackingResult:
        """The carrier has no record of `number` (yet)."""
        return cls(carrier, number, Status.PENDING, status_text=text, problem=Problem.NOT_FOUND)


def _instant(event: Event) -> datetime:
    """The event's instant as a naive UTC time (its wall clock for carrier-local times), for
    sorting: naive values compare without converting, so times at the ends of the calendar
    (year 1, year 9999) cannot overflow."""
    moment = event.time
    naive = moment.replace(tzinfo=None)
    try:
        return naive - (moment.utcoffset() or timedelta(0))
    except OverflowError:
        return naive


def _agrees(moment: datetime, zone: tzinfo) -> bool:
    """Whether `zone` keeps `moment`'s offset at that instant (False when out of range)."""
    try:
        return moment.astimezone(zone).utcoffset() == moment.utcoffset()
    except (OverflowError, ValueError):
        return False


#: What XML 1.0 cannot carry (C0 controls but tab/LF/CR, lone surrogates, U+FFFE, U+FFFF),
#: plus DEL and the C1 controls, which it can but which no carrier means to send.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _clean(text: str) -> str:
    return _UNSAFE.sub("", text)


def _clean_optional(text: str | None) -> str | None:
    return None if text is None else _clean(text)


def sanitized(result: TrackingResult) -> TrackingResult:
    """`result` with every carrier string made safe to show, log and put in XML.

    Removes the characters XML 1.0 cannot carry (a DHL description holding U+FFFF made a
    reply no XML parser reads, so the customer got nothing), and DEL/C1 controls. The
    lookup layer applies it to everything an adapter returns or a push carries; an adapter
    need not call it. The same object comes back when there was nothing to remove.
    """
    texts = [result.carrier, result.number, result.status_text, result.status_code]
    texts += [result.delivery_location or "", result.service_carrier or ""]
    for event in result.events:
        texts += [event.description, event.code, event.location or "", event.state or ""]
        texts += [event.postal_code or "", event.country or ""]
    if not any(_UNSAFE.search(text) for text in texts):
        return result
    events = tuple(
        replace(
            event,
            description=_clean(event.description),
            code=_clean(event.code),
            location=_clean_optional(event.location),
            state=_clean_optional(event.state),
            postal_code=_clean_optional(event.postal_code),
            country=_clean_optional(event.country),
        )
        for event in result.events
    )
    return replace(
        result,
        carrier=_clean(result.carrier),
        number=_clean(result.number),
        status_text=_clean(result.status_text),
        status_code=_clean(result.status_code),
        events=events,
        delivery_location=_clean_optional(result.delivery_location),
        service_carrier=_clean_optional(result.service_carrier),
    )
