"""SMS encoding and length: GSM-7 or UCS-2, and how many segments a text is billed as.

Counting follows Twilio's segment calculator: an escape pair or a surrogate pair never splits.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

#: The GSM 03.38 default alphabet (one septet each), without the escape code itself.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: The extension table: each of these costs two septets (escape + character).
GSM7_EXTENDED = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_PART = 160, 153  # septets; a concatenated part carries a 6-byte header
UCS2_SINGLE, UCS2_PART = 70, 67  # UTF-16 code units

#: Smart punctuation and odd spaces -> GSM-7 look-alikes (Twilio's Smart Encoding map, in part).
LOOK_ALIKES: dict[str, str] = {
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032`\u00b4", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2022\u2043\u00b7", "-"),
    **dict.fromkeys("\t\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006", " "),
    **dict.fromkeys("\u2007\u2008\u2009\u200a\u202f\u205f\u3000", " "),
    **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff\u00ad", ""),
    "\u2026": "...",
}


def is_gsm7(text: str) -> bool:
    """True when every character of `text` is in the GSM-7 alphabet or its extension."""
    return all(char in GSM7_BASIC or char in GSM7_EXTENDED for char in text)


def segment_count(text: str) -> int:
    """How many SMS segments `text` is sent as (0 for the empty text).

    GSM-7: 160 septets in one segment, 153 per part; extension characters cost 2.
    UCS-2 (any other character present): 70 UTF-16 code units, 67 per part; emoji cost 2.
    """
    if is_gsm7(text):
        costs = [2 if char in GSM7_EXTENDED else 1 for char in text]
        single, part = GSM7_SINGLE, GSM7_PART
    else:
        costs = [2 if ord(char) > 0xFFFF else 1 for char in text]
        single, part = UCS2_SINGLE, UCS2_PART
    total = sum(costs)
    if total <= single:
        return 1 if total else 0
    segments, used = 1, 0
    for cost in costs:  # a pair that would straddle a boundary moves whole to the next part
        if used + cost > part:
            segments, used = segments + 1, 0
        used += cost
    return segments


def to_gsm7(text: str) -> str:
    """Replace characters that have GSM-7 look-alikes; leave the rest (emoji, CJK) as is.

    Smart punctuation and exotic spaces map as Twilio's Smart Encoding does; letters outside
    GSM-7 lose their accent ("á" -> "a", while "é", "ñ", "ü" are GSM-7 and stay); full-width
    forms become ASCII. For carrier-provided text that goes into our replies.
    """
    out: list[str] = []
    for char in text:
        if char in GSM7_BASIC or char in GSM7_EXTENDED:
            out.append(char)
        elif char in LOOK_ALIKES:
            out.append(LOOK_ALIKES[char])
        else:
            plain = "".join(
                part
                for part in unicodedata.normalize("NFKD", char)
                if not unicodedata.combining(part)
            )
            out.append(plain if plain and is_gsm7(plain) else char)
    return "".join(out)


def word_prefixes(text: str | None, *, ellipsis: bool, limit: int = 0) -> Iterator[str]:
    """`text`, then ever shorter cuts at word boundaries, ending "..." when `ellipsis`.

    With `limit`, only the cuts of at most `limit` characters. Nothing for empty text.
    """
    if not text:
        return
    words = text.split(" ")
    for count in range(len(words), 0, -1):
        cut = " ".join(words[:count])
        if count < len(words):
            cut = cut.rstrip(",;:.-") + ("..." if ellipsis else "")
        if not limit or len(cut) <= limit:
            yield cut


def truncate(text: str, max_segments: int, *, suffix: str = "") -> str:
    """`text` cut after a whole word, with "..." and then " `suffix`", to fit `max_segments`.

    `text` is returned unchanged when it (with the suffix) already fits.
    """
    for cut in word_prefixes(text, ellipsis=True):
        candidate = f"{cut} {suffix}" if suffix else cut
        if segment_count(candidate) <= max_segments:
            return candidate
    return suffix or text[: UCS2_PART * max_segments]  # one unbreakable giant word
