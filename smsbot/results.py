"""What a carrier says about a parcel: the tracking vocabulary every adapter maps onto.

`Status`, `Event`, `Eta` and `TrackingResult` are the SDK's values (adapters reach them
through `smsbot.tracking`). This module imports nothing from smsbot, so the error tree can
name `TrackingResult` without a cycle.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum


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


@dataclass(frozen=True)
class Event:
    """One scan or update from the carrier. `time` is always time-zone aware."""

    time: datetime
    status: Status
    description: str
    code: str = ""
    location: str | None = None


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
        ordered = tuple(sorted(self.events, key=lambda event: event.time))
        object.__setattr__(self, "events", ordered)

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
        texts += [event.description, event.code, event.location or ""]
    if not any(_UNSAFE.search(text) for text in texts):
        return result
    events = tuple(
        replace(
            event,
            description=_clean(event.description),
            code=_clean(event.code),
            location=_clean_optional(event.location),
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
