"""A fake of Twilio's Messages REST API on 127.0.0.1, for tests of everything that texts.

Usage::

    with serve_fake_twilio() as twilio:          # uvicorn in a thread, a free port
        settings = make_settings(twilio={"api_base_url": twilio.url, "from_number": SENDER})
        twilio.fake.fail_next(500)               # program the next answers...
        ...                                      # ...send through smsbot.outbox.Outbox
        assert twilio.fake.posts()[0]["To"] == "+12125550100"

It serves `POST` (create) and `GET` (list, filtered by `To`/`From`, newest first) on
`/2010-04-01/Accounts/{AccountSid}/Messages.json`, with Basic auth (ACCOUNT_SID, AUTH_TOKEN:
the values of tests.conftest's settings) and Twilio's JSON shapes. A create answers 201 with
a new `SM…` sid, unless programmed otherwise (`fail_next`: 429 with Retry-After, 500, 400
with a Twilio error code; `hang_next`: create the message, then hold the answer until
`release()`, as if the process died mid-request) or sent to one of Twilio's magic test
numbers: +15005550004 → 21610 (opted out), +15005550001 → 21211, +15005550009 → 21614.
A list answers an error while `fail_listing` says so (Twilio cannot be asked).
Every request is recorded (`requests`, `posts()`); `created` holds the messages it made;
`add_message` puts a message in the list as if an earlier request had created it.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token-0123456789abcdef"

#: Twilio's magic "To" numbers of test credentials and the errors they give.
MAGIC_ERRORS: dict[str, tuple[int, str]] = {
    "+15005550004": (21610, "Attempt to send to unsubscribed recipient"),
    "+15005550001": (21211, "The 'To' number {to} is not a valid phone number."),
    "+15005550009": (21614, "'To' number is not a valid mobile number"),
}


@dataclass(frozen=True)
class Recorded:
    """One request the fake received: method, path, the form (POST) or query (GET)."""

    method: str
    path: str
    fields: dict[str, str]
    authorized: bool


@dataclass
class _Planned:
    status: int
    code: int | None
    message: str
    retry_after: float | None
    hang: bool = False


@dataclass
class FakeTwilio:
    """The fake's state; safe to read and program from the test's thread."""

    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    requests: list[Recorded] = field(default_factory=list)
    created: list[dict[str, Any]] = field(default_factory=list)
    _plan: list[_Planned] = field(default_factory=list)
    _listing_failures: list[int] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _released: threading.Event = field(default_factory=threading.Event)
    _sids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def fail_next(
        self,
        status: int,
        *,
        code: int | None = None,
        message: str = "programmed failure",
        retry_after: float | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` creates with `status` (and Twilio error `code`)."""
        with self._lock:
            self._plan.extend(_Planned(status, code, message, retry_after) for _ in range(times))

    def fail_listing(self, status: int, *, times: int = 1) -> None:
        """Answer the next `times` list requests (GET) with `status`."""
        with self._lock:
            self._listing_failures.extend([status] * times)

    def hang_next(self) -> None:
        """Create the next message, then hold the answer until `release()` (or shutdown)."""
        with self._lock:
            self._plan.append(_Planned(201, None, "", None, hang=True))

    def release(self) -> None:
        self._released.set()

    def posts(self) -> list[dict[str, str]]:
        """The forms of every create request received, in order."""
        with self._lock:
            return [r.fields for r in self.requests if r.method == "POST"]

    def add_message(self, to: str, body: str, *, sender: str = "+12025550100") -> str:
        """Put a message in the account's list, as if created earlier; its sid."""
        return str(self._create({"To": to, "From": sender, "Body": body})["sid"])

    def _create(self, form: dict[str, str]) -> dict[str, Any]:
        with self._lock:
            sid = f"SM{next(self._sids):032x}"
            resource = {
                "sid": sid,
                "account_sid": self.account_sid,
                "to": form.get("To"),
                "from": form.get("From"),
                "messaging_service_sid": form.get("MessagingServiceSid"),
                "body": form.get("Body", ""),
                "status": "accepted" if form.get("MessagingServiceSid") else "queued",
                "direction": "outbound-api",
                "num_segments": "1",
                "api_version": "2010-04-01",
                "error_code": None,
                "error_message": None,
                "date_created": format_datetime(self.clock().astimezone(UTC), usegmt=True),
                "date_sent": None,
                "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
            }
            self.created.append(resource)
            return resource

    def _record(self, request: Request, fields: dict[str, str]) -> bool:
        allowed = authorized(request, self.account_sid, self.auth_token)
        with self._lock:
            self.requests.append(Recorded(request.method, request.url.path, fields, allowed))
        return allowed

    def _next_plan(self) -> _Planned | None:
        with self._lock:
            return self._plan.pop(0) if self._plan else None


