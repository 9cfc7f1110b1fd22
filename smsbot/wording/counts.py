"""Counts in the English of the command line: "1 row", "2 rows" (issue 14).

The customer's sentences are per language (`en.py`, `es.py`); the terminal's reports, logs
and summaries are English only and use this one rule for their counts.
"""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """ "1 order", "0 orders", "2 orders"; `plural` for nouns that do not take an -s
    ("1 delivery", "2 deliveries")."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"
