"""The messages the watcher sends first (proactive notices), per language, in GSM-7.

Like `replies.py`, the tables are the wording and merchants may edit them. One order's news
from one pass becomes one message: the most important trigger leads in full, the other
packages follow in a short "Also" each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from smsbot.tracking import CARRIER_LOCAL, Eta, Status, TrackingResult
from smsbot.wording.replies import ACTIONS, DELAY_PHRASES, Wording, format_day, format_time
from smsbot.wording.segments import segment_count, to_gsm7, truncate


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


#: Customer triggers, most important first: a message for several leads with the first.
#: Delivered ranks after stalled: it is news the customer acts on (fetch the parcel).
PRIORITY: tuple[Trigger, ...] = (
    Trigger.EXCEPTION,
    Trigger.STALLED,
    Trigger.DELIVERED,
    Trigger.OUT_FOR_DELIVERY,
    Trigger.SHIPPED,
)

NOTICES: dict[str, dict[str, str]] = {
    "en": {
        "shipped": "Order {order} has shipped with {carrier}{eta}. Text {order} for updates.",
        "out_for_delivery": "Order {order} is out for delivery with {carrier} {when}.",
        "pickup": "Order {order} is ready for pickup from {carrier}{at}.",
        "delayed": "Order {order}: Delayed by {reason}{near}.{eta} {action}",
        "problem": "Order {order}: Delivery problem with {carrier}{near}. {action}",
        "attempted": "Order {order}: {carrier} tried to deliver it but couldn't. {action}",
        "returning": "Order {order} is being returned to us by {carrier}. "
        "Reply HELP if you didn't expect this.",
        "stalled": "Order {order}: Sorry, no new scan from {carrier} since {day}{reason}.{near} "
        "We're on it.{credit}",
        "delivered": "Order {order}: Delivered by {carrier} {when}{where}.",
        "checkin": "Order {order}: {carrier} shows it delivered {day}. If you can't find it, "
        "reply AGENT and we'll help.",
        "also": "Also {carrier}: {phrase}.",
        # fragments
        "eta": ", arriving {when}",
        "eta_estimated": ", expected around {when}",
        "new_eta": " New ETA {when}.",
        "window": "{day}, {start}-{end}",
        "near": " near {place}",
        "at": " at {place}",
        "where": " ({place})",
        "last_seen": " Last seen near {place}.",
        "stall_reason": " ({reason})",
        "credit": " Use {code} for {offer}.",
        "credit_plain": " Use code {code} on your next order.",
        "sorry": "Sorry!",
        "carrier_says": "{carrier} says: {text}.",
        "contact": "Contact {carrier} or reply HELP.",
        "today": "today",
        "tomorrow": "tomorrow",
        # compact phrases for "Also"
        "c_shipped": "shipped{eta}",
        "c_eta": ", ETA {when}",
        "c_out_for_delivery": "out for delivery today",
        "c_pickup": "ready for pickup",
        "c_delayed": "delayed by {reason}",
        "c_problem": "delivery problem",
        "c_stalled": "no new scan since {day}",
        "c_delivered": "delivered{where}",
    },
    "es": {
        "shipped": "Pedido {order}: enviado con {carrier}{eta}. "
        "Escribe {order} para ver novedades.",
        "out_for_delivery": "Pedido {order}: en reparto con {carrier} {when}.",
        "pickup": "Pedido {order}: listo para recoger ({carrier}){at}.",
        "delayed": "Pedido {order}: retrasado por {reason}{near}.{eta} {action}",
        "problem": "Pedido {order}: problema con la entrega ({carrier}){near}. {action}",
        "attempted": "Pedido {order}: {carrier} no pudo entregarlo. {action}",
        "returning": "Pedido {order}: {carrier} nos lo devuelve. "
        "Responde AYUDA si no lo esperabas.",
        "stalled": "Pedido {order}: lo sentimos, {carrier} no da novedades desde el {day}"
        "{reason}.{near} Lo vigilamos.{credit}",
        "delivered": "Pedido {order}: entregado por {carrier} {when}{where}.",
        "checkin": "Pedido {order}: {carrier} lo da por entregado el {day}. Si no lo "
        "encuentras, responde AGENT y te ayudamos.",
        "also": "Otro paquete ({carrier}): {phrase}.",
        "eta": ", llega {when}",
        "eta_estimated": ", llegada estimada {when}",
        "new_eta": " Ahora llega {when}.",
        "window": "{day}, {start}-{end}",
        "near": " cerca de {place}",
        "at": " en {place}",
        "where": " ({place})",
        "last_seen": " Estaba cerca de {place}.",
        "stall_reason": " ({reason})",
        "credit": " Usa {code} para {offer}.",
        "credit_plain": " Usa {code} en tu siguiente pedido.",
        "sorry": "Lo sentimos.",
        "carrier_says": "{carrier} dice: {text}.",
        "contact": "Contacta a {carrier} o responde AYUDA.",
        "today": "hoy",
        "tomorrow": "mañana",
        "c_shipped": "enviado{eta}",
        "c_eta": ", llega {when}",
        "c_out_for_delivery": "en reparto hoy",
        "c_pickup": "listo para recoger",
        "c_delayed": "retrasado por {reason}",
        "c_problem": "problema con la entrega",
        "c_stalled": "sin novedades desde el {day}",
        "c_delivered": "entregado{where}",
    },
}

#: Statuses told as an exception: bad news the customer should hear from us first.
EXCEPTION_STATUSES = frozenset({Status.EXCEPTION, Status.DELIVERY_ATTEMPTED, Status.RETURNING})


@dataclass(frozen=True)
class News:
    """One shipment's trigger to tell, with the carrier's result and display name."""

    trigger: Trigger
    result: TrackingResult
    carrier: str  # "UPS"
    last_scan_at: datetime | None = None  # for "stalled"


@dataclass(frozen=True)
class Credit:
    """The stalled apology's credit (`watch.credit_code`, `watch.credit_offer`)."""

    code: str | None = None
    offer: str = ""


