"""`open_store(url)`: the backend named by a `[store]` URL, opened and migrated.

Accepted forms:
- `sqlite:///relative/path.db` (three slashes: a path relative to the working directory),
- `sqlite:////absolute/path.db` (four slashes: an absolute path),
- `sqlite://:memory:` (a private in-memory database, gone when closed),
- a bare path (`data/smsbot.db`, `/var/lib/smsbot.db`, `:memory:`): the `[store] path`
  shorthand for SQLite.
`postgresql://…` is reserved for the PostgreSQL backend (not built yet).
"""

from __future__ import annotations

import os
import re

from smsbot.errors import ConfigError
from smsbot.store.api import Store
from smsbot.store.sqlite import SqliteStore

#: `scheme://` at the start of a URL; a Windows drive (`C:\\`) has no `//` and is a path.
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


async def open_store(url: str | os.PathLike[str]) -> Store:
    """The store at `url` (see the module docstring), opened and migrated.

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
        raise ConfigError(
            f"{scheme}:// URLs name a PostgreSQL store: PostgreSQL support is not built yet; "
            "use sqlite:///path.db or a path",
            key="store.url",
        )
    raise ConfigError(
        f"unknown store URL scheme {scheme!r}: use sqlite:///path.db, sqlite://:memory: or a path",
        key="store.url",
    )
