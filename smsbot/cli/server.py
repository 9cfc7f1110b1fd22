"""`smsbot serve`: the HTTP server (and, with watch.enabled, the watcher's polls).

`--workers N` runs N server processes on one port (uvicorn's supervisor; default: the CPUs,
at most `MAX_DEFAULT_WORKERS`). What they share lives in the store: SQLite in WAL mode is
shared between processes, every claim and lease is decided by the database, and the
background loops are safe to run in several processes at once (see `smsbot.background`).
`--demo` keeps its orders in memory, so it always runs one worker.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

from smsbot.cli.base import (
    config_option,
    fail_cleanly,
    opened_store,
    orders_to_seed,
    run,
    settings_for,
    setup_logging,
)
from smsbot.config import Settings
from smsbot.store import Store

if TYPE_CHECKING:
    from starlette.applications import Starlette

#: The default worker count is the CPU count, capped: past a few workers on one SQLite file
#: the write lock, not the CPU, is what limits (bench/README.md).
MAX_DEFAULT_WORKERS = 8
# How the supervisor tells each worker process what to serve (the workers are new processes).
_CONFIG_ENV = "SMSBOT_SERVE_CONFIG_PATH"
_VERBOSE_ENV = "SMSBOT_SERVE_VERBOSE"


def default_workers() -> int:
    """The number of CPUs this process may use, at most MAX_DEFAULT_WORKERS."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_DEFAULT_WORKERS))


@click.command()
@config_option
@click.option("--host", help="Address to listen on (default: server.host, 127.0.0.1).")
@click.option("--port", type=int, help="Port to listen on (default: server.port, 8080).")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    help=f"Server processes (default: the CPUs, at most {MAX_DEFAULT_WORKERS}; 1 with --demo).",
)
@click.option("--demo", is_flag=True, help="Run on the built-in demo orders and carrier.")
@click.option("-v", "--verbose", is_flag=True, help="Log debug details.")
@fail_cleanly
def serve(
    config: str | None,
    host: str | None,
    port: int | None,
    workers: int | None,
    demo: bool,
    verbose: bool,
) -> None:
    """Run the server: POST /sms (Twilio's incoming-message webhook), POST /twilio/status
    (delivery callbacks), POST /hooks/CARRIER (carrier pushes), GET /healthz, GET /t/TOKEN
    (the tracking page); and the watcher too when watch.enabled is true."""
    import uvicorn

    from smsbot.config.loader import config_path
    from smsbot.services import signature_check
    from smsbot.web.app import create_app

    setup_logging(verbose)
    settings = settings_for(config, demo)
    if demo and port:  # the demo's links point at this server
        from dataclasses import replace

        links = replace(settings.links, public_url=f"http://127.0.0.1:{port}")
        settings = replace(settings, links=links)
    signature_check(settings)  # a missing token or public URL stops the start here
    if not demo:
        from smsbot.cli.carrier_names import check_carrier_names
        from smsbot.config.readiness import require_ready

        for warning in require_ready(settings):  # an example value stops the start here
            click.echo(f"warning: {warning}", err=True)
        check_carrier_names(settings)
    if not settings.store.url.startswith("sqlite:"):
        # A database server that cannot be reached, refuses the credentials or grants no
        # rights stops the start here, in one line, not in every worker's traceback.
        run(_probe_store(settings))
    if demo and workers not in (None, 1):
        raise click.UsageError("--demo keeps its orders in memory: it runs one worker")
    count = 1 if demo else workers or default_workers()
    bind_host, bind_port = host or settings.server.host, port or settings.server.port
    level = "debug" if verbose else "info"
    prepare = None
    if demo:
        settings, prepare = _demo_console(settings, bind_host, bind_port)
    if count == 1:
        app = create_app(settings, seed_orders=orders_to_seed(demo), prepare=prepare)
        uvicorn.run(app, host=bind_host, port=bind_port, log_level=level, proxy_headers=True)
        return
    os.environ[_CONFIG_ENV] = str(config_path(config, os.environ).resolve())
    os.environ[_VERBOSE_ENV] = "1" if verbose else ""
    uvicorn.run(
        "smsbot.cli.server:worker_app",
        factory=True,
        workers=count,
        host=bind_host,
        port=bind_port,
        log_level=level,
        proxy_headers=True,
    )


async def _probe_store(settings: Settings) -> None:
    """Open (and migrate) the configured store once, and close it."""
    async with opened_store(settings):
        pass


def _demo_console(
    settings: Settings, host: str, port: int
) -> tuple[Settings, Callable[[Store], Awaitable[None]]]:
    """The demo's console and /metrics, their credentials printed once."""
    from smsbot.admin.demo import USER, demo_console, seed_history

    settings, access = demo_console(settings)
    base = f"http://{host}:{port}"
    click.echo(f"console: {base}/admin/  user {USER!r}, password {access.password!r}")
    click.echo(f'metrics: curl -H "Authorization: Bearer {access.metrics_token}" {base}/metrics')

    async def prepare(store: Store) -> None:
        await seed_history(store, datetime.now(UTC), access)

    return settings, prepare


def worker_app() -> Starlette:
    """The app of one worker process of `serve --workers N` (uvicorn calls this in each)."""
    from smsbot.web.app import create_app

    setup_logging(bool(os.environ.get(_VERBOSE_ENV)))
    return create_app(settings_for(os.environ[_CONFIG_ENV]))
