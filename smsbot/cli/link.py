"""`smsbot link show ORDER` and `smsbot link revoke ORDER`: an order's tracking link."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from smsbot.cli.base import config_option, fail_cleanly, opened_store, run, settings_for


@click.group("link")
def link() -> None:
    """An order's tracking link (`{public_url}/t/{token}`): show it or revoke it."""


@link.command("show")
@config_option
@click.argument("order")
@fail_cleanly
def show(config: str | None, order: str) -> None:
    """Print ORDER's link (issuing one if it has none) and its page views per package."""
    from smsbot.view.link import TrackingLinks

    settings = settings_for(config)

    async def work() -> int:
        async with opened_store(settings) as store:
            if await store.get_order(order) is None:
                click.echo(f"no order {order}", err=True)
                return 1
            links = TrackingLinks(settings, store)
            url = await links.url_for_order(order, datetime.now(UTC), texting=False)
            views = await store.link_views(order)
        if url is None:
            click.echo(
                "no link: set server.public_url (or links.public_url), or the order was "
                "delivered more than links.valid_days ago",
                err=True,
            )
            return 1
        click.echo(url)
        for number, count in views.items():
            click.echo(f"  {number}: {count} page view{'s' if count != 1 else ''}")
        return 0

    raise SystemExit(run(work()))


@link.command("revoke")
@config_option
@click.argument("order")
@fail_cleanly
def revoke(config: str | None, order: str) -> None:
    """Make ORDER's link stop working now; a later text about it carries a new one."""
    settings = settings_for(config)

    async def work() -> int:
        async with opened_store(settings) as store:
            return await store.revoke_links(order, datetime.now(UTC))

    count = run(work())
    click.echo(f"revoked {count} link{'s' if count != 1 else ''} of order {order}")
