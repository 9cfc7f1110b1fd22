"""`smsbot check`: validate the configuration, the store and every adapter's credentials.

It changes nothing on disk: a SQLite store that does not exist yet is reported, not created
(`smsbot serve` creates it on first start). "OK" is printed last, once everything passed.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from smsbot.cli.base import config_option, fail_cleanly, opened_store, run, settings_for
from smsbot.cli.carrier_names import check_carrier_names, hint
from smsbot.cli.shops import inbox_report
from smsbot.config import Settings
from smsbot.config.readiness import require_ready
from smsbot.errors import CarrierError, ConfigError, SmsbotError
from smsbot.tracking import CheckableAdapter
from smsbot.wording.counts import counted


@click.command()
@config_option
@click.option(
    "--live",
    is_flag=True,
    help="Also ask Twilio (network): prove the credentials, list the account's numbers and "
    "show where each sends incoming messages next to where it should (changes nothing).",
)
@fail_cleanly
def check(config: str | None, live: bool) -> None:
    """Validate the configuration, open the store, load every carrier adapter, and prove
    each OAuth carrier's credentials by fetching a token; with --live, Twilio's too."""
    from smsbot.services import signature_check

    settings = settings_for(config)
    signature_check(settings)
    warnings = require_ready(settings)
    check_carrier_names(settings)

    missing = _store_missing(settings)

    async def probe() -> None:
        import httpx

        from smsbot.services import build_registry

        stored = await _store_report(settings, missing)
        async with httpx.AsyncClient(timeout=settings.tracking.carrier_timeout_s * 3) as http:
            try:
                registry = build_registry(settings, http)
            except ConfigError:
                raise
            except SmsbotError as exc:  # an adapter's own error: say where it is configured
                raise ConfigError(str(exc), source=settings.source, key="carriers") from exc
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
            for carrier, count in sorted(stored.items()):
                if not registry.serves(carrier):
                    warnings.append(
                        f"carrier {carrier!r} (on {counted(count, 'stored shipment')}): no "
                        f"adapter serves it{hint(carrier)}; add [carriers.{carrier}] or route "
                        "it in [routing], or the bot cannot track these"
                    )
            if live:
                from smsbot.cli.twilio import live_report

                if twilio_problems := await live_report(settings, http):
                    raise SmsbotError(
                        f"{counted(twilio_problems, 'Twilio setting')} failed the check (see above)"
                    )
        if failed:
            raise SmsbotError(f"{counted(failed, 'carrier')} failed the check")

    run(probe())
    for warning in warnings:  # after the errors: a failing check ends in its one error line
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"{settings.source}: configuration OK")


def _store_missing(settings: Settings) -> bool:
    """Whether the store is a SQLite file that does not exist yet; then whether it could be
    made is tried with a nameless temporary file in the nearest existing folder (the
    permission bits do not tell for root, nor on read-only mounts), which leaves nothing."""
    store = settings.store
    sqlite_file = store.url.startswith("sqlite:") and store.path not in ("", ":memory:")
    path = Path(store.path)
    if not sqlite_file or path.exists():
        return False
    folder = path.parent
    while not folder.exists():
        folder = folder.parent
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise ConfigError(
            f"{store.path}: cannot be created in {folder} ({exc.strerror or exc})",
            source=settings.source,
            key="store.url" if store.url != f"sqlite:///{store.path}" else "store.path",
        ) from exc
    return True


async def _store_report(settings: Settings, missing: bool) -> dict[str, int]:
    """The store's schema and orders; a SQLite file that does not exist yet is left so.
    Returns how many shipments name each carrier (none for a store not made yet)."""
    store_settings = settings.store
    if missing:
        click.echo(
            f"store {store_settings.shown}: does not exist yet; "
            "`smsbot serve` creates it on first start"
        )
        return {}
    async with opened_store(settings) as store:
        click.echo(
            f"store {store_settings.shown}: schema v{await store.schema_version()}, "
            f"{counted(await store.count_orders(), 'order')}"
        )
        await inbox_report(store)
        return await store.shipments_by_carrier()
