"""POST /hooks/{carrier}: pushed tracking, verified and parsed by the adapter, fed to triggers.

This module is also the test adapter ("pushy"): `create()` makes an adapter that tracks
nothing by polling but understands pushes signed with HMAC-SHA256 of the body.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from smsbot.orders.model import Order, Shipment
from smsbot.store import OutboxMessage, open_store
from smsbot.store.snapshot import result_from_json, result_to_json
from smsbot.tracking import CarrierConfig, Event, PushAdapter, Status, TrackingResult
from smsbot.web.app import create_app
from tests.conftest import PUBLIC_URL, SettingsFactory
from tests.faketwilio import serve_fake_twilio

SECRET = "push-secret-0123"
NUMBER = "PUSHY0001"
PHONE = "+12025550123"


class PushyAdapter:
    """Polls nothing; reads `{"updates": [<tracking snapshot>, ...]}` pushes."""

    name = "pushy"
    display_name = "Pushy"

    def __init__(self, secret: str) -> None:
        self._secret = secret.encode()

    async def track(self, numbers: Sequence[str]) -> Mapping[str, TrackingResult]:
        return {number: TrackingResult.not_found(self.name, number) for number in numbers}

    def verify_push(self, headers: Mapping[str, str], body: bytes) -> bool:
        expected = hmac.new(self._secret, body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(headers.get("x-pushy-signature", ""), expected)

    def parse_push(self, headers: Mapping[str, str], body: bytes) -> list[TrackingResult]:
        updates = json.loads(body)["updates"]
        if not isinstance(updates, list):
            raise ValueError("updates must be a list")
        return [result_from_json(json.dumps(update)) for update in updates]


def create(config: CarrierConfig, http: httpx.AsyncClient) -> PushyAdapter:
    return PushyAdapter(config.string("secret"))


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Pushy-Signature": digest, "Content-Type": "application/json"}


def push_body(status: Status, number: str = NUMBER) -> bytes:
    now = datetime.now(UTC)
    result = TrackingResult("pushy", number, status, events=(Event(now, status, "pushed"),))
    return json.dumps({"updates": [json.loads(result_to_json(result))]}).encode()


@pytest.fixture
def client(make_settings: SettingsFactory) -> Iterator[TestClient]:
    settings = make_settings(carriers={"pushy": {"module": "tests.test_hooks", "secret": SECRET}})
    orders = (Order("1001", PHONE, shipments=(Shipment("pushy", NUMBER),)),)
    with TestClient(create_app(settings, seed_orders=orders), base_url=PUBLIC_URL) as test_client:
        yield test_client


def outbox(path: Path) -> list[OutboxMessage]:
    async def read() -> list[OutboxMessage]:
        async with await open_store(path) as store:
            return await store.recent_outbox(10)

    return asyncio.run(read())


def test_the_test_adapter_is_a_push_adapter() -> None:
    assert isinstance(PushyAdapter(SECRET), PushAdapter)


def test_a_signed_push_fires_the_trigger_once(client: TestClient, tmp_path: Path) -> None:
    body = push_body(Status.OUT_FOR_DELIVERY)
    answer = client.post("/hooks/pushy", content=body, headers=signed(body))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"received": 1, "matched": 1}
    again = client.post("/hooks/pushy", content=body, headers=signed(body))
    assert again.json() == {"received": 1, "matched": 1}
    client.__exit__(None, None, None)  # stop the app so the store can be read
    (message,) = outbox(tmp_path / "smsbot.db")
    assert message.key == "watch:1:out_for_delivery" and message.phone == PHONE
    assert message.body == "Order 1001 is out for delivery with Pushy today."


def test_a_push_for_an_unknown_number_matches_nothing(client: TestClient) -> None:
    body = push_body(Status.DELIVERED, number="NOT-OURS")
    answer = client.post("/hooks/pushy", content=body, headers=signed(body))
    assert answer.json() == {"received": 1, "matched": 0}


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Pushy-Signature": "0" * 64}, signed(push_body(Status.DELIVERED), "wrong-secret")],
)
def test_a_bad_signature_is_refused(client: TestClient, headers: dict[str, str]) -> None:
    body = push_body(Status.DELIVERED)
    assert client.post("/hooks/pushy", content=body, headers=headers).status_code == 401


@pytest.mark.parametrize("carrier", ["nobody", "demo", "PUSHY", "..", "pushy%00"])
def test_carriers_that_do_not_push_are_not_found(client: TestClient, carrier: str) -> None:
    body = push_body(Status.DELIVERED)
    assert client.post(f"/hooks/{carrier}", content=body, headers=signed(body)).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe\x00garbage",
        b'{"updates": "nope"}',
        b'{"updates": [{"version": 99}]}',
        b"[]",
        b'{"updates": [null]}',
    ],
)
def test_garbage_is_a_400_never_a_500(client: TestClient, body: bytes) -> None:
    assert client.post("/hooks/pushy", content=body, headers=signed(body)).status_code == 400


def test_a_huge_push_is_refused(client: TestClient) -> None:
    body = b"x" * (1024 * 1024 + 1)
    assert client.post("/hooks/pushy", content=body, headers=signed(body)).status_code == 413


def test_only_post_is_routed(client: TestClient) -> None:
    assert client.get("/hooks/pushy").status_code == 405


def test_serve_runs_the_watcher_when_enabled(
    make_settings: SettingsFactory, tmp_path: Path
) -> None:
    settings = make_settings(watch={"enabled": True, "quiet_hours": ""})
    orders = (Order("1001", PHONE, shipments=(Shipment("demo", "DEMO1001"),)),)
    with TestClient(create_app(settings, seed_orders=orders), base_url=PUBLIC_URL) as running:
        assert running.get("/healthz").status_code == 200
        deadline = datetime.now(UTC).timestamp() + 10
        while not outbox(tmp_path / "smsbot.db") and datetime.now(UTC).timestamp() < deadline:
            asyncio.run(asyncio.sleep(0.05))
    (message,) = outbox(tmp_path / "smsbot.db")  # the first pass ran, and shutdown was clean
    assert message.key == "watch:1:shipped"


def test_serve_sends_what_a_push_queued_with_the_watcher_off(
    make_settings: SettingsFactory,
) -> None:
    with serve_fake_twilio() as twilio:
        settings = make_settings(
            carriers={"pushy": {"module": "tests.test_hooks", "secret": SECRET}},
            twilio={"api_base_url": twilio.url, "from_number": "+12025550100"},
            watch={"enabled": False, "quiet_hours": ""},
        )
        orders = (Order("1001", PHONE, shipments=(Shipment("pushy", NUMBER),)),)
        with TestClient(create_app(settings, seed_orders=orders), base_url=PUBLIC_URL) as app:
            body = push_body(Status.OUT_FOR_DELIVERY)
            assert app.post("/hooks/pushy", content=body, headers=signed(body)).status_code == 200
            deadline = datetime.now(UTC).timestamp() + 10
            while not twilio.fake.posts() and datetime.now(UTC).timestamp() < deadline:
                asyncio.run(asyncio.sleep(0.02))
        (sent,) = twilio.fake.posts()  # sent by serve's own sender, and only once
    assert sent["To"] == PHONE
    assert sent["Body"] == "Order 1001 is out for delivery with Pushy today."
