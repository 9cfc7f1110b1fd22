"""Carrier pushes landing on any of two `smsbot serve` processes over one store (issue 15):
a push fires its notice once, whichever process gets it and however often it is sent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from smsbot.orders.model import Order, Shipment
from smsbot.store import open_store
from smsbot.tracking import Status
from tests.scale.procs import config, finish, port_of, start
from tests.test_hooks import NUMBER, PHONE, SECRET, push_body, signed


@pytest.fixture
async def two(tmp_path: Path, shared_url: str) -> list[Path]:
    async with await open_store(shared_url) as store:
        await store.upsert_orders([Order("1001", PHONE, shipments=(Shipment("pushy", NUMBER),))])
    extra = f'[carriers.pushy]\nmodule = "tests.test_hooks"\nsecret = "{SECRET}"\n'
    return [config(tmp_path / name, shared_url, extra=extra).parent for name in ("a", "b")]


@pytest.fixture
def bases(two: list[Path]) -> Iterator[list[str]]:
    processes = [start(folder, "serve", "--workers", "1") for folder in two]
    try:
        yield [f"http://127.0.0.1:{port_of(folder)}" for folder in two]
    finally:
        for process in processes:
            finish(process)


async def test_a_push_fires_once_whichever_process_gets_it(
    bases: list[str], shared_url: str
) -> None:
    out = push_body(Status.OUT_FOR_DELIVERY)
    async with httpx.AsyncClient() as client:
        for base in bases * 2:  # the carrier retries, and each try lands elsewhere
            answer = await client.post(base + "/hooks/pushy", content=out, headers=signed(out))
            assert answer.status_code == 200 and answer.json()["matched"] == 1, answer.text
        delivered = push_body(Status.DELIVERED)
        answer = await client.post(
            bases[1] + "/hooks/pushy", content=delivered, headers=signed(delivered)
        )
        assert answer.status_code == 200, answer.text
    async with await open_store(shared_url) as store:
        keys = [m.key for m in await store.recent_outbox(20)]
    assert len(keys) == 2 and len(set(keys)) == 2, keys  # one per event, never twice
