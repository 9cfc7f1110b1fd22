"""Three `smsbot watch --once` processes over one store (issue 15): they split the due
shipments by claiming orders (every UPS number asked once in all), and a carrier's hourly
budget is counted in the store, so together they ask USPS no more than its budget."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.fakecarriers import CLIENT_ID, CLIENT_SECRET
from tests.scale.procs import config, start
from tests.test_carriers_end_to_end import Fake, fake
from tests.test_end_to_end import smsbot

__all__ = ["fake"]  # the fixture

USPS_BUDGET = 4


def numbers(count: int, stem: str) -> list[str]:
    return [f"{stem}{n:04d}" for n in range(count)]


@pytest.fixture
def watchers(tmp_path: Path, shared_url: str, fake: Fake) -> list[Path]:
    carriers = "".join(
        f"""
[carriers.{name}]
base_url = "{fake.url}"
client_id = "{CLIENT_ID}"
client_secret = "{CLIENT_SECRET}"
requests_per_second = 100
"""
        for name in ("ups", "usps")
    )
    extra = f"[budgets]\nusps = {USPS_BUDGET}\n{carriers}"
    folders = [tmp_path / f"w{n}" for n in range(3)]
    for folder in folders:
        config(folder, shared_url, extra=extra)
    rows = [
        f"U{n},(202) 555-01{n:02d},,,,ups,{number},outbound\n"
        for n, number in enumerate(numbers(10, "1Z999AA1012345"))
    ] + [
        f"S{n},(202) 555-02{n:02d},,,,usps,{number},outbound\n"
        for n, number in enumerate(numbers(10, "940010910425053290"))
    ]
    (folders[0] / "orders.csv").write_text(
        "order_number,phone,email,postal_code,name,carrier,tracking_number,kind\n" + "".join(rows),
        encoding="utf-8",
    )
    imported = smsbot("import-orders", "orders.csv", cwd=folders[0])
    assert imported.returncode == 0, imported.stdout + imported.stderr
    return folders


def checked(output: str) -> int:
    found = re.search(r"watch: (\d+) shipments checked", output)
    assert found is not None, output
    return int(found.group(1))


def test_watchers_split_the_work_and_share_the_budget(watchers: list[Path], fake: Fake) -> None:
    processes = [start(folder, "watch", "--once") for folder in watchers]
    outputs = [process.communicate(timeout=120)[0] for process in processes]
    assert [process.returncode for process in processes] == [0, 0, 0], outputs
    counts = fake.counts()
    assert counts["ups"]["track"] == 10, counts  # each number once, whoever asked
    assert counts["usps"]["track"] == USPS_BUDGET, counts  # the budget, not 3 x the budget
    assert sum(checked(output) for output in outputs) == 10 + USPS_BUDGET, outputs
    # A second round asks nobody again within the hour: UPS is fresh, USPS's budget is spent.
    again = [start(folder, "watch", "--once") for folder in watchers[:2]]
    for process in again:
        process.communicate(timeout=120)
    assert fake.counts()["usps"]["track"] == USPS_BUDGET
