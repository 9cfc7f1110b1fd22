"""`smsbot chat` and `smsbot text`: talk to the bot from a terminal, through the same
pipeline as Twilio's webhook."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import click

from smsbot.cli.base import config_option, fail_cleanly, orders_to_seed, run, settings_for
from smsbot.config import Settings


async def converse(
    settings: Settings, sender: str, bodies: Callable[[], Awaitable[str | None]], seed: bool
) -> None:
    from smsbot.channels.inbound import parse_inbound
    from smsbot.services import open_services

    seeded = orders_to_seed(seed)
    async with open_services(settings, seed_orders=seeded, check_signatures=False) as bot:
        if seed:  # the demo's delivery history: its replies tell learned windows (issue 19)
            from smsbot.eta.simulate import demo_history

            await bot.store.import_deliveries(demo_history(datetime.now(UTC)))
            await bot.eta.refresh()
        while (body := await bodies()) is not None:
            form = {"From": sender, "Body": body, "MessageSid": "SM" + uuid.uuid4().hex}
            message = parse_inbound(
                form,
                default_region=settings.bot.default_region,
                order_pattern=settings.bot.order_number_pattern,
            )
            answer = await bot.conversation.answer(message)
            click.echo(answer.text if answer.text else "(no reply)")


@click.command()
@config_option
@click.option("--demo", is_flag=True, help="Chat with the built-in demo orders and carrier.")
@click.option("--from", "sender", help="The number you text from (default: the demo's).")
@fail_cleanly
def chat(config: str | None, demo: bool, sender: str | None) -> None:
    """Text the bot from the terminal, through the same pipeline as Twilio's webhook."""
    from smsbot.orders.demo import DEMO_PHONE, describe

    settings = settings_for(config, demo)
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

    run(converse(settings, sender, prompt, seed=demo))


@click.command()
@click.argument("sender", metavar="FROM")
@click.argument("body")
@config_option
@click.option("--demo", is_flag=True, help="Use the built-in demo orders and carrier.")
@fail_cleanly
def text(sender: str, body: str, config: str | None, demo: bool) -> None:
    """Send one message BODY as FROM (a phone number) and print the reply."""
    bodies = iter([body])

    async def next_body() -> str | None:
        return next(bodies, None)

    run(converse(settings_for(config, demo), sender, next_body, seed=demo))
