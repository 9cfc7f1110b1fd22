"""Load and check the carrier adapters, once, at start.

A `[carriers.<name>]` table enables an adapter, found in this order: `module = "pkg.mod"` in
the table, else an installed `smsbot.carriers` entry point called `<name>`, else
`carriers/<name>.py` shipped here. Two sources for one name, a missing `create`, or an
adapter that breaks the contract stop the start with a message that says which.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType
from typing import Any

import httpx

from smsbot.errors import AdapterError, ConfigError
from smsbot.tracking import CarrierAdapter, CarrierConfig

ENTRY_POINT_GROUP = "smsbot.carriers"
BUILTIN_PACKAGE = "carriers"
BUILTIN = ("ups", "fedex", "usps", "dhl", "demo")


@dataclass(frozen=True)
class Registry:
    """The enabled adapters by name, and where each came from."""

    adapters: Mapping[str, CarrierAdapter]
    origins: Mapping[str, str]

    def get(self, name: str) -> CarrierAdapter | None:
        return self.adapters.get(name)

    def display_name(self, name: str) -> str:
        adapter = self.adapters.get(name)
        return adapter.display_name if adapter else name.upper()


def installed_entry_points() -> list[EntryPoint]:
    """The adapters installed as packages (`smsbot.carriers` entry points)."""
    return list(entry_points(group=ENTRY_POINT_GROUP))


def load_registry(
    tables: Mapping[str, Mapping[str, Any]],
    http: httpx.AsyncClient,
    *,
    source: str = "config",
    environ: Mapping[str, str] | None = None,
    installed: Iterable[EntryPoint] | None = None,
) -> Registry:
    """Create one adapter per `[carriers.<name>]` table; raise `AdapterError`/`ConfigError`."""
    points = _index_entry_points(installed_entry_points() if installed is None else installed)
    adapters: dict[str, CarrierAdapter] = {}
    origins: dict[str, str] = {}
    for name, table in tables.items():
        options = dict(table)
        module_name = options.pop("module", None)
        module, origin = _find_module(name, module_name, points, source)
        config = CarrierConfig(
            name, options, source=source, environ={} if environ is None else environ
        )
        adapters[name] = _create(name, module, origin, config, http)
        origins[name] = origin
    return Registry(adapters, origins)


def _index_entry_points(points: Iterable[EntryPoint]) -> dict[str, EntryPoint]:
    index: dict[str, EntryPoint] = {}
    for point in points:
        if point.name in index and index[point.name].value != point.value:
            raise AdapterError(
                f"two installed packages register the carrier {point.name!r} "
                f"({index[point.name].value} and {point.value}); uninstall one"
            )
        index[point.name] = point
    return index


def _find_module(
    name: str, module_name: object, points: Mapping[str, EntryPoint], source: str
) -> tuple[ModuleType, str]:
    if module_name is not None:
        if not isinstance(module_name, str) or not module_name:
            raise ConfigError("must be a module path", source=source, key=f"carriers.{name}.module")
        return _import(name, module_name), module_name
    point = points.get(name)
    if point is not None:
        if name in BUILTIN:
            raise AdapterError(
                f"carrier {name!r}: an installed package ({point.value}) registers the name of "
                f"a built-in adapter; set module = ... in [carriers.{name}] to choose one"
            )
        try:
            loaded = point.load()
        except Exception as exc:
            raise AdapterError(f"carrier {name!r}: cannot load {point.value}: {exc}") from exc
        if not isinstance(loaded, ModuleType):
            raise AdapterError(f"carrier {name!r}: entry point {point.value} must name a module")
        return loaded, f"entry point {point.value}"
    return _import(name, f"{BUILTIN_PACKAGE}.{name}"), f"{BUILTIN_PACKAGE}.{name}"


def _import(name: str, module_name: str) -> ModuleType:
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name or module_name.startswith(f"{exc.name}."):
            raise AdapterError(
                f"carrier {name!r}: no adapter module {module_name!r} "
                f"(built-in carriers: {', '.join(BUILTIN)})"
            ) from exc
        raise AdapterError(f"carrier {name!r}: {module_name} cannot be imported: {exc}") from exc
    except Exception as exc:
        raise AdapterError(f"carrier {name!r}: {module_name} fails on import: {exc}") from exc


def _create(
    name: str, module: ModuleType, origin: str, config: CarrierConfig, http: httpx.AsyncClient
) -> CarrierAdapter:
    factory = getattr(module, "create", None)
    if not callable(factory):
        raise AdapterError(f"carrier {name!r}: {origin} has no create(config, http) function")
    try:
        adapter = factory(config, http)
    except ConfigError:
        raise
    except Exception as exc:
        raise AdapterError(f"carrier {name!r}: {origin}.create() failed: {exc!r}") from exc
    problems = contract_problems(adapter, name)
    if problems:
        raise AdapterError(f"carrier {name!r} ({origin}): " + "; ".join(problems))
    return adapter  # type: ignore[no-any-return]  # checked by contract_problems


def contract_problems(adapter: object, name: str) -> list[str]:
    """What `adapter` gets wrong about the adapter contract (empty when nothing)."""
    problems: list[str] = []
    adapter_name = getattr(adapter, "name", None)
    if adapter_name != name:
        problems.append(f"adapter.name is {adapter_name!r}, expected {name!r}")
    display = getattr(adapter, "display_name", None)
    if not isinstance(display, str) or not display:
        problems.append("adapter.display_name must be a non-empty string")
    track = getattr(adapter, "track", None)
    if not inspect.iscoroutinefunction(track):
        problems.append("adapter.track must be an async method: async def track(self, numbers)")
    return problems
