"""The `smsbot` command: thin click commands over the library."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import click

from smsbot import __version__
from smsbot.config import Settings, config_path, demo_settings, load_settings
from smsbot.errors import CarrierError, OrderFileError, SmsbotError
from smsbot.tracking import CheckableAdapter, TrackingResult

P = ParamSpec("P")
R = TypeVar("R")

CONFIG_HELP = "Configuration file (default: $SMSBOT_CONFIG, else ./smsbot.toml)."


def _fail_cleanly(command: Callable[P, R]) -> Callable[P, R]:
    """Turn smsbot's own errors into one line on stderr and exit status 2."""

    @wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except SmsbotError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)

    return wrapper


def _run(coroutine: Coroutine[Any, Any, R]) -> R:
    return asyncio.run(coroutine)


def _settings(config: str | None, demo: bool = False) -> Settings:
    if demo:
        return demo_settings(":memory:", os.environ)
    return load_settings(config_path(config, os.environ), os.environ)


def _seed(demo: bool) -> tuple[Any, ...]:
    if not demo:
        return ()
    from smsbot.orders.demo import DEMO_ORDERS

    return DEMO_ORDERS


def _logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="smsbot")
def main() -> None:
    """smsbot: customers text an order number, the bot answers where it is."""


@main.command()
@click.option("--config", "config", type=click.Path(dir_okay=False), help=CONFIG_HELP)
@click.option("--host", help="Address to listen on (default: server.host, 127.0.0.1).")
@click.option("--port", type=int, help="Port to listen on (default: server.port, 8080).")
@click.option("--demo", is_flag=True, help="Run on the built-in demo orders and carrier.")
@click.option("-v", "--verbose", is_flag=True, help="Log debug details.")
@_fail_cleanly
def serve(
    config: str | None, host: str | None, port: int | None, demo: bool, verbose: bool
) -> None:
    """Run the server: POST /sms (Twilio's incoming-message webhook), POST /twilio/status
    (delivery callbacks), POST /hooks/CARRIER (carrier pushes), GET /healthz; and the
    watcher too when watch.enabled is true."""
    import uvicorn

    from smsbot.services import signature_check
    from smsbot.web.app import create_app

    _logging(verbose)
    settings = _settings(config, demo)
    signature_check(settings)  # a missing token or public URL stops the start here
    app = create_app(settings, seed_orders=_seed(demo))
    uvicorn.run(
        app,
        host=host or settings.server.host,
        port=port or settings.server.port,
        log_level="debug" if verbose else "info",
        proxy_headers=True,
    )


async def _converse(
    settings: Settings, sender: str, bodies: Callable[[], Awaitable[str | None]], seed: bool
) -> None:
    from smsbot.channels.inbound import parse_inbound
    from smsbot.services import open_services

    async with open_services(settings, seed_orders=_seed(seed), check_signatures=False) as bot:
        while (body := await bodies()) is not None:
            form = {"From": sender, "Body": body, "MessageSid": "SM" + uuid.uuid4().hex}
            message = parse_inbound(
                form,
                default_region=settings.bot.default_region,
                order_pattern=settings.bot.order_number_pattern,
            )
            answer = await bot.conversation.answer(message)
            click.echo(answer.text if answer.text else "(no reply)")


@main.command()
@click.option("--config", "config", type=click.Path(dir_okay=False), help=CONFIG_HELP)
@click.option("--demo", is_flag=True, help="Chat with the built-in demo orders and carrier.")
@click.option("--from", "sender", help="The number you text from (default: the demo's).")
@_fail_cleanly
def chat(config: str | None, demo: bool, sender: str | None) -> None:
    """Text the bot from the terminal, through the same pipeline as Twilio's webhook."""
    from smsbot.orders.demo import DEMO_PHONE, describe

    settings = _settings(config, demo)
    if demo:
        click.echo("Demo orders (text one of these numbers, or HELP; Ctrl-D to quit):")
        for line in describe():
            click.echo(f"  {line}")
    sender = sender or DEMO_PHONE

    async def prompt() -> str | None:
        try:
            return await asyncio.to_thread(input, "you> ")
        except EOFError:
            return None

    _run(_converse(settings, sender, prompt, seed=demo))


