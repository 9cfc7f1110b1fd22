"""The one order-number rule: an order number may be imported only if it can be texted.

`bot.order_number_pattern` says what a customer's text calls an order number; `OrderNumbers`
reads texts with it (`find`) and vets imported numbers with the very same reading
(`problem`), so every number that imports is found when a customer texts it, and one that
would not be is refused at import with the reason.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from smsbot.config import DEFAULT_ORDER_PATTERN
from smsbot.lookup.detect import find_tracking_numbers

#: What the store keeps: 1-40 letters, digits, '-' or '_' (the pattern may allow less).
STORED_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,40}")
#: Words that put an order number right after them: "order 1002", "pedido #77", "No. 5",
#: "nº 5" (folded to "no 5"), "orders 1001" (a list continues after it).
_ORDER_CUE = re.compile(
    r"(?:\b(?:orders?|pedidos?|ordene?s?|no\.?|n°|nums?\.?|numbers?|numeros?)\s*[:#]?\s*)$"
)
#: A number written with thousands separators, "1,001" or (es) "1.001": one number, not two.
_GROUPED = re.compile(r"(?<![\w.,-])\d{1,3}([,.])\d{3}(?:\1\d{3})*(?![\w-]|[.,]\d)")
#: Order numbers read from one text at most (each one still counts as a lookup).
MAX_NUMBERS = 10
#: Shapes tried, in order, for an example order number the configured rule reads whole.
_EXAMPLES = tuple(
    prefix + body + suffix
    for body in ("1001", "100001", "2026-00042")
    for suffix in ("", "-1")
    for prefix in ("", "SO-", "ORD-", "A", "W")
)


def fold(text: str) -> str:
    """Lower case without accents, as typed words are compared: "Dónde está" → "donde esta"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def ungroup(text: str) -> str:
    """`text` with thousands separators dropped from numbers: "1,001" -> "1001"."""
    return _GROUPED.sub(lambda match: match.group(0).replace(match.group(1), ""), text)


def normalize_order_number(text: str) -> str:
    """The canonical form of an order number: trimmed, no leading '#', upper case."""
    return text.strip().lstrip("#").strip().upper()


@dataclass(frozen=True)
class OrderNumbers:
    """Order numbers as `pattern` (`bot.order_number_pattern`) reads them."""

    pattern: re.Pattern[str] = re.compile(DEFAULT_ORDER_PATTERN)

    def find(self, body: str) -> str | None:
        """The order number in a customer's text, normalized, or None (the first of
        `find_all`)."""
        found = self.find_all(body)
        return found[0] if found else None

    def find_all(self, body: str) -> tuple[str, ...]:
        """Every order number in a customer's text, normalized, in order, at most
        `MAX_NUMBERS`; thousands separators are read as such ("1,001" is 1001).

        Numbers right after "#", "order" or "pedido" count, with the numbers that follow them
        ("orders 1001, 1002"); without such a cue, every number with at least three digits.
        A bare short number ("1") counts only alone.
        """
        text = ungroup(body)
        matches = [match for match in self.pattern.finditer(text) if match.group(0).strip("#-")]
        if not matches:
            return ()
        cued = [
            match.group(0).startswith("#") or bool(_ORDER_CUE.search(fold(text[: match.start()])))
            for match in matches
        ]
        long = [sum(ch.isdigit() for ch in match.group(0)) >= 3 for match in matches]
        first = cued.index(True) if any(cued) else 0
        chosen = [
            match.group(0)
            for index, match in enumerate(matches)
            if index >= first and (cued[index] or long[index])
        ]
        alone = len(matches) == 1 and matches[0].group(0).strip("#") == text.strip().lstrip("#")
        if not chosen and alone:  # a bare short number counts only alone
            chosen = [matches[0].group(0)]
        numbers = dict.fromkeys(normalize_order_number(number) for number in chosen)
        return tuple(numbers)[:MAX_NUMBERS]

    def example(self) -> str:
        """An order number in the shape this rule reads ("1001", "SO-2026-00042"), for the
        usage hint; "" when none of the usual shapes fits the rule."""
        for candidate in _EXAMPLES:
            if self.find(candidate) == candidate and not find_tracking_numbers(candidate):
                return candidate
        return ""

    def problem(self, raw: str) -> str | None:
        """Why `raw` (as the merchant wrote it) cannot be an order number, or None when it can.

        It can when the store can keep it and a customer texting it alone is answered about
        it: `find` reads it back whole, and it does not read as a tracking number (which a
        text is looked up as first).
        """
        number = normalize_order_number(raw)
        if not STORED_SHAPE.fullmatch(number):
            return f"order number {raw!r} must be 1-40 letters, digits, '-' or '_'"
        found = self.find(number)
        texted = f"order number {raw!r} could never be looked up by text"
        if found is None:
            return f"{texted}: bot.order_number_pattern finds no order number in it"
        if found != number:
            return f"{texted}: bot.order_number_pattern reads it as {found!r}"
        tracking = find_tracking_numbers(number)
        if tracking:
            return f"{texted}: it reads as a {tracking[0].carrier} tracking number"
        return None


#: The rule under the default `bot.order_number_pattern`.
DEFAULT_ORDER_NUMBERS = OrderNumbers()
