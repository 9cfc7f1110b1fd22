"""What every command shares: the --config option, settings, logging, clean errors, the store."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import click

from smsbot.config import Settings, config_path, demo_settings, load_settings
from smsbot.errors import SmsbotError
from smsbot.store import Store, open_store

P = ParamSpec("P")
R = TypeVar("R")

CONFIG_HELP = "Configuration file (default: $SMSBOT_CONFIG, else ./smsbot.toml)."

config_option = click.option(
    "--config", "config", type=click.Path(dir_okay=False), help=CONFIG_HELP
)


def fail_cleanly(command: Callable[P, R]) -> Callable[P, R]:
    """Turn smsbot's own errors into one line on stderr and exit status 2."""

    @wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except SmsbotError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)

    return wrapper


def run(coroutine: Coroutine[Any, Any, R]) -> R:
    """Run one command's async work to its end."""
    return asyncio.run(coroutine)


def settings_for(config: str | None, demo: bool = False) -> Settings:
    """The settings of `--config` (or $SMSBOT_CONFIG, ./smsbot.toml), or the demo's."""
    if demo:
        return demo_settings(":memory:", os.environ)
    return load_settings(config_path(config, os.environ), os.environ)


def orders_to_seed(demo: bool) -> tuple[Any, ...]:
    """The orders to load at start: the demo's with --demo, else none."""
    if not demo:
        return ()
    from smsbot.orders.demo import DEMO_ORDERS

    return DEMO_ORDERS


def setup_logging(verbose: bool) -> None:
    """Log to stderr, at DEBUG with --verbose."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@asynccontextmanager
async def opened_store(settings: Settings) -> AsyncIterator[Store]:
    """The configured store, open for one command (the one place commands open it)."""
    store = await open_store(settings.store.url, pool_size=settings.store.pool_size)
    try:
        yield store
    finally:
        await store.close()
