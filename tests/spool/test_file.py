"""The inbound spool's file: private, fsync'd JSON lines, bounded, claimed for replay."""

from __future__ import annotations

import asyncio
import json
import logging
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from smsbot.config import StoreSettings, settings_from_mapping
from smsbot.errors import ConfigError
from smsbot.spool.file import InboundSpool, spool_folder

AT = datetime(2026, 12, 6, 23, 0, tzinfo=UTC)


def form(sid: str, body: str = "1002") -> dict[str, str]:
    return {"MessageSid": sid, "From": "+12025550123", "Body": body, "FromCity": "X", "To": "+1"}


def keep(spool: InboundSpool, fields: dict[str, str]) -> bool:
    return asyncio.run(spool.keep(fields, AT))


def test_a_kept_text_is_one_private_line_of_the_fields_the_bot_reads(tmp_path: Path) -> None:
    spool = InboundSpool(tmp_path / "spool", 1 << 20)
    assert keep(spool, form("SM1"))
    (path,) = (tmp_path / "spool").iterdir()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "spool").stat().st_mode) == 0o700
    entry = json.loads(path.read_text())
    assert entry == {
        "MessageSid": "SM1",
        "From": "+12025550123",
        "Body": "1002",
        "at": AT.isoformat(),
    }


def test_a_full_spool_refuses_with_one_clear_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    spool = InboundSpool(tmp_path, 300)
    with caplog.at_level(logging.ERROR, "smsbot.spool"):
        results = [keep(spool, form(f"SM{n}")) for n in range(6)]
    assert results[:2] == [True, True] and results[-1] is False
    full = [r.getMessage() for r in caplog.records if "is full" in r.getMessage()]
    assert len(full) == 1 and "NOT kept" in full[0] and "+12025550123" not in full[0]


def test_a_text_without_message_sid_is_not_spooled(tmp_path: Path) -> None:
    spool = InboundSpool(tmp_path, 1 << 20)
    assert not keep(spool, form(""))
    assert list(tmp_path.iterdir()) == []


def test_claimed_entries_are_read_oldest_first_and_removed_only_when_asked(
    tmp_path: Path,
) -> None:
    spool = InboundSpool(tmp_path, 1 << 20)
    for sid in ("SM1", "SM2"):
        assert keep(spool, form(sid))
    claimed = spool.claim()
    assert [e["MessageSid"] for e in claimed.entries] == ["SM1", "SM2"]
    # A text arriving during the replay goes to a fresh file, not into the claimed one.
    assert keep(spool, form("SM3"))
    claimed.release()  # the store failed mid-round: nothing removed
    again = spool.claim()
    assert sorted(e["MessageSid"] for e in again.entries) == ["SM1", "SM2", "SM3"]
    again.remove()
    again.release()
    assert list(tmp_path.iterdir()) == []
    assert spool.claim().entries == []


def test_a_file_being_replayed_is_not_claimed_twice_and_an_orphan_is_taken_over(
    tmp_path: Path,
) -> None:
    one, other = InboundSpool(tmp_path, 1 << 20), InboundSpool(tmp_path, 1 << 20)
    assert keep(one, form("SM1"))
    claimed = one.claim()
    assert [e["MessageSid"] for e in claimed.entries] == ["SM1"]
    assert other.claim().entries == []  # locked by the first replayer
    claimed.release()  # the first replayer "crashed": its claimed file is unlocked
    orphan = other.claim()
    assert [e["MessageSid"] for e in orphan.entries] == ["SM1"]
    orphan.release()


def test_a_line_cut_short_by_a_crash_is_skipped(tmp_path: Path) -> None:
    spool = InboundSpool(tmp_path, 1 << 20)
    assert keep(spool, form("SM1"))
    (path,) = tmp_path.iterdir()
    with path.open("a") as cut:
        cut.write('{"MessageSid": "SM2", "Fr')
    claimed = spool.claim()
    assert [e["MessageSid"] for e in claimed.entries] == ["SM1"]
    claimed.release()


def test_the_folder_is_configured_or_beside_the_sqlite_file(tmp_path: Path) -> None:
    db = StoreSettings(path=str(tmp_path / "smsbot.db"))
    assert spool_folder(db) == tmp_path / "spool"
    named = StoreSettings(path="", url="postgresql://db/x", spool_dir="/var/lib/smsbot/spool")
    assert spool_folder(named) == Path("/var/lib/smsbot/spool")
    assert spool_folder(StoreSettings(path="", url="postgresql://db/x")) == Path("spool")


def test_the_spool_keys_are_read_from_the_store_table() -> None:
    data = {"store": {"path": "x.db", "spool_dir": "/srv/spool", "spool_max_mb": 8}}
    store = settings_from_mapping(data, source="t.toml", environ={}).store
    assert (store.spool_dir, store.spool_max_mb) == ("/srv/spool", 8)
    defaults = settings_from_mapping({}, source="t.toml", environ={}).store
    assert (defaults.spool_dir, defaults.spool_max_mb) == ("", 64)
    with pytest.raises(ConfigError, match="spool_max_mb"):
        settings_from_mapping({"store": {"spool_max_mb": 0}}, source="t.toml", environ={})
