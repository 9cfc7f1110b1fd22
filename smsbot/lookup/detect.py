"""Carrier detection from tracking-number formats and check digits.

Formats follow jkeen/tracking_number_data v2.0.0 (reference/carriers.md §10); pure, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from itertools import cycle

__all__ = ["CARRIERS", "Match", "carriers_for", "compact", "detect", "find_tracking_numbers"]

CARRIERS = ("ups", "fedex", "usps", "dhl")


@dataclass(frozen=True)
class Match:
    """One reading of a tracking number: the adapter to ask, and which format matched."""

    carrier: str
    number: str
    format: str
    # What to ask the carrier: `number` without a USPS 420+ZIP routing prefix.
    trackable: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.trackable:
            object.__setattr__(self, "trackable", self.number)


Check = Callable[[str, str], bool]  # (serial, check digit) -> the check digit is right


def _value(char: str) -> int:
    # UPS counts letters as (ord - 3) % 10: A=2, B=3 ... as the data set defines it.
    return int(char) if char.isdigit() else (ord(char) - 3) % 10


def _mod10(evens: int, odds: int, *, reverse: bool = False, prefix: str = "") -> Check:
    """Weighted sum by 0-based index parity; the check digit brings it to a multiple of 10."""

    def check(serial: str, digit: str) -> bool:
        chars = (prefix + serial)[::-1] if reverse else prefix + serial
        total = sum(_value(c) * (odds if i % 2 else evens) for i, c in enumerate(chars))
        return (10 - total % 10) % 10 == int(digit)

    return check


def _mod11(*weights: int) -> Check:
    """FedEx: digits times repeating weights, then % 11 % 10."""

    def check(serial: str, digit: str) -> bool:
        return sum(int(c) * w for c, w in zip(serial, cycle(weights))) % 11 % 10 == int(digit)

    return check


def _mod7(serial: str, digit: str) -> bool:
    return int(serial) % 7 == int(digit)


def _s10(serial: str, digit: str) -> bool:
    remainder = sum(int(c) * w for c, w in zip(serial, (8, 6, 4, 2, 3, 5, 9, 7), strict=True)) % 11
    expected = {0: 5, 1: 0}.get(remainder, 11 - remainder)
    return expected == int(digit)


class _Strength(Enum):
    """How much a format's match proves in free text (see `find_tracking_numbers`)."""

    STRONG = "strong"  # a real check digit: trusted anywhere in a message
    PREFIXED = "prefixed"  # letter prefix but no check digit: only as one unbroken word
    WEAK = "weak"  # bare digits with mod 7 or no check: only as the whole message


@dataclass(frozen=True)
class _Format:
    carrier: str
    name: str
    pattern: re.Pattern[str]  # fullmatch on the compact number; groups `serial` and `check`
    check: Check | None  # None: the format has no check digit
    strength: _Strength = _Strength.STRONG
    routing: bool = False  # USPS: may start with a 420 + ZIP5 or ZIP9 routing code


def _format(
    carrier: str,
    name: str,
    regex: str,
    check: Check | None,
    strength: _Strength = _Strength.STRONG,
    *,
    routing: bool = False,
) -> _Format:
    return _Format(carrier, name, re.compile(regex, re.ASCII), check, strength, routing)


# Posts that issue S10 numbers, from the data set's S10 courier lookup; "XX" must not pass.
_S10_COUNTRIES = (
    "AE|AF|AG|AL|AM|AO|AR|AT|AU|AZ|BA|BB|BD|BE|BF|BG|BH|BI|BJ|BN|BO|BR|BS|BT|BW|"
    "BY|BZ|CA|CD|CF|CG|CH|CI|CL|CM|CN|CO|CR|CU|CV|CY|CZ|DE|DJ|DK|DM|DO|DZ|EC|EE|"
    "EG|ER|ES|ET|FI|FJ|FR|GA|GB|GD|GE|GH|GM|GN|GQ|GR|GT|GW|GY|HK|HN|HR|HT|HU|ID|"
    "IE|IL|IN|IQ|IR|IS|IT|JM|JO|JP|KE|KG|KH|KI|KM|KN|KP|KR|KW|KZ|LA|LB|LC|LI|LK|"
    "LR|LS|LT|LU|LV|LY|MA|MC|MD|ME|MG|MK|ML|MM|MN|MR|MT|MU|MV|MW|MX|MY|MZ|NA|NE|"
    "NG|NI|NL|NO|NP|NR|NZ|OM|PA|PE|PG|PH|PK|PL|PT|PY|QA|RO|RS|RU|RW|SA|SB|SC|SD|"
    "SE|SG|SI|SK|SL|SM|SN|SO|SR|SS|ST|SV|SY|SZ|TD|TG|TH|TJ|TL|TM|TN|TO|TR|TT|TV|"
    "TZ|UA|UG|US|UY|UZ|VA|VC|VE|VN|VU|WS|YE|ZA|ZM|ZW"
)

