"""`smsbot import-orders`: load an order file into the store."""

from __future__ import annotations

from pathlib import Path

import click

from smsbot.cli.base import config_option, fail_cleanly, opened_store, run, settings_for
from smsbot.errors import OrderFileError


@click.command("import-orders")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@config_option
@click.option("--skip-invalid", is_flag=True, help="Import the good rows; list the bad ones.")
@fail_cleanly
def import_orders(file: Path, config: str | None, skip_invalid: bool) -> None:
    """Load orders from a CSV or JSON FILE into the store (re-importing updates them)."""
    from smsbot.lookup.detect import carriers_for
    from smsbot.orders.file import read_orders
    from smsbot.orders.number import OrderNumbers

    settings = settings_for(config)
    parsed = read_orders(
        file,
        default_region=settings.bot.default_region,
        detect=carriers_for,
        order_numbers=OrderNumbers(settings.bot.order_number_pattern),
    )
    if parsed.problems and not skip_invalid:
        raise OrderFileError(str(file), parsed.problems)
    for problem in parsed.problems:
        click.echo(f"skipped {file}: {problem}", err=True)

    async def save() -> None:
        async with opened_store(settings) as store:
            counts = await store.upsert_orders(parsed.orders)
        click.echo(
            f"{file}: {parsed.rows} rows read, {len(parsed.orders)} orders "
            f"({counts.orders_created} new, {counts.orders_updated} updated), "
            f"{counts.shipments_added} shipments added, {counts.shipments_kept} already known"
            + (f", {len(parsed.problems)} bad rows skipped" if parsed.problems else "")
        )

    run(save())
