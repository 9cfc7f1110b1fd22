"""One leg of an order (a `LegView`) in words: in full, as a compact phrase, as a list item,
and as its latest events. `replies.py` puts these together into whole messages."""

from __future__ import annotations

from collections.abc import Callable

from smsbot.orders.model import Leg
from smsbot.tracking import Problem, Status, TrackingResult
from smsbot.view.order import DELAYABLE, LegView
from smsbot.view.package import Failure
from smsbot.wording.calendar import (
    age,
    arrival,
    eta_fragment,
    format_day,
    format_time,
    local_day,
    wall_clock,
)
from smsbot.wording.carriers import carrier_display_name
from smsbot.wording.context import Wording, clean, say
from smsbot.wording.estimate import fragment, sentence
from smsbot.wording.segments import segment_count, to_gsm7, truncate, word_prefixes

_UNKNOWN_TEXT_MAX = 60  # characters of a carrier's own status text in a list of packages


def carrier(leg: LegView) -> str:
    """The leg's carrier as people read it, in GSM-7."""
    return to_gsm7(leg.carrier_name or carrier_display_name(leg.carrier))


def step(leg: LegView, w: Wording) -> str | None:
    """The customer's next step as a sentence, when the leg has one."""
    template = w.table.steps.get(leg.next_step) if leg.next_step else None
    return template.format(carrier=carrier(leg)) if template else None


def _full(leg: LegView, r: TrackingResult, w: Wording, place: str | None, note: str | None) -> str:
    """One leg's fresh answer in full sentences (without the "Order 1001:" lead)."""
    name = carrier(leg)
    status = w.table.statuses[r.status]
    near = say(w, "near", place=place) if place else ""
    if r.problem is Problem.NOT_FOUND:
        return say(w, "not_found", carrier=name)
    if r.problem is Problem.INVALID_NUMBER:
        return say(w, "invalid_number", carrier=name)
    if leg.delay is not None:
        parts = [say(w, "delayed", reason=w.table.delays[leg.delay], near=near)]
        if r.eta is not None:
            parts.append(say(w, "new_eta", when=arrival(r.eta, w)))
        # An exception always names who can help: the carrier (a delay in transit just
        # apologises).
        closing = say(w, "exception_hint", carrier=name)
        parts.append(step(leg, w) or (closing if r.status is Status.EXCEPTION else say(w, "sorry")))
        return " ".join(parts)
    if r.status is Status.IN_TRANSIT:
        eta = _carrier_eta(leg, r, w) + fragment(leg, w)
        return say(w, "in_transit", status=status, carrier=name, eta=eta)
    if r.status is Status.OUT_FOR_DELIVERY:
        today = r.eta is not None and r.eta.earliest == w.today
        when = arrival(r.eta, w) if r.eta is not None and today else say(w, "today")
        return say(w, "out_for_delivery", status=status, carrier=name, when=when)
    if r.status is Status.DELIVERED:
        where = say(w, "where", place=place) if place else ""
        if r.delivered_at is None:
            return say(w, "delivered_undated", status=status, where=where)
        # Delivered at the recipient's address: on that place's clock (issue 13, item 7).
        day = say(w, "on_day", day=format_day(local_day(r.delivered_at, w, at_place=True), w))
        when = say(w, "day_time", day=day, time=format_time(r.delivered_at, w, at_place=True))
        return say(w, "delivered", status=status, when=when, where=where)
    if r.status is Status.AVAILABLE_FOR_PICKUP:
        at = say(w, "at", place=place) if place else ""
        return say(w, "pickup", status=status, carrier=name, at=at)
    if r.status is Status.DELIVERY_ATTEMPTED:
        hint = step(leg, w)
        if hint is None and r.eta is not None and r.eta.earliest >= w.today:
            hint = say(w, "attempted_next", when=arrival(r.eta, w))
        hint = hint or say(w, "attempted_hint", carrier=name)
        return say(w, "attempted", status=status, carrier=name) + " " + hint
    if r.status is Status.EXCEPTION:
        said = say(w, "carrier_says", carrier=name, text=note) if note else None
        hint = said or say(w, "exception_hint", carrier=name)
        return say(w, "exception", status=status, carrier=name, near=near) + " " + hint
    if r.status is Status.UNKNOWN:
        if note:
            return say(w, "carrier_says", carrier=name, text=note)
        return say(w, "unknown_blank", carrier=name)
    key = {Status.LABEL_CREATED: "label_created", Status.RETURNING: "returning"}.get(r.status)
    return say(w, key or "pending", status=status, carrier=name) + sentence(leg, w)


def _carrier_eta(leg: LegView, r: TrackingResult, w: Wording) -> str:
    """The carrier's date, unless a learned window takes its place (it only guessed)."""
    if r.eta is not None and r.eta.estimated and fragment(leg, w):
        return ""
    return eta_fragment(r.eta, w, short=False)


def compact(r: TrackingResult, w: Wording, *, short: bool) -> str:
    """One answer as a phrase without its carrier: "In transit, ETA Thu Nov 26"."""
    phrases = w.table.statuses
    if r.problem is Problem.NOT_FOUND:
        return phrases[Status.PENDING]
    if r.problem is Problem.INVALID_NUMBER:
        return say(w, "c_invalid")
    status = phrases[r.status]
    if r.delay_reason is not None and r.status in DELAYABLE:
        new_eta = say(w, "new_eta_short", when=arrival(r.eta, w)) if r.eta else ""
        return say(w, "c_delayed", reason=w.table.delays[r.delay_reason], eta=new_eta)
    if r.status is Status.IN_TRANSIT:
        return status + eta_fragment(r.eta, w, short=short)
    if r.status is Status.OUT_FOR_DELIVERY:
        return say(w, "c_status_when", status=status, when=say(w, "today"))
    if r.status is Status.DELIVERED and r.delivered_at is not None:
        day = format_day(local_day(r.delivered_at, w, at_place=True), w)
        return say(w, "c_status_when", status=status, when=say(w, "on_day", day=day))
    if r.status is Status.DELIVERY_ATTEMPTED and r.eta and r.eta.earliest >= w.today:
        return status + say(w, "next_try_short", when=arrival(r.eta, w))
    if r.status is Status.UNKNOWN:
        text = clean(r.status_text)
        return next(word_prefixes(text, ellipsis=True, limit=_UNKNOWN_TEXT_MAX), None) or status
    return status


