"""The languages we speak, each one table in its own module of pure data.

To add a language, copy `wording/en.py` to `wording/<code>.py`, translate it, and list it
in `LANGUAGES`; a template it leaves out is said in English.
"""

from __future__ import annotations

from smsbot.wording.en import ENGLISH
from smsbot.wording.es import SPANISH
from smsbot.wording.table import Language

LANGUAGES: dict[str, Language] = {table.code: table for table in (ENGLISH, SPANISH)}
FALLBACK = "en"


def code_of(language: str | None) -> str | None:
    """Our code for "es", "es-MX" or "ES_mx"; None for a language we don't speak."""
    code = (language or "").lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else None


def language(code: str) -> Language:
    """The table for `code` ("es-MX" reads as "es"); English for a language we don't speak."""
    return LANGUAGES[code_of(code) or FALLBACK]
