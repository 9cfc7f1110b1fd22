"""POST /hooks/{carrier}: tracking updates a carrier pushes, fed to the watcher's triggers.

An adapter opts in by also being a `PushAdapter` (two plain methods beside `track`): it
checks the carrier's signature and parses the carrier's payload into `TrackingResult`s.
Polling stays the fallback for carriers that push nothing. Answers: 404 for a carrier that
is not enabled or does not push, 401 for a bad signature, 400 for a payload the adapter
cannot read, 413 when too large, 200 otherwise; never a 500.

Who pushes (check each carrier's current documentation when writing its `verify_push`):
EasyPost (`tracker.updated` events, signed with an HMAC of the body and the webhook
secret), AfterShip (tracking webhooks with an HMAC-SHA256 signature header), Shippo
(`track_updated` webhooks, for numbers registered with `POST /tracks/`). UPS (Track Alert)
and FedEx (Advanced Integrated Visibility) sell push as subscription products; the plain
USPS and DHL tracking APIs used here do not push.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from smsbot.metrics.instruments import webhook_rejected
from smsbot.services import services
from smsbot.tracking import PushAdapter, TrackingResult, sanitized
from smsbot.web.body import capped_body

log = logging.getLogger("smsbot.web.hooks")

#: Tracking pushes are a few kB; a carrier batching many updates stays far below this.
MAX_PUSH_BYTES = 1024 * 1024


async def carrier_push(request: Request) -> Response:
    """One pushed update: verify, parse, then act on it like a fresh poll."""
    name = request.path_params["carrier"]
    bot = services(request)
    adapter = bot.registry.get(name)
    if adapter is None or not isinstance(adapter, PushAdapter):
        return PlainTextResponse("no push endpoint for this carrier", status_code=404)
    body = await capped_body(request, MAX_PUSH_BYTES)
    if body is None:
        webhook_rejected("push", "too_large")
        return PlainTextResponse("request too large", status_code=413)
    headers = {key.lower(): value for key, value in request.headers.items()}
    try:
        verified = adapter.verify_push(headers, body) is True
    except Exception:  # a bug in an adapter is a refusal, never a 500
        log.exception("%s: verify_push failed", name)
        verified = False
    if not verified:
        log.warning("%s: rejected a push with a bad or missing signature", name)
        webhook_rejected("push", "signature")
        return PlainTextResponse("invalid signature", status_code=401)
    try:
        results = adapter.parse_push(headers, body)
        if not isinstance(results, list) or not all(
            isinstance(result, TrackingResult) for result in results
        ):
            raise TypeError("parse_push must return a list of TrackingResult")
    except Exception as exc:
        log.warning("%s: unreadable push (%s)", name, type(exc).__name__)
        return PlainTextResponse("unreadable payload", status_code=400)
    results = [sanitized(result) for result in results]  # the adapter boundary, as for polls
    try:
        summary = await bot.watcher.apply(results)
    except Exception:
        # Accepted but not acted on: polling picks the shipments up at their next check.
        log.exception("%s: acting on a push failed; polling will catch up", name)
        return JSONResponse({"received": len(results), "matched": 0}, status_code=202)
    return JSONResponse({"received": len(results), "matched": summary.checked})