# Most specific first: distinctive prefixes and long numbers before bare digit runs, and
# the weak DHL forms last. `detect` keeps this order.
_FORMATS = (
    _format("ups", "UPS 1Z", r"1Z(?P<serial>[0-9A-Z]{15})(?P<check>[0-9])", _mod10(1, 2)),
    _format("ups", "UPS waybill", r"[AHJKTV](?P<serial>[0-9]{9})(?P<check>[0-9])", _mod10(1, 2)),
    _format(
        "usps",
        "S10 international",
        rf"[A-Z]{{2}}(?P<serial>[0-9]{{8}})(?P<check>[0-9])(?:{_S10_COUNTRIES})",
        _s10,
    ),
    # FedEx Ground Economy (formerly SmartPost) hands parcels to USPS under an IMpb (AI 92)
    # with FedEx's own mailer IDs (92 612 9...; printed without the AI: 612 9...). These are
    # FedEx's far more often than USPS's, so FedEx comes first and USPS follows (both are
    # candidates, in that order). Other 92 numbers stay USPS only: offering FedEx for every
    # USPS number would make each one ambiguous.
    _format(
        "fedex",
        "FedEx Ground Economy",
        r"(?:92)?(?P<serial>6129[0-9]{15})(?P<check>[0-9])",
        _mod10(3, 1, prefix="92"),
    ),
    # Pub. 199 weighs from the check digit backwards (IMpb N, AI 94); IMpb C (92/93/95)
    # weighs forwards. Both serials have odd length (21 or 25), so the two readings agree.
    _format(
        "usps",
        "USPS IMpb",
        r"(?P<serial>9[2-5][0-9]{19}(?:[0-9]{4})?)(?P<check>[0-9])",
        _mod10(3, 1, reverse=True),
        routing=True,
    ),
    _format(
        "usps",
        "USPS legacy 91",
        r"(?P<serial>91[0-9]{19})(?P<check>[0-9])",
        _mod10(3, 1),
        routing=True,
    ),
    _format(
        "fedex",
        "FedEx Ground GSN",
        r"96[0-9]{18}(?P<serial>[0-9]{13})(?P<check>[0-9])",
        _mod11(1, 7, 3),
    ),
    _format(
        "fedex",
        "FedEx Ground 96",
        r"96[0-9]{5}(?P<serial>[0-9]{14})(?P<check>[0-9])",
        _mod10(1, 3),
    ),
    # The SSCC-18 as printed after its GS1 application identifier (00): 20 digits.
    _format("fedex", "FedEx SSCC-18", r"00(?P<serial>[0-9]{17})(?P<check>[0-9])", _mod10(3, 1)),
    _format(
        "fedex",
        "FedEx ASTRA",
        r"3[0-9]{15}(?P<serial>[0-9]{11})(?P<check>[0-9])[0-9]{4}",
        _mod11(3, 1, 7),
    ),
    _format(
        "fedex",
        "FedEx 34-digit",
        r"[0-8][0-9]{19}(?P<serial>[0-9]{13})(?P<check>[0-9])",
        _mod11(1, 7, 3),
    ),
    _format("usps", "USPS 20-digit", r"(?P<serial>[0-9]{19})(?P<check>[0-9])", _mod10(3, 1)),
    # Legacy numbers printed without their AI: the check still counts a leading 91.
    _format(
        "usps",
        "USPS legacy 91",
        r"(?P<serial>[0-9]{19})(?P<check>[0-9])",
        _mod10(3, 1, prefix="91"),
        routing=True,
    ),
    # The data set checks the 15 digits after the 2-digit container type only.
    _format(
        "fedex", "FedEx SSCC-18", r"[0-9]{2}(?P<serial>[0-9]{15})(?P<check>[0-9])", _mod10(3, 1)
    ),
    _format("fedex", "FedEx Ground", r"(?P<serial>[0-9]{14})(?P<check>[0-9])", _mod10(1, 3)),
    _format("fedex", "FedEx 12-digit", r"(?P<serial>[0-9]{11})(?P<check>[0-9])", _mod11(3, 1, 7)),
    # No check digit. Narrower than the data set's "10-39 alphanumerics": a digit first and
    # at least ten digits, or "INTERNATIONAL" (IN + 11 letters) would be a DHL number.
    _format(
        "dhl",
        "DHL eCommerce",
        r"(?:GM|LX|RX|UV|CN|SG|TH|IN|HK|MY)(?=(?:[A-Z]*[0-9]){10})[0-9][0-9A-Z]{9,38}",
        None,
        _Strength.PREFIXED,
    ),
    _format("dhl", "DHL Express piece ID", r"J[A-Z]{2,3}[0-9]{9,10}", None, _Strength.PREFIXED),
    # Any 10-11 digits pass mod 7 one time in ten (one in seven of those ending 0-6), and
    # ten digits is also a US phone number: a weak signal on its own.
    _format(
        "dhl", "DHL Express", r"(?P<serial>[0-9]{9,10})(?P<check>[0-9])", _mod7, _Strength.WEAK
    ),
    _format("dhl", "DHL eCommerce 14-digit", r"[0-9]{14}", None, _Strength.WEAK),
)

