"""The optional CSAT survey's question (issue 18): after a delivery notice, one text
"How did we do? Reply 1-5", at most once per order.

It goes through the outbox like every notice, so quiet hours, the daily cap and opt-outs
apply (an opted-out customer's survey is recorded as suppressed, never sent). The survey is
opened in the store only once the outbox has taken the question: the answer is then
recognised for `csat.window_h` (smsbot.dialog.csat). Both steps are keyed by the order
(`csat:<order>` in the outbox, the order number in the store): a pass repeated after a
crash asks nothing twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from smsbot.config import Settings
from smsbot.errors import MessageRejected
from smsbot.store import Store, WatchedShipment, phone_key
from smsbot.watch.queues import MessageQueue
from smsbot.wording.context import Wording, say

log = logging.getLogger("smsbot.watch")


class Surveys:
    """Asks for a rating after a delivery, when `[csat] enabled`."""

    def __init__(self, settings: Settings, store: Store, outbox: MessageQueue) -> None:
        self._csat = settings.csat
        self._store = store
        self._outbox = outbox

    async def ask(self, order: WatchedShipment, wording: Wording, now: datetime) -> bool:
        """Queue the order's survey question and open its survey; False when off, without
        a phone, or asked before. Never raises: a failure is logged and the question is not
        asked (the delivery notice has gone regardless)."""
        key = phone_key(order.phone)
        if not self._csat.enabled or key is None:
            return False
        body = say(wording, "csat_question", order=order.order_number)
        try:
            queued = await self._outbox.enqueue(
                to=order.phone or "",
                channel="sms",
                body=body,
                key=f"csat:{order.order_number}",
                order_number=order.order_number,
            )
            if not queued:  # asked before, or opted out: no survey waits for an answer
                return False
            until = now + timedelta(hours=self._csat.window_h)
            return await self._store.open_survey(order.order_number, key, now, until)
        except MessageRejected:
            return False
        except Exception:
            log.exception("could not ask order %s for a rating", order.order_number)
            return False
