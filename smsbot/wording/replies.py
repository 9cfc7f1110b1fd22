"""Every customer-facing sentence, per language, and the segment budget replies are cut to.

The tables below are the wording; merchants may edit them. Our own text stays GSM-7.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from smsbot.lookup.gateway import Failure, PackageStatus
from smsbot.orders.model import Leg
from smsbot.tracking import CARRIER_LOCAL, DelayReason, Eta, Problem, Status, TrackingResult
from smsbot.wording.segments import segment_count, to_gsm7, truncate, word_prefixes

LANGUAGES = ("en", "es")

# Templates keyed by message name. Fragments that start with a separator (", arriving {when}",
# " near {place}") are spliced into a sentence only when their value is known.
MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "order": "Order {order}: {body}",
        "order_return": "Order {order} (return): {body}",
        "tracking": "Tracking {number}: {body}",
        "order_many": "Order {order}, {count} packages: {items}",
        "item": "{n}) {carrier}: {phrase}.",
        "item_return": "{n}) Return: {carrier}: {phrase}.",
        "more": "Reply MORE for the rest.",
        "in_transit": "{status} with {carrier}{eta}.",
        "out_for_delivery": "{status} with {carrier} {when}.",
        "delivered": "{status} {when}{where}.",
        "delivered_undated": "{status}{where}.",
        "pickup": "{status} from {carrier}{at}.",
        "attempted": "{status} by {carrier}.",
        "attempted_next": "Next try {when}.",
        "attempted_hint": "Check the notice they left, or contact {carrier} to reschedule.",
        "label_created": "{status}, waiting for {carrier} to pick it up.",
        "pending": "{status} from {carrier}.",
        "not_found": "{carrier} has no tracking updates yet.",
        "invalid_number": "{carrier} doesn't recognize this tracking number.",
        "returning": "{status} with {carrier}. Reply HELP if you didn't expect this.",
        "exception": "{status} with {carrier}{near}.",
        "exception_hint": "Contact {carrier} or reply HELP.",
        "carrier_says": "{carrier} says: {text}.",
        "unknown_blank": "No clear update from {carrier} yet.",
        "delayed": "Delayed by {reason}{near}.",
        "new_eta": "New ETA {when}.",
        "sorry": "Sorry!",
        "failed": "{carrier} isn't answering right now, so we can't see the latest update. "
        "Try again in a few minutes.",
        "failed_stale": "{carrier} isn't answering right now. Last update ({age}): {phrase}.",
        "failed_stale_no_age": "{carrier} isn't answering right now. Last update: {phrase}.",
        "no_adapter": "We can't track this carrier yet.",
        # compact phrases: one package in a list, or the last update of a stale one
        "c_status_when": "{status} {when}",
        "c_delayed": "Delayed by {reason}{eta}",
        "c_failed": "Not answering right now, try again soon",
        "c_stale": "Not answering right now; last update ({age}): {phrase}",
        "c_stale_no_age": "Not answering right now; last update: {phrase}",
        "c_no_adapter": "Can't track this carrier yet",
        "c_invalid": "Tracking number not recognized",
        # fragments
        "eta": ", arriving {when}",
        "eta_estimated": ", expected around {when}",
        "eta_past": ", was expected {when}",
        "eta_short": ", ETA {when}",
        "eta_short_estimated": ", ETA around {when}",
        "new_eta_short": ", new ETA {when}",
        "next_try_short": ", next try {when}",
        "near": " near {place}",
        "at": " at {place}",
        "where": " ({place})",
        # days, times, ages, lists
        "today": "today",
        "tomorrow": "tomorrow",
        "on_day": "{day}",
        "day_time": "{day}, {time}",
        "window": "{day}, {start}-{end}",
        "window_from": "{day}, after {start}",
        "window_until": "{day}, by {end}",
        "range": "{first}-{last}",
        "by": "by {day}",
        "day": "{weekday} {month} {d}",
        "day_year": "{weekday} {month} {d}, {year}",
        "time": "{h12}:{mm} {ampm}",
        "am": "AM",
        "pm": "PM",
        "age_minutes": "{n} min ago",
        "age_hours": "{n} h ago",
        "age_day": "1 day ago",
        "age_days": "{n} days ago",
        "or": "{rest} or {last}",
        # conversation
        "order_not_found": "We couldn't find order {order} for this number. "
        "Check the number, or reply HELP.",
        "no_shipments": "Order {order} hasn't shipped yet. Check back soon, or reply HELP.",
        "ask_order_number": "Please text your order number (like 1001) and we'll look it up.",
        "tracking_unknown": "We couldn't match {number} to a carrier. "
        "Check it, or text your order number instead.",
        "ask_carrier": "Which carrier is {number}: {carriers}? Reply with the name.",
        "ask_carrier_any": "Which carrier is {number}? Reply with the name.",
        "help": "{brand}: Text your order number (like 1001) or a tracking number to see "
        "where it is. Help: {contact}. Reply STOP to opt out.",
        "usage_hint": "Text your order number (like 1001) to get its status.",
        "opted_out": "You're unsubscribed and won't get more messages. Reply START to rejoin.",
        "opted_in": "You're subscribed again. Text your order number any time.",
        "rate_limited": "You've sent a lot of messages. Please wait a few minutes and try again.",
        "unavailable": "Sorry, something went wrong on our side. "
        "Please try again in a few minutes.",
        # verification, limits, menus, MORE, a person
        "ask_postal_code": "To protect your privacy, please reply with the delivery ZIP or "
        "postal code of order {order}.",
        "wrong_postal_code": "That doesn't match order {order}. Please reply with its delivery "
        "ZIP or postal code. Tries left: {left}.",
        "locked_out": "Too many wrong answers. For security, order lookups from this number "
        "are paused for {minutes} min. Reply HELP for support.",
        "lookup_limited": "You've checked a lot of orders. Please try again in an hour.",
        "menu": "You have {count} open orders. Reply {choices}.",
        "menu_item": "{n} for #{order}",
        "menu_item_many": "{n} for #{order} ({packages} packages)",
        "menu_join": ", ",
        "history": "Order {order} updates: {items}",
        "history_package": "{n}) {carrier}: {events}",
        "history_event": "{when}, {place}: {text}.",
        "history_event_noplace": "{when}: {text}.",
        "history_when": "{day} {time}",
        "history_none": "{phrase}.",
        "more_without_order": "Text your order number first (like 1001), then MORE for its "
        "latest updates.",
        "escalated": "Thanks! A person from {brand} will text you back soon.",
        "escalation_unavailable": "To reach a person, please contact {contact}.",
    },
    "es": {
        "order": "Pedido {order}: {body}",
        "order_return": "Pedido {order} (retorno): {body}",
        "tracking": "Seguimiento {number}: {body}",
        "order_many": "Pedido {order}, {count} paquetes: {items}",
        "item": "{n}) {carrier}: {phrase}.",
        "item_return": "{n}) Retorno: {carrier}: {phrase}.",
        "more": "Responde MORE para ver el resto.",
        "in_transit": "{status} con {carrier}{eta}.",
        "out_for_delivery": "{status} con {carrier} {when}.",
        "delivered": "{status} {when}{where}.",
        "delivered_undated": "{status}{where}.",
        "pickup": "{status} ({carrier}){at}.",
        "attempted": "{status} de {carrier}.",
        "attempted_next": "Nuevo intento {when}.",
        "attempted_hint": "Revisa el aviso que te dejaron o contacta a {carrier} para reprogramar.",
        "label_created": "{status}, pendiente de que {carrier} lo recoja.",
        "pending": "{carrier} no tiene datos de seguimiento por ahora.",
        "not_found": "{carrier} no tiene datos de seguimiento por ahora.",
        "invalid_number": "{carrier} no reconoce este paquete.",
        "returning": "{status} con {carrier}. Responde AYUDA si no lo esperabas.",
        "exception": "{status} ({carrier}){near}.",
        "exception_hint": "Contacta a {carrier} o responde AYUDA.",
        "carrier_says": "{carrier} dice: {text}.",
        "unknown_blank": "{carrier} no da novedades claras por ahora.",
        "delayed": "retrasado por {reason}{near}.",
        "new_eta": "Ahora llega {when}.",
        "sorry": "Lo sentimos.",
        "failed": "{carrier} no responde en este momento y no podemos ver su estado. "
        "Vuelve a intentarlo en unos minutos.",
        "failed_stale": "{carrier} no responde en este momento. Estado de {age}: {phrase}.",
        "failed_stale_no_age": "{carrier} no responde en este momento. Estado anterior: {phrase}.",
        "no_adapter": "por ahora no podemos rastrear este transportista.",
        "c_status_when": "{status} {when}",
        "c_delayed": "retrasado por {reason}{eta}",
        "c_failed": "no responde ahora, prueba en unos minutos",
        "c_stale": "no responde ahora; estado de {age}: {phrase}",
        "c_stale_no_age": "no responde ahora; estado anterior: {phrase}",
        "c_no_adapter": "no podemos rastrearlo por ahora",
        "c_invalid": "paquete no reconocido",
        "eta": ", llega {when}",
        "eta_estimated": ", llegada estimada {when}",
        "eta_past": ", se esperaba {when}",
        "eta_short": ", llega {when}",
        "eta_short_estimated": ", llegada estimada {when}",
        "new_eta_short": ", ahora llega {when}",
        "next_try_short": ", nuevo intento {when}",
        "near": " cerca de {place}",
        "at": " en {place}",
        "where": " ({place})",
        "today": "hoy",
        "tomorrow": "mañana",
        "on_day": "el {day}",
        "day_time": "{day}, {time}",
        "window": "{day}, {start}-{end}",
        "window_from": "{day}, desde las {start}",
        "window_until": "{day}, antes de las {end}",
        "range": "entre el {first} y el {last}",
        "by": "como tarde {day}",
        "day": "{weekday} {d} {month}",
        "day_year": "{weekday} {d} {month} {year}",
        "time": "{h24}:{mm}",
        "am": "a. m.",
        "pm": "p. m.",
        "age_minutes": "hace {n} min",
        "age_hours": "hace {n} h",
        "age_day": "hace 1 d",  # "días" would force UCS-2 (70-character segments)
        "age_days": "hace {n} d",
        "or": "{rest} o {last}",
        "order_not_found": "No encontramos el pedido {order} con tus datos. "
        "Compruébalo o responde AYUDA.",
        "no_shipments": "El pedido {order} no ha salido por ahora. "
        "Consulta de nuevo pronto o responde AYUDA.",
        "ask_order_number": "Escribe tu pedido (por ejemplo 1001) y lo buscamos.",
        "tracking_unknown": "No sabemos de qué transportista es {number}. "
        "Compruébalo o escribe tu pedido (por ejemplo 1001).",
        "ask_carrier": "¿De qué transportista es {number}: {carriers}? Responde con el nombre.",
        "ask_carrier_any": "¿De qué transportista es {number}? Responde con el nombre.",
        "help": "{brand}: escribe tu pedido (por ejemplo 1001) o el seguimiento de tu paquete "
        "para ver su estado. Ayuda: {contact}. Responde STOP para darte de baja.",
        "usage_hint": "Escribe tu pedido (por ejemplo 1001) para ver su estado.",
        "opted_out": "Te diste de baja: no te escribiremos de nuevo. Responde START para volver.",
        "opted_in": "Vuelves a estar suscrito. Escribe tu pedido cuando quieras.",
        "rate_limited": "Has enviado muchos mensajes. Espera unos minutos y vuelve a intentarlo.",
        "unavailable": "Lo sentimos, algo ha fallado de nuestro lado. "
        "Vuelve a intentarlo en unos minutos.",
        # "C.P." for "código postal", whose ó would force UCS-2 (70-character segments)
        "ask_postal_code": "Para proteger tus datos, responde con el C.P. de entrega "
        "del pedido {order}.",
        "wrong_postal_code": "Eso no coincide con el pedido {order}. Responde con su C.P. "
        "de entrega. Intentos restantes: {left}.",
        "locked_out": "Demasiados intentos fallidos. Por seguridad, pausamos las consultas "
        "desde este teléfono durante {minutes} min. Responde AYUDA para soporte.",
        "lookup_limited": "Has hecho muchas consultas. Vuelve a intentarlo en una hora.",
        "menu": "Tienes {count} pedidos en curso. Responde {choices}.",
        "menu_item": "{n} para el #{order}",
        "menu_item_many": "{n} para el #{order} ({packages} paquetes)",
        "menu_join": ", ",
        "history": "Pedido {order}, novedades: {items}",
        "history_package": "{n}) {carrier}: {events}",
        "history_event": "{when}, {place}: {text}.",
        "history_event_noplace": "{when}: {text}.",
        "history_when": "{day} {time}",
        "history_none": "{phrase}.",
        "more_without_order": "Primero escribe tu pedido (por ejemplo 1001) y luego MORE "
        "para ver sus novedades.",
        "escalated": "Gracias. Una persona de {brand} te va a escribir pronto.",
        "escalation_unavailable": "Para hablar con una persona, contacta a {contact}.",
    },
}

STATUS_PHRASES: dict[str, dict[Status, str]] = {
    "en": {
        Status.PENDING: "No tracking updates yet",
        Status.LABEL_CREATED: "Label created",
        Status.IN_TRANSIT: "In transit",
        Status.OUT_FOR_DELIVERY: "Out for delivery",
        Status.AVAILABLE_FOR_PICKUP: "Ready for pickup",
        Status.DELIVERY_ATTEMPTED: "Delivery attempted",
        Status.DELIVERED: "Delivered",
        Status.EXCEPTION: "Delivery problem",
        Status.RETURNING: "Returning to sender",
        Status.UNKNOWN: "No clear update yet",  # replies show the carrier's text when given
    },
    "es": {  # lower case: Spanish phrases always follow a colon
        Status.PENDING: "sin datos de seguimiento por ahora",
        Status.LABEL_CREATED: "etiqueta creada",
        Status.IN_TRANSIT: "en camino",
        Status.OUT_FOR_DELIVERY: "en reparto",
        Status.AVAILABLE_FOR_PICKUP: "listo para recoger",
        Status.DELIVERY_ATTEMPTED: "intento de entrega",
        Status.DELIVERED: "entregado",
        Status.EXCEPTION: "problema con la entrega",
        Status.RETURNING: "de vuelta al remitente",
        Status.UNKNOWN: "sin novedades claras por ahora",
    },
}

DELAY_PHRASES: dict[str, dict[DelayReason, str]] = {
    "en": {
        DelayReason.WEATHER: "severe weather",
        DelayReason.CUSTOMS: "a customs hold",
        DelayReason.ADDRESS: "an address problem",
        DelayReason.RECIPIENT_UNAVAILABLE: "no one being available to receive it",
        DelayReason.REFUSED: "being refused",
        DelayReason.DAMAGED: "damage",
        DelayReason.LOST: "the carrier losing track of it",
        DelayReason.HELD_FOR_PAYMENT: "unpaid duties or fees",
        DelayReason.CARRIER_DELAY: "a carrier delay",
        DelayReason.HOLIDAY: "a holiday",
        DelayReason.SECURITY: "a security check",
        DelayReason.OTHER: "a problem",
    },
    "es": {
        DelayReason.WEATHER: "mal tiempo",
        DelayReason.CUSTOMS: "un control de aduana",
        DelayReason.ADDRESS: "un problema con el domicilio",
        DelayReason.RECIPIENT_UNAVAILABLE: "no encontrar a nadie para recibirlo",
        DelayReason.REFUSED: "haber sido rechazado",
        DelayReason.DAMAGED: "daños en el paquete",
        DelayReason.LOST: "haberse perdido su rastro",
        DelayReason.HELD_FOR_PAYMENT: "impuestos o tasas sin pagar",
        DelayReason.CARRIER_DELAY: "un retraso del transportista",
        DelayReason.HOLIDAY: "un feriado",
        DelayReason.SECURITY: "un control de seguridad",
        DelayReason.OTHER: "un problema",
    },
}

#: What the customer should do, for the delays only they can clear.
ACTIONS: dict[str, dict[DelayReason, str]] = {
    "en": {
        DelayReason.ADDRESS: "Contact {carrier} to fix the address.",
        DelayReason.HELD_FOR_PAYMENT: "Pay the fees to {carrier} to release it.",
        DelayReason.RECIPIENT_UNAVAILABLE: "Contact {carrier} to reschedule or pick it up.",
    },
    "es": {
        DelayReason.ADDRESS: "Contacta a {carrier} para corregir el domicilio.",
        DelayReason.HELD_FOR_PAYMENT: "Paga las tasas a {carrier} para liberarlo.",
        DelayReason.RECIPIENT_UNAVAILABLE: "Contacta a {carrier} para reprogramar o recogerlo.",
    },
}

WEEKDAYS: dict[str, tuple[str, ...]] = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "es": ("lun", "mar", "mié", "jue", "vie", "sab", "dom"),  # "sáb" would force UCS-2
}
MONTHS: dict[str, tuple[str, ...]] = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "es": ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"),
}

DISPLAY_NAMES: dict[str, str] = {"ups": "UPS", "fedex": "FedEx", "usps": "USPS", "dhl": "DHL"}

_DELAYABLE = frozenset({Status.IN_TRANSIT, Status.EXCEPTION})  # say "Delayed by ..." for these
_UNKNOWN_TEXT_MAX = 60  # characters of a carrier's own status text in a list of packages


@dataclass(frozen=True)
class Wording:
    """The context every reply needs: language, the merchant's zone, and now."""

    language: str  # "en" | "es"; anything else is answered in English
    timezone: ZoneInfo  # the merchant's bot.timezone
    now: datetime  # aware; decides "today"/"tomorrow" and whether a date shows its year
    max_segments: int = 3

    def __post_init__(self) -> None:
        if self.max_segments < 1:
            raise ValueError(f"max_segments must be at least 1, not {self.max_segments}")


