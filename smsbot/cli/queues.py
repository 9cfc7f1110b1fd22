"""`smsbot alerts` and `smsbot outbox`: what was sent to the merchant and to customers."""

from __future__ import annotations

import click

from smsbot.cli.base import config_option, fail_cleanly, opened_store, run, settings_for


@click.command("alerts")
@config_option
@click.option("--limit", default=50, show_default=True, help="How many to show.")
@fail_cleanly
def alerts_command(config: str | None, limit: int) -> None:
    """List the newest merchant alerts and whether the alerts webhook got them."""
    from smsbot.watch.alerts import describe

    settings = settings_for(config)

    async def show() -> None:
        async with opened_store(settings) as store:
            found = await store.recent_alerts(limit)
        for alert in found:
            click.echo(describe(alert, settings.bot.timezone))
        if not found:
            click.echo("no alerts")

    run(show())


@click.command("outbox")
@config_option
@click.option("--limit", default=50, show_default=True, help="How many to show.")
@fail_cleanly
def outbox_command(config: str | None, limit: int) -> None:
    """List the newest outbound messages and where each stands (bodies are not shown)."""
    from smsbot.watch.outbox import describe

    settings = settings_for(config)

    async def show() -> None:
        async with opened_store(settings) as store:
            found = await store.recent_outbox(limit)
        for message in found:
            click.echo(describe(message, settings.bot.timezone))
        if not found:
            click.echo("no outbound messages")

    run(show())
