"""Load and check the carrier adapters, once, at start.

A `[carriers.<name>]` table enables an adapter, found in this order: `module = "pkg.mod"` in
the table, else an installed `smsbot.carriers` entry point called `<name>`, else
`carriers/<name>.py` shipped here. Two sources for one name, a missing `create`, or an
adapter that breaks the contract stop the start with a message that says which.

`[routing]` sends carriers through an aggregator adapter (EasyPost, AfterShip, Shippo):
`Registry.track` is the one way to ask about a carrier's numbers, routed or direct.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType
from typing import Any

import httpx

from smsbot.errors import AdapterError, ConfigError, NoAdapterError
from smsbot.tracking import (
    AggregatorAdapter,
    CarrierAdapter,
    CarrierConfig,
    TrackingResult,
    batch_size_of,
    sanitized,
)
from smsbot.wording.carriers import carrier_display_name as carrier_display_name

ENTRY_POINT_GROUP = "smsbot.carriers"
BUILTIN_PACKAGE = "carriers"
BUILTIN = ("ups", "fedex", "usps", "dhl", "easypost", "aftership", "shippo", "demo")


@dataclass(frozen=True)
class Route:
    """Who answers for a carrier: its own adapter (`via` None) or an aggregator (`via`)."""

    carrier: str
    adapter: CarrierAdapter
    via: str | None = None


@dataclass(frozen=True)
class Registry:
    """The enabled adapters by name, where each came from, and the routes through aggregators.

    `routes` maps a carrier name (or "*", every carrier) to an aggregator's name; `default`
    is the aggregator for carriers with no adapter of their own.
    """

    adapters: Mapping[str, CarrierAdapter]
    origins: Mapping[str, str]
    routes: Mapping[str, str] = field(default_factory=dict)
    default: str | None = None

    def get(self, name: str) -> CarrierAdapter | None:
        """The adapter enabled under `name` (not following routes)."""
        return self.adapters.get(name)

    def route(self, carrier: str) -> Route | None:
        """Who answers for `carrier`: a route for it, else its own adapter, else the default."""
        via = self.routes.get(carrier) or self.routes.get("*")
        if via is not None and via != carrier:
            return Route(carrier, self.adapters[via], via)
        adapter = self.adapters.get(carrier)
        if adapter is not None:
            return Route(carrier, adapter)
        if self.default is not None and self.default != carrier:
            return Route(carrier, self.adapters[self.default], self.default)
        return None

    def is_aggregator(self, name: str) -> bool:
        """Whether `name` is an enabled aggregator adapter (one that has `track_for`)."""
        return isinstance(self.adapters.get(name), AggregatorAdapter)

    def serves(self, carrier: str) -> bool:
        """Whether some adapter answers for `carrier`."""
        return self.route(carrier) is not None

    async def track(self, carrier: str, numbers: Sequence[str]) -> Mapping[str, TrackingResult]:
        """Track `numbers` of `carrier` with whoever answers for it.

        A routed answer is filed under `carrier` (the cache and the shipments know it by that
        name), with `service_carrier` saying which carrier the aggregator reported.
        Raises `NoAdapterError` for a carrier nobody serves, and the adapter's `CarrierError`s.
        """
        route = self.route(carrier)
        if route is None:
            raise NoAdapterError(carrier)
        if route.via is None:
            return _sanitized(await route.adapter.track(numbers))
        aggregator: AggregatorAdapter = route.adapter  # type: ignore[assignment]  # checked at load
        results = await aggregator.track_for(carrier, numbers)
        return {
            number: replace(
                result, carrier=carrier, service_carrier=result.service_carrier or carrier
            )
            for number, result in _sanitized(results).items()
        }

    def batch_size(self, carrier: str) -> int:
        """The most numbers of `carrier` one `track` call takes: its adapter's, routed or
        direct (`batch_size_of`); raises `NoAdapterError` for a carrier nobody serves."""
        route = self.route(carrier)
        if route is None:
            raise NoAdapterError(carrier)
        return batch_size_of(route.adapter)

    def display_name(self, name: str) -> str:
        """How replies name `name`: its adapter's display name, else a known carrier name."""
        adapter = self.adapters.get(name)
        if adapter is not None:
            return adapter.display_name
        return carrier_display_name(name)


def _sanitized(results: Mapping[str, TrackingResult]) -> Mapping[str, TrackingResult]:
    """The adapter boundary: every carrier string made safe (`sanitized`) before smsbot
    keeps or shows it. A value that is no result is left for the caller to refuse."""
    return {
        number: sanitized(result) if isinstance(result, TrackingResult) else result
        for number, result in results.items()
    }


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
    routes: Mapping[str, str] | None = None,
    default_route: str | None = None,
) -> Registry:
    """Create one adapter per `[carriers.<name>]` table; raise `AdapterError`/`ConfigError`.

    `routes` and `default_route` are `[routing]`: each must name an aggregator adapter.
    """
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
    routes = {} if routes is None else dict(routes)
    targets = [("routing.default", default_route)] + [
        (f"routing.carriers.{carrier}", via) for carrier, via in routes.items()
    ]
    for key, via in targets:
        if via is None:
            continue
        if via not in adapters:
            raise ConfigError(f"routes to {via!r}, which is not enabled", source=source, key=key)
        if not isinstance(adapters[via], AggregatorAdapter):
            raise ConfigError(
                f"routes to {via!r}, which is not an aggregator (no track_for method)",
                source=source,
                key=key,
            )
    return Registry(adapters, origins, routes, default_route)


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
    try:
        batch_size_of(adapter)
    except ValueError as exc:
        problems.append(str(exc))
    return problems
