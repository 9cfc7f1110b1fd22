"""The one order-number rule: an order number may be imported only if it can be texted.

`bot.order_number_pattern` says what a customer's text calls an order number; `OrderNumbers`
reads texts with it (`find`) and vets imported numbers with the very same reading
(`problem`), so every number that imports is found when a customer texts it, and one that
would not be is refused at import with the reason.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from smsbot.config import DEFAULT_ORDER_PATTERN
from smsbot.lookup.detect import find_tracking_numbers

#: What the store keeps: 1-40 letters, digits, '-' or '_' (the pattern may allow less).
STORED_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,40}")
#: Words that put an order number right after them: "order 1002", "pedido #77".
_ORDER_CUE = re.compile(r"(?:\b(?:order|pedido|orden|no\.?|number|numero)\s*#?\s*)$")


def fold(text: str) -> str:
    """Lower case without accents, as typed words are compared: "Dónde está" → "donde esta"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize_order_number(text: str) -> str:
    """The canonical form of an order number: trimmed, no leading '#', upper case."""
    return text.strip().lstrip("#").strip().upper()


@dataclass(frozen=True)
class OrderNumbers:
    """Order numbers as `pattern` (`bot.order_number_pattern`) reads them."""

    pattern: re.Pattern[str] = re.compile(DEFAULT_ORDER_PATTERN)

    def find(self, body: str) -> str | None:
        """The order number in a customer's text, normalized, or None.

        Several candidates: one right after "#", "order" or "pedido" wins, else the first
        with at least three digits, else the first. A bare short number ("1") counts only
        alone.
        """
        matches = [match for match in self.pattern.finditer(body) if match.group(0).strip("#-")]
        if not matches:
            return None
        choose: Callable[[re.Match[str]], bool]
        for choose in (
            lambda match: (
                match.group(0).startswith("#")
                or bool(_ORDER_CUE.search(fold(body[: match.start()])))
            ),
            lambda match: sum(ch.isdigit() for ch in match.group(0)) >= 3,
        ):
            for match in matches:
                if choose(match):
                    return normalize_order_number(match.group(0))
        if len(matches) == 1 and matches[0].group(0).strip("#") == body.strip().lstrip("#"):
            return normalize_order_number(matches[0].group(0))
        return None

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
