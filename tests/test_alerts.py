"""Merchant alerts: recorded once, POSTed as JSON to a fake receiver, retried; `smsbot alerts`."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from smsbot.cli import main
from smsbot.config import Settings
from smsbot.store import Store, StoredAlert, open_store
from smsbot.watch.alerts import MAX_ATTEMPTS, Alerts
from tests.conftest import SettingsFactory

HOOK = "https://hooks.example.com/smsbot"
PHONE = "+12125550123"
START = datetime(2024, 11, 23, 15, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Receiver:
    """A fake alerts webhook: records what it gets, answers from a plan (then 200)."""

    plan: list[int | Exception] = field(default_factory=list)
    received: list[httpx.Request] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.received.append(request)
        answer = self.plan.pop(0) if self.plan else 200
        if isinstance(answer, Exception):
            raise answer
        return httpx.Response(answer, json={"ok": answer == 200})

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(request.content) for request in self.received]


@dataclass
class Bench:
    alerts: Alerts
    store: Store
    receiver: Receiver
    clock: Clock


BenchFactory = Callable[..., AbstractAsyncContextManager[Bench]]


@pytest.fixture
def open_alerts(make_settings: SettingsFactory) -> BenchFactory:
    @asynccontextmanager
    async def opened(**alerts: Any) -> AsyncIterator[Bench]:
        settings = make_settings(alerts={"webhook_url": HOOK, "token": "hook-token", **alerts})
        store = await open_store(settings.store.path)
        receiver = Receiver()
        clock = Clock()
        try:
            async with httpx.AsyncClient(transport=httpx.MockTransport(receiver.handle)) as http:
                alerts_ = Alerts(settings, store, http, clock, rng=random.Random(3))
                yield Bench(alerts_, store, receiver, clock)
        finally:
            await store.close()

    return opened


async def raise_one(alerts: Alerts, key: str = "watch:7:label_never_scanned") -> bool:
    return await alerts.raise_alert(
        key=key,
        kind="label_never_scanned",
        order_number="1001",
        carrier="ups",
        tracking_number="1Z999AA10123456784",
        status="label_created",
        phone=PHONE,
        detail="No carrier scan 48 hours after the label was created.",
    )


async def only(store: Store) -> StoredAlert:
    [alert] = await store.recent_alerts()
    return alert


async def test_an_alert_is_posted_once_with_a_masked_phone(open_alerts: BenchFactory) -> None:
    async with open_alerts() as bench:
        assert await raise_one(bench.alerts)
        assert not await raise_one(bench.alerts)
        alert = await only(bench.store)
    assert alert.state == "delivered" and alert.delivered_at == START
    [request] = bench.receiver.received
    assert request.url == HOOK
    assert request.headers["authorization"] == "Bearer hook-token"
    assert request.headers["content-type"] == "application/json"
    assert bench.receiver.bodies()[0] == {
        "key": "watch:7:label_never_scanned",
        "trigger": "label_never_scanned",
        "order": "1001",
        "shipment": {"carrier": "ups", "tracking_number": "1Z999AA10123456784"},
        "carrier_status": "label_created",
        "customer_phone": "+1******0123",
        "detail": "No carrier scan 48 hours after the label was created.",
        "time": "2024-11-23T15:00:00+00:00",
        "text": (
            "smsbot alert: label never scanned, order 1001 (ups 1Z999AA10123456784, "
            "label_created): No carrier scan 48 hours after the label was created."
        ),
    }
    assert PHONE not in request.content.decode()


async def test_a_failed_delivery_is_retried_with_backoff(open_alerts: BenchFactory) -> None:
    async with open_alerts() as bench:
        bench.receiver.plan = [500, httpx.ConnectError("refused")]
        assert await raise_one(bench.alerts)
        first = await only(bench.store)
        assert first.state == "pending" and first.last_error == (
            "the alerts webhook answered HTTP 500"
        )
        # First backoff: 30 s with jitter (15 to 30 s).
        assert START + timedelta(seconds=15) <= first.next_attempt_at
        assert first.next_attempt_at <= START + timedelta(seconds=30)
        assert await bench.alerts.deliver_due() == 0  # not due yet
        assert len(bench.receiver.received) == 1
        bench.clock.now = first.next_attempt_at
        assert await bench.alerts.deliver_due() == 0  # connection refused
        second = await only(bench.store)
        assert second.attempts == 2 and second.next_attempt_at > first.next_attempt_at
        bench.clock.now = second.next_attempt_at
        assert await bench.alerts.deliver_due() == 1
        assert (await only(bench.store)).state == "delivered"
    assert len(bench.receiver.received) == 3
    assert len({body["key"] for body in bench.receiver.bodies()}) == 1


async def test_an_alert_is_given_up_after_max_attempts(open_alerts: BenchFactory) -> None:
    async with open_alerts() as bench:
        bench.receiver.plan = [503] * (MAX_ATTEMPTS + 3)
        await raise_one(bench.alerts)
        for _ in range(MAX_ATTEMPTS + 3):
            bench.clock.now += timedelta(hours=3)
            await bench.alerts.deliver_due()
        alert = await only(bench.store)
    assert alert.state == "failed" and alert.attempts == MAX_ATTEMPTS
    assert len(bench.receiver.received) == MAX_ATTEMPTS


async def test_a_sender_killed_mid_post_leaves_the_alert_to_be_retried(
    open_alerts: BenchFactory,
) -> None:
    async with open_alerts() as bench:
        bench.receiver.plan = [500]
        await raise_one(bench.alerts)  # 500: retried later
        alert = await only(bench.store)
        bench.clock.now = alert.next_attempt_at
        # Another sender takes it and dies before recording the outcome.
        taken = await bench.store.claim_alerts(bench.clock.now, bench.clock.now + timedelta(1))
        assert [a.key for a in taken] == [alert.key]
        assert await bench.alerts.deliver_due() == 0  # its lease holds
        bench.clock.now += timedelta(days=1)
        assert await bench.alerts.deliver_due() == 1
    assert len(bench.receiver.received) == 2


async def test_without_a_webhook_alerts_are_only_kept(make_settings: SettingsFactory) -> None:
    settings = make_settings()
    receiver = Receiver()
    store = await open_store(settings.store.path)
    try:
        async with httpx.AsyncClient(transport=httpx.MockTransport(receiver.handle)) as http:
            alerts = Alerts(settings, store, http, Clock())
            assert await raise_one(alerts)
            assert await alerts.deliver_due() == 0
            assert [a.state for a in await alerts.recent()] == ["local"]
    finally:
        await store.close()
    assert receiver.received == []


def test_alerts_command_lists_them(tmp_path: Path, make_settings: SettingsFactory) -> None:
    settings: Settings = make_settings(alerts={"webhook_url": HOOK})
    receiver = Receiver(plan=[502])

    async def fill() -> None:
        store = await open_store(settings.store.path)
        try:
            async with httpx.AsyncClient(transport=httpx.MockTransport(receiver.handle)) as http:
                alerts = Alerts(settings, store, http, Clock())
                await raise_one(alerts, "k1")
                await raise_one(alerts, "k2")
        finally:
            await store.close()

    asyncio.run(fill())
    config = tmp_path / "smsbot.toml"
    config.write_text(
        f'[store]\npath = "{settings.store.path}"\n[bot]\ntimezone = "America/New_York"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["alerts", "--config", str(config)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 4
    # Newest first, in the merchant's zone (15:00 UTC is 10:00 in New York).
    assert lines[0].startswith("2024-11-23 10:00 EST  label_never_scanned  order 1001  ups ")
    assert "1Z999AA10123456784" in lines[0] and lines[0].endswith("[delivered]")
    assert "+1******0123" in result.output and PHONE not in result.output
    assert "[delivered]" in result.output and "retrying (1 attempt:" in result.output
    assert lines[1].strip() == "No carrier scan 48 hours after the label was created."


def test_alerts_command_with_none(tmp_path: Path) -> None:
    config = tmp_path / "smsbot.toml"
    config.write_text(f'[store]\npath = "{tmp_path / "x.db"}"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["alerts", "--config", str(config)])
    assert result.exit_code == 0 and result.output == "no alerts\n"