@main.command()
@click.argument("sender", metavar="FROM")
@click.argument("body")
@click.option("--config", "config", type=click.Path(dir_okay=False), help=CONFIG_HELP)
@click.option("--demo", is_flag=True, help="Use the built-in demo orders and carrier.")
@_fail_cleanly
def text(sender: str, body: str, config: str | None, demo: bool) -> None:
    """Send one message BODY as FROM (a phone number) and print the reply."""
    bodies = iter([body])

    async def next_body() -> str | None:
        return next(bodies, None)

    _run(_converse(_settings(config, demo), sender, next_body, seed=demo))


@main.command("import-orders")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--config", "config", type=click.Path(dir_okay=False), help=CONFIG_HELP)
@click.option("--skip-invalid", is_flag=True, help="Import the good rows; list the bad ones.")
@_fail_cleanly
def import_orders(file: Path, config: str | None, skip_invalid: bool) -> None:
    """Load orders from a CSV or JSON FILE into the store (re-importing updates them)."""
    from smsbot.lookup.detect import carriers_for
    from smsbot.orders.file import read_orders
    from smsbot.store import open_store

    settings = _settings(config)
    parsed = read_orders(file, default_region=settings.bot.default_region, detect=carriers_for)
    if parsed.problems and not skip_invalid:
        raise OrderFileError(str(file), parsed.problems)
    for problem in parsed.problems:
        click.echo(f"skipped {file}: {problem}", err=True)

    async def save() -> None:
        store = await open_store(settings.store.path)
        try:
            counts = await store.upsert_orders(parsed.orders)
        finally:
            await store.close()
        click.echo(
            f"{file}: {parsed.rows} rows read, {len(parsed.orders)} orders "
            f"({counts.orders_created} new, {counts.orders_updated} updated), "
            f"{counts.shipments_added} shipments added, {counts.shipments_kept} already known"
            + (f", {len(parsed.problems)} bad rows skipped" if parsed.problems else "")
        )

    _run(save())


@main.command()
@click.argument("args", nargs=-1, required=True, metavar="[CARRIER] NUMBER")
@click.option("--config", "config", type=click.Path(dir_okay=False), help=CONFIG_HELP)
@click.option("--demo", is_flag=True, help="Use the built-in demo carrier.")
@_fail_cleanly
def track(args: tuple[str, ...], config: str | None, demo: bool) -> None:
    """Ask a carrier about NUMBER now and print the normalized result.

    Without CARRIER, the carrier is detected from the number's format.
    """
    from smsbot.lookup.detect import carriers_for, compact
    from smsbot.services import build_registry

    if len(args) > 2:
        raise click.UsageError("give at most a CARRIER and a NUMBER")
    settings = _settings(config, demo)
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

    _run(ask())


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


@main.command()
@click.option("--config", "config", type=click.Path(dir_okay=False), help=CONFIG_HELP)
@click.option("--demo", is_flag=True, help="Show the demo's carriers.")
@_fail_cleanly
def carriers(config: str | None, demo: bool) -> None:
    """List the enabled carrier adapters, installed ones, and tracking-number detection."""
    from smsbot.lookup.detect import CARRIERS
    from smsbot.lookup.registry import installed_entry_points
    from smsbot.services import build_registry

    settings = _settings(config, demo)

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

    _run(show())


@main.command("new-adapter")
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
    except ValueError as exc:
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


