"""The `smsbot` command: thin click commands over the library, one module per command group.

The entry point is `smsbot.cli:main`; each command lives in the module named after what it
works on (server, chat, orders, carrier, check, queues, watch) and is added here.
"""

from __future__ import annotations

import click

from smsbot import __version__
from smsbot.cli.admin import admin
from smsbot.cli.api import api
from smsbot.cli.carrier import carriers, new_adapter, track
from smsbot.cli.chat import chat, text
from smsbot.cli.check import check
from smsbot.cli.inbox import inbox
from smsbot.cli.link import link
from smsbot.cli.orders import import_orders
from smsbot.cli.queues import alerts_command, outbox_command
from smsbot.cli.report import report
from smsbot.cli.server import serve
from smsbot.cli.shops import shopify, woocommerce
from smsbot.cli.store import store
from smsbot.cli.twilio import connect_twilio
from smsbot.cli.watch import watch

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="smsbot")
def main() -> None:
    """smsbot: customers text an order number, the bot answers where it is."""


for command in (
    serve, chat, text, import_orders, track, carriers, new_adapter, check,
    alerts_command, outbox_command, watch, api, shopify, woocommerce, link, report, admin,
    connect_twilio,
    inbox,
    store,
):  # fmt: skip
    main.add_command(command)
