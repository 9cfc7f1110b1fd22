"""POST /twilio/status: Twilio's status callbacks for the messages the outbox sent.

Signature first, exactly like POST /sms: a forged or unsigned callback gets 403 and
touches nothing. A valid one updates the outbox by MessageSid (delivered, undelivered or
failed with its ErrorCode); error 21610 records the recipient's opt-out.

Fields are read strictly at this door, whatever a signed form carries: a MessageSid that
is not a Twilio SID is ignored (it could not name a message we sent, and logging it as
received would let control characters forge log lines), and an ErrorCode that is not a
plain ASCII number of at most 9 digits is dropped, never guessed. Values are logged with
`repr`, so a newline in them stays one log line.
"""

from __future__ import annotations

import logging
import re

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from smsbot.services import services
from smsbot.web.twilio_form import signed_form

log = logging.getLogger("smsbot.web.status")

#: A Twilio SID: two letters and 32 hex digits (SM…, MM… for messages).
TWILIO_SID = re.compile(r"[A-Z]{2}[0-9a-fA-F]{32}\Z")
#: Twilio's error codes are five digits; nine keep any future code and fit every integer.
ERROR_CODE = re.compile(r"[0-9]{1,9}\Z")  # [0-9], not \d: int() must not meet "²" or "٣"


async def status(request: Request) -> Response:
    """Apply one status callback; always a quick empty 200 once the signature holds."""
    bot = services(request)
    form = await signed_form(request, bot.signature, what="status callback")
    if isinstance(form, Response):
        return form
    sid = form.get("MessageSid")
    state = form.get("MessageStatus") or form.get("SmsStatus")
    if not isinstance(sid, str) or not sid or not isinstance(state, str):
        return PlainTextResponse("")
    if not TWILIO_SID.match(sid):
        log.info("ignored a status callback for MessageSid %r: not a Twilio SID", sid[:40])
        return PlainTextResponse("")
    to = form.get("To")
    try:
        await bot.outbox.record_status(
            sid=sid,
            status=state,
            error_code=error_code(form.get("ErrorCode")),
            to=to if isinstance(to, str) else None,
        )
    except Exception:  # Twilio retries nothing useful on a 500; log it and move on
        log.exception("could not record the status of %s", sid)
    return PlainTextResponse("")


def error_code(value: object) -> int | None:
    """Twilio's ErrorCode as a number, or None when absent or unreadable (logged)."""
    if not isinstance(value, str) or not value:
        return None
    if ERROR_CODE.match(value):
        return int(value)
    log.info("ignored an unreadable ErrorCode %r", value[:40])
    return None
