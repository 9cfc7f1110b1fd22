"""Replay the inbound spool once the store is back: nothing a customer texted is lost.

Each spooled text goes through the normal pipeline (`Conversation.answer`), so its
MessageSid claim makes a second replay harmless, it joins the message log, and STOP /
START / HELP take effect as if it had just arrived (an opt-out is recorded with the claim).
The customer already got "try again later" for it: whatever the bot answers now (an
order's status, the help text) is queued in the outbox under `spool:<MessageSid>`, so the
outbox's quiet hours, daily cap and opt-out checks apply and it is queued only once.

A round replays every entry it claimed, oldest first, and removes the spooled files only
once the store took them all; if the store fails again mid-round, the files stay and the
next round starts over, skipping the texts this process already took. After a crash, the
texts already taken answer as duplicates with their stored reply, which is queued under
the same key (so a follow-up lost between the store and the outbox is queued then, and
one already queued is not queued twice).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

from smsbot.channels.inbound import parse_inbound
from smsbot.config import Settings
from smsbot.dialog.conversation import Conversation
from smsbot.errors import MessageRejected
from smsbot.phones import mask
from smsbot.spool.file import InboundSpool
from smsbot.store import StoreError
from smsbot.watch.outbox import Outbox
from smsbot.wording import replies
from smsbot.wording.replies import Wording

log = logging.getLogger("smsbot.spool.replay")

#: How often the spool is looked at (a stat of one folder while it is empty).
POLL_S = 5.0
#: Answers that are no follow-up: the apology again, or "you are texting too fast".
NO_FOLLOW_UP = frozenset({"error", "rate_limited"})


class SpoolReplay:
    """The background task that empties the spool into the store (see the module doc)."""

    def __init__(
        self,
        spool: InboundSpool,
        conversation: Conversation,
        outbox: Outbox,
        settings: Settings,
        *,
        poll_s: float | None = None,
    ) -> None:
        self._spool = spool
        self._conversation = conversation
        self._outbox = outbox
        self._bot = settings.bot
        self._poll_s = POLL_S if poll_s is None else poll_s
        # Texts taken (and followed up) in a round that then stopped: not replayed again
        # by this process, so a stored reply is never mistaken for a follow-up to send.
        self._done: set[str] = set()
        now = datetime.now(UTC)  # the apology names no time: any date words it the same
        self._apologies = frozenset(
            replies.unavailable(Wording(lang, self._bot.timezone, now, self._bot.max_segments))
            for lang in replies.LANGUAGES
        )

    async def run(self, stop: asyncio.Event) -> None:
        """Replay every `poll_s` until `stop` is set."""
        while not stop.is_set():
            try:
                await self.replay_once()
            except Exception:  # a bug here must not end the loop: the spool keeps its files
                log.exception("could not replay the inbound spool")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self._poll_s)

    async def replay_once(self) -> int:
        """Replay what is spooled now; the number of texts the store took this round."""
        claimed = await asyncio.to_thread(self._spool.claim)
        try:
            taken = 0
            for entry in claimed.entries:
                sid = entry.get("MessageSid", "")
                if sid in self._done:  # taken in an earlier round that then stopped
                    taken += 1
                    continue
                if not await self._replay(entry):
                    log.info(
                        "the store is still unavailable: %d spooled text(s) wait",
                        len(claimed.entries) - taken,
                    )
                    return taken
                self._done.add(sid)
                taken += 1
            if claimed.entries:
                await asyncio.to_thread(claimed.remove)
                self._done.difference_update(e.get("MessageSid", "") for e in claimed.entries)
                log.info("replayed %d spooled text(s) into the store", taken)
            return taken
        finally:
            claimed.release()

    async def _replay(self, entry: dict[str, str]) -> bool:
        """One spooled text through the pipeline; False when the store could not take it."""
        bot = self._bot
        message = parse_inbound(
            entry, default_region=bot.default_region, order_pattern=bot.order_number_pattern
        )
        answer = await self._conversation.answer(message)
        if not answer.kept:
            return False
        if answer.text is None or answer.intent in NO_FOLLOW_UP or answer.text in self._apologies:
            return True
        try:
            await self._outbox.enqueue(
                to=message.address,
                channel=message.channel.value,
                body=answer.text,
                key=f"spool:{message.message_sid}",
            )
        except MessageRejected as exc:  # e.g. a sender that is no phone number
            log.warning("no follow-up to a spooled text from %s: %s", mask(message.sender), exc)
        except StoreError:
            return False  # replayed again next round: the claim answers it as a duplicate
        return True