def authorized(request: Request, account_sid: str, auth_token: str) -> bool:
    """Whether `request` carries Basic auth of this account and names it in its path."""
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    try:
        given = base64.b64decode(encoded, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        given = ""
    return (
        scheme == "Basic"
        and given == f"{account_sid}:{auth_token}"
        and request.path_params.get("account") == account_sid
    )


def _error(status: int, code: int, message: str, headers: dict[str, str] | None = None) -> Response:
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return JSONResponse(body, status_code=status, headers=headers)


def create_app(fake: FakeTwilio) -> Starlette:
    """The Starlette app serving `fake`."""

    async def create(request: Request) -> Response:
        form = {key: str(value) for key, value in (await request.form()).items()}
        if not fake._record(request, form):
            return _error(401, 20003, "Authenticate")
        plan = fake._next_plan()
        if plan is not None and not plan.hang:
            headers = {} if plan.retry_after is None else {"Retry-After": f"{plan.retry_after:g}"}
            return _error(plan.status, plan.code or 0, plan.message, headers)
        if "To" not in form or "Body" not in form:
            return _error(400, 21604, "A 'To' phone number and a 'Body' are required.")
        if "From" not in form and "MessagingServiceSid" not in form:
            return _error(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required.")
        to = form["To"].removeprefix("whatsapp:")
        if to in MAGIC_ERRORS:
            code, message = MAGIC_ERRORS[to]
            return _error(400, code, message.format(to=to))
        resource = fake._create(form)
        if plan is not None and plan.hang:
            await asyncio.to_thread(fake._released.wait, 30)
        return JSONResponse(resource, status_code=201)

    async def listing(request: Request) -> Response:
        query = dict(request.query_params)
        if not fake._record(request, query):
            return _error(401, 20003, "Authenticate")
        with fake._lock:
            failure = fake._listing_failures.pop(0) if fake._listing_failures else None
        if failure is not None:
            return _error(failure, 20500, "programmed failure")
        with fake._lock:
            found = [
                message
                for message in reversed(fake.created)
                if message["to"] == query.get("To", message["to"])
                and message["from"] == query.get("From", message["from"])
            ]
        size = int(query.get("PageSize", "50"))
        return JSONResponse(
            {"messages": found[:size], "page": 0, "page_size": size, "next_page_uri": None}
        )

    path = "/2010-04-01/Accounts/{account}/Messages.json"
    return Starlette(
        routes=[Route(path, create, methods=["POST"]), Route(path, listing, methods=["GET"])]
    )


@dataclass(frozen=True)
class FakeTwilioServer:
    """A running fake: its base URL (for `twilio.api_base_url`) and its state."""

    url: str
    fake: FakeTwilio


@contextmanager
def serve_fake_twilio(fake: FakeTwilio | None = None) -> Iterator[FakeTwilioServer]:
    """Run the fake with uvicorn in a thread on 127.0.0.1 (a free port) until exit."""
    state = fake or FakeTwilio()
    with serve_app(create_app(state), "fake-twilio") as url:
        try:
            yield FakeTwilioServer(url, state)
        finally:
            state.release()  # before the server stops: a held answer would keep it up


@contextmanager
def serve_app(app: Starlette, name: str) -> Iterator[str]:
    """Run `app` with uvicorn in a thread on 127.0.0.1 (a free port); its base URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the {name} server did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
