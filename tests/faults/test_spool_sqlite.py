"""Issue 15/21, faults: texts arriving while the SQLite store refuses them are not lost.

The store is wrapped (in this test only) so that opening a turn raises `StoreError`, as a
full or locked disk would. Each text still gets the honest fallback with status 200; it is
spooled; once the store answers again the replay logs it, honours its STOP, and queues the
answer to an order question in the outbox as a follow-up, exactly once.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from anyio.from_thread import BlockingPortal
from starlette.testclient import TestClient

import smsbot.services
import smsbot.spool.replay
from smsbot.config import Settings
from smsbot.orders.demo import DEMO_ORDERS
from smsbot.services import Services
from smsbot.spool.replay import SpoolReplay
from smsbot.store import Store, StoreError, open_store
from smsbot.web.app import create_app
from smsbot.wording import replies
from smsbot.wording.replies import Wording
from tests.conftest import (
    OWNER,
    PUBLIC_URL,
    STRANGER,
    SettingsFactory,
    post_sms,
    reply_text,
    sms_form,
)


@dataclass
class Outage:
    """Whether the store is down, and after how many more turns it goes down (or None)."""

    down: bool = False
    turns_left: int | None = None


class FailingStore:
    """The real store, except that opening a turn fails while the outage lasts."""

    def __init__(self, store: Store, outage: Outage) -> None:
        self._store = store
        self._outage = outage

    async def open_turn(self, *args: Any, **kwargs: Any) -> Any:
        outage = self._outage
        if outage.turns_left is not None:
            outage.down = outage.turns_left <= 0
            outage.turns_left -= 1
        if outage.down:
            raise StoreError("database or disk is full")
        return await self._store.open_turn(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


@pytest.fixture
def outage(monkeypatch: pytest.MonkeyPatch) -> Outage:
    state = Outage()

    async def failing_open(url: str, **kwargs: Any) -> Any:
        return FailingStore(await open_store(url, **kwargs), state)

    monkeypatch.setattr(smsbot.services, "open_store", failing_open)
    # The test replays by hand: the background round must not take the spool meanwhile.
    monkeypatch.setattr(smsbot.spool.replay, "POLL_S", 3600.0)
    return state


def _fallback(settings: Settings) -> str:
    now = datetime.now(UTC)
    return replies.unavailable(Wording(settings.bot.language, settings.bot.timezone, now, 3))


def _text(client: TestClient, body: str, sender: str = OWNER) -> tuple[str, str | None]:
    form = sms_form(body, sender)
    response = post_sms(client, form)
    assert response.status_code == 200  # never a 5xx into Twilio
    return form["MessageSid"], reply_text(response)


@pytest.fixture
def down(
    settings: Settings, outage: Outage
) -> Iterator[tuple[TestClient, BlockingPortal, Services]]:
    """The app under its lifespan, its store down from the first text on."""
    app = create_app(settings, seed_orders=DEMO_ORDERS)
    with TestClient(app, base_url=PUBLIC_URL) as client:
        outage.down = True
        assert client.portal is not None
        yield client, client.portal, app.state.services


def test_texts_during_an_outage_are_spooled_then_logged_honoured_and_followed_up(
    settings: Settings,
    outage: Outage,
    tmp_path: Any,
    down: tuple[TestClient, BlockingPortal, Services],
) -> None:
    client, portal, bot = down
    order_sid, order_reply = _text(client, "1002")
    stop_sid, _ = _text(client, "STOP", STRANGER)
    help_sid, help_reply = _text(client, "HELP")
    assert order_reply == help_reply == _fallback(settings)
    (spooled,) = (tmp_path / "spool").iterdir()
    assert spooled.stat().st_mode & 0o077 == 0
    assert OWNER in spooled.read_text() and "FromCountry" not in spooled.read_text()

    outage.down = False
    assert portal.call(bot.spool_replay.replay_once) == 3
    assert list((tmp_path / "spool").iterdir()) == []
    logged = {m.sid: m.intent for m in portal.call(bot.store.recent_messages, 20)}
    assert {order_sid, stop_sid, help_sid} <= set(logged)
    assert logged[stop_sid] == "opt_out"
    assert portal.call(bot.store.is_opted_out, STRANGER)
    outbox = {m.key: m for m in portal.call(bot.store.recent_outbox, 20)}
    follow_up = outbox[f"spool:{order_sid}"]
    assert follow_up.phone == OWNER and follow_up.body.startswith("Order 1002")
    assert f"spool:{help_sid}" in outbox  # HELP answered too
    assert f"spool:{stop_sid}" not in outbox  # Twilio itself answers STOP on SMS
    # A second round finds nothing, and nothing is queued twice.
    assert portal.call(bot.spool_replay.replay_once) == 0
    assert len(portal.call(bot.store.recent_outbox, 20)) == len(outbox)


def test_an_outage_mid_replay_keeps_the_spool_and_the_next_round_finishes_it(
    outage: Outage, tmp_path: Any, down: tuple[TestClient, BlockingPortal, Services]
) -> None:
    client, portal, bot = down
    sids = [_text(client, body)[0] for body in ("1002", "1001")]
    outage.turns_left = 1  # the first replayed text is taken, then the store fails again
    assert portal.call(bot.spool_replay.replay_once) == 1
    assert len(list((tmp_path / "spool").iterdir())) == 1  # kept: nothing removed
    outage.turns_left = None
    outage.down = False
    assert portal.call(bot.spool_replay.replay_once) == 2  # the first is not replayed again
    assert list((tmp_path / "spool").iterdir()) == []
    logged = [m.sid for m in portal.call(bot.store.recent_messages, 20)]
    assert sorted(logged) == sorted(sids)
    outbox = {m.key: m.body for m in portal.call(bot.store.recent_outbox, 20)}
    assert sorted(outbox) == sorted(f"spool:{sid}" for sid in sids)  # each exactly once


def test_after_a_crash_mid_replay_a_new_process_replays_all_without_doubles(
    settings: Settings,
    outage: Outage,
    tmp_path: Any,
    down: tuple[TestClient, BlockingPortal, Services],
) -> None:
    client, portal, bot = down
    sids = [_text(client, body)[0] for body in ("1002", "1001")]
    outage.turns_left = 1
    assert portal.call(bot.spool_replay.replay_once) == 1  # then "killed": files stay
    outage.turns_left = None
    outage.down = False
    fresh = SpoolReplay(bot.spool, bot.conversation, bot.outbox, settings)  # the next start
    assert portal.call(fresh.replay_once) == 2  # the first answers as a duplicate
    assert list((tmp_path / "spool").iterdir()) == []
    logged = [m.sid for m in portal.call(bot.store.recent_messages, 20)]
    assert sorted(logged) == sorted(sids)
    outbox = {m.key: m.body for m in portal.call(bot.store.recent_outbox, 20)}
    assert sorted(outbox) == sorted(f"spool:{sid}" for sid in sids)  # each exactly once
    assert outbox[f"spool:{sids[0]}"].startswith("Order 1002")


def test_the_spool_folder_is_private_even_under_a_loose_umask(
    settings: Settings, outage: Outage, tmp_path: Any
) -> None:
    previous = os.umask(0)
    try:
        app = create_app(settings, seed_orders=DEMO_ORDERS)
        with TestClient(app, base_url=PUBLIC_URL) as client:
            outage.down = True
            _text(client, "1002")
    finally:
        os.umask(previous)
    (spooled,) = (tmp_path / "spool").iterdir()
    assert spooled.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "spool").stat().st_mode & 0o777 == 0o700


def test_the_background_task_replays_the_spool_by_itself(
    make_settings: SettingsFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    outage = Outage(down=True)

    async def failing_open(url: str, **kwargs: Any) -> Any:
        return FailingStore(await open_store(url, **kwargs), outage)

    monkeypatch.setattr(smsbot.services, "open_store", failing_open)
    monkeypatch.setattr(smsbot.spool.replay, "POLL_S", 0.1)
    spool = tmp_path / "elsewhere"
    settings = make_settings(store={"spool_dir": str(spool)})
    app = create_app(settings, seed_orders=DEMO_ORDERS)
    with TestClient(app, base_url=PUBLIC_URL) as client:
        sid, reply = _text(client, "1002")
        assert reply == _fallback(settings) and any(spool.iterdir())
        time.sleep(0.5)  # rounds while the store is still down keep the spool
        assert any(spool.iterdir())
        outage.down = False
        deadline = time.monotonic() + 20
        while any(spool.iterdir()) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(spool.iterdir())
        portal, bot = client.portal, app.state.services
        assert portal is not None
        keys = [m.key for m in portal.call(bot.store.recent_outbox, 20)]
        assert keys == [f"spool:{sid}"]