def language_of(locale: str | None, default: str) -> str:
    """The notice language for an order: its locale ("es-MX" -> "es"), else `default`."""
    for candidate in (locale, default):
        code = (candidate or "").lower().replace("_", "-").split("-")[0]
        if code in NOTICES:
            return code
    return "en"


def _t(w: Wording, key: str, **fields: object) -> str:
    table = NOTICES.get(w.language, NOTICES["en"])
    return (table.get(key) or NOTICES["en"][key]).format(**fields)


def _clean(text: str | None) -> str | None:
    """Carrier text made GSM-7, on one line, without an end stop."""
    cleaned = " ".join(to_gsm7(text or "").split()).rstrip(" .")
    return cleaned or None


def _local_day(moment: datetime, w: Wording) -> date:
    if moment.tzinfo is None or moment.tzname() == CARRIER_LOCAL.tzname(None):
        return moment.date()  # carrier-local wall-clock time, as given
    return moment.astimezone(w.timezone).date()


def _day(day: date, w: Wording) -> str:
    today = w.now.astimezone(w.timezone).date()
    if day == today:
        return _t(w, "today")
    if day == today + timedelta(days=1):
        return _t(w, "tomorrow")
    return format_day(day, w)


def _when(eta: Eta, w: Wording) -> str:
    day = _day(eta.latest or eta.earliest, w)
    if eta.window_start and eta.window_end:
        start, end = format_time(eta.window_start, w), format_time(eta.window_end, w)
        return _t(w, "window", day=day, start=start, end=end)
    return day


def _action(r: TrackingResult, carrier: str, w: Wording) -> str:
    template = (
        ACTIONS.get(w.language, ACTIONS["en"]).get(r.delay_reason) if r.delay_reason else None
    )
    return template.format(carrier=carrier) if template else ""


def _reason(r: TrackingResult, w: Wording) -> str | None:
    if r.delay_reason is None:
        return None
    return DELAY_PHRASES.get(w.language, DELAY_PHRASES["en"])[r.delay_reason]


