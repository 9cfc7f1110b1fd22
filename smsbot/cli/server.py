"""`smsbot serve`: the HTTP server (and, with watch.enabled, the watcher's polls)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import click

from smsbot.cli.base import config_option, fail_cleanly, orders_to_seed, settings_for, setup_logging
from smsbot.config import Settings
from smsbot.store import Store


@click.command()
@config_option
@click.option("--host", help="Address to listen on (default: server.host, 127.0.0.1).")
@click.option("--port", type=int, help="Port to listen on (default: server.port, 8080).")
@click.option("--demo", is_flag=True, help="Run on the built-in demo orders and carrier.")
@click.option("-v", "--verbose", is_flag=True, help="Log debug details.")
@fail_cleanly
def serve(
    config: str | None, host: str | None, port: int | None, demo: bool, verbose: bool
) -> None:
    """Run the server: POST /sms (Twilio's incoming-message webhook), POST /twilio/status
    (delivery callbacks), POST /hooks/CARRIER (carrier pushes), GET /healthz, GET /t/TOKEN
    (the tracking page); and the watcher too when watch.enabled is true."""
    import uvicorn

    from smsbot.services import signature_check
    from smsbot.web.app import create_app

    setup_logging(verbose)
    settings = settings_for(config, demo)
    if demo and port:  # the demo's links point at this server
        from dataclasses import replace

        links = replace(settings.links, public_url=f"http://127.0.0.1:{port}")
        settings = replace(settings, links=links)
    signature_check(settings)  # a missing token or public URL stops the start here
    prepare = None
    if demo:
        settings, prepare = _demo_console(
            settings, host or settings.server.host, port or settings.server.port
        )
    app = create_app(settings, seed_orders=orders_to_seed(demo), prepare=prepare)
    uvicorn.run(
        app,
        host=host or settings.server.host,
        port=port or settings.server.port,
        log_level="debug" if verbose else "info",
        proxy_headers=True,
    )


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
