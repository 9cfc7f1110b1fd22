"""`open_store(url)`: the backend named by a `[store]` URL, opened and migrated.

Accepted forms:
- `sqlite:///relative/path.db` (three slashes: a path relative to the working directory),
- `sqlite:////absolute/path.db` (four slashes: an absolute path),
- `sqlite://:memory:` (a private in-memory database, gone when closed),
- a bare path (`data/smsbot.db`, `/var/lib/smsbot.db`, `:memory:`): the `[store] path`
  shorthand for SQLite.
- `postgresql://user@host:port/db` or `postgres://…` (any libpq URL): the PostgreSQL backend,
  the password from the URL or libpq's `PGPASSWORD` / `~/.pgpass`, `pool_size` connections.
"""

from __future__ import annotations

import os
import re

from smsbot.errors import ConfigError
from smsbot.store.api import Store
from smsbot.store.sqlite import SqliteStore

#: `scheme://` at the start of a URL; a Windows drive (`C:\\`) has no `//` and is a path.
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


async def open_store(url: str | os.PathLike[str], *, pool_size: int | None = None) -> Store:
    """The store at `url` (see the module docstring), opened and migrated.

    `pool_size` (PostgreSQL only; None: the backend's default) bounds the connections.
    Raises ConfigError for a URL no backend takes (naming only its scheme: a URL may hold
    a password), StoreError when the database cannot be opened or migrated.
    """
    text = os.fspath(url)
    match = _SCHEME.match(text)
    if match is None:
        return await SqliteStore.open(text)
    scheme = match.group(1).lower()
    rest = text[match.end() :]
    if scheme == "sqlite":
        if rest == ":memory:":
            return await SqliteStore.open(":memory:")
        if not rest.startswith("/") or rest == "/":
            raise ConfigError(
                "a sqlite URL needs a path: sqlite:///relative/path.db, "
                "sqlite:////absolute/path.db or sqlite://:memory:",
                key="store.url",
            )
        return await SqliteStore.open(rest[1:])
    if scheme in ("postgresql", "postgres"):
        # Imported here: psycopg is loaded only by a process that uses PostgreSQL.
        from smsbot.store.postgres import DEFAULT_POOL_SIZE, PostgresStore

        size = DEFAULT_POOL_SIZE if pool_size is None else pool_size
        return await PostgresStore.open(text, pool_size=size)
    raise ConfigError(
        f"unknown store URL scheme {scheme!r}: use sqlite:///path.db, sqlite://:memory:, "
        "postgresql://… or a path",
        key="store.url",
    )