def _body(leg: LegView, w: Wording, place: str | None, note: str | None) -> str:
    """One leg as the body of a one-package reply."""
    name, result = carrier(leg), leg.result
    if leg.failure is Failure.NO_ADAPTER:
        return say(w, "no_adapter")
    if result is None:  # AUTH and every other failure read the same: the carrier is not answering
        return say(w, "failed", carrier=name)
    if leg.failure is not None:
        phrase = compact(result, w, short=False)
        ago = age(leg.checked_at, w)
        if ago is None:
            return say(w, "failed_stale_no_age", carrier=name, phrase=phrase)
        return say(w, "failed_stale", carrier=name, age=ago, phrase=phrase)
    return _full(leg, result, w, place, note)


def fit_one(lead: Callable[[str], str], leg: LegView, w: Wording) -> str:
    """One leg after `lead`, in one segment when possible: shorten the place, then the note."""
    place, note = clean(leg.place), clean(leg.note)
    variants: list[tuple[str | None, str | None]] = [
        *((shorter, note) for shorter in [*word_prefixes(place, ellipsis=False), None]),
        *((None, shorter) for shorter in [*word_prefixes(note, ellipsis=True), None][1:]),
    ]
    fallback, text = None, ""
    for variant_place, variant_note in variants:
        text = lead(_body(leg, w, variant_place, variant_note))
        if segment_count(text) == 1:
            return text
        if fallback is None and segment_count(text) <= w.max_segments:
            fallback = text
    return fallback or truncate(text, w.max_segments)


def _unanswered(leg: LegView, w: Wording) -> str:
    """The phrase for a leg without an answer to show: no adapter, or never answered."""
    return say(w, "c_no_adapter") if leg.failure is Failure.NO_ADAPTER else say(w, "c_failed")


def item(number: int, leg: LegView, w: Wording) -> str:
    """One leg as the `number`th item of a list of packages."""
    result, hint = leg.result, None
    if leg.failure is Failure.NO_ADAPTER or result is None:
        phrase = _unanswered(leg, w)
    elif leg.failure is not None:
        ago, last = age(leg.checked_at, w), compact(result, w, short=True)
        phrase = (
            say(w, "c_stale", age=ago, phrase=last)
            if ago
            else say(w, "c_stale_no_age", phrase=last)
        )
    else:
        phrase = compact(result, w, short=True) + fragment(leg, w, short=True)
        hint = step(leg, w)
    if leg.kind is Leg.RETURN:
        phrase = _returning(result, w) if leg.failure is None and result else _lower(phrase)
        text = say(w, "item_return", n=number, carrier=carrier(leg), phrase=phrase)
    else:
        text = say(w, "item", n=number, carrier=carrier(leg), phrase=phrase)
    return f"{text} {hint}" if hint else text


def return_body(leg: LegView, w: Wording) -> str | None:
    """A return leg with a fresh answer as one sentence ("Your return (DemoPost): label
    created, not yet dropped off."); None when it has none (failures read as any leg)."""
    if leg.kind is not Leg.RETURN or leg.failure is not None or leg.result is None:
        return None
    return say(w, "return_leg", carrier=carrier(leg), phrase=_returning(leg.result, w))


def _returning(r: TrackingResult, w: Wording) -> str:
    """Where a return stands, as the middle of a sentence: the customer drops it off, it
    travels back, the shop has it; anything else is the usual phrase."""
    if r.problem is Problem.NOT_FOUND or r.status in (Status.PENDING, Status.LABEL_CREATED):
        return say(w, "r_label_created")
    if r.status in (Status.IN_TRANSIT, Status.OUT_FOR_DELIVERY) and r.delay_reason is None:
        return say(w, "r_in_transit")
    if r.status is Status.DELIVERED:
        return say(w, "r_delivered")
    return _lower(compact(r, w, short=True))


def _lower(phrase: str) -> str:
    """`phrase` to follow a colon mid-sentence: "Delivered" -> "delivered" ("USPS" stays)."""
    if len(phrase) > 1 and phrase[1].islower():
        return phrase[0].lower() + phrase[1:]
    return phrase


def events(leg: LegView, count: int, w: Wording) -> str:
    """The leg's `count` newest events, newest first; its status when it has none."""
    result = leg.result
    if leg.failure is Failure.NO_ADAPTER or result is None:
        return say(w, "history_none", phrase=_unanswered(leg, w))
    if not result.events:
        return say(w, "history_none", phrase=compact(result, w, short=True))
    lines = []
    for event in list(reversed(result.events))[:count]:
        local = wall_clock(event.time, w)
        when = say(w, "history_when", day=format_day(local.date(), w), time=format_time(local, w))
        text = clean(event.description) or w.table.statuses[event.status]
        place = clean(event.location)
        if place:
            lines.append(say(w, "history_event", when=when, place=place, text=text))
        else:
            lines.append(say(w, "history_event_noplace", when=when, text=text))
    return " ".join(lines)
