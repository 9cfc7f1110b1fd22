"""`open_store(url)`: which URLs open which backend, and clear errors for the rest."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from smsbot.errors import ConfigError, StoreError
from smsbot.store import open_store
from smsbot.store.sqlite import SqliteStore
from tests.store.conftest import NOW


@pytest.mark.parametrize(
    "url",
    ["sqlite:///data/a.db", "data/a.db", "sqlite:///./data/a.db"],
)
async def test_relative_sqlite_urls_and_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.chdir(tmp_path)
    async with await open_store(url) as store:
        assert isinstance(store, SqliteStore)
        await store.set_opted_out("+15551234567", "sms", True, NOW)
    assert (tmp_path / "data" / "a.db").is_file()


async def test_absolute_sqlite_urls_and_paths(tmp_path: Path) -> None:
    path = tmp_path / "abs" / "b.db"
    for url in (f"sqlite:///{path}", str(path), path):
        async with await open_store(url) as store:
            assert await store.count_orders() == 0
    assert path.is_file()


@pytest.mark.parametrize("url", ["sqlite://:memory:", ":memory:"])
async def test_memory_urls(url: str) -> None:
    async with await open_store(url) as store:
        assert await store.count_orders() == 0


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
async def test_postgresql_urls_open_postgresql_and_never_show_the_password(scheme: str) -> None:
    # A port nobody listens on: the PostgreSQL backend tries it and says why, in one line.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(StoreError, match=rf"127\.0\.0\.1.*{port}") as caught:
        await open_store(f"{scheme}://bot:hunter2@127.0.0.1:{port}/smsbot")
    message = str(caught.value)
    assert "hunter2" not in message
    assert f"{scheme}://bot:***@127.0.0.1:{port}/smsbot: cannot connect" in message
    assert "\n" not in message


async def test_an_unknown_scheme_is_named_without_the_rest_of_the_url() -> None:
    with pytest.raises(ConfigError, match="unknown store URL scheme 'sqlit'") as caught:
        await open_store("sqlit://bot:hunter2@host/x.db")
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///", "sqlite://relative.db"])
async def test_a_sqlite_url_without_a_path_is_refused(url: str) -> None:
    with pytest.raises(ConfigError, match="a sqlite URL needs a path"):
        await open_store(url)
