"""Issue 14, item 4 for order files: a carrier typo is a bad row with "did you mean", a
carrier no adapter serves is imported with a warning naming the row."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from smsbot.cli import main

HEADER = "order_number,phone,email,postal_code,name,carrier,tracking_number\n"
CARRIERS = '[carriers.demo]\n[carriers.fedex]\nmodule = "tests.adapters.knows"\n'


def _import(tmp_path: Path, name: str, text: str, *options: str) -> tuple[int, str, str]:
    (tmp_path / "smsbot.toml").write_text(
        f"[store]\npath = {str(tmp_path / 'smsbot.db')!r}\n{CARRIERS}", encoding="utf-8"
    )
    (tmp_path / name).write_text(text, encoding="utf-8")
    args = ["import-orders", str(tmp_path / name), "--config", str(tmp_path / "smsbot.toml")]
    result = CliRunner().invoke(main, [*args, *options])
    return result.exit_code, result.stdout, result.stderr


def _stored(tmp_path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(tmp_path / "smsbot.db") as db:
        rows = db.execute(
            "SELECT o.number, s.carrier FROM orders o JOIN shipments s ON s.order_id = o.id "
            "ORDER BY o.number"
        ).fetchall()
    return [(str(number), str(carrier)) for number, carrier in rows]


ROWS = (
    "1001,(202) 555-0123,,,Pat,demo,DEMO1001\n"
    "1002,(202) 555-0124,,,Sam,fedexx,123456789012\n"
    "1003,(202) 555-0125,,,Lee,ontrac,C11031500001234\n"
)


def test_a_typo_is_a_bad_row_that_names_the_carrier_it_resembles(tmp_path: Path) -> None:
    code, _, err = _import(tmp_path, "orders.csv", HEADER + ROWS)
    assert code == 2
    assert "1 bad row, nothing imported" in err
    assert "line 3: carrier 'fedexx' is no carrier smsbot knows; did you mean 'fedex'?" in err
    assert not (tmp_path / "smsbot.db").exists() or _stored(tmp_path) == []


def test_skip_invalid_imports_the_rest_and_keeps_carriers_without_an_adapter(
    tmp_path: Path,
) -> None:
    code, out, err = _import(tmp_path, "orders.csv", HEADER + ROWS, "--skip-invalid")
    assert code == 0, err
    assert "skipped" in err and "did you mean 'fedex'?" in err
    assert "line 4: carrier 'ontrac' (C11031500001234, order 1003) has no adapter" in err
    assert "[carriers.ontrac]" in err
    assert "3 rows read, 2 orders" in out and "1 bad row skipped" in out
    assert _stored(tmp_path) == [("1001", "demo"), ("1003", "ontrac")]


def test_json_rows_are_named_by_their_position(tmp_path: Path) -> None:
    orders = [
        {"order_number": "2001", "phone": "+12025550123", "shipments": [
            {"carrier": "demo", "tracking_number": "DEMO1002"},
            {"carrier": "upss", "tracking_number": "1Z999AA10123456784"},
        ]},
        {"order_number": "2002", "phone": "+12025550124", "shipments": [
            {"carrier": "fedex", "tracking_number": "123456789012"},
        ]},
    ]  # fmt: skip
    code, out, err = _import(tmp_path, "orders.json", json.dumps(orders), "--skip-invalid")
    assert code == 0, err
    assert "order #1: carrier 'upss' is no carrier smsbot knows; did you mean 'ups'?" in err
    assert "warning" not in err  # the typo'd order is not also warned about
    assert "2 rows read, 1 order " in out
    assert _stored(tmp_path) == [("2002", "fedex")]


def test_adapters_that_cannot_load_still_leave_the_typo_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "tests.setup.test_order_carriers.CARRIERS",
        '[carriers.demo]\n[carriers.odd]\nmodule = "tests.adapters.broken_import"\n',
    )
    code, _, err = _import(tmp_path, "orders.csv", HEADER + ROWS, "--skip-invalid")
    assert code == 0, err
    assert "warning: adapters not loaded" in err and "did you mean 'fedex'?" in err
    assert "ontrac" not in err  # whether it is served cannot be told: no warning
    assert _stored(tmp_path) == [("1001", "demo"), ("1003", "ontrac")]
