"""The background work of a running bot: maintenance without traffic, clean stops."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from starlette.testclient import TestClient

from smsbot.background import running
from smsbot.store import open_store
from smsbot.web.app import create_app
from tests.conftest import PUBLIC_URL, SettingsFactory

NOW = datetime(2025, 3, 10, 15, 0, tzinfo=UTC)
KEY = "sms:+12025550123"


async def remembered(path: Path, *, until: datetime) -> bool:
    """Whether the store still holds the verification of KEY for order 1001 (read as of
    an hour before it expires, so only a deletion makes this False)."""
    async with await open_store(path) as store:
        return await store.is_verified(KEY, "1001", until - timedelta(hours=1))


def test_maintenance_runs_without_any_message(make_settings: SettingsFactory) -> None:
    settings = make_settings()
    path = Path(settings.store.path)
    expired = NOW - timedelta(days=1)

    async def remember() -> None:
        async with await open_store(path) as store:
            await store.remember_verified(KEY, "1001", expired)

    asyncio.run(remember())
    assert asyncio.run(remembered(path, until=expired))
    app = create_app(settings, clock=lambda: NOW)
    with TestClient(app, base_url=PUBLIC_URL):  # no request at all
        deadline = datetime.now(UTC) + timedelta(seconds=10)
        while asyncio.run(remembered(path, until=expired)) and datetime.now(UTC) < deadline:
            asyncio.run(asyncio.sleep(0.02))
    assert not asyncio.run(remembered(path, until=expired))


async def test_a_loop_that_ignores_stop_is_cancelled_at_exit() -> None:
    started = asyncio.Event()

    async def stubborn(stop: asyncio.Event) -> None:
        started.set()
        await asyncio.sleep(3600)  # never looks at `stop`

    async def polite(stop: asyncio.Event) -> None:
        await stop.wait()

    async with running({"stubborn": stubborn, "polite": polite}, grace_s=0.05):
        await started.wait()
    names = {task.get_name() for task in asyncio.all_tasks()}
    assert not names & {"smsbot-stubborn", "smsbot-polite"}
