"""`smsbot inbox flagged|retry`: the shop webhooks the bot could not apply, for the merchant
to act on (fix the cause, e.g. a carrier name in `[shopify] carriers`, then retry)."""

from __future__ import annotations

import click

from smsbot.cli.base import config_option, fail_cleanly, opened_store, run, settings_for
from smsbot.cli.shops import flagged_line
from smsbot.errors import SmsbotError


@click.group("inbox")
def inbox() -> None:
    """The shop webhook inbox: flagged events, and retrying them."""


@inbox.command("flagged")
@config_option
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@fail_cleanly
def flagged(config: str | None, limit: int) -> None:
    """List flagged (and waiting) events, newest first, with their inbox ids."""
    settings = settings_for(config)

    async def work() -> list[str]:
        async with opened_store(settings) as store:
            return [f"#{e.id} {flagged_line(e)}" for e in await store.flagged_inbox(limit)]

    lines = run(work())
    for line in lines:
        click.echo(line)
    if not lines:
        click.echo("no flagged shop webhooks")


@inbox.command("retry")
@config_option
@click.argument("ids", nargs=-1, type=int, required=True)
@fail_cleanly
def retry(config: str | None, ids: tuple[int, ...]) -> None:
    """Apply flagged events again (their #ids from `smsbot inbox flagged`), now."""
    import httpx

    from smsbot.shops.inbox import ShopInbox

    settings = settings_for(config)

    async def work() -> list[str]:
        said = []
        async with opened_store(settings) as store, httpx.AsyncClient(timeout=30) as http:
            shop_inbox = ShopInbox(store, settings, http=http)
            for event_id in ids:
                if not await store.reopen_flagged(event_id):
                    said.append(f"#{event_id}: not a flagged event")
                    continue
                event = await store.inbox_event(event_id)
                if event is None:  # purged between the two calls
                    said.append(f"#{event_id}: gone")
                    continue
                state = await shop_inbox.process(event)
                after = await store.inbox_event(event_id)
                note = "" if after is None or after.note is None else f": {after.note}"
                said.append(f"#{event_id}: {state.value}{note}")
        return said

    lines = run(work())
    for line in lines:
        click.echo(line)
    if any("not a flagged" in line for line in lines):
        raise SmsbotError("some ids were not flagged events (see `smsbot inbox flagged`)")
