"""The store contract: opening, reopening, closing."""

from __future__ import annotations

import pytest

from smsbot.store import Store, StoreError, open_store
from tests.store.conftest import order


async def test_reopening_keeps_data(store_url: str) -> None:
    async with await open_store(store_url) as first:
        version = await first.schema_version()
        await first.upsert_orders([order("1001", "+15551234567", "1Z1")])

    async with await open_store(store_url) as second:
        assert await second.schema_version() == version > 0
        assert await second.count_orders() == 1


async def test_a_closed_store_raises_store_error(store: Store) -> None:
    await store.close()
    await store.close()  # closing twice is harmless

    with pytest.raises(StoreError, match="closed"):
        await store.count_orders()
