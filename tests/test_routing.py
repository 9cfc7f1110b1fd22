"""[routing]: carriers without an adapter of their own (or all, or a list) go through an
aggregator, and their answers are filed under the carrier's own name."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from smsbot.cli import main
from smsbot.config import TrackingSettings
from smsbot.errors import ConfigError, NoAdapterError
from smsbot.lookup.gateway import CarrierGateway
from smsbot.lookup.registry import Registry, carrier_display_name, load_registry
from smsbot.orders.model import Shipment
from smsbot.store import open_store
from smsbot.tracking import Status
from smsbot.view.package import Failure
from tests.adapters.aggregator import FakeAggregator

AGGREGATOR = {"module": "tests.adapters.aggregator"}
GOOD = {"module": "tests.adapters.good"}


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(500))) as c:
        yield c


def registry_with(
    http: httpx.AsyncClient,
    routes: Mapping[str, str] | None = None,
    default: str | None = None,
    tables: Mapping[str, Mapping[str, Any]] | None = None,
) -> Registry:
    tables = tables or {"ups": GOOD, "easy": AGGREGATOR}
    return load_registry(tables, http, installed=[], routes=routes, default_route=default)


def aggregator(registry: Registry, name: str = "easy") -> FakeAggregator:
    adapter = registry.get(name)
    assert isinstance(adapter, FakeAggregator)
    return adapter


def via(registry: Registry, carrier: str) -> str | None:
    """The aggregator that answers for `carrier`; "" for its own adapter; None for nobody."""
    route = registry.route(carrier)
    return None if route is None else (route.via or "")


async def test_who_answers_for_a_carrier(http: httpx.AsyncClient) -> None:
    plain = registry_with(http)
    assert via(plain, "ups") == ""
    assert via(plain, "ontrac") is None
    assert not plain.serves("ontrac")

    fallback = registry_with(http, default="easy")
    assert via(fallback, "ups") == ""  # its own adapter first
    assert via(fallback, "ontrac") == "easy"

    listed = registry_with(http, routes={"ups": "easy"})
    assert via(listed, "ups") == "easy"  # a route beats the carrier's own adapter
    assert via(listed, "ontrac") is None

    everything = registry_with(http, routes={"*": "easy"})
    assert via(everything, "ups") == "easy"
    assert via(everything, "canada_post") == "easy"


async def test_a_routed_answer_is_filed_under_the_carrier(http: httpx.AsyncClient) -> None:
    registry = registry_with(http, default="easy")
    results = await registry.track("ontrac", ["C111"])
    assert results["C111"].carrier == "ontrac"
    assert results["C111"].service_carrier == "OnTrac"
    assert aggregator(registry).asked == [("OnTrac", ["C111"])]
    direct = await registry.track("ups", ["1Z1"])
    assert direct["1Z1"].carrier == "ups"
    with pytest.raises(NoAdapterError, match=r"\[carriers.ontrac\].*\[routing\]") as caught:
        await registry_with(http).track("ontrac", ["C111"])
    assert caught.value.carrier == "ontrac"


async def test_codes_table_overrides_the_aggregators_names(http: httpx.AsyncClient) -> None:
    tables = {"easy": {**AGGREGATOR, "codes": {"ontrac": "ONTRAC_US"}}}
    registry = registry_with(http, default="easy", tables=tables)
    await registry.track("ontrac", ["C1"])
    assert aggregator(registry).asked == [("ONTRAC_US", ["C1"])]


async def test_display_names_for_carriers_without_an_adapter(http: httpx.AsyncClient) -> None:
    registry = registry_with(http, default="easy")
    assert registry.display_name("ontrac") == "OnTrac"
    assert registry.display_name("canada_post") == "Canada Post"
    assert registry.display_name("speedy_parcels") == "Speedy Parcels"
    assert registry.display_name("ups") == "Good Carrier"  # the adapter's own name wins


@pytest.mark.parametrize(
    ("routes", "default", "key", "message"),
    [
        ({}, "nope", "routing.default", "not enabled"),
        ({"ontrac": "ups"}, None, "routing.carriers.ontrac", "not an aggregator"),
        ({"*": "nope"}, None, "routing.carriers.*", "not enabled"),
    ],
)
async def test_bad_routes_are_refused(
    http: httpx.AsyncClient, routes: dict[str, str], default: str | None, key: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        registry_with(http, routes=routes, default=default)
    assert caught.value.key == key


async def test_lookup_asks_through_the_route_and_caches_under_the_carrier(
    http: httpx.AsyncClient,
) -> None:
    registry = registry_with(http, routes={"ontrac": "easy"})
    now = datetime(2026, 11, 24, 12, tzinfo=UTC)
    async with await open_store(":memory:") as store:
        lookup = CarrierGateway(registry, store, TrackingSettings(), lambda: now)
        [package, missing] = await lookup.track(
            [Shipment("ontrac", "C111"), Shipment("canada_post", "CP1")]
        )
        assert package.failure is None and package.result is not None
        assert package.result.status is Status.IN_TRANSIT
        assert package.display_name == "OnTrac"
        assert missing.failure is Failure.NO_ADAPTER
        cached = await store.cached_tracking("ontrac", "C111")
        assert cached is not None and cached.result.service_carrier == "OnTrac"
        await lookup.track([Shipment("ontrac", "C111")])  # fresh in the cache: not asked again
        await lookup.close()
    assert aggregator(registry).asked == [("OnTrac", ["C111"])]


def test_carriers_command_lists_the_routes(tmp_path: Path) -> None:
    config = tmp_path / "smsbot.toml"
    config.write_text(
        '[carriers.easy]\nmodule = "tests.adapters.aggregator"\n'
        '[routing]\ndefault = "easy"\ncarriers = { ontrac = "easy" }\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["carriers", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "ontrac" in result.output and "-> easy" in result.output
    assert "any other carrier" in result.output


async def test_an_order_naming_the_aggregator_shows_the_carrier_it_found(
    http: httpx.AsyncClient,
) -> None:
    registry = registry_with(http)
    now = datetime(2026, 11, 24, 12, tzinfo=UTC)
    async with await open_store(":memory:") as store:
        lookup = CarrierGateway(registry, store, TrackingSettings(), lambda: now)
        [package] = await lookup.track([Shipment("easy", "CP123")])
        await lookup.close()
    assert package.display_name == "Canada Post"


@pytest.mark.parametrize(
    ("code", "shown"),
    [("canada-post", "Canada Post"), ("usps", "USPS"), ("OnTrac", "OnTrac"), ("acme", "Acme")],
)
def test_carrier_display_names_from_any_spelling(code: str, shown: str) -> None:
    assert carrier_display_name(code) == shown
