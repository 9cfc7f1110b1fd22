"""The shape of one language's sentences: a `Language` table (see `wording/languages.py`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from smsbot.tracking import DelayReason, Status
from smsbot.view.step import NextStep


@dataclass(frozen=True)
class Language:
    """Every sentence of one language. Our own text stays GSM-7 (a test checks it).

    `replies` and `notices` are templates keyed by message name; fragments that start with a
    separator (", arriving {when}", " near {place}") are spliced in only when their value is
    known. `statuses`, `delays` and `steps` name the values of those enums.
    """

    code: str  # ISO 639-1: "en"
    replies: Mapping[str, str]
    notices: Mapping[str, str]
    statuses: Mapping[Status, str]
    delays: Mapping[DelayReason, str]
    steps: Mapping[NextStep, str]  # "{carrier}" is the carrier's display name
    weekdays: tuple[str, ...]  # Monday first
    months: tuple[str, ...]
