"""POST /sms and GET /healthz: glue between Starlette and the conversation."""

from __future__ import annotations

import logging

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from smsbot.inbound import parse_inbound
from smsbot.services import services
from smsbot.twiml import MEDIA_TYPE, render

log = logging.getLogger("smsbot.webhook")

# Twilio's whole form is a few kB (1600-character body plus metadata); more is not Twilio.
MAX_FORM_BYTES = 64 * 1024


async def sms(request: Request) -> Response:
    """Twilio's "a message comes in" webhook: signature first, then one TwiML reply."""
    bot = services(request)
    form = await _read_form(request)
    if form is None:
        return PlainTextResponse("request too large", status_code=413)
    if bot.signature is not None:
        signature = request.headers.get("X-Twilio-Signature")
        if not bot.signature.valid(
            request.url.path, request.scope["query_string"], form, signature
        ):
            log.warning("rejected a webhook with a bad or missing X-Twilio-Signature")
            return PlainTextResponse("invalid signature", status_code=403)
    fields = {key: value for key, value in form.items() if isinstance(value, str)}
    message = parse_inbound(
        fields,
        default_region=bot.settings.bot.default_region,
        order_pattern=bot.settings.bot.order_number_pattern,
    )
    try:
        text = (await bot.conversation.answer(message)).text
    except Exception:  # e.g. the store is unreachable: still no 500 into Twilio
        log.exception("could not answer a message")
        text = None
    return Response(render(text), media_type=MEDIA_TYPE)


async def _read_form(request: Request) -> FormData | None:
    """The posted form (empty when it cannot be parsed), or None when it is too large.

    An unparseable body then fails the signature check, or, with checking off, gets the
    usage hint: never a 500.
    """
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_FORM_BYTES:
        return None
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return None
    try:
        return await request.form(max_files=0, max_fields=200)
    except Exception:  # a malformed multipart or urlencoded body
        log.warning("could not parse a webhook body of %d bytes", len(body))
        return FormData()


async def healthz(request: Request) -> Response:
    """Liveness and readiness: the store answers."""
    bot = services(request)
    await bot.store.count_orders()
    return PlainTextResponse("ok")
