"""`smsbot store copy SRC DST`: move a store between backends (SQLite <-> PostgreSQL)."""

from __future__ import annotations

import click

from smsbot.cli.base import fail_cleanly, run


@click.group("store")
def store() -> None:
    """Work on a whole store: copy it to another backend."""


@store.command("copy")
@click.argument("source")
@click.argument("destination")
@click.option("--batch", default=2000, show_default=True, help="Rows per transaction.")
@fail_cleanly
def copy(source: str, destination: str, batch: int) -> None:
    """Copy every table of SOURCE into DESTINATION (store URLs or SQLite paths).

    Resumable: run it again after an interruption and it continues where it stopped,
    copying nothing twice. Row counts are compared at the end. Stop `serve` and `watch`
    first: rows written meanwhile may be missed (the count check then says so).
    """
    from smsbot.config.settings import masked_url
    from smsbot.store.transfer import Copied, copy_store

    def show(done: Copied) -> None:
        click.echo(f"{done.table}: {done.source} rows ({done.inserted} copied now)")

    copied = run(copy_store(source, destination, batch=batch, progress=show))
    total = sum(done.source for done in copied)
    click.echo(f"copied {len(copied)} tables, {total} rows, into {masked_url(destination)}; "
               "counts match")  # fmt: skip
