"""POST /twilio/status: Twilio's status callbacks for the messages the outbox sent.

Signature first, exactly like POST /sms: a forged or unsigned callback gets 403 and
touches nothing. A valid one updates the outbox by MessageSid (delivered, undelivered or
failed with its ErrorCode); error 21610 records the recipient's opt-out.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from smsbot.services import services
from smsbot.web.twilio_form import signed_form

log = logging.getLogger("smsbot.web.status")


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
    code_text = form.get("ErrorCode")
    code = int(code_text) if isinstance(code_text, str) and code_text.isdigit() else None
    to = form.get("To")
    try:
        await bot.outbox.record_status(
            sid=sid, status=state, error_code=code, to=to if isinstance(to, str) else None
        )
    except Exception:  # Twilio retries nothing useful on a 500; log it and move on
        log.exception("could not record the status of %s", sid[:40])
    return PlainTextResponse("")
