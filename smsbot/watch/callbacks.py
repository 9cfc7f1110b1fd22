"""Twilio's status callbacks for the outbox's messages: ranked, early ones kept, opt-outs.

Callbacks arrive out of order (a late "sent" never undoes "delivered": each status has a
rank) and sometimes before the outbox knows the message's SID: Twilio can call back while
the answer to the POST is still on its way, or after a POST whose answer was lost and whose
message is found again only by reconciling. Such an early callback is kept by the store and
applied when the outbox records the SID (`Outbox._mark_sent`), so no status is lost.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime

from smsbot.channels.twilio_rest import OPTED_OUT
from smsbot.phones import mask, strip_channel
from smsbot.store import OutboxState, Store

log = logging.getLogger("smsbot.watch.outbox")

_E164 = re.compile(r"\+[1-9]\d{6,14}\Z")

#: Twilio's MessageStatus → (our state, rank); a callback never moves a message back in rank.
CALLBACK_STATES: dict[str, tuple[str, int]] = {
    "accepted": ("sent", 1),
    "scheduled": ("sent", 1),
    "queued": ("sent", 1),
    "sending": ("sent", 1),
    "sent": ("sent", 1),
    "delivered": ("delivered", 2),
    "undelivered": ("undelivered", 2),
    "failed": ("failed", 2),
    "canceled": ("failed", 2),
    "read": ("delivered", 3),  # WhatsApp: read implies delivered
}


async def record_status(
    store: Store, now: datetime, *, sid: str, status: str, error_code: int | None, to: str | None
) -> bool:
    """Apply one status callback; True if it was for a message the outbox has sent.

    A callback for a SID the outbox does not know yet is kept (see the module docstring).
    Error 21610 records the opt-out of the recipient, even for a message we do not know.
    """
    state, rank = CALLBACK_STATES.get(status, ("", 0))
    message = None
    if state:
        message = await store.record_or_keep_delivery(
            sid,
            state=OutboxState(state),
            twilio_status=status,
            rank=rank,
            error_code=error_code,
            at=now,
        )
        if message is None:
            log.info("kept status %r of %s until its message catches up", status, sid[:40])
    else:
        log.info("ignoring Twilio status %r for %s", status[:40], sid[:40])
    if error_code == OPTED_OUT:
        phone = message.phone if message else strip_channel(to or "")
        channel = message.channel if message else _channel_of(to or "")
        if _E164.match(phone):
            await store.set_opted_out(phone, channel, True, now)
            log.info("%s opted out (Twilio error 21610)", mask(phone))
    return message is not None


def _channel_of(address: str) -> str:
    return "whatsapp" if address.strip().lower().startswith("whatsapp:") else "sms"