def _full(news: News, order: str, w: Wording, credit: Credit, place: str | None) -> str:
    """The lead sentence(s) for one trigger."""
    r, carrier = news.result, to_gsm7(news.carrier)
    near = _t(w, "near", place=place) if place else ""
    match news.trigger:
        case Trigger.SHIPPED:
            eta = ""
            if r.eta is not None:
                key = "eta_estimated" if r.eta.estimated else "eta"
                eta = _t(w, key, when=_when(r.eta, w))
            return _t(w, "shipped", order=order, carrier=carrier, eta=eta)
        case Trigger.OUT_FOR_DELIVERY if r.status is Status.AVAILABLE_FOR_PICKUP:
            at = _t(w, "at", place=place) if place else ""
            return _t(w, "pickup", order=order, carrier=carrier, at=at)
        case Trigger.OUT_FOR_DELIVERY:
            today = w.now.astimezone(w.timezone).date()
            when = _when(r.eta, w) if r.eta and r.eta.earliest == today else _t(w, "today")
            return _t(w, "out_for_delivery", order=order, carrier=carrier, when=when)
        case Trigger.EXCEPTION:
            return _exception(r, order, carrier, near, w)
        case Trigger.STALLED:
            seen = news.last_scan_at or (r.last_event.time if r.last_event else w.now)
            reason = _reason(r, w)
            return _t(
                w,
                "stalled",
                order=order,
                carrier=carrier,
                day=format_day(_local_day(seen, w), w),
                near=_t(w, "last_seen", place=place) if place else "",
                reason=_t(w, "stall_reason", reason=reason) if reason else "",
                credit=_credit(credit, w),
            )
        case Trigger.DELIVERED:
            where = _t(w, "where", place=place) if place else ""
            when = _t(w, "today")
            if r.delivered_at is not None:
                day = _day(_local_day(r.delivered_at, w), w)
                when = f"{day}, {format_time(r.delivered_at, w)}"
            return _t(w, "delivered", order=order, carrier=carrier, when=when, where=where)
    raise ValueError(f"{news.trigger} is not a customer notice")


def _exception(r: TrackingResult, order: str, carrier: str, near: str, w: Wording) -> str:
    reason = _reason(r, w)
    if r.status is Status.RETURNING:
        return _t(w, "returning", order=order, carrier=carrier)
    if r.status is Status.DELIVERY_ATTEMPTED:
        action = _action(r, carrier, w) or _t(w, "contact", carrier=carrier)
        return _t(w, "attempted", order=order, carrier=carrier, action=action)
    if reason is not None:
        eta = _t(w, "new_eta", when=_when(r.eta, w)) if r.eta else ""
        action = _action(r, carrier, w) or _t(w, "sorry")
        return _t(w, "delayed", order=order, reason=reason, near=near, eta=eta, action=action)
    said = _clean(r.status_text)
    action = _t(w, "carrier_says", carrier=carrier, text=said) if said else ""
    action = (action + " " + _t(w, "contact", carrier=carrier)).strip()
    return _t(w, "problem", order=order, carrier=carrier, near=near, action=action)


def _credit(credit: Credit, w: Wording) -> str:
    if not credit.code:
        return ""
    code = to_gsm7(credit.code)
    if credit.offer:
        return _t(w, "credit", code=code, offer=to_gsm7(credit.offer))
    return _t(w, "credit_plain", code=code)


def _compact(news: News, w: Wording) -> str:
    """One more package's news as a short phrase, for an "Also" after the lead."""
    r = news.result
    match news.trigger:
        case Trigger.SHIPPED:
            eta = _t(w, "c_eta", when=_when(r.eta, w)) if r.eta else ""
            return _t(w, "c_shipped", eta=eta)
        case Trigger.OUT_FOR_DELIVERY if r.status is Status.AVAILABLE_FOR_PICKUP:
            return _t(w, "c_pickup")
        case Trigger.OUT_FOR_DELIVERY:
            return _t(w, "c_out_for_delivery")
        case Trigger.EXCEPTION:
            reason = _reason(r, w)
            return _t(w, "c_delayed", reason=reason) if reason else _t(w, "c_problem")
        case Trigger.STALLED:
            seen = news.last_scan_at or (r.last_event.time if r.last_event else w.now)
            return _t(w, "c_stalled", day=format_day(_local_day(seen, w), w))
        case _:
            place = _clean(r.delivery_location)
            return _t(w, "c_delivered", where=_t(w, "where", place=place) if place else "")


def _place(news: News) -> str | None:
    r = news.result
    if news.trigger is Trigger.DELIVERED:
        return _clean(r.delivery_location)
    if news.trigger in (Trigger.EXCEPTION, Trigger.STALLED, Trigger.OUT_FOR_DELIVERY):
        if news.trigger is Trigger.OUT_FOR_DELIVERY and r.status is not Status.AVAILABLE_FOR_PICKUP:
            return None
        return _clean(r.last_location)
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
        raise ValueError("an order notice needs at least one piece of news")
    ordered = sorted(news, key=rank)
    lead, others = ordered[0], ordered[1:]
    order = to_gsm7(order_number)
    place = _place(lead)
    also = [_t(w, "also", carrier=to_gsm7(n.carrier), phrase=_compact(n, w)) for n in others]
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
    day = format_day(_local_day(moment, w), w)
    return _t(w, "checkin", order=to_gsm7(order_number), carrier=to_gsm7(carrier), day=day)
