"""`ToldLog`: the one way surfaces keep the windows they told, once per parcel."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from smsbot.eta.told import ToldLog
from smsbot.eta.window import Basis, Estimate, Rung, Stage
from smsbot.store import open_store
from smsbot.store.sqlite import SqliteStore

NOW = datetime(2025, 11, 24, 15, 0, tzinfo=UTC)
WINDOW = Estimate(
    Stage.TRANSIT, date(2025, 11, 24), date(2025, 11, 26), date(2025, 11, 28), (2, 4),
    Basis(Rung.LANE, 240, "ups -> US-112"),
)  # fmt: skip


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = await open_store(f"sqlite:///{tmp_path / 'smsbot.db'}")
    assert isinstance(opened, SqliteStore)
    try:
        yield opened
    finally:
        await opened.close()


async def test_a_parcel_is_written_once_however_often_it_is_told(store: SqliteStore) -> None:
    told = ToldLog(store)
    await told.keep("1001", [("ups", "1ZA", WINDOW)], NOW)
    trips = store.trips
    for _ in range(5):  # the same parcel texted about again: no store call
        await told.keep("1001", [("ups", "1ZA", WINDOW)], NOW)
    assert store.trips == trips
    await told.keep("1001", [("ups", "1ZA", WINDOW), ("ups", "1ZB", WINDOW)], NOW)
    assert store.trips == trips + 1  # only the new parcel
    assert [o.tracking_number for o in await store.told_outcomes()] == ["1ZA", "1ZB"]
    assert await store.record_told("1001", "ups", "1ZB", WINDOW, NOW) is False  # kept before


async def test_a_failure_is_logged_and_tried_again_next_time(
    store: SqliteStore, caplog: pytest.LogCaptureFixture
) -> None:
    told = ToldLog(store)
    with caplog.at_level(logging.ERROR, logger="smsbot.eta"):
        await told.keep("", [("ups", "1ZA", WINDOW)], NOW)  # refused by the store
        await told.keep("", [("ups", "1ZA", WINDOW)], NOW)  # not remembered: tried again
    failures = [r for r in caplog.records if "could not record the window told" in r.message]
    assert len(failures) == 2


async def test_the_memory_is_bounded(store: SqliteStore) -> None:
    told = ToldLog(store, remembered=2)
    for number in ("1", "2", "3"):
        await told.keep("1001", [("ups", number, WINDOW)], NOW)
    trips = store.trips
    await told.keep("1001", [("ups", "1", WINDOW)], NOW)  # forgotten: written again, ignored
    assert store.trips == trips + 1
