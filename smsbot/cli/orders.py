"""`smsbot import-orders`: load an order file into the store."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import click

from smsbot.cli.base import config_option, fail_cleanly, opened_store, run, settings_for
from smsbot.config import Settings
from smsbot.errors import OrderFileError, SmsbotError


@click.command("import-orders")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@config_option
@click.option("--skip-invalid", is_flag=True, help="Import the good rows; list the bad ones.")
@fail_cleanly
def import_orders(file: Path, config: str | None, skip_invalid: bool) -> None:
    """Load orders from a CSV or JSON FILE into the store (re-importing updates them).

    A carrier name that looks like a typo of a known one ('fedexx') makes its row bad, like
    any other bad row; a carrier no enabled adapter serves is imported with a warning."""
    from smsbot.lookup.detect import carriers_for
    from smsbot.orders.file import read_orders
    from smsbot.orders.number import OrderNumbers
    from smsbot.wording.counts import counted

    settings = settings_for(config)
    read = read_orders(
        file,
        default_region=settings.bot.default_region,
        detect=carriers_for,
        order_numbers=OrderNumbers(settings.bot.order_number_pattern),
    )

    async def save() -> None:
        import httpx

        from smsbot.cli.order_carriers import review_carriers
        from smsbot.services import build_registry

        serves: Callable[[str], bool]
        try:
            async with httpx.AsyncClient() as http:  # loading adapters calls nobody
                serves = build_registry(settings, http).serves
        except SmsbotError as exc:  # `check` says what is wrong; the orders still come in
            click.echo(
                f"warning: adapters not loaded ({exc}); carriers checked for typos only", err=True
            )
            serves = partial(_not_a_typo, settings)
        json = file.suffix.lower() == ".json"
        review = review_carriers(read, serves, json=json, config=settings.source)
        parsed = review.parsed
        if parsed.problems and not skip_invalid:
            raise OrderFileError(str(file), parsed.problems)
        for problem in parsed.problems:
            click.echo(f"skipped {file}: {problem}", err=True)
        for warning in review.warnings:
            click.echo(f"warning: {file} {warning}", err=True)
        async with opened_store(settings) as store:
            counts = await store.upsert_orders(parsed.orders)
        click.echo(
            f"{file}: {counted(parsed.rows, 'row')} read, {counted(len(parsed.orders), 'order')} "
            f"({counts.orders_created} new, {counts.orders_updated} updated), "
            f"{counted(counts.shipments_added, 'shipment')} added, "
            f"{counts.shipments_kept} already known"
            + (f", {counted(len(parsed.problems), 'bad row')} skipped" if parsed.problems else "")
        )

    run(save())


def _not_a_typo(settings: Settings, carrier: str) -> bool:
    """Without the adapters: a configured or known carrier, or one close to none of them."""
    from smsbot.cli.carrier_names import KNOWN_CARRIERS, closest

    return carrier in settings.carriers or carrier in KNOWN_CARRIERS or closest(carrier) is None
