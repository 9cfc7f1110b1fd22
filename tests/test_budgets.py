"""Carrier request budgets (`[budgets]`, issue 15): the watcher's calls to a budgeted
carrier are counted in the store, so gateways sharing it (one per process) together stay
within the hourly limit, and a spent budget postpones numbers to the next hour."""

from __future__ import annotations

from datetime import timedelta

import pytest

from smsbot.config import TrackingSettings
from smsbot.config.loader import settings_from_mapping
from smsbot.errors import ConfigError
from smsbot.lookup.budgets import hour_of
from smsbot.lookup.gateway import CarrierGateway, Fresh, Postponed
from smsbot.lookup.registry import Registry
from smsbot.store import Store
from smsbot.view.package import Failure
from tests.test_lookup import (  # noqa: F401  # `store` is a fixture
    Clock,
    FakeAdapter,
    store,
)


async def test_gateways_sharing_a_store_share_the_budget(store: Store) -> None:  # noqa: F811
    adapter, free = FakeAdapter("usps"), FakeAdapter("ups")
    registry = Registry({"usps": adapter, "ups": free}, {"usps": "test", "ups": "test"})
    clock = Clock()
    gateways = [
        CarrierGateway(registry, store, TrackingSettings(), clock, budgets={"usps": 3})
        for _ in range(3)
    ]
    try:
        answers = [await g.refresh("usps", [f"N{i}"]) for i, g in enumerate(gateways * 2)]
        fresh = [a for answer in answers for a in answer.values() if isinstance(a, Fresh)]
        later = [a for answer in answers for a in answer.values() if isinstance(a, Postponed)]
        assert len(fresh) == 3 and len(adapter.asked) == 3
        next_hour = hour_of(clock()) + timedelta(hours=1)
        assert later == [Postponed(next_hour, Failure.RATE_LIMITED)] * 3
        # A carrier without a budget is not counted; the next hour has a budget again.
        assert all(isinstance(a, Fresh) for a in (await gateways[0].refresh("ups", ["U"])).values())
        assert await store.budget_spent("ups", hour_of(clock())) == 0
        clock.now = next_hour
        assert isinstance((await gateways[1].refresh("usps", ["N9"]))["N9"], Fresh)
    finally:
        for gateway in gateways:
            await gateway.close()


def test_budgets_are_read_per_carrier() -> None:
    settings = settings_from_mapping({"budgets": {"usps": 1000}})
    assert settings.budgets.per_hour == {"usps": 1000}
    assert settings_from_mapping({}).budgets.per_hour == {}
    for bad in ({"usps": 0}, {"usps": "many"}, {"USPS!": 5}):
        with pytest.raises(ConfigError, match=r"budgets\."):
            settings_from_mapping({"budgets": bad})


async def test_a_budget_counts_numbers_and_caps_the_batch(store: Store) -> None:  # noqa: F811
    adapter = FakeAdapter("usps")
    registry = Registry({"usps": adapter}, {"usps": "test"})
    gateway = CarrierGateway(registry, store, TrackingSettings(), Clock(), budgets={"usps": 3})
    try:
        refreshed = await gateway.refresh("usps", [f"N{i}" for i in range(5)])
    finally:
        await gateway.close()
    assert adapter.asked == [["N0", "N1", "N2"]]  # a batch of 10 would never fit in 3
    assert [type(refreshed[f"N{i}"]) for i in range(5)] == [Fresh] * 3 + [Postponed] * 2
