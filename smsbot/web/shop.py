"""POST /webhooks/shopify and POST /webhooks/woocommerce: verify, store raw, answer fast.

The signature is checked over the raw bytes before anything is parsed; a bad one is a 401
with a log line naming the shop and topic (never the body). A verified webhook is stored in
the inbox first (a replayed id changes nothing), answered 200, then processed after the
answer (`smsbot.shops.inbox`). Malformed bodies are stored and flagged, never a 5xx; only a
store that cannot take the event answers 503, so the platform retries it later.
"""

from __future__ import annotations

import hashlib
import logging

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from smsbot.services import Services, services
from smsbot.shops.inbox import ShopInbox
from smsbot.shops.signatures import verified
from smsbot.web.body import capped_body

log = logging.getLogger("smsbot.web.shop")


#: Per platform: its section of the settings and its headers (signature, topic, shop, id).
HEADERS = {
    "shopify": (
        "x-shopify-hmac-sha256",
        "x-shopify-topic",
        "x-shopify-shop-domain",
        "x-shopify-webhook-id",
    ),
    "woocommerce": (
        "x-wc-webhook-signature",
        "x-wc-webhook-topic",
        "x-wc-webhook-source",
        "x-wc-webhook-delivery-id",
    ),
}


async def shopify(request: Request) -> Response:
    """A Shopify webhook (orders/*, fulfillments/*)."""
    return await _platform(request, "shopify")


async def woocommerce(request: Request) -> Response:
    """A WooCommerce webhook (order.created, order.updated); answers its set-up ping."""
    return await _platform(request, "woocommerce")


async def _platform(request: Request, source: str) -> Response:
    bot = services(request)
    settings = bot.settings
    config = settings.shopify if source == "shopify" else settings.woocommerce
    signature, topic, shop, event_id = (request.headers.get(name) for name in HEADERS[source])
    return await _receive(
        request,
        bot,
        source=source,
        secret=None if config.webhook_secret is None else config.webhook_secret.reveal(),
        cap=config.max_body_bytes,
        signature=signature,
        topic=topic or "",
        shop=shop or "?",
        event_id=event_id or "",
    )


async def _receive(
    request: Request,
    bot: Services,
    *,
    source: str,
    secret: str | None,
    cap: int,
    signature: str | None,
    topic: str,
    shop: str,
    event_id: str,
) -> Response:
    if secret is None:
        return PlainTextResponse(f"{source} webhooks are not configured", status_code=404)
    body = await capped_body(request, cap)
    if body is None:
        log.warning(
            "%s: refused a webhook over %d bytes (shop %s, topic %s)", source, cap, shop, topic
        )
        return PlainTextResponse("request too large", status_code=413)
    if source == "woocommerce" and not signature and body.startswith(b"webhook_id="):
        return PlainTextResponse("ok")  # WooCommerce's unsigned ping when a hook is saved
    if not verified(secret, body, signature):
        log.warning(
            "%s: rejected a webhook with a bad or missing signature (shop %s, topic %s)",
            source,
            shop[:100],
            topic[:100],
        )
        return PlainTextResponse("invalid signature", status_code=401)
    # A platform always sends a delivery id; without one, the body itself is the identity.
    event_id = event_id or "sha256:" + hashlib.sha256(body).hexdigest()
    inbox = ShopInbox(bot.store, bot.settings, http=bot.http)
    try:
        stored = await inbox.accept(source, event_id[:200], topic[:100], shop[:200], body)
    except Exception:  # the store is down: the platform retries, nothing is lost
        log.exception("%s: could not store webhook %s", source, event_id)
        return PlainTextResponse("try again later", status_code=503)
    if stored is None:
        return JSONResponse({"received": True, "duplicate": True})
    task = BackgroundTask(inbox.process_id, stored)
    return JSONResponse({"received": True, "duplicate": False}, background=task)
