"""SQLite placeholders translated for PostgreSQL, once per statement."""

from __future__ import annotations

import pytest

from smsbot.store.postgres.adapter import translate


@pytest.mark.parametrize(
    ("sqlite", "postgres"),
    [
        ("SELECT 1", "SELECT 1"),
        ("a = ? AND b = ?", "a = $1 AND b = $2"),
        ("VALUES (?1, ?2, ?8, ?8)", "VALUES ($1, $2, $8, $8)"),
        ("x = ?3 AND y = ?", "x = $3 AND y = $4"),  # a bare ? follows the largest so far
        ("x = '?' AND y = ?", "x = '?' AND y = $1"),
        ("x = 'it''s ?' AND y = ?", "x = 'it''s ?' AND y = $1"),
        ('"a?b" = ?', '"a?b" = $1'),
        ("x = ? -- why?\n AND y = ?", "x = $1 -- why?\n AND y = $2"),
        ("x LIKE '%a%' AND y = ?", "x LIKE '%a%' AND y = $1"),
    ],
)
def test_placeholders(sqlite: str, postgres: str) -> None:
    assert translate(sqlite) == postgres


def test_a_statement_is_translated_once() -> None:
    translate.cache_clear()
    sql = "SELECT ? FROM t WHERE a = ?"
    for _ in range(3):
        translate(sql)
    assert translate.cache_info().hits == 2
