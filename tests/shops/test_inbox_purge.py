"""The shop inbox keeps closed events for their time ([inbox]), then the maintenance task of
a running bot deletes them; `[inbox]` is validated."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from starlette.testclient import TestClient

from smsbot.config import Settings
from smsbot.errors import ConfigError
from smsbot.store import InboxState, open_store
from smsbot.web.app import create_app
from tests.conftest import PUBLIC_URL, SettingsFactory
from tests.shops.conftest import SHOP, SHOPIFY_SECRET, fixture, post_shopify


async def counts(settings: Settings) -> dict[InboxState, int]:
    async with await open_store(settings.store.url) as store:
        return await store.inbox_counts()


def run_maintenance_at(
    settings: Settings, moment: datetime, left: dict[InboxState, int], *, wait_s: float = 10
) -> dict[InboxState, int]:
    """Start the app with its clock at `moment` (maintenance runs at start) until the inbox
    holds `left` (`wait_s` at most); the counts then."""
    with TestClient(create_app(settings, clock=lambda: moment), base_url=PUBLIC_URL):
        deadline = datetime.now(UTC) + timedelta(seconds=wait_s)
        while asyncio.run(counts(settings)) != left and datetime.now(UTC) < deadline:
            asyncio.run(asyncio.sleep(0.05))
    return asyncio.run(counts(settings))


def test_closed_events_are_purged_after_their_time(make_settings: SettingsFactory) -> None:
    settings = make_settings(
        shopify={"webhook_secret": SHOPIFY_SECRET, "shop": SHOP},
        inbox={"keep_flagged_days": 30, "keep_done_days": 7},
    )
    with TestClient(create_app(settings), base_url=PUBLIC_URL) as client:
        post_shopify(client, "orders/create", fixture("shopify/order.json"))  # done
        post_shopify(client, "orders/create", None, raw=b"{not json")  # flagged

    now = datetime.now(UTC)
    nothing = dict.fromkeys(InboxState, 0)
    assert asyncio.run(counts(settings)) == {**nothing, InboxState.DONE: 1, InboxState.FLAGGED: 1}
    flagged_only = {**nothing, InboxState.FLAGGED: 1}
    assert run_maintenance_at(settings, now + timedelta(days=6), nothing, wait_s=1.5) != nothing
    assert run_maintenance_at(settings, now + timedelta(days=8), flagged_only) == flagged_only
    assert run_maintenance_at(settings, now + timedelta(days=31), nothing) == nothing
    # (pending events are never purged: tests/store/test_shop_orders.py)


def test_inbox_settings_are_validated(make_settings: SettingsFactory) -> None:
    assert make_settings().inbox.keep_flagged_days == 30
    assert make_settings().inbox.keep_done_days == 7
    with pytest.raises(ConfigError, match="keep_done_days"):
        make_settings(inbox={"keep_done_days": 1})
    with pytest.raises(ConfigError, match="keep_flagged_days"):
        make_settings(inbox={"keep_flagged_days": 0})
