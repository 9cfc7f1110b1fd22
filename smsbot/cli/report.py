"""`smsbot report`: the WISMO KPIs of a period, as the console's dashboard shows them."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from smsbot.cli.base import config_option, fail_cleanly, opened_store, run, settings_for


@click.command("report")
@config_option
@click.option("--since", default="30d", show_default=True, help="The period: 30d, 12h, 2w.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "csv", "json", "html"]),
    default="text",
    show_default=True,
)
@click.option(
    "--until",
    default=None,
    help="End of the period (ISO 8601, e.g. 2024-11-08T00:00:00Z); default: now.",
)
@fail_cleanly
def report(config: str | None, since: str, fmt: str, until: str | None) -> None:
    """Print the WISMO KPIs of the --since before --until (default: up to now)."""
    from smsbot.admin.report import RENDERERS, parse_since, period
    from smsbot.eta.calibration import calibration

    try:
        span = parse_since(since)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from exc
    end_at = datetime.now(UTC)
    if until is not None:
        try:
            end_at = datetime.fromisoformat(until.replace("Z", "+00:00"))
        except ValueError as exc:
            raise click.BadParameter(f"{until!r} is not an ISO time", param_hint="--until") from exc
        if end_at.utcoffset() is None:
            end_at = end_at.replace(tzinfo=UTC)
    settings = settings_for(config)

    async def show() -> None:
        start, end = period(span, end_at)
        async with opened_store(settings) as store:
            kpis = await store.kpis(start, end)
            calibrated = await calibration(store, settings.eta, start, end)
        click.echo(RENDERERS[fmt](kpis, calibrated), nl=False)

    run(show())
