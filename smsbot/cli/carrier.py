"""The carrier commands: `track` (ask a carrier now), `carriers` (list the adapters) and
`new-adapter` (write a ready-to-fill one)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from smsbot.cli.base import config_option, fail_cleanly, run, settings_for
from smsbot.errors import CarrierError, ScaffoldError
from smsbot.tracking import Problem, TrackingResult

if TYPE_CHECKING:
    from smsbot.lookup.registry import Registry


@click.command()
@click.argument("args", nargs=-1, required=True, metavar="[CARRIER] NUMBER")
@config_option
@click.option("--demo", is_flag=True, help="Use the built-in demo carrier.")
@fail_cleanly
def track(args: tuple[str, ...], config: str | None, demo: bool) -> None:
    """Ask a carrier about NUMBER now and print the normalized result.

    Without CARRIER, the carrier is detected from the number's format and routed as the bot
    does it (`[routing]` included); a number several carriers may own is asked of each that
    is served, and the ones that know it answer.
    """
    from smsbot.lookup.detect import compact
    from smsbot.services import build_registry

    if len(args) > 2:
        raise click.UsageError("give at most a CARRIER and a NUMBER")
    settings = settings_for(config, demo)
    number = compact(args[-1])

    async def ask() -> None:
        import httpx

        async with httpx.AsyncClient(timeout=settings.tracking.carrier_timeout_s * 3) as http:
            registry = build_registry(settings, http)
            if len(args) == 2:
                readings = {args[0].lower(): number}
            else:
                readings = _detected(number, registry, settings.source)
            known = 0
            for name, trackable in readings.items():
                route = registry.route(name)
                if route is None:
                    raise click.UsageError(
                        f"carrier {name!r} is not enabled in {settings.source}, "
                        "and no [routing] sends it through an aggregator"
                    )
                shown = registry.display_name(name)
                if route.via is not None:
                    shown += f" (via {route.adapter.display_name})"
                try:
                    results = await registry.track(name, [trackable])
                except CarrierError as exc:
                    click.echo(f"{shown}: call failed: {exc}", err=True)
                    sys.exit(1)
                result = results[trackable]
                if len(readings) > 1 and result.problem is Problem.NOT_FOUND:
                    click.echo(f"{shown}: does not know {number}")
                    continue
                known += 1
                click.echo(describe_result(shown, result))
            if not known:
                names = ", ".join(registry.display_name(name) for name in readings)
                raise click.ClickException(
                    f"none of {names} knows {number}; if you know the carrier, name it: "
                    "track CARRIER NUMBER"
                )

    run(ask())


def _detected(number: str, registry: Registry, source: str) -> dict[str, str]:
    """Carrier -> what to ask it, for the carriers detection reads `number` as and someone
    serves (detection's order); a UsageError saying why when there are none."""
    from smsbot.lookup.detect import detect

    readings: dict[str, str] = {}
    for match in detect(number):
        readings.setdefault(match.carrier, match.trackable)  # without a USPS routing prefix
    if not readings:
        raise click.UsageError(
            f"cannot tell the carrier of {number} from its format; name it: track CARRIER NUMBER"
        )
    served = {name: trackable for name, trackable in readings.items() if registry.serves(name)}
    if not served:
        names = " or ".join(registry.display_name(name) for name in readings)
        raise click.UsageError(
            f"{number} looks like a {names} number, but no adapter in {source} answers for "
            f"it: add [carriers.{next(iter(readings))}], or a [routing] aggregator"
        )
    if len(served) > 1:
        names = ", ".join(registry.display_name(name) for name in served)
        click.echo(f"{number} may belong to any of {names}: asking each")
    return served


def describe_result(display_name: str, result: TrackingResult) -> str:
    """A normalized result, readable in a terminal."""
    lines = [f"{display_name} {result.number}: {result.status.value}"]
    if result.status_text or result.status_code:
        lines.append(f"  carrier says: {result.status_text} [{result.status_code}]")
    if result.problem:
        lines.append(f"  problem: {result.problem.value}")
    if result.eta:
        eta = result.eta
        span = f"{eta.earliest}" + (f" to {eta.latest}" if eta.latest else "")
        if eta.window_start and eta.window_end:
            span += f" {eta.window_start:%H:%M}-{eta.window_end:%H:%M}"
        lines.append(f"  eta: {span}{' (estimated)' if eta.estimated else ''}")
    if result.delivered_at:
        where = f" ({result.delivery_location})" if result.delivery_location else ""
        lines.append(f"  delivered: {result.delivered_at.isoformat()}{where}")
    if result.delay_reason:
        lines.append(f"  delay reason: {result.delay_reason.value}")
    if result.pieces != 1:
        lines.append(f"  pieces: {result.pieces}")
    if result.proof_of_delivery:
        lines.append("  proof of delivery: yes")
    for event in reversed(result.events):
        place = f" @ {event.location}" if event.location else ""
        lines.append(
            f"  {event.time.isoformat()} [{event.status.value}] {event.description}{place}"
        )
    return "\n".join(lines)


@click.command()
@config_option
@click.option("--demo", is_flag=True, help="Show the demo's carriers.")
@fail_cleanly
def carriers(config: str | None, demo: bool) -> None:
    """List the enabled carrier adapters, installed ones, and tracking-number detection."""
    from smsbot.lookup.detect import CARRIERS
    from smsbot.lookup.registry import installed_entry_points
    from smsbot.services import build_registry

    settings = settings_for(config, demo)

    async def show() -> None:
        import httpx

        async with httpx.AsyncClient() as http:
            registry = build_registry(settings, http)
        click.echo("Enabled carriers:")
        for name, adapter in registry.adapters.items():
            detect = "detected from numbers" if name in CARRIERS else "named in orders only"
            origin = registry.origins[name]
            route = registry.route(name)
            routed = f", routed via {route.via}" if route and route.via else ""
            click.echo(f"  {name:<12} {adapter.display_name:<12} {origin} ({detect}{routed})")
        if not registry.adapters:
            click.echo("  (none: add a [carriers.<name>] table to the configuration)")
        if registry.routes or registry.default:
            click.echo("Routing (carrier -> the aggregator that answers for it):")
            for carrier, via in registry.routes.items():
                label = "every carrier" if carrier == "*" else carrier
                click.echo(f"  {label:<24} -> {via}")
            if registry.default:
                click.echo(f"  {'any other carrier':<24} -> {registry.default}")
        installed = [
            point for point in installed_entry_points() if point.name not in registry.adapters
        ]
        if installed:
            click.echo("Installed but not enabled:")
            for point in installed:
                click.echo(f"  {point.name:<12} {point.value}")

    run(show())


@click.command("new-adapter")
@click.argument("name")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(),
    help="Where to write the files (default: the current directory).",
)
def new_adapter(name: str, directory: Path) -> None:
    """Write a ready-to-fill adapter NAME.py, a sample fixture, and a test that runs the kit."""
    from smsbot.scaffold import scaffold

    try:
        written = scaffold(name, directory).write()
    except ScaffoldError as exc:
        raise click.BadParameter(str(exc), param_hint="NAME") from exc
    except FileExistsError as exc:
        raise click.ClickException(str(exc)) from exc
    for path in written:
        click.echo(f"wrote {path}")
    click.echo(
        f"Next: fill in the TODOs of {name}.py, record real answers in fixtures/{name}/, and "
        f"run python -m pytest {directory / f'test_{name}.py'}. Enable it with "
        f'[carriers.{name}] module = "{name}" (its folder on PYTHONPATH), or package it '
        "under the smsbot.carriers entry point: see docs/adapters.md."
    )
