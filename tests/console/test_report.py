"""`smsbot report` prints the figures of the seeded week (counted by hand in
tests/store/test_kpis.py) in every format."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner

from smsbot.cli import main
from smsbot.store import open_store
from tests.store.test_kpis import at, seed


def seeded_config(tmp_path: Path, *, views: bool = False) -> Path:
    database = tmp_path / "smsbot.db"

    async def fill() -> None:
        async with await open_store(f"sqlite:///{database}") as store:
            await seed(store)
            if views:  # UPS1 viewed 3 times, FDX3 once (tests/store/test_kpi_engagement.py)
                for number, tracking in (("A1", "UPS1"),) * 3 + (("A3", "FDX3"),):
                    await store.count_views(number, [tracking], at(5, 12))

    asyncio.run(fill())
    config = tmp_path / "smsbot.toml"
    config.write_text(f'[store]\npath = "{database}"\n\n[carriers.demo]\n', encoding="utf-8")
    return config


def report(config: Path, *args: str) -> str:
    result = CliRunner().invoke(
        main,
        [
            "report",
            "--config",
            str(config),
            "--since",
            "7d",
            "--until",
            "2024-11-08T00:00:00Z",
            *args,
        ],
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_report_in_every_format(tmp_path: Path) -> None:
    config = seeded_config(tmp_path)
    data = json.loads(report(config, "--format", "json"))
    assert data["orders_shipped"] == 4 and data["wismo_texts"] == 6
    assert data["wismo_per_100_orders"] == 150.0
    assert data["deflection_rate"] == 0.5
    assert data["answer_p50_s"] == 0.3 and data["answer_p95_s"] == 1.0
    assert {c["carrier"]: c["late"] for c in data["carriers"]} == {"fedex": 0, "ups": 1}
    figures = dict(csv.reader(io.StringIO(report(config, "--format", "csv"))))
    assert figures["WISMO texts per 100 orders shipped"] == "150.0"
    assert figures["Answered without a person (deflection)"] == "50.0%"
    assert figures["Still texted within 48 h: shipped"] == "75.0%"
    assert figures["Late vs first ETA: ups"] == "50.0%"
    text = report(config)
    assert "Time to answer p95" in text and "1.00 s" in text
    html = report(config, "--format", "html")
    assert '<th scope="row">Stall apologies followed by AGENT</th><td>100.0%</td>' in html


def test_report_refuses_a_bad_period(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["report", "--since", "soon"])
    assert result.exit_code == 2
    assert "is not a period like 30d" in result.output


def test_report_shows_tracking_page_engagement(tmp_path: Path) -> None:
    config = seeded_config(tmp_path, views=True)
    # 4 shipments shipped in the week, 4 views in all, 2 of them viewed.
    data = json.loads(report(config, "--format", "json"))
    assert data["tracking_page"] == {
        "shipments": 4, "viewed": 2, "views": 4, "views_per_shipment": 1.0, "viewed_share": 0.5
    }  # fmt: skip
    figures = dict(csv.reader(io.StringIO(report(config, "--format", "csv"))))
    assert figures["Tracking-page views per shipment"] == "1.0"
    assert figures["Shipments whose page was viewed"] == "50.0%"
    assert "Shipments whose page was viewed" in report(config)
    html = report(config, "--format", "html")
    assert '<th scope="row">Tracking-page views per shipment</th><td>1.0</td>' in html
