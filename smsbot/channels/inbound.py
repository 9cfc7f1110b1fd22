"""A Twilio webhook form read into an `Inbound`: channel, sender in E.164, and intent. Pure."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from smsbot.lookup.detect import Match, find_tracking_numbers
from smsbot.orders.number import OrderNumbers, fold
from smsbot.phones import WHATSAPP_PREFIX, to_e164

MAX_BODY = 1600  # Twilio's own limit; anything longer is cut, never refused
SENDERS_CACHED = 10_000  # parsed `From` addresses kept (~200 bytes each)


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
    MORE = "more"  # the last events of the order just answered
    AGENT = "agent"  # a person, please
    NOISE = "noise"


# Whole-body keywords (trimmed, case-insensitive), as Twilio and DESIGN.md define them.
KEYWORDS: dict[str, Kind] = {
    **dict.fromkeys(
        ("stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"),
        Kind.OPT_OUT,
    ),
    **dict.fromkeys(("start", "yes", "unstop"), Kind.OPT_IN),
    **dict.fromkeys(("help", "info", "ayuda"), Kind.HELP),
    **dict.fromkeys(("more", "mas"), Kind.MORE),
    **dict.fromkeys(
        ("agent", "human", "representative", "agente", "humano", "persona", "representante"),
        Kind.AGENT,
    ),
}

#: The WhatsApp sandbox's opt-in message, "join <two-words>": noise, answered with the hint.
_SANDBOX_JOIN = re.compile(r"join\s+[a-z]+(?:-[a-z]+)+")

_QUESTION_WORDS = re.compile(
    r"\b(where|order|package|parcel|shipment|track|tracking|status|delivery|deliver|stuff|"
    r"donde|pedido|paquete|envio|orden|rastreo|llega)\b"
)
_SPANISH_WORDS = re.compile(
    r"\b(donde|esta|pedido|paquete|envio|orden|ayuda|mi|hola|gracias|cuando|llega|rastreo|"
    r"mas|agente|humano|persona|representante)\b"
)
_ENGLISH_WORDS = re.compile(
    r"\b(where|is|my|order|package|parcel|help|hello|hi|thanks|when|track|tracking|the|"
    r"agent|human|representative)\b"
)
#: The first word of a message that names an order number rather than a postal code.
_ORDER_WORDS = frozenset({"order", "pedido", "orden", "no", "no.", "number", "numero"})
#: A postal code as people type one: 3 to 10 letters and digits (2+ digits), spaces, dashes.
_POSTAL_SHAPE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|[ -](?=[A-Za-z0-9])){2,11}")


@dataclass(frozen=True)
class Intent:
    kind: Kind
    value: str | None = None  # the order number or compact tracking number
    tracking: tuple[Match, ...] = ()  # every carrier reading of a tracking number
    numbers: tuple[str, ...] = ()  # every order number in the text, `value` first


@dataclass(frozen=True)
class Inbound:
    """One customer message. `sender` is E.164, or None when `From` cannot be read."""

    message_sid: str
    channel: Channel
    address: str  # `From` as Twilio sent it (with `whatsapp:`), for replies and state
    sender: str | None
    body: str
    intent: Intent
    language_hint: str | None  # "es" or "en" when the text reads as one of them
    choice: int | None = None  # a bare 1 or 2-digit number: a menu choice, if a menu is open
    postal: str | None = None  # the body normalized as a postal code, when it can be one


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
        sender=_sender(address, default_region),
        body=body,
        intent=classify(body, order_pattern),
        language_hint=language_of(body),
        choice=int(body) if re.fullmatch(r"[0-9]{1,2}", body) else None,
        postal=postal_answer(body),
    )


@lru_cache(maxsize=SENDERS_CACHED)
def _sender(address: str, default_region: str) -> str | None:
    """`to_e164`, cached: parsing a number (phonenumbers) was ~4 % of a cached text's CPU,
    and a sender texts more than once. Bounded, least recently used out first."""
    return to_e164(address, default_region)


def _clean(text: str) -> str:
    """Drop control characters (NUL and friends, which XML cannot carry) and trim."""
    if text.isprintable():  # the usual case: no control character at all
        return text.strip()
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc").strip()


def classify(body: str, order_pattern: re.Pattern[str]) -> Intent:
    """The intent of a message body (see DESIGN.md, "Messages the bot understands")."""
    folded = fold(body).strip()
    keyword = KEYWORDS.get(folded.rstrip(".!? "))
    if keyword is not None:
        return Intent(keyword)
    if _SANDBOX_JOIN.fullmatch(folded):
        return Intent(Kind.NOISE)
    found = find_tracking_numbers(body)
    if found:
        number = found[0].number
        readings = tuple(match for match in found if match.number == number)
        return Intent(Kind.TRACKING_NUMBER, number, readings)
    numbers = OrderNumbers(order_pattern).find_all(body)
    if numbers:
        return Intent(Kind.ORDER_NUMBER, numbers[0], numbers=numbers)
    if _QUESTION_WORDS.search(folded):
        return Intent(Kind.QUESTION)
    return Intent(Kind.NOISE)


def language_of(body: str) -> str | None:
    """ "es" for Spanish cues (ñ, ¿, ¡, common words), "en" for English words, else None."""
    if any(ch in body for ch in "ñÑ¿¡"):
        return "es"
    folded = fold(body)
    if _SPANISH_WORDS.search(folded):
        return "es"
    return "en" if _ENGLISH_WORDS.search(folded) else None


def postal_answer(body: str) -> str | None:
    """`body` as a postal code in compare form (upper case, no spaces or dashes), or None.

    Only a short body that could be a postal code counts: "11201", "11201-1234",
    "SW1A 1AA", "k1a0b1"; not "order 1002" (an order number) nor words.
    """
    text = body.strip()
    words = fold(text).split()
    if not _POSTAL_SHAPE.fullmatch(text) or (words and words[0] in _ORDER_WORDS):
        return None
    compact = re.sub(r"[ -]", "", text).upper()
    if not 3 <= len(compact) <= 10 or sum(ch.isdigit() for ch in compact) < 2:
        return None
    return compact


def same_postal_code(answer: str, stored: str | None) -> bool:
    """Whether a customer's `answer` (from `postal_answer`) is the order's postal code.

    Case, spaces and dashes never matter (UK "SW1A 1AA" = "sw1a1aa", Canada "K1A 0B1" =
    "K1A0B1"); a US ZIP matches its ZIP+4 either way round ("11201" = "11201-1234").
    """
    if not stored:
        return False
    expected = postal_answer(stored) or re.sub(r"[ -]", "", stored).upper()
    if answer == expected:
        return True
    zips = [code for code in (answer, expected) if code.isdigit() and len(code) in (5, 9)]
    return len(zips) == 2 and answer[:5] == expected[:5]
