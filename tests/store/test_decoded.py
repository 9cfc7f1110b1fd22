"""SQLite: decoded tracking-cache rows kept in memory, never hiding another writer's row."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from smsbot.store.snapshot import result_to_json
from smsbot.store.sqlite import SqliteStore
from smsbot.store.sqlite.decoded import DecodedTracking
from smsbot.tracking import Status, TrackingResult
from tests.store.conftest import NOW


def result(status: Status) -> TrackingResult:
    return TrackingResult("ups", "1Z1", status, status.value, status.value)


async def test_a_row_is_decoded_once_and_redecoded_when_another_process_writes_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "smsbot.db"
    async with await SqliteStore.open(path) as store:
        await store.save_tracking(result(Status.IN_TRANSIT), NOW)
        first = await store.cached_tracking("ups", "1Z1")
        assert first is not None
        assert await store.cached_tracking("ups", "1Z1") is first  # the same decoded object

        with sqlite3.connect(path) as other:  # the watcher, another worker
            other.execute(
                "UPDATE tracking_cache SET result_json = ? WHERE carrier = 'ups'",
                (result_to_json(result(Status.DELIVERED)),),
            )
        changed = await store.cached_tracking("ups", "1Z1")
        assert changed is not None and changed.result.status is Status.DELIVERED

        await store.save_tracking(result(Status.OUT_FOR_DELIVERY), NOW)
        mine = await store.cached_tracking("ups", "1Z1")
        assert mine is not None and mine.result.status is Status.OUT_FOR_DELIVERY


def test_the_cache_is_bounded_least_recently_used_first(tmp_path: Path) -> None:
    connection = sqlite3.connect(":memory:")
    connection.execute(
        "CREATE TABLE tracking_cache (carrier TEXT, number TEXT, result_json TEXT, checked_at TEXT)"
    )
    for number in ("A", "B", "C"):
        row = TrackingResult("ups", number, Status.IN_TRANSIT, "x", "x")
        connection.execute(
            "INSERT INTO tracking_cache VALUES ('ups', ?, ?, ?)",
            (number, result_to_json(row), NOW.isoformat()),
        )
    decoded = DecodedTracking(max_entries=2)
    a = decoded.read(connection, "ups", "A")
    decoded.read(connection, "ups", "B")
    assert decoded.read(connection, "ups", "A") is a  # A is now the most recent
    decoded.read(connection, "ups", "C")  # B goes
    assert len(decoded) == 2
    assert decoded.read(connection, "ups", "A") is a
    assert decoded.read(connection, "ups", "Z") is None