def _lang(w: Wording) -> str:
    code = w.language.lower().replace("_", "-").split("-")[0]
    return code if code in MESSAGES else "en"


def _t(w: Wording, key: str, **fields: object) -> str:
    template = MESSAGES[_lang(w)].get(key) or MESSAGES["en"][key]
    return template.format(**fields).replace("....", "...")  # a cut note, then a full stop


def _today(w: Wording) -> date:
    return w.now.astimezone(w.timezone).date()


def display_name(carrier: str) -> str:
    """How replies name a carrier: "ups" -> "UPS"; unknown names are title-cased."""
    known = DISPLAY_NAMES.get(carrier.lower())
    if known:
        return known
    if carrier != carrier.lower():  # already has its own capitals: "OnTrac"
        return carrier
    return carrier.replace("_", " ").replace("-", " ").title()


def _wall_clock(moment: datetime, w: Wording) -> datetime:
    """`moment` as the customer should read it: carrier-local and naive times as given."""
    if moment.tzinfo is None or moment.tzname() == CARRIER_LOCAL.tzname(None):
        return moment
    return moment.astimezone(w.timezone)


def format_day(day: date, w: Wording) -> str:
    """A day as "Thu Nov 26" ("jue 26 nov"); the year only when not this year: "Mon Jan 4, 2027"."""
    lang = _lang(w)
    key = "day" if day.year == _today(w).year else "day_year"
    weekday, month = WEEKDAYS[lang][day.weekday()], MONTHS[lang][day.month - 1]
    return _t(w, key, weekday=weekday, month=month, d=day.day, year=day.year)


