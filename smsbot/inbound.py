"""A Twilio webhook form read into an `Inbound`: channel, sender in E.164, and intent. Pure."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from smsbot.detect import Match, find_tracking_numbers
from smsbot.orders import normalize_order_number
from smsbot.phones import WHATSAPP_PREFIX, to_e164

MAX_BODY = 1600  # Twilio's own limit; anything longer is cut, never refused


class Channel(StrEnum):
    SMS = "sms"
    WHATSAPP = "whatsapp"


class Kind(StrEnum):
    """What a customer's message asks for."""

    ORDER_NUMBER = "order_number"
    TRACKING_NUMBER = "tracking_number"
    QUESTION = "question"  # "where is my order?" without a number
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"
    NOISE = "noise"


# Whole-body keywords (trimmed, case-insensitive), as Twilio and DESIGN.md define them.
KEYWORDS: dict[str, Kind] = {
    **dict.fromkeys(
        ("stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"),
        Kind.OPT_OUT,
    ),
    **dict.fromkeys(("start", "yes", "unstop"), Kind.OPT_IN),
    **dict.fromkeys(("help", "info", "ayuda"), Kind.HELP),
}

_QUESTION_WORDS = re.compile(
    r"\b(where|order|package|parcel|shipment|track|tracking|status|delivery|deliver|stuff|"
    r"donde|pedido|paquete|envio|orden|rastreo|llega)\b"
)
_SPANISH_WORDS = re.compile(
    r"\b(donde|esta|pedido|paquete|envio|orden|ayuda|mi|hola|gracias|cuando|llega|rastreo)\b"
)
_ORDER_CUE = re.compile(r"(?:\b(?:order|pedido|orden|no\.?|number|numero)\s*#?\s*)$")


@dataclass(frozen=True)
class Intent:
    kind: Kind
    value: str | None = None  # the order number or compact tracking number
    tracking: tuple[Match, ...] = ()  # every carrier reading of a tracking number


@dataclass(frozen=True)
class Inbound:
    """One customer message. `sender` is E.164, or None when `From` cannot be read."""

    message_sid: str
    channel: Channel
    address: str  # `From` as Twilio sent it (with `whatsapp:`), for replies and state
    sender: str | None
    body: str
    intent: Intent
    language_hint: str | None  # "es" when the text reads as Spanish


def parse_inbound(
    form: Mapping[str, str], *, default_region: str, order_pattern: re.Pattern[str]
) -> Inbound:
    """Read a webhook form. Never raises: missing fields become empty values."""
    address = _clean(form.get("From", ""))[:64]
    channel = Channel.WHATSAPP if address.lower().startswith(WHATSAPP_PREFIX) else Channel.SMS
    body = _clean(form.get("Body", ""))[:MAX_BODY]
    return Inbound(
        message_sid=_clean(form.get("MessageSid", ""))[:64],
        channel=channel,
        address=address,
        sender=to_e164(address, default_region),
        body=body,
        intent=classify(body, order_pattern),
        language_hint=language_of(body),
    )


def _clean(text: str) -> str:
    """Drop control characters (NUL and friends, which XML cannot carry) and trim."""
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc").strip()


def fold(text: str) -> str:
    """Lower case without accents: "Dónde está" → "donde esta"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def classify(body: str, order_pattern: re.Pattern[str]) -> Intent:
    """The intent of a message body (see DESIGN.md, "Messages the bot understands")."""
    folded = fold(body).strip()
    keyword = KEYWORDS.get(folded.rstrip(".!? "))
    if keyword is not None:
        return Intent(keyword)
    found = find_tracking_numbers(body)
    if found:
        number = found[0].number
        readings = tuple(match for match in found if match.number == number)
        return Intent(Kind.TRACKING_NUMBER, number, readings)
    order_number = find_order_number(body, order_pattern)
    if order_number is not None:
        return Intent(Kind.ORDER_NUMBER, order_number)
    if _QUESTION_WORDS.search(folded):
        return Intent(Kind.QUESTION)
    return Intent(Kind.NOISE)


def find_order_number(body: str, pattern: re.Pattern[str]) -> str | None:
    """The order number in `body`, normalized, or None.

    Several candidates: one right after "#", "order" or "pedido" wins, else the first with
    at least three digits, else the first. A bare short number ("1") counts only alone.
    """
    matches = [match for match in pattern.finditer(body) if match.group(0).strip("#-")]
    if not matches:
        return None
    choose: Callable[[re.Match[str]], bool]
    for choose in (
        lambda match: (
            match.group(0).startswith("#") or bool(_ORDER_CUE.search(fold(body[: match.start()])))
        ),
        lambda match: sum(ch.isdigit() for ch in match.group(0)) >= 3,
    ):
        for match in matches:
            if choose(match):
                return normalize_order_number(match.group(0))
    if len(matches) == 1 and matches[0].group(0).strip("#") == body.strip().lstrip("#"):
        return normalize_order_number(matches[0].group(0))
    return None


def language_of(body: str) -> str | None:
    """ "es" when the text has Spanish cues (ñ, ¿, ¡, or common words), else None."""
    if any(ch in body for ch in "ñÑ¿¡"):
        return "es"
    return "es" if _SPANISH_WORDS.search(fold(body)) else None
