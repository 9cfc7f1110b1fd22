"""`Wording`: what every sentence needs to be said (language, the merchant's zone, now),
and the two ways to fill a template: a reply's and a notice's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from smsbot.wording.en import ENGLISH
from smsbot.wording.languages import language
from smsbot.wording.segments import to_gsm7
from smsbot.wording.table import Language


@dataclass(frozen=True)
class Wording:
    """The context every reply and notice needs: language, the merchant's zone, and now."""

    language: str  # "en" | "es" (or "es-MX"); a language we don't speak is English
    timezone: ZoneInfo  # the merchant's bot.timezone
    now: datetime  # aware; decides "today"/"tomorrow" and whether a date shows its year
    max_segments: int = 3

    def __post_init__(self) -> None:
        if self.max_segments < 1:
            raise ValueError(f"max_segments must be at least 1, not {self.max_segments}")

    @property
    def table(self) -> Language:
        """The sentences of this language."""
        return language(self.language)

    @property
    def today(self) -> date:
        """Today in the merchant's zone."""
        return self.now.astimezone(self.timezone).date()


def say(w: Wording, key: str, **fields: object) -> str:
    """The reply template `key` in `w`'s language (else English), filled in."""
    template = w.table.replies.get(key) or ENGLISH.replies[key]
    return template.format(**fields).replace("....", "...")  # a cut note, then a full stop


def tell(w: Wording, key: str, **fields: object) -> str:
    """The notice template `key` in `w`'s language (else English), filled in."""
    template = w.table.notices.get(key) or ENGLISH.notices[key]
    return template.format(**fields)


def clean(text: str | None) -> str | None:
    """Carrier-provided text, made GSM-7 where it can be, on one line, without an end stop."""
    cleaned = " ".join(to_gsm7(text or "").split()).rstrip(" .")
    return cleaned or None