_MAX_LENGTH = 41  # DHL eCommerce: 2 + 39
_MIN_DIGITS = 9  # every format above has at least nine digits
_MAX_WORDS = 12  # a number typed in groups of 3 or 4 has fewer; bounds the work per message
_ROUTING_PREFIXES = (re.compile(r"420[0-9]{5}", re.ASCII), re.compile(r"420[0-9]{9}", re.ASCII))
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015]+")
# "555-123-4567", "1 555 123 4567": grouped like a phone number, so not read as DHL.
_PHONE_GROUPS = re.compile(r"(?:\+?1[\s-]+)?[0-9]{3}[\s-]+[0-9]{3}[\s-]+[0-9]{4}", re.ASCII)
# A US number without separators: area code and exchange both start with 2-9.
_NANP = re.compile(r"1?[2-9][0-9]{2}[2-9][0-9]{6}", re.ASCII)
# Masked out of free text before numbers are joined across spaces and dashes.
_PHONES_AND_DATES = re.compile(
    r"(?<![0-9A-Za-z])(?:"
    r"\+[0-9]{8,15}"
    r"|(?:\+?1[ .-]?)?(?:\([0-9]{3}\)|[0-9]{3})[ .-]?[0-9]{3}[ .-][0-9]{4}"
    r"|[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}"
    r"|[0-9]{1,2}[-/.][0-9]{1,2}[-/.](?:[0-9]{4}|[0-9]{2})"
    r")(?![0-9A-Za-z])",
    re.ASCII,
)
_WORD = re.compile(r"[0-9A-Za-z]+", re.ASCII)
_JOINER = re.compile(r"[ \t-]+")
_LETTER_PAIR = re.compile(r"[A-Za-z]{2}", re.ASCII)
_DIGIT = re.compile(r"[0-9]", re.ASCII)
_AROUND = " \t\r\n.,;:!?#\"'()"


def compact(text: str) -> str:
    """`text` without spaces or dashes, in upper case: the form every format is matched on."""
    return _SEPARATORS.sub("", text).upper()


def detect(text: str) -> list[Match]:
    """Every format, most specific first, whose shape and check digit fit `text`.

    `text` holds one number; spaces and dashes are ignored. Overlapping formats (a 34-digit
    number that is both USPS IMpb and FedEx) give one Match each. Random 10-11 digit strings
    pass DHL's mod 7 check one time in ten; text grouped like a phone number never does.
    """
    if _PHONE_GROUPS.fullmatch(text.strip()):
        return []
    return _readings(compact(text))


def carriers_for(text: str) -> list[str]:
    """The distinct carriers of `detect(text)`, most specific first."""
    return list(dict.fromkeys(match.carrier for match in detect(text)))


