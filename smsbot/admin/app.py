"""The console's routes under /admin: login and logout here, the pages in `pages`.

Every response carries a CSP without script (`default-src 'none'`), `no-store`, and frame
denial; every POST checks the session's CSRF token; every page but the login needs a valid
session of a user that still exists with the same password epoch.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route

from smsbot.admin import pages
from smsbot.admin.auth import LOGIN_COOKIE, SESSION_COOKIE, Session, Sessions, authenticate, csrf_ok
from smsbot.admin.context import Console
from smsbot.admin.forms import read_form
from smsbot.admin.templating import HERE, render

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)

Page = Callable[[Request, Console, Session], Awaitable[Response]]


class SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers.setdefault("Cache-Control", "no-store")
        return response


def console_of(request: Request) -> Console:
    found = getattr(request.app.state, "console", None)
    if not isinstance(found, Console):
        raise RuntimeError("the console was not set up by the app's lifespan")
    return found


def _sessions(console: Console) -> Sessions:
    return Sessions(console.settings.admin)


async def current_session(request: Request, console: Console) -> Session | None:
    """The signed-in session, or None (bad, expired, or its user gone or re-passworded)."""
    session = _sessions(console).read(request.cookies.get(SESSION_COOKIE))
    if session is None:
        return None
    user = await console.store.admin_user(session.user)
    if user is None or user.session_epoch != session.epoch:
        return None
    return session


def page(handler: Page, *, post: bool = False) -> Callable[[Request], Awaitable[Response]]:
    """A console page: signed in (else to the login), and for POST the CSRF token checked."""

    async def endpoint(request: Request) -> Response:
        console = console_of(request)
        session = await current_session(request, console)
        if session is None:
            return RedirectResponse("/admin/login", status_code=303)
        if post:
            form = await read_form(request)
            if form is None:
                return render("error.html", 413, message="That form is not one of ours.")
            if not csrf_ok(session, form.get("csrf")):
                return render("error.html", 403, message="This form has expired. Try again.")
        return await handler(request, console, session)

    return endpoint


def _set_cookie(response: Response, name: str, value: str, console: Console, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/admin",
        secure=console.settings.admin.secure_cookie,
        httponly=True,
        samesite="lax",
    )


async def login_form(request: Request) -> Response:
    console = console_of(request)
    return _login_page(console, None, 200)


def _login_page(console: Console, error: str | None, status: int) -> Response:
    cookie, token = _sessions(console).login_token()
    response = render("login.html", status, csrf=token, error=error, user=None)
    _set_cookie(response, LOGIN_COOKIE, cookie, console, 3600)
    return response


async def login(request: Request) -> Response:
    console = console_of(request)
    form = await read_form(request)
    if form is None:
        return render("error.html", 413, message="That form is not one of ours.")
    token, name, password = (form.get(key) for key in ("csrf", "name", "password"))
    sessions = _sessions(console)
    if not isinstance(token, str) or not sessions.login_token_ok(
        request.cookies.get(LOGIN_COOKIE), token
    ):
        return render("error.html", 403, message="This form has expired. Try again.")
    epoch = None
    if isinstance(name, str) and isinstance(password, str) and name and password:
        epoch = await authenticate(
            console.store, name.strip(), password, console.clock(), console.settings.admin
        )
    if epoch is None or not isinstance(name, str):
        # One message for every reason: it must not say whether the user exists.
        return _login_page(console, "Wrong name or password, or too many tries.", 401)
    cookie, _ = sessions.issue(name.strip(), epoch)
    response = RedirectResponse("/admin/", status_code=303)
    _set_cookie(response, SESSION_COOKIE, cookie, console, int(sessions.ttl_s))
    response.delete_cookie(LOGIN_COOKIE, path="/admin")
    return response


async def _logout(request: Request, console: Console, session: Session) -> Response:
    response = RedirectResponse("/admin/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/admin")
    return response


async def stylesheet(request: Request) -> Response:
    css = (HERE / "static" / "admin.css").read_text(encoding="utf-8")
    return Response(css, media_type="text/css", headers={"Cache-Control": "max-age=3600"})


def console_mount() -> Mount:
    """The /admin mount: its routes and its security headers."""
    routes = [
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", page(_logout, post=True), methods=["POST"]),
        Route("/static/admin.css", stylesheet, methods=["GET"]),
        Route("/", page(pages.dashboard), methods=["GET"]),
        Route("/escalations", page(pages.escalations), methods=["GET"]),
        Route("/escalations/{id:int}", page(pages.escalation), methods=["GET"]),
        Route("/escalations/{id:int}/handled", page(pages.handled, post=True), methods=["POST"]),
        Route("/orders", page(pages.order), methods=["GET"]),
        Route("/carriers", page(pages.carriers), methods=["GET"]),
    ]
    return Mount("/admin", routes=routes, middleware=[Middleware(SecurityHeaders)])
