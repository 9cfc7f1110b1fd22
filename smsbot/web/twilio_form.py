"""The one door for Twilio's webhooks: read the capped form, then check X-Twilio-Signature.

POST /sms and POST /twilio/status both call `signed_form`; a route sees a form only once
its signature holds (or checking is switched off). Carrier pushes (POST /hooks/{carrier})
do not come through here: each adapter checks its carrier's own signature.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from smsbot.channels.twiml import SignatureCheck
from smsbot.metrics.instruments import webhook_rejected
from smsbot.web.body import capped_body

log = logging.getLogger("smsbot.web.twilio_form")

# Twilio's whole form is a few kB (1600-character body plus metadata); more is not Twilio.
MAX_FORM_BYTES = 64 * 1024
MAX_FIELDS = 200


async def signed_form(
    request: Request, signature: SignatureCheck | None, *, what: str
) -> FormData | Response:
    """The posted form once its signature holds; else the response to send instead.

    413 for a body over MAX_FORM_BYTES, 403 for a bad or missing signature (logged as a
    rejected `what`, e.g. "webhook"). `signature` None means checking is switched off.
    """
    form = await read_form(request)
    if form is None:
        webhook_rejected(what, "too_large")
        return PlainTextResponse("request too large", status_code=413)
    if signature is not None and not signature.valid(
        request.url.path,
        request.scope["query_string"],
        form,
        request.headers.get("X-Twilio-Signature"),
    ):
        log.warning(
            "rejected a %s with a bad or missing X-Twilio-Signature: checked against %s "
            "(server.public_url + the path; it arrived here as %s); if Twilio calls another "
            "URL, set server.public_url to that URL's site",
            what,
            _shown(signature.url_for(request.url.path, b""), request.scope["query_string"]),
            _shown(str(request.url.replace(query="")), request.scope["query_string"]),
        )
        webhook_rejected(what, "signature")
        return PlainTextResponse("invalid signature", status_code=403)
    return form


def _shown(url: str, query: bytes) -> str:
    """`url` with the names of the query's fields only: their values stay out of logs."""
    names = [name for name, _ in parse_qsl(query.decode("latin-1"), keep_blank_values=True)]
    return f"{url}?{'&'.join(f'{name}=...' for name in names)}" if names else url


async def read_form(request: Request) -> FormData | None:
    """The posted form (empty when it cannot be parsed), or None when it is too large.

    The body is read with a running cap, so a huge or chunked body (no Content-Length) is
    refused after 64 kB, before anything is buffered or checked. Twilio posts
    application/x-www-form-urlencoded; anything else reads as an empty form, which then
    fails the signature check or, with checking off, gets the usage hint: never a 500.
    """
    body = await capped_body(request, MAX_FORM_BYTES)
    if body is None:
        return None
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "application/x-www-form-urlencoded":
        return FormData()
    try:
        pairs: list[tuple[str, str | UploadFile]] = list(
            parse_qsl(
                body.decode("utf-8", errors="replace"),
                keep_blank_values=True,
                max_num_fields=MAX_FIELDS,
            )
        )
    except ValueError:  # parse_qsl's only signal for more fields than any Twilio form has
        log.warning("ignored a webhook body with more than %d fields", MAX_FIELDS)
        return FormData()
    return FormData(pairs)
