"""Texts the store could not take, appended to a private local file until it can.

A text that arrives while the store is unreachable (PostgreSQL restarting, SQLite's disk
full or locked) still gets its honest fallback reply with status 200, and Twilio does not
retry after a 200: so the verified form's fields the bot reads are appended here, one JSON
line each, fsync'd, in a file only this user can read (it holds phone numbers).

Files and who may touch them. Each process appends to its own `inbound-<pid>.jsonl`. A
replayer (any process sharing the folder) claims such a file by renaming it to
`replay-<pid>-<n>.jsonl`, then holds an exclusive `flock` on it from reading to removing.
A writer locks its file before each append and checks the path still names that file: if
a replayer renamed it meanwhile the writer opens a fresh file, and if the rename came after
its check the replayer's lock waits for the append, so no line is ever written into a file
already read. A replayer that crashes leaves its `replay-*` file unlocked; the next round
(of any process) takes it over, and MessageSid idempotency makes replaying it harmless.
"""

from __future__ import annotations

import asyncio
import fcntl
import itertools
import json
import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from smsbot.config import StoreSettings
from smsbot.phones import mask

log = logging.getLogger("smsbot.spool")

#: The webhook fields the bot reads (`parse_inbound`): nothing else is written to disk.
FIELDS = ("MessageSid", "From", "Body")
WRITING, CLAIMED, SUFFIX = "inbound-", "replay-", ".jsonl"
#: Where the spool goes when neither `[store] spool_dir` nor a SQLite file names a folder.
DEFAULT_FOLDER = "spool"


def spool_folder(store: StoreSettings) -> Path:
    """`[store] spool_dir`; else `spool/` beside the SQLite file; else `./spool`."""
    if store.spool_dir:
        return Path(store.spool_dir)
    if store.url.startswith("sqlite:") and store.path not in ("", ":memory:"):
        return Path(store.path).parent / DEFAULT_FOLDER
    return Path(DEFAULT_FOLDER)


@dataclass
class Claimed:
    """Spooled entries read from claimed files whose locks this round holds, oldest first."""

    entries: list[dict[str, str]] = field(default_factory=list)
    _files: list[tuple[Path, int]] = field(default_factory=list)

    def remove(self) -> None:
        """Delete the claimed files: call only once the store took every entry."""
        for path, _fd in self._files:
            path.unlink(missing_ok=True)

    def release(self) -> None:
        """Unlock and close the claimed files (kept ones are replayed again next round)."""
        for _path, fd in self._files:
            os.close(fd)  # closing drops the flock
        self._files.clear()


class InboundSpool:
    """The append-only spool of one process, and the claim of spooled files for replay."""

    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.folder = folder
        self._max_bytes = max_bytes
        self._lock = threading.Lock()
        self._claims = itertools.count(1)
        self._full_logged = False

    @property
    def _own(self) -> Path:
        return self.folder / f"{WRITING}{os.getpid()}{SUFFIX}"

    async def keep(self, fields: Mapping[str, str], at: datetime) -> bool:
        """Append one verified inbound text; False (logged) when it could not be kept:
        no MessageSid to replay it under, the spool is full, or the disk refused it."""
        if not fields.get("MessageSid"):
            log.warning("a text without MessageSid cannot be spooled for a later replay")
            return False
        entry = {name: fields.get(name, "") for name in FIELDS} | {"at": at.isoformat()}
        line = (json.dumps(entry, ensure_ascii=True) + "\n").encode()
        try:
            kept = await asyncio.to_thread(self._append, line)
        except OSError as exc:
            log.error(
                "could not spool a text from %s (%s): it is lost",
                mask(fields.get("From", "")),
                exc.strerror or exc,
            )
            return False
        if kept:
            sender = mask(fields.get("From", ""))
            log.warning("the store is unavailable: spooled a text from %s", sender)
        return kept

    def _append(self, line: bytes) -> bool:
        with self._lock:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            while True:
                path = self._own
                fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                    status = os.fstat(fd)
                    try:
                        current = os.stat(path).st_ino
                    except FileNotFoundError:
                        current = -1
                    if current != status.st_ino:
                        continue  # a replayer claimed it between open and lock: a new file
                    if status.st_size + len(line) > self._max_bytes:
                        self._log_full(status.st_size)
                        return False
                    os.write(fd, line)
                    os.fsync(fd)
                    if status.st_size == 0:
                        _sync_folder(self.folder)  # the new file's name survives a crash
                    self._full_logged = False
                    return True
                finally:
                    os.close(fd)

    def _log_full(self, size: int) -> None:
        if not self._full_logged:  # once per episode, not once per text of a storm
            log.error(
                "the inbound spool %s is full (%d bytes, [store] spool_max_mb): texts "
                "arriving while the store is unavailable are now answered but NOT kept",
                self._own,
                size,
            )
        self._full_logged = True

    def claim(self) -> Claimed:
        """Claim every spooled file no one else replays, and read its entries (blocking)."""
        claimed = Claimed()
        if not self.folder.is_dir():
            return claimed
        for path in sorted(self.folder.glob(f"{WRITING}*{SUFFIX}")):
            target = self.folder / f"{CLAIMED}{os.getpid()}-{next(self._claims)}{SUFFIX}"
            try:
                path.rename(target)
            except FileNotFoundError:  # another process claimed it first
                continue
        for path in sorted(self.folder.glob(f"{CLAIMED}*{SUFFIX}")):
            self._take(path, claimed)
        claimed.entries.sort(key=lambda entry: entry.get("at", ""))
        return claimed

    def _take(self, path: Path, claimed: Claimed) -> None:
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # being replayed (or appended to) right now
            os.close(fd)
            return
        if os.fstat(fd).st_nlink == 0:  # replayed and removed while we waited
            os.close(fd)
            return
        claimed._files.append((path, fd))
        with open(fd, "rb", closefd=False) as lines:
            for number, raw in enumerate(lines, 1):
                try:
                    entry = json.loads(raw)
                except ValueError:  # a line cut short by a crash mid-append
                    log.warning("skipped an unreadable line %d of %s", number, path)
                    continue
                if isinstance(entry, dict):
                    claimed.entries.append({str(k): str(v) for k, v in entry.items()})


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
