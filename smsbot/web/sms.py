"""POST /sms and GET /healthz: glue between Starlette and the conversation."""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from smsbot.channels.inbound import parse_inbound
from smsbot.channels.twiml import MEDIA_TYPE, render
from smsbot.services import services

log = logging.getLogger("smsbot.web.sms")

# Twilio's whole form is a few kB (1600-character body plus metadata); more is not Twilio.
MAX_FORM_BYTES = 64 * 1024
MAX_FIELDS = 200


async def sms(request: Request) -> Response:
    """Twilio's "a message comes in" webhook: signature first, then one TwiML reply."""
    bot = services(request)
    form = await read_form(request)
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


async def read_form(request: Request) -> FormData | None:
    """The posted form (empty when it cannot be parsed), or None when it is too large.

    The body is read with a running cap, so a huge or chunked body (no Content-Length) is
    refused after 64 kB, before anything is buffered or checked. Twilio posts
    application/x-www-form-urlencoded; anything else reads as an empty form, which then
    fails the signature check or, with checking off, gets the usage hint: never a 500.
    """
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_FORM_BYTES:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            return None
        chunks.append(chunk)
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "application/x-www-form-urlencoded":
        return FormData()
    try:
        pairs: list[tuple[str, str | UploadFile]] = list(
            parse_qsl(
                b"".join(chunks).decode("utf-8", errors="replace"),
                keep_blank_values=True,
                max_num_fields=MAX_FIELDS,
            )
        )
    except ValueError:  # more fields than any Twilio form has
        log.warning("ignored a webhook body with more than %d fields", MAX_FIELDS)
        return FormData()
    return FormData(pairs)


async def healthz(request: Request) -> Response:
    """Liveness and readiness: the store answers."""
    bot = services(request)
    await bot.store.count_orders()
    return PlainTextResponse("ok")
