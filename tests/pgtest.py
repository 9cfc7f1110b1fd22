"""The PostgreSQL server the tests use: `SMSBOT_TEST_PG_URL`, one fresh schema per test.

Unset, a test that needs it skips with one line; with `CI` set, a missing or unreachable
server fails the test instead (a PostgreSQL test skipped in CI counts as not written).
"""

from __future__ import annotations

import atexit
import os
import secrets
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest

ENV = "SMSBOT_TEST_PG_URL"
_made: list[str] = []


def server_url() -> str:
    """The test server's URL; skips (fails in CI) when none is configured."""
    url = os.environ.get(ENV, "")
    if not url:
        message = f"PostgreSQL tests need a server: set {ENV}=postgresql://user@host:port/db"
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {ENV} is not: {message}", pytrace=False)
        pytest.skip(message)
    return url


def fresh_url() -> str:
    """The URL of a new, empty schema on the test server (dropped when the tests end)."""
    import psycopg

    url = server_url()
    schema = f"t_{secrets.token_hex(6)}"
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=5) as connection:
            connection.execute(f"CREATE SCHEMA {schema}".encode())
    except psycopg.Error as exc:
        pytest.fail(f"the PostgreSQL test server ({ENV}) is unreachable: {exc}", pytrace=False)
    if not _made:
        atexit.register(_drop_all, url)
    _made.append(schema)
    return with_schema(url, schema)


def with_schema(url: str, schema: str) -> str:
    """`url` with `schema` first on the search path (libpq's `options`)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "options"]
    query.append(("options", f"-csearch_path={schema}"))
    return urlunsplit(parts._replace(query=urlencode(query)))


def _drop_all(url: str) -> None:
    import psycopg

    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=5) as connection:
            for schema in _made:
                connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE".encode())
    except psycopg.Error:
        pass  # a throwaway server: leftovers go with it


#: The backends the end-to-end tests run on (each test once per backend).
E2E_BACKENDS = ("sqlite", "postgresql")


def store_table(backend: str, path: str) -> str:
    """The `[store]` table of a test's smsbot.toml: SQLite at `path`, or a fresh schema."""
    if backend == "sqlite":
        return f"[store]\npath = {path!r}\n"
    return f"[store]\nurl = {fresh_url()!r}\npool_size = 4\n"


def summarize_skips(terminalreporter: Any) -> None:
    """One line at the end of a run for every PostgreSQL test skipped for want of a server."""
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if ENV in str(getattr(report, "longrepr", ""))
    ]
    if skipped:
        terminalreporter.write_line(
            f"PostgreSQL: {len(skipped)} tests skipped, no server "
            f"(set {ENV}=postgresql://user@host:port/db; see .ci/run)"
        )
