"""What the kit checks (`AdapterSpec`), a named check (`Check`), and the steps checks share:
build an adapter on a router, track, and list what its answers get wrong."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import httpx

from smsbot.lookup.registry import contract_problems
from smsbot.testing.results import result_problems
from smsbot.testing.router import Router
from smsbot.tracking import CarrierConfig


@dataclass(frozen=True)
class AdapterSpec:
    """What the kit needs to check one adapter.

    `config` is the `[carriers.<name>]` table (point `base_url` at a made-up host, and set
    `requests_per_second` high so that no check waits on the budget); `routes` answer every
    request `track(numbers)` makes, from recorded payloads; `numbers` are the ones they
    answer for. An aggregator also names a `routed_carrier` to ask `track_for` about.
    """

    module: ModuleType
    config: Mapping[str, Any]
    numbers: Sequence[str]
    routes: Router = field(default_factory=Router)
    name: str = ""  # the config table's name; default: the module's own last name
    routed_carrier: str | None = None
    environ: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.numbers or isinstance(self.numbers, str):
            raise ValueError("AdapterSpec.numbers must list at least one tracking number")

    @property
    def carrier(self) -> str:
        """The name the adapter is enabled under."""
        return self.name or self.module.__name__.rpartition(".")[2]

    def carrier_config(self) -> CarrierConfig:
        return CarrierConfig(self.carrier, dict(self.config), source="test", environ=self.environ)


@dataclass(frozen=True)
class Check:
    """One named conformance check; `run(spec)` raises `AssertionError` saying what to fix."""

    name: str
    run_async: Callable[[AdapterSpec], Coroutine[Any, Any, None]]

    def run(self, spec: AdapterSpec) -> None:
        asyncio.run(self.run_async(spec))

    def __str__(self) -> str:
        return self.name


def factory_of(spec: AdapterSpec) -> Callable[..., Any]:
    factory: Callable[..., Any] | None = getattr(spec.module, "create", None)
    assert callable(factory), (
        f"{spec.module.__name__} has no create() function; the registry calls "
        "create(config: CarrierConfig, http: httpx.AsyncClient) and uses what it returns"
    )
    try:
        inspect.signature(factory).bind(spec.carrier_config(), None)
    except TypeError:
        raise AssertionError(
            f"{spec.module.__name__}.create{inspect.signature(factory)} cannot be called as "
            "create(config, http); give it exactly those two parameters"
        ) from None
    return factory


def create_adapter(spec: AdapterSpec, http: httpx.AsyncClient) -> Any:
    adapter = factory_of(spec)(spec.carrier_config(), http)
    problems = contract_problems(adapter, spec.carrier)
    assert not problems, (
        f"{spec.module.__name__}.create() returned an adapter that breaks the contract: "
        + "; ".join(problems)
        + f" (name must be the config table's name, config.name == {spec.carrier!r})"
    )
    return adapter


async def track_with(
    spec: AdapterSpec, router: Router, numbers: Sequence[str], carrier: str | None = None
) -> tuple[Any, Mapping[str, Any]]:
    """A fresh adapter on `router`, and what it answered for `numbers` (or track_for)."""
    async with httpx.AsyncClient(transport=router.transport()) as http:
        adapter = create_adapter(spec, http)
        if carrier is None:
            results = await adapter.track(list(numbers))
        else:
            results = await adapter.track_for(carrier, list(numbers))
    assert isinstance(results, Mapping), (
        f"track() returned a {type(results).__name__}; return a dict {{number: TrackingResult}}"
    )
    return adapter, results


def answers_problems(results: Mapping[str, Any], asked: Sequence[str], carrier: str) -> list[str]:
    wanted = list(dict.fromkeys(asked))
    problems = []
    missing = [number for number in wanted if number not in results]
    extra = [key for key in results if key not in wanted]
    if missing:
        problems.append(f"no result for {missing} (every number asked needs one)")
    if extra:
        problems.append(f"results for numbers nobody asked about: {extra} (key them as asked)")
    for number in wanted:
        if number in results:
            problems += result_problems(results[number], number=number, carrier=carrier)
    return problems


def failing(what: str, exc: Exception) -> AssertionError:
    return AssertionError(f"{what} raised {type(exc).__name__}: {exc}")
