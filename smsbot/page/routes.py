"""The tracking page's routes: GET /t/{token}, GET /t/{token}.json, POST
/t/{token}/not-received, and the stylesheet. Glue only: the work is `TrackingPage`'s."""

from __future__ import annotations

import logging
from datetime import datetime

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from smsbot.metrics.instruments import page_viewed
from smsbot.page.headers import PAGE_HEADERS, STATIC_HEADERS
from smsbot.page.render import CSS
from smsbot.page.service import Found, TrackingPage
from smsbot.services import services
from smsbot.view.link import shown_token
from smsbot.view.order import OrderView

log = logging.getLogger("smsbot.page")


def tracking_page(request: Request) -> TrackingPage:
    """The app's page service (made in the app's lifespan)."""
    page = getattr(request.app.state, "page", None)
    if not isinstance(page, TrackingPage):
        raise RuntimeError("the app was not started through its lifespan")
    return page


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _now(request: Request) -> datetime:
    return tracking_page(request).clock()


async def _limited(request: Request, page: TrackingPage) -> Response | None:
    address = _address(request)
    if page.limiter.allow(address):
        return None
    language = page.language(None, request.headers.get("accept-language"))
    headers = {**PAGE_HEADERS, "Retry-After": str(page.limiter.retry_after(address))}
    return HTMLResponse(page.missing(language, too_many=True), 429, headers=headers)


async def _found(
    request: Request, page: TrackingPage, token: str, *, counted: bool = True
) -> Found | None:
    return await page.find(token, _now(request), counted=counted)


def _missing(request: Request, page: TrackingPage) -> Response:
    """The one 404 for unknown, expired and revoked links: same body, same headers."""
    language = page.language(None, request.headers.get("accept-language"))
    return HTMLResponse(page.missing(language), 404, headers=PAGE_HEADERS)


async def show(request: Request) -> Response:
    """GET /t/{token} (HTML) and /t/{token}.json (the same view as JSON)."""
    page = tracking_page(request)
    if (limited := await _limited(request, page)) is not None:
        return limited
    token = request.path_params["token"]
    as_json = token.endswith(".json")
    token = token.removesuffix(".json")
    found = await _found(request, page, token)
    if found is None:
        if as_json:
            return JSONResponse({"error": "not_found"}, 404, headers=PAGE_HEADERS)
        return _missing(request, page)
    page_viewed("json" if as_json else "html")  # counted with the store's view above
    if as_json:
        headers = dict(PAGE_HEADERS, Vary="Origin")
        origin = request.headers.get("origin")
        if origin and origin in services(request).settings.page.json_origins:
            headers["Access-Control-Allow-Origin"] = origin  # the shop's page may read it
        return JSONResponse(page.json(found), headers=headers)
    language = page.language(found.view, request.headers.get("accept-language"))
    reported = request.query_params.get("reported") == "1"
    html = page.html(found, language, _now(request), reported=reported)
    return HTMLResponse(html, headers={**PAGE_HEADERS, "Content-Language": language})


async def not_received(request: Request) -> Response:
    """POST /t/{token}/not-received: one merchant alert per package, however often sent."""
    page = tracking_page(request)
    if (limited := await _limited(request, page)) is not None:
        return limited
    token = request.path_params["token"]
    found = await _found(request, page, token, counted=False)
    if found is None:
        return _missing(request, page)
    form = await request.form(max_files=0, max_fields=4)
    try:
        leg = found.view.legs[int(str(form.get("leg", "")))]
    except (ValueError, IndexError):
        return RedirectResponse(f"/t/{token}", 303, headers=PAGE_HEADERS)
    if leg.unproven:
        running = services(request)
        await running.alerts.raise_alert(
            key=f"page:not_received:{found.order.number}:{leg.tracking_number}",
            kind="not_received",
            order_number=found.order.number,
            carrier=leg.carrier,
            tracking_number=leg.tracking_number,
            status=leg.status.value if leg.status else "unknown",
            phone=found.order.phone,
            detail="the customer says it has not arrived (delivered without photo or signature)",
        )
        log.info("not-received report on link %s", shown_token(token))
    return RedirectResponse(f"/t/{token}?reported=1", 303, headers=PAGE_HEADERS)


async def unsubscribe(request: Request) -> Response:
    """GET /t/{token}/unsubscribe: a button (mail scanners follow links: GET changes
    nothing); POST, also RFC 8058's one click from the mail app: no more e-mail to the
    order's address. Works for revoked and expired links too."""
    page = tracking_page(request)
    if (limited := await _limited(request, page)) is not None:
        return limited
    token = request.path_params["token"][:64]
    store = services(request).store
    number = await store.link_order(token)
    order = await store.get_order(number) if number else None
    if order is None or not order.email:
        return _missing(request, page)
    language = page.language(OrderView(order.number, (), order.locale), None)
    done = request.method == "POST"
    if done:
        await store.unsubscribe_email(order.email, _now(request))
        log.info("e-mail unsubscribed through link %s", shown_token(token))
    html = page.unsubscribe(language, token, done=done)
    return HTMLResponse(html, headers=PAGE_HEADERS)


async def stylesheet(request: Request) -> Response:
    """The page's one stylesheet (its URL carries its hash)."""
    return Response(CSS, media_type="text/css", headers=STATIC_HEADERS)


ROUTES = [
    Route("/t/{token}", show, methods=["GET"]),
    Route("/t/{token}/not-received", not_received, methods=["POST"]),
    Route("/t/{token}/unsubscribe", unsubscribe, methods=["GET", "POST"]),
    Route("/t-static/page.css", stylesheet, methods=["GET"]),
]
