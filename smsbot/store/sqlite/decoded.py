"""Decoded tracking-cache entries kept in memory, so a cached text skips the JSON decoding.

Decoding a cached `TrackingResult` (`snapshot.result_from_json`) costs about 100 us, a good
share of a cached text's fixed cost. `DecodedTracking` keeps the last `MAX_ENTRIES` decoded
results, least recently used out first. An entry is used only when the row read in the same
transaction still holds the very text it was decoded from, so a write by another process
(the watcher, another server worker) is never hidden; this store's own writes drop the entry.
The worker thread and the message path's inline calls both use it: a lock guards the dict.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections import OrderedDict

from smsbot.errors import SnapshotError
from smsbot.store.records import CachedTracking
from smsbot.store.snapshot import result_from_json
from smsbot.store.times import parse_utc

log = logging.getLogger("smsbot.store")

MAX_ENTRIES = 4096  # a few kB each: at most ~10-20 MB, usually far less

_Entry = tuple[str, str, CachedTracking]  # result_json, checked_at, decoded


class DecodedTracking:
    """A bounded LRU of decoded tracking-cache rows, keyed by (carrier, number)."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: OrderedDict[tuple[str, str], _Entry] = OrderedDict()
        self._max = max_entries
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def read(
        self, connection: sqlite3.Connection, carrier: str, number: str
    ) -> CachedTracking | None:
        """The cached result for (carrier, number), decoded at most once per stored text;
        None when absent or unreadable."""
        cursor = connection.execute(
            "SELECT result_json, checked_at FROM tracking_cache WHERE carrier = ? AND number = ?",
            (carrier, number),
        )
        row = cursor.fetchone()
        cursor.close()
        key = (carrier, number)
        if row is None:
            self.forget(carrier, number)
            return None
        text, checked = row
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] == text and entry[1] == checked:
                self._entries.move_to_end(key)
                return entry[2]
        try:
            decoded = CachedTracking(result_from_json(text), parse_utc(checked))
        except SnapshotError as exc:
            log.warning("ignoring the cached tracking of %s %s: %s", carrier, number, exc)
            self.forget(carrier, number)
            return None
        with self._lock:
            self._entries[key] = (text, checked, decoded)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
        return decoded

    def forget(self, carrier: str, number: str) -> None:
        """Drop the entry of (carrier, number): the store has just written it."""
        with self._lock:
            self._entries.pop((carrier, number), None)
