"""`smsbot check`: validate the configuration, the store and every adapter's credentials."""

from __future__ import annotations

import click

from smsbot.cli.base import config_option, fail_cleanly, opened_store, run, settings_for
from smsbot.cli.shops import inbox_report
from smsbot.errors import CarrierError, SmsbotError
from smsbot.tracking import CheckableAdapter


@click.command()
@config_option
@fail_cleanly
def check(config: str | None) -> None:
    """Validate the configuration, open the store, load every carrier adapter, and prove
    each OAuth carrier's credentials by fetching a token."""
    from smsbot.services import signature_check

    settings = settings_for(config)
    signature_check(settings)
    click.echo(f"{settings.source}: configuration OK")

    async def probe() -> None:
        import httpx

        from smsbot.services import build_registry

        async with opened_store(settings) as store:
            click.echo(
                f"store {settings.store.shown}: schema v{await store.schema_version()}, "
                f"{await store.count_orders()} orders"
            )
            await inbox_report(store)
        async with httpx.AsyncClient(timeout=settings.tracking.carrier_timeout_s * 3) as http:
            registry = build_registry(settings, http)
            failed = 0
            for name, adapter in registry.adapters.items():
                verdict = "adapter loaded"
                if isinstance(adapter, CheckableAdapter):
                    try:
                        verdict = await adapter.check()
                    except CarrierError as exc:
                        failed += 1
                        verdict = f"FAILED: {exc}"
                click.echo(f"carrier {name} ({adapter.display_name}): {verdict}")
        if failed:
            raise SmsbotError(f"{failed} carrier(s) failed the check")

    run(probe())
