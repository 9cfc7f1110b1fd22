"""`smsbot admin`: console users and the tokens of /metrics."""

from __future__ import annotations

import hashlib
import secrets
import sys
from datetime import UTC, datetime

import click

from smsbot.cli.base import config_option, fail_cleanly, opened_store, run, settings_for


@click.group("admin")
def admin() -> None:
    """Console users and access tokens."""


@admin.command("add-user")
@config_option
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin (for scripts).")
@fail_cleanly
def add_user(config: str | None, name: str, password_stdin: bool) -> None:
    """Create console user NAME, or give NAME a new password (which ends its sessions)."""
    from smsbot.admin.auth import hash_password

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    name = name.strip()
    if not name or len(name) > 64:
        raise click.BadParameter("a name of 1 to 64 characters", param_hint="NAME")
    try:
        hashed = hash_password(password)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="password") from exc
    settings = settings_for(config)

    async def save() -> bool:
        async with opened_store(settings) as store:
            return await store.save_admin_user(name, hashed, datetime.now(UTC))

    created = run(save())
    click.echo(f"{'created' if created else 'updated the password of'} console user {name}")


@admin.command("new-token")
def new_token() -> None:
    """Print a new random token and the sha256:HEX line to configure (e.g. [metrics] token)."""
    token = secrets.token_urlsafe(32)
    digest = hashlib.sha256(token.encode("utf-8")).hexdigest()
    click.echo(f"token (give it to the scraper; it is not stored): {token}")
    click.echo(f'configure: token = "sha256:{digest}"')
