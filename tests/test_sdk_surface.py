"""The adapter SDK's public surface is pinned, and its modules import each other one way.

Like httpx's tests/test_exported_members.py: a name added to or dropped from the SDK is a
decision made here, on purpose, not a side effect of an import.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from types import ModuleType

import pytest

import smsbot
import smsbot.testing
import smsbot.tracking

ROOT = Path(smsbot.__file__).parent

TRACKING = {
    "CARRIER_LOCAL",
    "DEFAULT_BATCH_SIZE",
    "FINAL_STATUSES",
    "AdapterFactory",
    "AggregatorAdapter",
    "CarrierAdapter",
    "CarrierConfig",
    "CheckableAdapter",
    "DelayReason",
    "Eta",
    "Event",
    "Problem",
    "PushAdapter",
    "RequestBudget",
    "Status",
    "TokenCache",
    "TrackingResult",
    "UnknownCodeLog",
    "batch_size_of",
    "carrier_local",
    "check_status",
    "fetch_token",
    "format_place",
    "parse_expires_in",
    "parse_retry_after",
    "parse_timestamp",
    "rate_limit_wait",
    "read_json",
    "send",
    "track_each",
}

TESTING = {
    "AGGREGATOR_CHECKS",
    "CHECKS",
    "AdapterSpec",
    "Check",
    "Reply",
    "Route",
    "Router",
    "UnroutedRequest",
    "assert_valid_result",
    "checks_for",
    "reply_file",
    "reply_json",
}

SDK = ("smsbot.results", "smsbot.errors", "smsbot.transport", "smsbot.tracking")


@pytest.mark.parametrize(
    ("module", "pinned"), [(smsbot.tracking, TRACKING), (smsbot.testing, TESTING)], ids=str
)
def test_public_surface_is_pinned(module: ModuleType, pinned: set[str]) -> None:
    assert sorted(module.__all__) == sorted(pinned)
    assert len(module.__all__) == len(set(module.__all__))
    for name in module.__all__:
        assert getattr(module, name, None) is not None, f"{module.__name__}.{name} is missing"


def test_tracking_defines_or_reexports_only_what_it_exports() -> None:
    """Every public class or function in `smsbot.tracking` that comes from the SDK (errors
    aside: adapters import those from `smsbot.errors`) is in `__all__`: nothing leaks in
    by accident."""
    sources = {"smsbot.results", "smsbot.transport", "smsbot.tracking"}
    leaked = [
        name
        for name, value in vars(smsbot.tracking).items()
        if not name.startswith("_")
        and getattr(value, "__module__", None) in sources
        and name not in smsbot.tracking.__all__
    ]
    assert leaked == []


def imports_of(path: Path) -> set[str]:
    """The smsbot modules `path` imports, including under `if TYPE_CHECKING:`."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.startswith("smsbot")}


def module_graph() -> dict[str, set[str]]:
    """Every smsbot module and the smsbot modules it imports (a package's import of a
    submodule counts as one on the package's `__init__`)."""
    modules: dict[str, Path] = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges: set[str] = set()
        for imported in imports_of(path):
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                edges.add(imported)
                # Importing a submodule first runs every package __init__ above it.
                parent = imported.rpartition(".")[0]
                while parent and not (name == parent or name.startswith(parent + ".")):
                    edges.add(parent)
                    parent = parent.rpartition(".")[0]
        graph[name] = edges & set(modules)
    return graph


def cycle_through(graph: dict[str, set[str]], start: str) -> list[str] | None:
    """A path of imports from `start` back to itself, if there is one."""
    stack = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for nxt in graph.get(node, ()):
            if nxt == start:
                return [*path, start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None


@pytest.mark.parametrize("module", [*SDK, "smsbot.testing", "smsbot.lookup.gateway"])
def test_no_import_cycle_through_the_sdk(module: str) -> None:
    importlib.import_module(module)  # and it imports on its own
    assert cycle_through(module_graph(), module) is None


def test_no_import_cycle_in_smsbot() -> None:
    graph = module_graph()
    cycles = [cycle for name in sorted(graph) if (cycle := cycle_through(graph, name))]
    assert cycles == []


def test_sdk_imports_run_one_way() -> None:
    graph = module_graph()
    assert graph["smsbot.results"] == set()
    assert graph["smsbot.errors"] == {"smsbot.results"}
    assert graph["smsbot.transport"] == {"smsbot.errors"}
    assert graph["smsbot.tracking"] == {"smsbot.errors", "smsbot.results", "smsbot.transport"}