def find_tracking_numbers(body: str) -> list[Match]:
    """Tracking numbers in a free-text message, each once, in order of appearance.

    Numbers may be split by spaces or dashes ("9400 1112 0620 6406 2607 87"); phone numbers
    and dates are set aside first. A number with several readings (USPS IMpb and FedEx 34)
    gives one Match per reading, next to each other, most specific first. Formats without a
    real check digit count only when they are unlikely to be anything else: a letter-prefixed
    one as one unbroken word, and a bare DHL Express (mod 7) or 14-digit number only as the
    whole message and only when it cannot be a US phone number. An order number in a
    sentence is far more likely than a DHL waybill, so "order 73891051146" finds nothing.
    """
    text = _PHONES_AND_DATES.sub(lambda m: "|" * len(m[0]), body)
    whole = body.strip(_AROUND)
    candidates: list[_Candidate] = []
    for words in _runs(text):
        for first in range(len(words)):
            for last in range(first, min(first + _MAX_WORDS, len(words))):
                start, end = words[first].start(), words[last].end()
                number = compact(text[start:end])
                if len(number) > _MAX_LENGTH:
                    break
                span = words[first : last + 1]
                if not _plausible(span, number):
                    continue
                alone = body[start:end] == whole
                readings = tuple(
                    match for fmt, match in _fitting(number) if _trusted(fmt, span, alone)
                )
                if readings:
                    candidates.append(_Candidate(start, end, len(span), readings))
    # Overlaps go to single words first (a number typed without spaces is not glued to its
    # neighbours), then to the longest span.
    chosen: list[_Candidate] = []
    for candidate in sorted(candidates, key=lambda c: (c.words > 1, c.start - c.end, c.start)):
        if all(candidate.end <= other.start or candidate.start >= other.end for other in chosen):
            chosen.append(candidate)
    found: dict[str, tuple[Match, ...]] = {}
    for candidate in sorted(chosen, key=lambda c: c.start):
        found.setdefault(candidate.readings[0].number, candidate.readings)
    return [match for readings in found.values() for match in readings]


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    words: int
    readings: tuple[Match, ...]


def _readings(number: str) -> list[Match]:
    return [match for _, match in _fitting(number)]


def _fitting(number: str) -> list[tuple[_Format, Match]]:
    """Every format that fits `number`, with its reading."""
    if len(number) > _MAX_LENGTH:
        return []
    fitting = []
    for fmt in _FORMATS:
        body = _fitting_body(fmt, number)
        if body is not None:
            fitting.append((fmt, Match(fmt.carrier, number, fmt.name, body)))
    return fitting


def _fitting_body(fmt: _Format, number: str) -> str | None:
    """The part of `number` that fits `fmt` (without a routing prefix), or None."""
    bodies = [number]
    if fmt.routing:
        bodies += [number[len(m[0]) :] for p in _ROUTING_PREFIXES if (m := p.match(number))]
    return next((body for body in bodies if _valid(fmt, body)), None)


def _valid(fmt: _Format, body: str) -> bool:
    found = fmt.pattern.fullmatch(body)
    if found is None:
        return False
    return fmt.check is None or fmt.check(found["serial"], found["check"])


def _runs(text: str) -> Iterator[list[re.Match[str]]]:
    """Runs of words joined only by spaces, tabs or dashes."""
    run: list[re.Match[str]] = []
    for word in _WORD.finditer(text):
        if run and not _JOINER.fullmatch(text, run[-1].end(), word.start()):
            yield run
            run = []
        run.append(word)
    if run:
        yield run


def _plausible(span: list[re.Match[str]], number: str) -> bool:
    # A word without digits joins a number only as a two-letter end ("RB 123456785 US"),
    # so "a 1234567890" is not read as a UPS waybill starting with A.
    if sum(c.isdigit() for c in number) < _MIN_DIGITS:
        return False
    return all(
        _DIGIT.search(word[0]) or (word in (span[0], span[-1]) and _LETTER_PAIR.fullmatch(word[0]))
        for word in span
    )


def _trusted(fmt: _Format, span: list[re.Match[str]], alone: bool) -> bool:
    if fmt.strength is _Strength.PREFIXED:
        return len(span) == 1
    if fmt.strength is _Strength.WEAK:
        return alone and not _NANP.fullmatch("".join(word[0] for word in span))
    return True
