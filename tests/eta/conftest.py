"""A fresh SQLite store per test (the ETA model reads its history through the Protocol)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from smsbot.store import Store, open_store


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with await open_store(f"sqlite:///{tmp_path / 'eta.db'}") as opened:
        yield opened
