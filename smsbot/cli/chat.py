"""`smsbot chat` and `smsbot text`: talk to the bot from a terminal, through the same
pipeline as Twilio's webhook."""

from __future__ import annotations

import asyncio
import logging
import sys
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime

import click

from smsbot.cli.base import config_option, fail_cleanly, orders_to_seed, run, settings_for
from smsbot.config import Settings

#: The per-sender limits of a local conversation: none that a person typing could reach.
LOCAL_LIMIT = 1_000_000
LOCAL_NOTE = (
    "note: a local conversation is exempt from the per-sender message and lookup limits; "
    "postal-code checks and lockouts still apply. Log lines go to stderr."
)


def local(settings: Settings) -> Settings:
    """`settings` for a conversation typed on this machine: the merchant testing their own
    bot is not a sender to rate-limit (the limits still guard every real channel)."""
    bot = replace(
        settings.bot, max_messages_per_minute=LOCAL_LIMIT, max_lookups_per_hour=LOCAL_LIMIT
    )
    return replace(settings, bot=bot)


@contextmanager
def logs_to_stderr() -> Iterator[None]:
    """smsbot's warnings on stderr, marked as log lines, never in the transcript (stdout)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("log: %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.WARNING)
    logger = logging.getLogger("smsbot")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)


async def converse(
    settings: Settings, sender: str, bodies: Callable[[], Awaitable[str | None]], seed: bool
) -> None:
    from smsbot.channels.inbound import parse_inbound
    from smsbot.services import open_services

    seeded = orders_to_seed(seed)
    settings = local(settings)
    click.echo(LOCAL_NOTE, err=True)
    with logs_to_stderr():
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


def _check_sender(sender: str, region: str, hint: str) -> None:
    """Refuse a FROM that is not a phone number, in one line saying how to write it."""
    from smsbot.phones import to_e164

    if to_e164(sender, region) is None:
        raise click.BadParameter(
            f"{sender!r} is not a phone number; write it like +12025550123 "
            "(or whatsapp:+12025550123)",
            param_hint=hint,
        )


@click.command()
@config_option
@click.option("--demo", is_flag=True, help="Chat with the built-in demo orders and carrier.")
@click.option("--from", "sender", help="The number you text from (default: the demo's).")
@fail_cleanly
def chat(config: str | None, demo: bool, sender: str | None) -> None:
    """Text the bot from the terminal, through the same pipeline as Twilio's webhook."""
    from smsbot.orders.demo import DEMO_PHONE, describe

    settings = settings_for(config, demo)
    sender = sender or DEMO_PHONE
    _check_sender(sender, settings.bot.default_region, "'--from'")
    if demo:
        click.echo("Demo orders (text one of these numbers, or HELP; Ctrl-D to quit):")
        for line in describe():
            click.echo(f"  {line}")

    async def prompt() -> str | None:
        try:
            return await asyncio.to_thread(input, "you> ")
        except EOFError:  # Ctrl-D: end the prompt's line, so the shell's starts on its own
            click.echo()
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
    settings = settings_for(config, demo)
    _check_sender(sender, settings.bot.default_region, "FROM")
    bodies = iter([body])

    async def next_body() -> str | None:
        return next(bodies, None)

    run(converse(settings, sender, next_body, seed=demo))
