"""Adapter registration: config tables, module =, entry points, and loud refusals."""

from __future__ import annotations

import ast
from collections.abc import AsyncIterator
from importlib.metadata import EntryPoint
from pathlib import Path

import httpx
import pytest

from smsbot.errors import AdapterError, ConfigError, NoAdapterError
from smsbot.lookup.registry import ENTRY_POINT_GROUP, contract_problems, load_registry
from smsbot.tracking import DEFAULT_BATCH_SIZE

CARRIERS_DIR = Path(__file__).resolve().parent.parent / "carriers"


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(500))) as c:
        yield c


def point(name: str, value: str) -> EntryPoint:
    return EntryPoint(name=name, value=value, group=ENTRY_POINT_GROUP)


async def test_builtin_demo_from_table(http: httpx.AsyncClient) -> None:
    registry = load_registry({"demo": {}}, http, installed=[])
    adapter = registry.get("demo")
    assert adapter is not None
    assert adapter.display_name == "DemoPost"
    assert registry.origins["demo"] == "carriers.demo"


async def test_module_key_loads_outside_adapter(http: httpx.AsyncClient) -> None:
    registry = load_registry({"acme": {"module": "tests.adapters.good"}}, http, installed=[])
    adapter = registry.get("acme")
    assert adapter is not None
    assert adapter.name == "acme"
    result = await adapter.track(["X1"])
    assert result["X1"].carrier == "acme"


async def test_entry_point_loads_installed_adapter(http: httpx.AsyncClient) -> None:
    registry = load_registry({"acme": {}}, http, installed=[point("acme", "tests.adapters.good")])
    assert registry.origins["acme"] == "entry point tests.adapters.good"


async def test_entry_point_cannot_shadow_builtin(http: httpx.AsyncClient) -> None:
    with pytest.raises(AdapterError, match="built-in"):
        load_registry({"demo": {}}, http, installed=[point("demo", "tests.adapters.good")])


async def test_two_packages_claiming_one_name(http: httpx.AsyncClient) -> None:
    installed = [point("acme", "tests.adapters.good"), point("acme", "tests.adapters.no_create")]
    with pytest.raises(AdapterError, match="two installed packages"):
        load_registry({}, http, installed=installed)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"module": "tests.adapters.no_create"}, "no create"),
        ({"module": "tests.adapters.sync_track"}, "must be an async method"),
        ({"module": "tests.adapters.broken_import"}, "boom at import"),
        ({"module": "tests.adapters.missing"}, "no adapter module"),
    ],
)
async def test_broken_adapters_are_refused(
    http: httpx.AsyncClient, table: dict[str, str], message: str
) -> None:
    with pytest.raises(AdapterError, match=message):
        load_registry({"acme": table}, http, installed=[])


async def test_unknown_builtin_is_refused(http: httpx.AsyncClient) -> None:
    with pytest.raises(AdapterError, match="built-in carriers: ups"):
        load_registry({"pigeon": {}}, http, installed=[])


async def test_adapter_config_errors_name_the_key(http: httpx.AsyncClient) -> None:
    with pytest.raises(ConfigError, match=r"carriers\.acme\.api_key"):
        load_registry({"acme": {"module": "tests.adapters.needs_key"}}, http, installed=[])


def test_adapters_import_only_the_sdk() -> None:
    allowed = {"smsbot.tracking", "smsbot.errors"}
    for path in sorted(CARRIERS_DIR.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if name == "smsbot" or name.startswith("smsbot."):
                    assert name in allowed, f"{path.name} imports {name}"


class Sized:
    name = "acme"
    display_name = "Acme"

    def __init__(self, batch_size: object) -> None:
        self.batch_size = batch_size

    async def track(self, numbers: list[str]) -> dict[str, object]:
        return {}


@pytest.mark.parametrize("size", [0, -1, True, 2.5, "30"])
def test_a_batch_size_that_is_not_a_whole_number_breaks_the_contract(size: object) -> None:
    assert contract_problems(Sized(size), "acme") == [
        f"adapter.batch_size must be a whole number >= 1, not {size!r}"
    ]
    assert contract_problems(Sized(1), "acme") == []


async def test_batch_size_is_the_adapters_own_routed_or_direct(
    http: httpx.AsyncClient,
) -> None:
    tables = {
        "fedex": {"client_id": "id", "client_secret": "secret"},
        "ups": {"client_id": "id", "client_secret": "secret"},
        "easy": {"module": "tests.adapters.aggregator"},
    }
    registry = load_registry(tables, http, installed=[], default_route="easy")
    assert registry.batch_size("fedex") == 30  # the Track API's limit per request
    assert registry.batch_size("ups") == DEFAULT_BATCH_SIZE  # one number per request
    assert registry.batch_size("ontrac") == DEFAULT_BATCH_SIZE  # through the aggregator
    with pytest.raises(NoAdapterError, match=r"\[carriers\.ontrac\]"):
        load_registry({}, http, installed=[]).batch_size("ontrac")
