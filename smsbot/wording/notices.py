"""The messages the watcher sends first (proactive notices), per language, in GSM-7.

The sentences are the language tables (`wording/en.py`, `wording/es.py`). One order's news
from one pass becomes one message: the most important trigger leads in full, the other
packages follow in a short "Also" each.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from smsbot.errors import SmsbotError
from smsbot.eta.window import Estimate
from smsbot.tracking import Status, TrackingResult
from smsbot.view.estimate import worth_telling
from smsbot.view.step import next_step
from smsbot.wording.calendar import arrival_day, format_day, format_time, local_day, relative_day
from smsbot.wording.context import Wording, clean, say, tell
from smsbot.wording.estimate import window as estimate_window
from smsbot.wording.languages import code_of
from smsbot.wording.segments import segment_count, to_gsm7, truncate

__all__ = [
    "CUSTOMER_TRIGGERS",
    "EXCEPTION_STATUSES",
    "PRIORITY",
    "Credit",
    "News",
    "NoticeError",
    "Trigger",
    "Wording",
    "checkin_notice",
    "language_of",
    "order_notice",
    "rank",
]


class NoticeError(SmsbotError):
    """A notice asked for with nothing to tell: no news, or a merchant-only trigger."""


class Trigger(StrEnum):
    """A moment the watcher acts on; each fires at most once per shipment."""

    SHIPPED = "shipped"  # the first real carrier scan
    OUT_FOR_DELIVERY = "out_for_delivery"  # also "ready for pickup"
    EXCEPTION = "exception"  # a delay, a delivery problem, a failed attempt, a return
    STALLED = "stalled"  # in transit without a new scan for watch.stall_after_h
    DELIVERED = "delivered"
    CHECKIN = "checkin"  # deferred: "is it really there?" after a delivery without proof
    LABEL_NOT_SCANNED = "label_not_scanned"  # merchant alert
    NO_PROOF = "delivered_without_proof"  # merchant alert
    # A return leg (the customer sends an item back): its own news, never an outbound one.
    RETURN_SHIPPED = "return_shipped"  # the carrier's first scan of the return
    RETURN_STALLED = "return_stalled"  # no new scan of the return for watch.stall_after_h
    RETURN_RECEIVED = "return_received"  # delivered back to the merchant


#: Customer triggers, most important first: a message for several leads with the first.
#: Delivered ranks after stalled: it is news the customer acts on (fetch the parcel).
PRIORITY: tuple[Trigger, ...] = (
    Trigger.EXCEPTION,
    Trigger.STALLED,
    Trigger.DELIVERED,
    Trigger.OUT_FOR_DELIVERY,
    Trigger.SHIPPED,
    Trigger.RETURN_STALLED,
    Trigger.RETURN_RECEIVED,
    Trigger.RETURN_SHIPPED,
)

#: The triggers that text the customer, scheduled ones included: one of them, still waiting
#: in the outbox, is superseded by a newer notice about the same shipment.
CUSTOMER_TRIGGERS: tuple[Trigger, ...] = (*PRIORITY, Trigger.CHECKIN)

#: Statuses told as an exception: bad news the customer should hear from us first.
EXCEPTION_STATUSES = frozenset({Status.EXCEPTION, Status.DELIVERY_ATTEMPTED, Status.RETURNING})


@dataclass(frozen=True)
class News:
    """One shipment's trigger to tell, with the carrier's result and display name."""

    trigger: Trigger
    result: TrackingResult
    carrier: str  # "UPS"
    last_scan_at: datetime | None = None  # for "stalled"
    estimate: Estimate | None = None  # the learned window, for "shipped" (issue 19)

    def __post_init__(self) -> None:
        if self.trigger not in PRIORITY:  # the wording below can then match every trigger
            raise NoticeError(f"{self.trigger} is a merchant alert, not a customer notice")


@dataclass(frozen=True)
class Credit:
    """The stalled apology's credit (`watch.credit_code`, `watch.credit_offer`, and
    `watch.credit_offers` for the offer in other languages).

    `offer` is written in `language`; `offers` holds it in other languages (code -> text).
    A notice in a language with no offer of its own says the plain code, never another
    language's offer.
    """

    code: str | None = None
    offer: str = ""
    language: str = "en"
    offers: Mapping[str, str] = field(default_factory=dict)

    def offer_in(self, language: str) -> str:
        """The offer in `language` ("es", "es-MX"), or "" when there is none in it."""
        code = code_of(language)
        if code is None:
            return ""
        return self.offers.get(code) or (self.offer if code == code_of(self.language) else "")


def language_of(locale: str | None, default: str) -> str:
    """The notice language for an order: its locale ("es-MX" -> "es"), else `default`."""
    return code_of(locale) or code_of(default) or "en"


def _step(r: TrackingResult, carrier: str, w: Wording) -> str:
    step = next_step(r)
    template = w.table.steps.get(step) if step else None
    return template.format(carrier=carrier) if template else ""


def _reason(r: TrackingResult, w: Wording) -> str | None:
    if r.delay_reason is None:
        return None
    return w.table.delays[r.delay_reason]


def _full(news: News, order: str, w: Wording, credit: Credit, place: str | None) -> str:
    """The lead sentence(s) for one trigger."""
    r, carrier = news.result, to_gsm7(news.carrier)
    near = tell(w, "near", place=place) if place else ""
    match news.trigger:
        case Trigger.SHIPPED:
            eta = ""
            if r.eta is not None:
                key = "eta_estimated" if r.eta.estimated else "eta"
                eta = tell(w, key, when=arrival_day(r.eta, w))
            return tell(w, "shipped", order=order, carrier=carrier, eta=eta + _usual(news, w))
        case Trigger.OUT_FOR_DELIVERY if r.status is Status.AVAILABLE_FOR_PICKUP:
            at = tell(w, "at", place=place) if place else ""
            return tell(w, "pickup", order=order, carrier=carrier, at=at)
        case Trigger.OUT_FOR_DELIVERY:
            today = w.now.astimezone(w.timezone).date()
            when = arrival_day(r.eta, w) if r.eta and r.eta.earliest == today else say(w, "today")
            return tell(w, "out_for_delivery", order=order, carrier=carrier, when=when)
        case Trigger.EXCEPTION:
            return _exception(r, order, carrier, near, w)
        case Trigger.STALLED:
            seen = news.last_scan_at or (r.last_event.time if r.last_event else w.now)
            reason = _reason(r, w)
            return tell(
                w,
                "stalled",
                order=order,
                carrier=carrier,
                day=format_day(local_day(seen, w), w),
                near=tell(w, "last_seen", place=place) if place else "",
                reason=tell(w, "stall_reason", reason=reason) if reason else "",
                credit=_credit(credit, w),
            )
        case Trigger.RETURN_SHIPPED:
            return tell(w, "return_shipped", order=order, carrier=carrier)
        case Trigger.RETURN_STALLED:
            seen = news.last_scan_at or (r.last_event.time if r.last_event else w.now)
            day = format_day(local_day(seen, w), w)
            return tell(w, "return_stalled", order=order, carrier=carrier, day=day)
        case Trigger.RETURN_RECEIVED:
            return tell(w, "return_received", order=order, carrier=carrier)
        case _:  # Trigger.DELIVERED: `News` holds customer triggers only
            where = tell(w, "where", place=place) if place else ""
            when = say(w, "today")
            if r.delivered_at is not None:
                day = relative_day(local_day(r.delivered_at, w), w, on=False)
                when = f"{day}, {format_time(r.delivered_at, w)}"
            return tell(w, "delivered", order=order, carrier=carrier, when=when, where=where)


def _exception(r: TrackingResult, order: str, carrier: str, near: str, w: Wording) -> str:
    reason = _reason(r, w)
    if r.status is Status.RETURNING:
        return tell(w, "returning", order=order, carrier=carrier)
    if r.status is Status.DELIVERY_ATTEMPTED:
        action = _step(r, carrier, w) or tell(w, "contact", carrier=carrier)
        return tell(w, "attempted", order=order, carrier=carrier, action=action)
    if reason is not None:
        eta = tell(w, "new_eta", when=arrival_day(r.eta, w)) if r.eta else ""
        action = _step(r, carrier, w) or tell(w, "contact", carrier=carrier)
        return tell(w, "delayed", order=order, reason=reason, near=near, eta=eta, action=action)
    said = clean(r.status_text)
    action = tell(w, "carrier_says", carrier=carrier, text=said) if said else ""
    action = (action + " " + tell(w, "contact", carrier=carrier)).strip()
    return tell(w, "problem", order=order, carrier=carrier, near=near, action=action)


def _credit(credit: Credit, w: Wording) -> str:
    if not credit.code:
        return ""
    code = to_gsm7(credit.code)
    offer = credit.offer_in(w.table.code)
    if offer:
        return tell(w, "credit", code=code, offer=to_gsm7(offer))
    return tell(w, "credit_plain", code=code)


def _compact(news: News, w: Wording) -> str:
    """One more package's news as a short phrase, for an "Also" after the lead."""
    r = news.result
    match news.trigger:
        case Trigger.SHIPPED:
            eta = tell(w, "c_eta", when=arrival_day(r.eta, w)) if r.eta else ""
            window = worth_telling(r.eta, news.estimate, w.today)
            usual = tell(w, "c_usual", when=estimate_window(window, w)) if window else ""
            return tell(w, "c_shipped", eta=eta + usual)
        case Trigger.OUT_FOR_DELIVERY if r.status is Status.AVAILABLE_FOR_PICKUP:
            return tell(w, "c_pickup")
        case Trigger.OUT_FOR_DELIVERY:
            return tell(w, "c_out_for_delivery")
        case Trigger.EXCEPTION:
            reason = _reason(r, w)
            return tell(w, "c_delayed", reason=reason) if reason else tell(w, "c_problem")
        case Trigger.STALLED:
            seen = news.last_scan_at or (r.last_event.time if r.last_event else w.now)
            return tell(w, "c_stalled", day=format_day(local_day(seen, w), w))
        case Trigger.RETURN_SHIPPED:
            return tell(w, "c_return_shipped")
        case Trigger.RETURN_STALLED:
            seen = news.last_scan_at or (r.last_event.time if r.last_event else w.now)
            return tell(w, "c_return_stalled", day=format_day(local_day(seen, w), w))
        case Trigger.RETURN_RECEIVED:
            return tell(w, "c_return_received")
        case _:
            place = clean(r.delivery_location)
            return tell(w, "c_delivered", where=tell(w, "where", place=place) if place else "")


