"""Issue 15, faults: a PostgreSQL store that cannot be used stops `check` and `serve` with
one line naming the host and the reason, the password masked."""

from __future__ import annotations

import secrets
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from smsbot.cli import main
from tests.pgtest import fresh_url, server_url

GOOD_SID = "AC" + "0123456789abcdef" * 2
GOOD_TOKEN = "0123456789abcdef" * 2


@pytest.fixture(autouse=True)
def no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """`serve` that got past its checks returns at once instead of serving forever."""
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)


def _config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "smsbot.toml"
    path.write_text(
        '[server]\npublic_url = "https://bot.shop.test"\n'
        f'[twilio]\naccount_sid = "{GOOD_SID}"\nauth_token = "{GOOD_TOKEN}"\n'
        f"[store]\nurl = {url!r}\n[carriers.demo]\n",
        encoding="utf-8",
    )
    return path


def _one_line(tmp_path: Path, command: str, url: str) -> str:
    result = CliRunner().invoke(main, [command, "--config", str(_config(tmp_path, url))])
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "configuration OK" not in result.stdout
    return lines[0]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("command", ["check", "serve"])
def test_an_unreachable_server(tmp_path: Path, command: str) -> None:
    port = _free_port()
    line = _one_line(tmp_path, command, f"postgresql://bot:hunter2@127.0.0.1:{port}/smsbot")
    assert line.startswith(f"error: postgresql://bot:***@127.0.0.1:{port}/smsbot: cannot connect")
    assert "refused" in line.lower()
    assert "hunter2" not in line


def _with(url: str, *, user: str | None = None, password: str | None = None) -> str:
    parts = urlsplit(url)
    netloc = f"{user or parts.username}:{password or parts.password}@{parts.hostname}"
    return parts._replace(netloc=f"{netloc}:{parts.port}").geturl()


@pytest.mark.parametrize("command", ["check", "serve"])
def test_wrong_credentials(tmp_path: Path, command: str) -> None:
    url = _with(fresh_url(), password="not-the-password")
    parts = urlsplit(url)
    line = _one_line(tmp_path, command, url)
    assert f"@{parts.hostname}:{parts.port}" in line
    assert "password authentication failed" in line
    assert "not-the-password" not in line


@pytest.mark.parametrize("command", ["check", "serve"])
def test_a_database_without_rights(tmp_path: Path, command: str) -> None:
    import psycopg

    role = f"norights_{secrets.token_hex(4)}"
    password = secrets.token_hex(8)
    url = server_url()
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'".encode())
        database = admin.execute("SELECT current_database()").fetchone()
        assert database is not None
        # PostgreSQL 15 gives PUBLIC no CREATE on the public schema; revoke it anyway, and
        # keep the role out of every other schema.
        admin.execute(f"REVOKE CREATE ON SCHEMA public FROM PUBLIC, {role}".encode())
    try:
        line = _one_line(tmp_path, command, _with(url, user=role, password=password))
        assert f"{role}:***@" in line
        assert "permission denied" in line
        assert password not in line
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP ROLE {role}".encode())
