"""One-line reasons for PostgreSQL failures, and the URL shown with its password masked."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import psycopg


def masked(url: str) -> str:
    """`url` with its password, if any, replaced by ***."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return "(a PostgreSQL URL that cannot be read)"
    if not password:
        return url
    user, _, host = parts.netloc.rpartition("@")
    return urlunsplit(parts._replace(netloc=f"{user.partition(':')[0]}:***@{host}"))


def describe(exc: psycopg.Error) -> str:
    """The server's or libpq's reason in one line (libpq's messages span several)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return "; ".join(lines) or type(exc).__name__