def _usual(news: News, w: Wording) -> str:
    """The learned window after the carrier's date (or in its place), as an estimate."""
    window = worth_telling(news.result.eta, news.estimate, w.today)
    if window is None:
        return ""
    alone = news.result.eta is None or news.result.eta.estimated
    return tell(w, "usual" if alone else "usual_beside", when=estimate_window(window, w))


def _place(news: News) -> str | None:
    r = news.result
    if news.trigger is Trigger.DELIVERED:
        return clean(r.delivery_location)
    if news.trigger in (Trigger.EXCEPTION, Trigger.STALLED, Trigger.OUT_FOR_DELIVERY):
        if news.trigger is Trigger.OUT_FOR_DELIVERY and r.status is not Status.AVAILABLE_FOR_PICKUP:
            return None
        return clean(r.last_location)
    return None


def rank(news: News) -> int:
    """Where `news` stands in `PRIORITY` (0 leads)."""
    return PRIORITY.index(news.trigger)


def order_notice(
    order_number: str, news: Sequence[News], w: Wording, credit: Credit = Credit()
) -> str:
    """One message for an order's news: the most important in full, the rest as "Also".

    One segment when dropping the carrier's place (not a stalled parcel's) makes it fit;
    otherwise the whole text, up to `w.max_segments` (dropping "Also" parts from the end,
    then cutting, past that).
    """
    if not news:
        raise NoticeError("an order notice needs at least one piece of news")
    ordered = sorted(news, key=rank)
    lead, others = ordered[0], ordered[1:]
    order = to_gsm7(order_number)
    place = _place(lead)
    also = [tell(w, "also", carrier=to_gsm7(n.carrier), phrase=_compact(n, w)) for n in others]
    # The stalled apology's point is where the parcel was last seen: that place stays.
    kept = place if lead.trigger is Trigger.STALLED else None
    full, bare = (_full(lead, order, w, credit, shown) for shown in (place, kept))
    for text in (" ".join([full, *also]), " ".join([bare, *also])):
        if segment_count(text) <= 1:
            return text
    for keep in range(len(also), -1, -1):
        text = " ".join([full, *also[:keep]])
        if segment_count(text) <= w.max_segments:
            return text
    return truncate(full, w.max_segments)


def checkin_notice(order_number: str, result: TrackingResult, carrier: str, w: Wording) -> str:
    """The check-in some hours after a delivery without photo or signature."""
    moment = result.delivered_at or (result.last_event.time if result.last_event else w.now)
    day = format_day(local_day(moment, w), w)
    return tell(w, "checkin", order=to_gsm7(order_number), carrier=to_gsm7(carrier), day=day)
