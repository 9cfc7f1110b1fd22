"""A fake of Shippo's tracking API on 127.0.0.1, for end-to-end tests.

`GET /tracks/{carrier}/{number}` answers with the recorded fixtures of
`tests/carriers/fixtures/shippo/`, rewritten to the carrier and number asked; Shippo's test
numbers (carrier "shippo") get their own status. A carrier token Shippo does not know gets
400, a request without `Authorization: ShippoToken <API_TOKEN>` gets 401. Tracking calls are
counted per carrier token, readable at `GET /_counts`.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

FIXTURES = Path(__file__).parent / "fixtures" / "shippo"
API_TOKEN = "shippo_test_fake0123456789"  # the fake's own, not a real token

#: The carrier tokens this fake knows (a few of Shippo's), and its test carrier.
CARRIERS = frozenset(
    {"usps", "ups", "fedex", "dhl_express", "royal_mail", "canada_post", "ontrac", "shippo"}
)
#: Shippo's test numbers and the fixture each answers with.
TEST_NUMBERS = {
    "SHIPPO_PRE_TRANSIT": "pre_transit",
    "SHIPPO_TRANSIT": "transit",
    "SHIPPO_DELIVERED": "shippo_delivered",
    "SHIPPO_RETURNED": "returned",
    "SHIPPO_FAILURE": "failure_lost",
    "SHIPPO_UNKNOWN": "unknown",
}
DEFAULT_FIXTURE = "transit_royal_mail"


def load_fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


class FakeShippo:
    """The fake's state: the fixture per tracking number and the calls counted."""

    def __init__(self, fixtures: Mapping[str, str] | None = None) -> None:
        self.fixtures = dict(fixtures or {})  # tracking number -> fixture name
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}

    def bump(self, key: str) -> None:
        with self._lock:
            self._counts[key] = self._counts.get(key, 0) + 1

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def payload(self, carrier: str, number: str) -> Any:
        if carrier == "shippo":
            name = TEST_NUMBERS.get(number, "unknown")
        else:
            name = self.fixtures.get(number, DEFAULT_FIXTURE)
        payload = load_fixture(name)
        payload["carrier"] = carrier
        payload["tracking_number"] = number
        return payload


def create_app(fake: FakeShippo) -> Starlette:
    """The Starlette app serving `fake`."""

    def authorized(request: Request) -> bool:
        return request.headers.get("authorization") == f"ShippoToken {API_TOKEN}"

    async def track(request: Request) -> Response:
        carrier, number = request.path_params["carrier"], request.path_params["number"]
        fake.bump(carrier)
        if not authorized(request):
            return JSONResponse(load_fixture("error_401"), status_code=401)
        if carrier not in CARRIERS:
            error = {"carrier": [f'"{carrier}" is not a valid choice.']}
            return JSONResponse(error, status_code=400)
        return JSONResponse(fake.payload(carrier, number))

    async def carrier_accounts(request: Request) -> Response:
        fake.bump("_check")
        if not authorized(request):
            return JSONResponse(load_fixture("error_401"), status_code=401)
        return JSONResponse(load_fixture("carrier_accounts"))

    async def counts(request: Request) -> Response:
        return JSONResponse(fake.counts())

    return Starlette(
        routes=[
            Route("/tracks/{carrier}/{number}", track, methods=["GET"]),
            Route("/carrier_accounts", carrier_accounts, methods=["GET"]),
            Route("/_counts", counts, methods=["GET"]),
        ]
    )


@contextmanager
def serving(fake: FakeShippo, port: int) -> Iterator[str]:
    """`fake` served by uvicorn in a thread on 127.0.0.1:`port`; yields its URL."""
    config = uvicorn.Config(create_app(fake), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="fake-shippo", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the fake Shippo server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
