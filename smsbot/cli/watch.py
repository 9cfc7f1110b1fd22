"""`smsbot watch`: the watcher and the senders without the HTTP server (or one pass: --once)."""

from __future__ import annotations

import asyncio

import click

from smsbot.cli.base import config_option, fail_cleanly, run, settings_for, setup_logging


@click.command()
@config_option
@click.option("--once", is_flag=True, help="One pass over the shipments that are due, then exit.")
@click.option("-v", "--verbose", is_flag=True, help="Log debug details.")
@fail_cleanly
def watch(config: str | None, once: bool, verbose: bool) -> None:
    """Watch open shipments and text customers first, until Ctrl-C (or one pass: --once).

    --once suits cron: it checks what is due, sends what the outbox and the alerts have due,
    prints a summary and exits.
    """
    import signal

    from smsbot.background import background
    from smsbot.services import open_services
    from smsbot.wording.counts import counted

    setup_logging(verbose)
    settings = settings_for(config)

    async def go() -> None:
        async with open_services(settings, check_signatures=False) as bot:
            if once:
                summary = await bot.watcher.run_once()
                sent = await bot.outbox.send_due()
                delivered = await bot.alerts.deliver_due()
                delivered_alerts = counted(delivered, "alert")
                click.echo(f"watch: {summary}; {sent} sent, {delivered_alerts} delivered")
                return
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, stop.set)
            async with background(bot, watch=True):
                await stop.wait()

    run(go())
