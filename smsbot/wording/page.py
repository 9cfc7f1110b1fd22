"""The tracking page's sentences per language, and the page's language choice (issue 17).

One table per language (`page_en.py`, `page_es.py`) with the same keys; a key a table
leaves out is said in English.
"""

from __future__ import annotations

from collections.abc import Mapping

from smsbot.wording.languages import code_of
from smsbot.wording.page_en import PAGE_EN
from smsbot.wording.page_es import PAGE_ES

PAGES: dict[str, Mapping[str, str]] = {"en": PAGE_EN, "es": PAGE_ES}


def page_say(code: str, key: str, **fields: object) -> str:
    """The page sentence `key` in language `code` (else English), filled in."""
    table = PAGES.get(code_of(code) or "en", PAGE_EN)
    template = table.get(key) or PAGE_EN[key]
    return template.format(**fields) if fields else template


def page_language(locale: str | None, accept_language: str | None, default: str) -> str:
    """The page's language: the order's locale, else the browser's best `Accept-Language`
    we speak (by q-value), else `default`, else English."""
    for choice in (locale, *_accepted(accept_language or ""), default):
        code = code_of(choice)
        if code in PAGES:
            return code
    return "en"


def _accepted(header: str) -> list[str]:
    """The languages of an Accept-Language header, best first (q=0 means "not this")."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:20]):
        name, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if name and quality > 0:
            ranked.append((-quality, position, name.strip()))
    return [name for _, _, name in sorted(ranked)]
