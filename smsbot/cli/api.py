"""`smsbot api new-token`: make an orders-API token; only its digest goes in the config."""

from __future__ import annotations

import click


@click.group("api")
def api() -> None:
    """The orders API (/api/orders/{number})."""


@api.command("new-token")
@click.option("--name", default="shop", show_default=True, help="What the token is for.")
@click.option(
    "--scope",
    "scopes",
    type=click.Choice(["read", "write"]),
    multiple=True,
    help="read (GET) and/or write (PUT, PATCH, DELETE); default both.",
)
def new_token(name: str, scopes: tuple[str, ...]) -> None:
    """Print a fresh token ONCE, and the [api] tokens entry to paste (its SHA-256 only)."""
    from smsbot.api.tokens import new_token as make

    token, entry = make()
    chosen = ", ".join(f'"{scope}"' for scope in (scopes or ("read", "write")))
    click.echo(f"token (shown once; give it to the caller, keep it secret):\n  {token}\n")
    click.echo("add this entry to the tokens list of [api] in your configuration:")
    click.echo(f'  {{ name = "{name}", token = "{entry}", scopes = [{chosen}] }},')