def format_time(moment: datetime, w: Wording) -> str:
    """A time as "2:14 PM" ("14:14") in the merchant's zone; carrier-local (or naive) as given."""
    local = _wall_clock(moment, w)
    ampm = _t(w, "pm" if local.hour >= 12 else "am")
    h12 = local.hour % 12 or 12
    return _t(w, "time", h12=h12, h24=local.hour, mm=f"{local.minute:02d}", ampm=ampm)


def _relative_day(day: date, w: Wording) -> str:
    today = _today(w)
    if day == today:
        return _t(w, "today")
    if day == today + timedelta(days=1):
        return _t(w, "tomorrow")
    return _t(w, "on_day", day=format_day(day, w))


def _when(eta: Eta, w: Wording) -> str:
    """The arrival as words: a day, a time window on a day, or a run of days."""
    if eta.latest is not None and eta.latest > eta.earliest:
        if eta.earliest <= _today(w) < eta.latest:
            return _t(w, "by", day=_relative_day(eta.latest, w))
        return _t(w, "range", first=format_day(eta.earliest, w), last=format_day(eta.latest, w))
    day = _relative_day(eta.earliest, w)
    start = format_time(eta.window_start, w) if eta.window_start else None
    end = format_time(eta.window_end, w) if eta.window_end else None
    if start and end:
        return _t(w, "window", day=day, start=start, end=end)
    if start:
        return _t(w, "window_from", day=day, start=start)
    if end:
        return _t(w, "window_until", day=day, end=end)
    return day


