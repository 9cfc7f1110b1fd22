"""POST /sms and GET /healthz: glue between Starlette and the conversation."""

from __future__ import annotations

import logging
import time

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from smsbot.channels.inbound import parse_inbound
from smsbot.channels.twiml import MEDIA_TYPE, render
from smsbot.metrics.instruments import message_answered
from smsbot.services import services, utc_now
from smsbot.web.twilio_form import signed_form

log = logging.getLogger("smsbot.web.sms")


async def sms(request: Request) -> Response:
    """Twilio's "a message comes in" webhook: signature first, then one TwiML reply."""
    bot = services(request)
    form = await signed_form(request, bot.signature, what="webhook")
    if isinstance(form, Response):
        return form
    fields = {key: value for key, value in form.items() if isinstance(value, str)}
    message = parse_inbound(
        fields,
        default_region=bot.settings.bot.default_region,
        order_pattern=bot.settings.bot.order_number_pattern,
    )
    started = time.monotonic()
    try:
        answer = await bot.conversation.answer(message)
        text = answer.text
        lang, took = message.language_hint, time.monotonic() - started
        message_answered(message.channel.value, answer.intent, lang, took)  # /metrics
        if not answer.kept:  # the store took nothing, and Twilio will not retry a 200
            await bot.spool.keep(fields, utc_now())
    except Exception:  # e.g. the store is unreachable: still no 500 into Twilio
        log.exception("could not answer a message")
        text = None
    return Response(render(text), media_type=MEDIA_TYPE)


async def healthz(request: Request) -> Response:
    """Liveness and readiness: the store answers."""
    bot = services(request)
    await bot.store.count_orders()
    return PlainTextResponse("ok")
