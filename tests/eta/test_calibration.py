"""Calibration: the share of deliveries inside the window told, per carrier and lane, the
median width, and the excluded history rows; in `smsbot report` too."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from smsbot.cli import main
from smsbot.config import EtaSettings
from smsbot.eta.calibration import calibration
from smsbot.eta.window import Basis, Estimate, Rung, Stage
from smsbot.store import Delivery, Store, open_store

T0 = datetime(2025, 3, 3, 15, tzinfo=UTC)  # a Monday


def _told(low: int, high: int, label: str = "ups ground -> US-112") -> Estimate:
    return Estimate(
        stage=Stage.DELIVERY,
        since=T0.date(),
        earliest=T0.date() + timedelta(days=low),
        latest=T0.date() + timedelta(days=high),
        business_days=(low, high),
        basis=Basis(Rung.LANE, 120, label),
    )


async def _seed(store: Store) -> None:
    arrivals = {"1": 2, "2": 3, "3": 6}  # days after T0; the window told is days 2-4
    deliveries = [
        Delivery("ups", n, T0 + timedelta(days=d, hours=8), T0, destination_country="US",
                 destination_postal_code="11201")
        for n, d in arrivals.items()
    ]  # fmt: skip
    # 23:30 in New York on day 4 is day 5 in UTC: still inside, dated where it arrived.
    deliveries.append(
        Delivery("ups", "4", T0 + timedelta(days=4, hours=13, minutes=30), T0,
                 destination_country="US", destination_postal_code="11201")
    )  # fmt: skip
    bad = Delivery("ups", "X", T0 - timedelta(days=1), T0)  # delivered before ordered
    await store.import_deliveries([*deliveries, bad])
    for number in ("1", "2", "3", "4", "5"):  # 5: not delivered yet
        await store.record_told(f"O{number}", "ups", number, _told(2, 4), T0)
    await store.record_told("O9", "fedex", "9", _told(1, 2, "fedex"), T0)


async def test_the_share_inside_per_lane_and_the_excluded_rows(store: Store) -> None:
    await _seed(store)
    found = await calibration(store, EtaSettings(), T0 - timedelta(days=1), T0 + timedelta(days=9))
    by_label = {lane.label: lane for lane in found.lanes}
    ups = by_label["ups ground -> US-112"]
    assert (ups.told, ups.delivered, ups.inside) == (5, 4, 3)
    assert ups.inside_share == 0.75 and ups.median_width == 2
    fedex = by_label["fedex"]
    assert (fedex.told, fedex.delivered, fedex.inside_share) == (1, 0, None)
    assert found.excluded == {"delivered before ordered": 1} and found.excluded_total == 1
    later = await calibration(store, EtaSettings(), T0 + timedelta(hours=1), T0 + timedelta(days=9))
    assert later.lanes == ()


def test_smsbot_report_shows_the_calibration(tmp_path: Path) -> None:
    database = tmp_path / "smsbot.db"

    async def fill() -> None:
        async with await open_store(f"sqlite:///{database}") as store:
            await _seed(store)

    asyncio.run(fill())
    config = tmp_path / "smsbot.toml"
    config.write_text(f'[store]\npath = "{database}"\n\n[carriers.demo]\n', encoding="utf-8")
    common = ["report", "--config", str(config), "--since", "7d", "--until", "2025-03-08T00:00:00Z"]
    result = CliRunner().invoke(main, [*common, "--format", "csv"])
    assert result.exit_code == 0, result.output
    figures = dict(csv.reader(io.StringIO(result.output)))
    assert figures["Delivered inside the window: ups ground -> US-112"] == "75.0%"
    assert figures["Median window width: ups ground -> US-112"] == "2 business days"
    assert figures["ETA windows told: fedex"] == "1"
    assert figures["ETA history rows excluded: delivered before ordered"] == "1"
    data = json.loads(CliRunner().invoke(main, [*common, "--format", "json"]).output)
    lanes = {lane["label"]: lane for lane in data["eta_calibration"]["lanes"]}
    assert lanes["ups ground -> US-112"]["inside_share"] == 0.75
    assert data["eta_calibration"]["excluded"] == 1