def _eta(eta: Eta | None, w: Wording, *, short: bool) -> str:
    if eta is None:
        return ""
    if (eta.latest or eta.earliest) < _today(w):
        key = "eta_past"
    elif eta.estimated:
        key = "eta_short_estimated" if short else "eta_estimated"
    else:
        key = "eta_short" if short else "eta"
    return _t(w, key, when=_when(eta, w))


def _age(checked_at: datetime | None, w: Wording) -> str | None:
    if checked_at is None or checked_at.tzinfo is None:
        return None
    minutes = max(1, int((w.now - checked_at).total_seconds() // 60))
    if minutes < 60:
        return _t(w, "age_minutes", n=minutes)
    if minutes < 24 * 60:
        return _t(w, "age_hours", n=minutes // 60)
    days = minutes // (24 * 60)
    return _t(w, "age_day") if days == 1 else _t(w, "age_days", n=days)


def _clean(text: str | None) -> str | None:
    """Carrier-provided text, made GSM-7 where it can be, on one line, without an end stop."""
    cleaned = " ".join(to_gsm7(text or "").split()).rstrip(" .")
    return cleaned or None


def _action(result: TrackingResult, carrier: str, w: Wording) -> str | None:
    reason = result.delay_reason
    template = ACTIONS[_lang(w)].get(reason) if reason else None
    return template.format(carrier=carrier) if template else None


def _carrier(package: PackageStatus) -> str:
    return to_gsm7(package.display_name or display_name(package.shipment.carrier))


def _full(r: TrackingResult, carrier: str, w: Wording, place: str | None, note: str | None) -> str:
    """One package in full sentences (without the "Order 1001:" lead)."""
    status = STATUS_PHRASES[_lang(w)][r.status]
    near = _t(w, "near", place=place) if place else ""
    if r.problem is Problem.NOT_FOUND:
        return _t(w, "not_found", carrier=carrier)
    if r.problem is Problem.INVALID_NUMBER:
        return _t(w, "invalid_number", carrier=carrier)
    if r.delay_reason is not None and r.status in _DELAYABLE:
        reason = DELAY_PHRASES[_lang(w)][r.delay_reason]
        parts = [_t(w, "delayed", reason=reason, near=near)]
        if r.eta is not None:
            parts.append(_t(w, "new_eta", when=_when(r.eta, w)))
        parts.append(_action(r, carrier, w) or _t(w, "sorry"))
        return " ".join(parts)
    if r.status is Status.IN_TRANSIT:
        return _t(w, "in_transit", status=status, carrier=carrier, eta=_eta(r.eta, w, short=False))
    if r.status is Status.OUT_FOR_DELIVERY:
        today = r.eta is not None and r.eta.earliest == _today(w)
        when = _when(r.eta, w) if r.eta is not None and today else _t(w, "today")
        return _t(w, "out_for_delivery", status=status, carrier=carrier, when=when)
    if r.status is Status.DELIVERED:
        where = _t(w, "where", place=place) if place else ""
        if r.delivered_at is None:
            return _t(w, "delivered_undated", status=status, where=where)
        day = _t(w, "on_day", day=format_day(_wall_clock(r.delivered_at, w).date(), w))
        when = _t(w, "day_time", day=day, time=format_time(r.delivered_at, w))
        return _t(w, "delivered", status=status, when=when, where=where)
    if r.status is Status.AVAILABLE_FOR_PICKUP:
        at = _t(w, "at", place=place) if place else ""
        return _t(w, "pickup", status=status, carrier=carrier, at=at)
    if r.status is Status.DELIVERY_ATTEMPTED:
        hint = _action(r, carrier, w)
        if hint is None and r.eta is not None and r.eta.earliest >= _today(w):
            hint = _t(w, "attempted_next", when=_when(r.eta, w))
        hint = hint or _t(w, "attempted_hint", carrier=carrier)
        return _t(w, "attempted", status=status, carrier=carrier) + " " + hint
    if r.status is Status.EXCEPTION:
        said = _t(w, "carrier_says", carrier=carrier, text=note) if note else None
        hint = said or _t(w, "exception_hint", carrier=carrier)
        return _t(w, "exception", status=status, carrier=carrier, near=near) + " " + hint
    if r.status is Status.UNKNOWN:
        if note:
            return _t(w, "carrier_says", carrier=carrier, text=note)
        return _t(w, "unknown_blank", carrier=carrier)
    key = {Status.LABEL_CREATED: "label_created", Status.RETURNING: "returning"}.get(r.status)
    return _t(w, key or "pending", status=status, carrier=carrier)


def _compact(r: TrackingResult, w: Wording, *, short: bool) -> str:
    """One package as a phrase without its carrier: "In transit, ETA Thu Nov 26"."""
    phrases = STATUS_PHRASES[_lang(w)]
    if r.problem is Problem.NOT_FOUND:
        return phrases[Status.PENDING]
    if r.problem is Problem.INVALID_NUMBER:
        return _t(w, "c_invalid")
    status = phrases[r.status]
    if r.delay_reason is not None and r.status in _DELAYABLE:
        new_eta = _t(w, "new_eta_short", when=_when(r.eta, w)) if r.eta else ""
        return _t(w, "c_delayed", reason=DELAY_PHRASES[_lang(w)][r.delay_reason], eta=new_eta)
    if r.status is Status.IN_TRANSIT:
        return status + _eta(r.eta, w, short=short)
    if r.status is Status.OUT_FOR_DELIVERY:
        return _t(w, "c_status_when", status=status, when=_t(w, "today"))
    if r.status is Status.DELIVERED and r.delivered_at is not None:
        day = format_day(_wall_clock(r.delivered_at, w).date(), w)
        return _t(w, "c_status_when", status=status, when=_t(w, "on_day", day=day))
    if r.status is Status.DELIVERY_ATTEMPTED and r.eta and r.eta.earliest >= _today(w):
        return status + _t(w, "next_try_short", when=_when(r.eta, w))
    if r.status is Status.UNKNOWN:
        text = _clean(r.status_text)
        return next(word_prefixes(text, ellipsis=True, limit=_UNKNOWN_TEXT_MAX), None) or status
    return status


def _single_body(package: PackageStatus, w: Wording, place: str | None, note: str | None) -> str:
    carrier = _carrier(package)
    result = package.result
    if package.failure is Failure.NO_ADAPTER:
        return _t(w, "no_adapter")
    if result is None:  # AUTH and every other failure read the same: the carrier is not answering
        return _t(w, "failed", carrier=carrier)
    if package.failure is not None:
        phrase = _compact(result, w, short=False)
        age = _age(package.checked_at, w)
        if age is None:
            return _t(w, "failed_stale_no_age", carrier=carrier, phrase=phrase)
        return _t(w, "failed_stale", carrier=carrier, age=age, phrase=phrase)
    return _full(result, carrier, w, place, note)


def _carrier_texts(package: PackageStatus) -> tuple[str | None, str | None]:
    """The place and the note, both carrier-provided, that a one-package reply may show."""
    r = package.result
    if r is None or package.failure is not None or r.problem is not None:
        return None, None
    if r.status is Status.DELIVERED:
        return _clean(r.delivery_location), None
    if r.status is Status.UNKNOWN:
        return None, _clean(r.status_text)
    if r.status is Status.EXCEPTION and r.delay_reason is None:
        return _clean(r.last_location), _clean(r.status_text)
    if r.status is Status.AVAILABLE_FOR_PICKUP or r.delay_reason is not None:
        return _clean(r.last_location), None
    return None, None


def _fit_one(lead: Callable[[str], str], package: PackageStatus, w: Wording) -> str:
    """One package, in one segment when possible: shorten the place first, then the note."""
    place, note = _carrier_texts(package)
    variants: list[tuple[str | None, str | None]] = [
        *((shorter, note) for shorter in [*word_prefixes(place, ellipsis=False), None]),
        *((None, shorter) for shorter in [*word_prefixes(note, ellipsis=True), None][1:]),
    ]
    fallback, text = None, ""
    for variant_place, variant_note in variants:
        text = lead(_single_body(package, w, variant_place, variant_note))
        if segment_count(text) == 1:
            return text
        if fallback is None and segment_count(text) <= w.max_segments:
            fallback = text
    return fallback or truncate(text, w.max_segments)


def _item(number: int, package: PackageStatus, w: Wording) -> str:
    result = package.result
    action = None
    if package.failure is Failure.NO_ADAPTER:
        phrase = _t(w, "c_no_adapter")
    elif result is None:
        phrase = _t(w, "c_failed")
    elif package.failure is not None:
        age = _age(package.checked_at, w)
        last = _compact(result, w, short=True)
        phrase = (
            _t(w, "c_stale", age=age, phrase=last) if age else _t(w, "c_stale_no_age", phrase=last)
        )
    else:
        phrase = _compact(result, w, short=True)
        if result.status in _DELAYABLE or result.status is Status.DELIVERY_ATTEMPTED:
            action = _action(result, _carrier(package), w)
    key = "item_return" if package.shipment.kind is Leg.RETURN else "item"
    text = _t(w, key, n=number, carrier=_carrier(package), phrase=phrase)
    return f"{text} {action}" if action else text


def order_status(order_number: str, packages: Sequence[PackageStatus], w: Wording) -> str:
    """The status of every shipment of an order, within `w.max_segments` segments.

    A long list is cut at a package boundary and ends by offering the rest ("Reply MORE").
    """
    order = to_gsm7(order_number)
    if not packages:
        return no_shipments(order_number, w)
    if len(packages) == 1:
        key = "order_return" if packages[0].shipment.kind is Leg.RETURN else "order"
        return _fit_one(lambda body: _t(w, key, order=order, body=body), packages[0], w)
    items = [_item(number, package, w) for number, package in enumerate(packages, 1)]

    def lead(joined: str) -> str:
        return _t(w, "order_many", order=order, count=len(packages), items=joined)

    whole = lead(" ".join(items))
    if segment_count(whole) <= w.max_segments:
        return whole
    more = _t(w, "more")
    for count in range(len(items) - 1, 0, -1):
        text = lead(" ".join(items[:count])) + " " + more
        if segment_count(text) <= w.max_segments:
            return text
    return truncate(lead(items[0]), w.max_segments, suffix=more)


def tracking_status(number: str, package: PackageStatus, w: Wording) -> str:
    """The status of a tracking number the customer texted directly; no order details."""
    return _fit_one(lambda body: _t(w, "tracking", number=to_gsm7(number), body=body), package, w)


def order_not_found(order_number: str, w: Wording) -> str:
    """The same words whether the order does not exist or is not the sender's."""
    return _t(w, "order_not_found", order=to_gsm7(order_number))


def no_shipments(order_number: str, w: Wording) -> str:
    """The order exists (and is the sender's) but nothing has shipped yet."""
    return _t(w, "no_shipments", order=to_gsm7(order_number))


def ask_order_number(w: Wording) -> str:
    """A question without a number, and no open order to answer for."""
    return _t(w, "ask_order_number")


def tracking_unknown(number: str, w: Wording) -> str:
    """A tracking number no carrier's format matches."""
    return _t(w, "tracking_unknown", number=to_gsm7(number))


def ask_carrier(number: str, carriers: Sequence[str], w: Wording) -> str:
    """A tracking number that several carriers' formats match: ask which one."""
    names = [display_name(to_gsm7(carrier)) for carrier in carriers]
    if len(names) < 2:
        return _t(w, "ask_carrier_any", number=to_gsm7(number))
    listed = _t(w, "or", rest=", ".join(names[:-1]), last=names[-1])
    return _t(w, "ask_carrier", number=to_gsm7(number), carriers=listed)


def help_text(brand: str, support_contact: str, w: Wording) -> str:
    """HELP: who we are, what to text, how to reach a person, how to stop."""
    return _t(w, "help", brand=to_gsm7(brand), contact=to_gsm7(support_contact))


def usage_hint(brand: str, w: Wording) -> str:
    """The answer to noise: what to text. (`brand` is available to edited templates.)"""
    return _t(w, "usage_hint", brand=to_gsm7(brand))


def opted_out(w: Wording) -> str:
    """Opt-out confirmation (WhatsApp only; Twilio confirms on SMS)."""
    return _t(w, "opted_out")


def opted_in(w: Wording) -> str:
    """Opt-in confirmation (WhatsApp only)."""
    return _t(w, "opted_in")


def rate_limited(w: Wording) -> str:
    """The one notice a sender gets when over a rate limit."""
    return _t(w, "rate_limited")


def unavailable(w: Wording) -> str:
    """Something failed inside the bot."""
    return _t(w, "unavailable")


def ask_postal_code(order_number: str, w: Wording) -> str:
    """The verification question: the same words whether or not the order exists."""
    return _t(w, "ask_postal_code", order=to_gsm7(order_number))


def wrong_postal_code(order_number: str, tries_left: int, w: Wording) -> str:
    """A wrong postal code, asked again: the same words whether or not the order exists."""
    return _t(w, "wrong_postal_code", order=to_gsm7(order_number), left=tries_left)


def locked_out(lockout_s: float, w: Wording) -> str:
    """The one message a sender gets when too many wrong answers pause their lookups."""
    return _t(w, "locked_out", minutes=max(1, math.ceil(lockout_s / 60)))


def lookup_limited(w: Wording) -> str:
    """The one notice a sender gets when over the lookups-per-hour limit."""
    return _t(w, "lookup_limited")


def open_orders_menu(orders: Sequence[tuple[str, int]], w: Wording) -> tuple[str, int]:
    """A numbered menu of (order number, packages): the text and how many orders it lists.

    As many orders as fit in `w.max_segments`, at least one.
    """
    items = [
        _t(w, "menu_item_many" if packages > 1 else "menu_item", n=n, order=to_gsm7(number),
           packages=packages)
        for n, (number, packages) in enumerate(orders, 1)
    ]  # fmt: skip
    for count in range(len(items), 1, -1):
        choices = _t(w, "menu_join").join(items[:count])
        text = _t(w, "menu", count=len(orders), choices=choices)
        if segment_count(text) <= w.max_segments:
            return text, count
    return _t(w, "menu", count=len(orders), choices=items[0] if items else ""), min(1, len(items))


def _history_events(package: PackageStatus, count: int, w: Wording) -> str:
    result = package.result
    if result is None or package.failure is Failure.NO_ADAPTER or not result.events:
        if package.failure is Failure.NO_ADAPTER:
            phrase = _t(w, "c_no_adapter")
        elif result is None:
            phrase = _t(w, "c_failed")
        else:
            phrase = _compact(result, w, short=True)
        return _t(w, "history_none", phrase=phrase)
    lines = []
    for event in list(reversed(result.events))[:count]:
        local = _wall_clock(event.time, w)
        when = _t(w, "history_when", day=format_day(local.date(), w), time=format_time(local, w))
        text = _clean(event.description) or STATUS_PHRASES[_lang(w)][event.status]
        place = _clean(event.location)
        if place:
            lines.append(_t(w, "history_event", when=when, place=place, text=text))
        else:
            lines.append(_t(w, "history_event_noplace", when=when, text=text))
    return " ".join(lines)


def order_history(order_number: str, packages: Sequence[PackageStatus], w: Wording) -> str:
    """MORE: the newest events of each package, newest first, within `w.max_segments`.

    Every package gets its newest event before any gets a second one.
    """
    order = to_gsm7(order_number)
    most = max((len(p.result.events) if p.result else 0 for p in packages), default=0)

    def render(count: int) -> str:
        if len(packages) == 1:
            return _t(w, "history", order=order, items=_history_events(packages[0], count, w))
        parts = [
            _t(w, "history_package", n=n, carrier=_carrier(package),
               events=_history_events(package, count, w))
            for n, package in enumerate(packages, 1)
        ]  # fmt: skip
        return _t(w, "history", order=order, items=" ".join(parts))

    best = render(1)
    for count in range(2, most + 1):
        text = render(count)
        if segment_count(text) > w.max_segments:
            break
        best = text
    return best if segment_count(best) <= w.max_segments else truncate(best, w.max_segments)


def more_without_order(w: Wording) -> str:
    """MORE with no recent answer to continue."""
    return _t(w, "more_without_order")


def escalated(brand: str, w: Wording) -> str:
    """AGENT: the merchant's helpdesk has the request."""
    return _t(w, "escalated", brand=to_gsm7(brand))


def escalation_unavailable(support_contact: str, w: Wording) -> str:
    """AGENT without a working escalation webhook: how to reach a person."""
    return _t(w, "escalation_unavailable", contact=to_gsm7(support_contact))
