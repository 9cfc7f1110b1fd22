"""Broken configurations end in one line naming the key, never a traceback (issue 21
items 10-12)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from smsbot.config import load_settings
from smsbot.errors import ConfigError

FLOATS = [
    ("bot", "lockout_s"),
    ("bot", "verified_ttl_s"),
    ("bot", "session_ttl_s"),
    ("bot", "hint_window_s"),
    ("tracking", "reply_deadline_s"),
    ("tracking", "carrier_timeout_s"),
    ("tracking", "cache_ttl_s"),
    ("tracking", "delivered_cache_ttl_s"),
    ("watch", "max_age_days"),
    ("watch", "poll_interval_s"),
    ("watch", "label_scan_alert_h"),
    ("watch", "stall_after_h"),
    ("watch", "delivery_checkin_after_h"),
]


def _config(tmp_path: Path, text: str, store: Path | None = None) -> Path:
    path = tmp_path / "smsbot.toml"
    where = store if store is not None else tmp_path / "smsbot.db"
    path.write_text(f'[store]\npath = "{where}"\n{text}', encoding="utf-8")
    return path


@pytest.mark.parametrize(("section", "key"), FLOATS)
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e300"])
def test_non_finite_and_huge_numbers_are_rejected(
    tmp_path: Path, section: str, key: str, value: str
) -> None:
    path = _config(tmp_path, f"[{section}]\n{key} = {value}\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert caught.value.key == f"{section}.{key}"
    assert "between" in str(caught.value)  # says the allowed range
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("value", ["nan", "inf", "1e300"])
def test_refresh_minutes_must_be_finite(tmp_path: Path, value: str) -> None:
    path = _config(tmp_path, f"[watch]\nrefresh_minutes = {{ in_transit = {value} }}\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert caught.value.key == "watch.refresh_minutes.in_transit"


def test_sane_numbers_still_load(tmp_path: Path) -> None:
    path = _config(tmp_path, "[bot]\nlockout_s = 7200\n[watch]\nstall_after_h = 48.5\n")
    settings = load_settings(path, environ={})
    assert (settings.bot.lockout_s, settings.watch.stall_after_h) == (7200.0, 48.5)


def _smsbot(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMSBOT_")}
    return subprocess.run(  # our own CLI
        [sys.executable, "-m", "smsbot", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def _uncreatable(tmp_path: Path, how: str) -> Path:
    if how == "under a file":
        blocker = tmp_path / "not-a-dir"
        blocker.write_text("x", encoding="utf-8")
        return blocker / "sub" / "smsbot.db"
    if how == "a directory":
        folder = tmp_path / "folder.db"
        folder.mkdir()
        return folder
    if os.geteuid() == 0:
        # Root may write in any folder of ours; sysfs refuses even root a new file (EACCES).
        return Path("/sys/smsbot-test.db")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    return locked / "smsbot.db"


@pytest.mark.parametrize("how", ["under a file", "a directory", "no permission"])
def test_an_uncreatable_store_path_is_one_config_line(tmp_path: Path, how: str) -> None:
    store = _uncreatable(tmp_path, how)
    config = _config(
        tmp_path,
        '[server]\npublic_url = "https://track.myshop.test"\n'
        '[twilio]\nauth_token = "t0ken-0123456789"\n',
        store=store,
    )
    result = _smsbot("check", "--config", str(config))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    if str(store).startswith("/sys/"):
        # Root's case: only opening the file can tell, and the error names the file.
        assert len(lines) == 1 and str(store) in lines[0], result.stderr
        return
    with pytest.raises(ConfigError) as caught:
        load_settings(config, environ={})
    assert caught.value.key == "store.path"
    assert len(lines) == 1 and "store.path" in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_the_store_itself_reports_an_uncreatable_path_as_a_store_error(tmp_path: Path) -> None:
    """Past the configuration (a race, a read-only mount): one StoreError, no OSError."""
    import asyncio

    from smsbot.errors import StoreError
    from smsbot.store import open_store

    store = _uncreatable(tmp_path, "under a file")
    with pytest.raises(StoreError) as caught:
        asyncio.run(open_store(str(store)))
    assert str(store.parent) in str(caught.value) or str(store) in str(caught.value)


@pytest.mark.parametrize(
    "url", ["https://bot.example.com/sms", "https://bot.example.com/?x=1"]
)  # fmt: skip
def test_a_public_url_with_the_webhook_path_or_a_query_is_rejected(
    tmp_path: Path, url: str
) -> None:
    config = _config(tmp_path, f'[server]\npublic_url = "{url}"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(config, environ={})
    assert caught.value.key == "server.public_url"
