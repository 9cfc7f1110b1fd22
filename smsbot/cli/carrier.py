"""The carrier commands: `track` (ask a carrier now), `carriers` (list the adapters) and
`new-adapter` (write a ready-to-fill one)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from smsbot.cli.base import config_option, fail_cleanly, run, settings_for
from smsbot.errors import CarrierError, ScaffoldError
from smsbot.tracking import TrackingResult


@click.command()
@click.argument("args", nargs=-1, required=True, metavar="[CARRIER] NUMBER")
@config_option
@click.option("--demo", is_flag=True, help="Use the built-in demo carrier.")
@fail_cleanly
def track(args: tuple[str, ...], config: str | None, demo: bool) -> None:
    """Ask a carrier about NUMBER now and print the normalized result.

    Without CARRIER, the carrier is detected from the number's format.
    """
    from smsbot.lookup.detect import carriers_for, compact
    from smsbot.services import build_registry

    if len(args) > 2:
        raise click.UsageError("give at most a CARRIER and a NUMBER")
    settings = settings_for(config, demo)
    number = compact(args[-1])
    if len(args) == 2:
        names = [args[0].lower()]
    else:
        names = [name for name in carriers_for(number) if name in settings.carriers]
        if not names and settings.routing.default:
            names = list(carriers_for(number))[:1]
        if not names:
            raise click.UsageError(
                f"cannot tell the carrier of {number}; name it: track CARRIER NUMBER"
            )

    async def ask() -> None:
        import httpx

        async with httpx.AsyncClient(timeout=settings.tracking.carrier_timeout_s * 3) as http:
            registry = build_registry(settings, http)
            for name in names:
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
                    results = await registry.track(name, [number])
                except CarrierError as exc:
                    click.echo(f"{shown}: call failed: {exc}", err=True)
                    sys.exit(1)
                click.echo(describe_result(shown, results[number]))

    run(ask())


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
