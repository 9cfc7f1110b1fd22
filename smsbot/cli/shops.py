"""`smsbot shopify sync|register-webhooks`, `smsbot woocommerce sync`, and the shop inbox's
lines in `smsbot check`."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from smsbot.cli.base import config_option, fail_cleanly, opened_store, run, settings_for
from smsbot.errors import SmsbotError
from smsbot.store import InboxEvent, InboxState, Store

_AGE = re.compile(r"(\d+)([dh])\Z")


def since_of(text: str) -> datetime:
    """`30d`, `12h` or an ISO date/time as an aware UTC time."""
    if match := _AGE.fullmatch(text.strip()):
        amount, unit = int(match.group(1)), match.group(2)
        return datetime.now(UTC) - timedelta(**{"days" if unit == "d" else "hours": amount})
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{text!r}: use 30d, 12h or an ISO date") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


async def inbox_report(store: Store) -> None:
    """The shop inbox in `smsbot check`: counts, and the flagged events with their reason."""
    counts = await store.inbox_counts()
    if not any(counts.values()):
        return
    listed = ", ".join(f"{counts[state]} {state.value}" for state in InboxState)
    click.echo(f"shop inbox: {listed}")
    for event in await store.flagged_inbox(20):
        click.echo("  " + flagged_line(event))


def flagged_line(event: InboxEvent) -> str:
    """One flagged event for the merchant: platform, topic, delivery id, shop, the shop's
    order it concerns, when it came, and why it is flagged."""
    from smsbot.shops.flagged import order_of

    when = event.received_at.isoformat(timespec="seconds")
    return (
        f"flagged {event.source} {event.topic} {event.event_id} shop {event.shop} "
        f"order {order_of(event)} ({when}): {event.note}"
    )


@click.group("shopify")
def shopify() -> None:
    """Shopify: backfill orders, subscribe the webhooks."""


@shopify.command("sync")
@config_option
@click.option("--since", default="30d", show_default=True, help="30d, 12h or an ISO date.")
@click.option(
    "--state",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("smsbot-shopify-sync.json"),
    show_default=True,
    help="Where the cursor is kept so an interrupted sync resumes.",
)
@fail_cleanly
def shopify_sync(config: str | None, since: str, state: Path) -> None:
    """Pull orders and fulfillments updated since --since through the Admin GraphQL API."""
    import httpx

    from smsbot.shops.inbox import ShopInbox, sourcing
    from smsbot.shops.shopify_sync import ShopifySync

    settings = settings_for(config)
    start = since_of(since)

    async def work() -> None:
        async with opened_store(settings) as store, httpx.AsyncClient(timeout=30) as http:
            runner = ShopifySync(
                settings.shopify, store, sourcing(settings, "shopify"), http, state_path=state
            )
            report = await runner.run(start)
            # Webhooks that waited for one of these orders are applied now, not at the
            # next round of a running bot's inbox loop (there may be none).
            applied_waiting = await ShopInbox(store, settings, http=http).drain()
        click.echo(
            f"shopify: {report.orders} orders in {report.pages} pages, {report.applied} "
            f"applied, {report.flagged} flagged, {report.waited_s:.1f} s waited for the bucket"
        )
        if report.released:
            click.echo(
                f"shopify: {report.released} waiting webhooks released; {applied_waiting} "
                "pending webhooks processed"
            )

    run(work())


@shopify.command("register-webhooks")
@config_option
@fail_cleanly
def shopify_register(config: str | None) -> None:
    """Subscribe server.public_url/webhooks/shopify to the order, fulfillment and return
    topics (returns need the app's read_returns scope)."""
    import httpx

    from smsbot.shops.shopify_setup import Registered, register_webhooks

    settings = settings_for(config)
    if settings.server.public_url is None:
        raise SmsbotError("server.public_url is needed: the URL Shopify will call")
    public = settings.server.public_url

    async def work() -> Registered:
        async with httpx.AsyncClient(timeout=30) as http:
            return await register_webhooks(settings.shopify, http, public)

    done = run(work())
    for topic in done.subscribed:
        click.echo(f"shopify: {topic} -> {public}/webhooks/shopify")
    for topic, why in done.skipped.items():
        click.echo(
            f"shopify: {topic} NOT subscribed ({why}); returns are then seen only by "
            "`smsbot shopify sync`. Grant the app the read_returns scope and run this again."
        )


@click.group("woocommerce")
def woocommerce() -> None:
    """WooCommerce: backfill orders."""


@woocommerce.command("sync")
@config_option
@click.option("--since", default="30d", show_default=True, help="30d, 12h or an ISO date.")
@fail_cleanly
def woocommerce_sync(config: str | None, since: str) -> None:
    """Pull orders modified since --since through /wp-json/wc/v3/orders."""
    import httpx

    from smsbot.shops.inbox import sourcing
    from smsbot.shops.woocommerce_sync import sync_woocommerce

    settings = settings_for(config)
    start = since_of(since)

    async def work() -> None:
        async with opened_store(settings) as store, httpx.AsyncClient(timeout=30) as http:
            report = await sync_woocommerce(
                settings.woocommerce, store, sourcing(settings, "woocommerce"), http, start
            )
        click.echo(
            f"woocommerce: {report.orders} orders in {report.pages} pages, "
            f"{report.applied} applied, {report.flagged} flagged"
        )

    run(work())
