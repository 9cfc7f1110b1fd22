"""The checkout ETA's routes: `GET /api/eta` (+ its CORS preflight), `GET /eta.js` (the
snippet) and `GET /eta/demo` (a product page that shows it). Public: no token, no cookie;
a per-address limit in memory, as the tracking page has."""

from __future__ import annotations

import html
import logging
from importlib.resources import files

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from smsbot.api.problems import problem
from smsbot.checkout.query import read_query
from smsbot.checkout.service import CheckoutEta
from smsbot.page.limits import RateLimiter

log = logging.getLogger("smsbot.checkout")

_STATIC = files("smsbot.checkout") / "static"
SNIPPET = (_STATIC / "eta.js").read_bytes()
DEMO = (_STATIC / "demo.html").read_text(encoding="utf-8")
DEMO_CSS = (_STATIC / "demo.css").read_bytes()

#: The demo page runs one script, from this server, which may ask only this server.
DEMO_CSP = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
COMMON = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


class Checkout:
    """The app's checkout ETA: its answers and its per-address limit (made in the lifespan)."""

    def __init__(self, answers: CheckoutEta) -> None:
        self.answers = answers
        self.limiter = RateLimiter(answers.settings.rate_limit_per_minute)


def checkout(request: Request) -> Checkout:
    found = getattr(request.app.state, "checkout", None)
    if not isinstance(found, Checkout):
        raise RuntimeError("the app was not started through its lifespan")
    return found


def _cors(request: Request, origins: tuple[str, ...]) -> dict[str, str]:
    """CORS headers: the origin echoed only when it is one of the shop's."""
    headers = {"Vary": "Origin"}
    origin = request.headers.get("origin", "").lower()
    if origin and origin in origins:
        headers["Access-Control-Allow-Origin"] = origin
    return headers


async def eta(request: Request) -> Response:
    """GET /api/eta?country=&postal_code=&carrier=&service=, and its OPTIONS preflight."""
    running = checkout(request)
    settings = running.answers.settings
    cors = _cors(request, settings.allowed_origins)
    if request.method == "OPTIONS":
        if "Access-Control-Allow-Origin" not in cors:
            return problem(403, "this origin may not read the ETA API", headers=cors)
        allow = {"Access-Control-Allow-Methods": "GET", "Access-Control-Max-Age": "600"}
        return Response(status_code=204, headers={**cors, **allow, **COMMON})
    address = request.client.host if request.client else "unknown"
    if not running.limiter.allow(address):
        wait = {"Retry-After": str(running.limiter.retry_after(address))}
        return problem(429, "too many requests from this address", headers={**cors, **wait})
    query = read_query(request.query_params)
    if isinstance(query, list):
        return problem(400, "the query cannot be answered", errors=query, headers=cors)
    try:
        answer = running.answers.answer(query)
    except Exception:  # a bug or a broken model: a problem document, never a bare 500
        log.exception("checkout ETA failed")
        return problem(503, "no estimate can be given now; try again shortly", headers=cors)
    max_age = int(settings.cache_ttl_s)
    headers = {
        **cors,
        **COMMON,
        "Cache-Control": f"public, max-age={max_age}",
        "ETag": answer.etag,
    }
    if request.headers.get("if-none-match") == answer.etag:
        return Response(status_code=304, headers=headers)
    return Response(answer.body, media_type="application/json", headers=headers)


async def snippet(request: Request) -> Response:
    """GET /eta.js: the snippet. Any page may load it; it asks only this server."""
    headers = {
        **COMMON,
        "Cache-Control": "public, max-age=3600",
        "Cross-Origin-Resource-Policy": "cross-origin",
    }
    return Response(SNIPPET, media_type="text/javascript; charset=utf-8", headers=headers)


async def demo(request: Request) -> Response:
    """GET /eta/demo: a product page with the snippet, under a strict CSP."""
    site = html.escape(str(request.base_url).rstrip("/"))
    headers = {**COMMON, "Content-Security-Policy": DEMO_CSP, "Cache-Control": "no-cache"}
    return HTMLResponse(DEMO.replace("{{PUBLIC_URL}}", site), headers=headers)


async def demo_css(request: Request) -> Response:
    """GET /eta/demo.css: the demo page's stylesheet."""
    headers = {**COMMON, "Cache-Control": "public, max-age=3600"}
    return Response(DEMO_CSS, media_type="text/css; charset=utf-8", headers=headers)


ROUTES = [
    Route("/api/eta", eta, methods=["GET", "OPTIONS"]),
    Route("/eta.js", snippet, methods=["GET"]),
    Route("/eta/demo", demo, methods=["GET"]),
    Route("/eta/demo.css", demo_css, methods=["GET"]),
]