@main.command()
@click.option("--config", "config", type=click.Path(dir_okay=False), help=CONFIG_HELP)
@_fail_cleanly
def check(config: str | None) -> None:
    """Validate the configuration, open the store, load every carrier adapter, and prove
    each OAuth carrier's credentials by fetching a token."""
    from smsbot.services import signature_check
    from smsbot.store import open_store

    settings = _settings(config)
    signature_check(settings)
    click.echo(f"{settings.source}: configuration OK")

    async def probe() -> None:
        import httpx

        from smsbot.services import build_registry

        store = await open_store(settings.store.path)
        try:
            click.echo(
                f"store {settings.store.path}: schema v{await store.schema_version()}, "
                f"{await store.count_orders()} orders"
            )
        finally:
            await store.close()
        async with httpx.AsyncClient(timeout=settings.tracking.carrier_timeout_s * 3) as http:
            registry = build_registry(settings, http)
            failed = 0
            for name, adapter in registry.adapters.items():
                verdict = "adapter loaded"
                if isinstance(adapter, CheckableAdapter):
                    try:
                        verdict = await adapter.check()
                    except CarrierError as exc:
                        failed += 1
                        verdict = f"FAILED: {exc}"
                click.echo(f"carrier {name} ({adapter.display_name}): {verdict}")
        if failed:
            raise SmsbotError(f"{failed} carrier(s) failed the check")

    _run(probe())


@main.command("alerts")
@click.option("--config", "config", type=click.Path(dir_okay=False), help=CONFIG_HELP)
@click.option("--limit", default=50, show_default=True, help="How many to show.")
@_fail_cleanly
def alerts_command(config: str | None, limit: int) -> None:
    """List the newest merchant alerts and whether the alerts webhook got them."""
    from smsbot.store import open_store
    from smsbot.watch.alerts import describe

    settings = _settings(config)

    async def show() -> None:
        store = await open_store(settings.store.path)
        try:
            found = await store.recent_alerts(limit)
        finally:
            await store.close()
        for alert in found:
            click.echo(describe(alert, settings.bot.timezone))
        if not found:
            click.echo("no alerts")

    _run(show())


@main.command("outbox")
@click.option("--config", "config", type=click.Path(dir_okay=False), help=CONFIG_HELP)
@click.option("--limit", default=50, show_default=True, help="How many to show.")
@_fail_cleanly
def outbox_command(config: str | None, limit: int) -> None:
    """List the newest outbound messages and where each stands (bodies are not shown)."""
    from smsbot.store import open_store
    from smsbot.watch.outbox import describe

    settings = _settings(config)

    async def show() -> None:
        store = await open_store(settings.store.path)
        try:
            found = await store.recent_outbox(limit)
        finally:
            await store.close()
        for message in found:
            click.echo(describe(message, settings.bot.timezone))
        if not found:
            click.echo("no outbound messages")

    _run(show())


@main.command()
@click.option("--config", "config", type=click.Path(dir_okay=False), help=CONFIG_HELP)
@click.option("--once", is_flag=True, help="One pass over the shipments that are due, then exit.")
@click.option("-v", "--verbose", is_flag=True, help="Log debug details.")
@_fail_cleanly
def watch(config: str | None, once: bool, verbose: bool) -> None:
    """Watch open shipments and text customers first, until Ctrl-C (or one pass: --once).

    --once suits cron: it checks what is due, sends what the outbox and the alerts have due,
    prints a summary and exits.
    """
    import signal

    from smsbot.services import open_services, utc_now
    from smsbot.watch.watcher import Watcher

    _logging(verbose)
    settings = _settings(config)

    async def go() -> None:
        async with open_services(settings, check_signatures=False) as bot:
            watcher = Watcher(
                settings, bot.store, bot.registry, bot.outbox, bot.alerts, clock=utc_now
            )
            if once:
                summary = await watcher.run_once()
                sent = await bot.outbox.send_due()
                delivered = await bot.alerts.deliver_due()
                click.echo(f"watch: {summary}; {sent} sent, {delivered} alerts delivered")
                return
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, stop.set)
            await watcher.run(stop)

    _run(go())


if __name__ == "__main__":  # pragma: no cover
    main()
