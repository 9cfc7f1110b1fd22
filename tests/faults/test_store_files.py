"""The SQLite store keeps names, phone numbers and message bodies: it is created private
(issue 21 item 6): the database and its WAL/SHM files 0600, a directory it creates 0700."""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from smsbot.store import open_store


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The usual umask (022), whatever the test runner has: files would be 0644."""
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.usefixtures("loose_umask")
def test_a_new_database_and_its_directory_are_private(tmp_path: Path) -> None:
    path = tmp_path / "data" / "smsbot.db"

    async def use() -> dict[str, int]:
        async with await open_store(str(path)) as store:
            await store.set_opted_out("+12025550123", "sms", True, _now())
            # While open in WAL mode, the -wal and -shm files exist next to the database.
            return {p.name: _mode(p) for p in path.parent.iterdir()}

    modes = asyncio.run(use())
    assert set(modes) >= {"smsbot.db", "smsbot.db-wal", "smsbot.db-shm"}
    assert modes == dict.fromkeys(modes, 0o600)
    assert _mode(path.parent) == 0o700


@pytest.mark.usefixtures("loose_umask")
def test_an_existing_directory_keeps_its_mode(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir(mode=0o755)
    path = tmp_path / "shared" / "smsbot.db"

    async def use() -> None:
        async with await open_store(str(path)):
            pass

    asyncio.run(use())
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o755  # not ours to change


def _now() -> datetime:
    return datetime(2024, 11, 23, 15, 0, tzinfo=UTC)
