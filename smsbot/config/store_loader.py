"""The `[store]` table: a URL or the SQLite path shorthand, and whether its file can be made."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from smsbot.config.settings import StoreSettings, masked_url
from smsbot.config.table import Table
from smsbot.errors import ConfigError

#: The environment variable that overrides `[store] url` (and `path`): a URL with a password
#: need not be written into the configuration file.
STORE_URL_ENV = "SMSBOT_STORE_URL"
#: Bounds of `[store] pool_size` (connections per process, PostgreSQL only).
POOL_SIZES = range(1, 101)
#: Bounds of `[store] spool_max_mb` (the inbound spool of one process, `smsbot.spool`).
SPOOL_SIZES_MB = range(1, 10_001)


def read_store(table: Table, env: Mapping[str, str]) -> StoreSettings:
    """`path` (the SQLite shorthand) or `url` (any backend), never both; `SMSBOT_STORE_URL`
    overrides both. `pool_size`: the PostgreSQL backend's connections per process;
    `spool_dir`, `spool_max_mb`: where and how much the inbound spool keeps."""
    pool_size = table.get("pool_size", int, StoreSettings.pool_size)
    if pool_size not in POOL_SIZES:
        raise table.error("pool_size", f"must be 1 to 100 connections, not {pool_size}")
    store = _read_location(table, env)
    spool_dir = table.get("spool_dir", str, StoreSettings.spool_dir)
    spool_max_mb = table.get("spool_max_mb", int, StoreSettings.spool_max_mb)
    if spool_max_mb not in SPOOL_SIZES_MB:
        raise table.error("spool_max_mb", f"must be 1 to 10000 MB, not {spool_max_mb}")
    return replace(store, pool_size=pool_size, spool_dir=spool_dir, spool_max_mb=spool_max_mb)


def _read_location(table: Table, env: Mapping[str, str]) -> StoreSettings:
    overriding = env.get(STORE_URL_ENV, "")
    if overriding:
        table.used.update(("url", "path"))
        env_table = Table(f"${STORE_URL_ENV}", "store", {"url": overriding})
        return _read_location(env_table, {})
    if "url" not in table.values:
        return StoreSettings(path=table.get("path", str, "smsbot.db"))
    url = table.get("url", str, "")
    if "path" in table.values:
        table.used.add("path")
        raise table.error(
            "url",
            'set store.url or store.path, not both (path = "x.db" means url = "sqlite:///x.db")',
        )
    scheme, sep, rest = url.partition("://")
    if not sep or not _SCHEME.match(scheme) or not rest:
        shown = masked_url(url)
        raise table.error("url", f'must be a URL like "sqlite:///smsbot.db", not {shown!r}')
    if scheme != "sqlite":
        try:
            parts = urlsplit(url)
            named = bool(parts.hostname or parts.path.strip("/"))
        except ValueError:  # urlsplit's signal for brackets that are no IPv6 address
            named = False
        if not named:
            raise table.error("url", f"names no server or database: {masked_url(url)!r}")
        return StoreSettings(path="", url=url)
    path = rest.removeprefix("/")  # sqlite:///x.db is x.db, sqlite:////srv/x.db is /srv/x.db
    if not path:
        raise table.error("url", 'names no file: use "sqlite:///path/to/smsbot.db"')
    return StoreSettings(path=path, url=url)


_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*\Z")


def check_store_file(store: StoreSettings, data: Mapping[str, Any], source: str) -> None:
    """The SQLite file of a configuration being run can be created (or opened) where it is
    configured; else the one-line error naming the key, not a traceback at start.

    Only files are checked here (`settings_from_mapping` reads no disk): a running service
    may still fail later (a read-only mount), which the store reports as a `StoreError`.
    """
    if not store.url.startswith("sqlite:") or store.path in ("", ":memory:"):
        return
    section = data.get("store")
    key = "store.url" if isinstance(section, Mapping) and "url" in section else "store.path"
    problem = _uncreatable(Path(store.path))
    if problem is not None:
        raise ConfigError(f"{store.path}: {problem}", source=source, key=key)


def _uncreatable(path: Path) -> str | None:
    """Why the database file `path` cannot be opened or created, or None."""
    if path.exists():
        if path.is_dir():
            return "is a directory; name a file, like data/smsbot.db"
        if not os.access(path, os.R_OK | os.W_OK):
            return "cannot be read and written by this user"
        return None
    folder = path.parent
    while not folder.exists():  # the nearest existing folder decides what can be created
        if folder.is_symlink():
            return f"cannot be created: {folder} is a broken link"
        folder = folder.parent
    if not folder.is_dir():
        return f"cannot be created: {folder} is a file, not a directory"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"cannot be created: no permission to write in {folder}"
    return None
