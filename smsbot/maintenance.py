"""Maintenance: deleting the conversation state nobody can use any more, off the request path.

Expired sessions, remembered verifications past their time and wrong answers older than a
lockout are deleted once at start and then every `EVERY`, by a background task
(`smsbot.background`), never while a customer waits for an answer. So are the shop inbox's
closed events past their keeping time (`[inbox]`: flagged ones after `keep_flagged_days`,
applied and ignored ones after `keep_done_days`); pending ones are never deleted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from smsbot.config import BotSettings, InboxSettings
from smsbot.store import Store

log = logging.getLogger("smsbot.maintenance")

#: How often expired conversation state is deleted.
EVERY = timedelta(hours=1)


class Maintenance:
    """Deletes conversation state nobody can use any more, now and then."""

    def __init__(
        self,
        store: Store,
        bot: BotSettings,
        clock: Callable[[], datetime],
        *,
        every: timedelta = EVERY,
        inbox: InboxSettings | None = None,
    ) -> None:
        self._store = store
        self._bot = bot
        self._clock = clock
        self._every = every
        self._inbox = inbox or InboxSettings()

    async def run_once(self) -> int:
        """One round; the number of rows deleted."""
        now = self._clock()
        deleted = await self._store.forget_expired(
            now, hint_window_s=self._bot.hint_window_s, lockout_s=self._bot.lockout_s
        )
        if deleted:
            log.info("deleted %d rows of expired conversation state", deleted)
        purged = await self._store.purge_inbox(
            flagged_before=now - timedelta(days=self._inbox.keep_flagged_days),
            finished_before=now - timedelta(days=self._inbox.keep_done_days),
        )
        if purged:
            log.info("deleted %d closed shop webhooks past their keeping time", purged)
        return deleted + purged

    async def run(self, stop: asyncio.Event) -> None:
        """A round at once, then one every `every`, until `stop` is set; errors are logged."""
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:  # a locked or unreachable store: try again next round
                log.exception("could not delete expired conversation state")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self._every.total_seconds())
