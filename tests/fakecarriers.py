"""A fake of the four real carrier APIs on one host, for end-to-end tests.

UPS, FedEx, USPS and DHL are served on their documented paths. Tracking answers are the
recorded fixtures of `tests/carriers/fixtures/`, rewritten to the number asked; tracking
calls without the bearer token (or DHL-API-Key) this fake issued get 401. Token and
tracking requests are counted per carrier, readable at `GET /_counts`.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

FIXTURES = Path(__file__).parent / "carriers" / "fixtures"
CARRIERS = ("ups", "fedex", "usps", "dhl")

CLIENT_ID = "fake-client-id"
CLIENT_SECRET = "fake-client-secret"
DHL_API_KEY = "fake-dhl-api-key"

#: The tracking number each carrier's fixtures carry, replaced by the number asked.
FIXTURE_NUMBERS = {
    "ups": "1Z999AA10123456784",
    "fedex": "794843185271",
    "usps": "9400109104250532908587",
    "dhl": "1234567890",
}
#: The fixture served for a number with no fixture of its own.
DEFAULT_FIXTURES = {
    "ups": "in_transit",
    "fedex": "in_transit",
    "usps": "in_transit",
    "dhl": "in_transit_eta",
}


def load_fixture(carrier: str, name: str) -> Any:
    return json.loads((FIXTURES / carrier / f"{name}.json").read_text(encoding="utf-8"))


def renumber(payload: Any, old: str, new: str) -> Any:
    """The payload with every occurrence of `old` in its strings replaced by `new`."""
    if isinstance(payload, str):
        return payload.replace(old, new)
    if isinstance(payload, list):
        return [renumber(item, old, new) for item in payload]
    if isinstance(payload, dict):
        return {key: renumber(value, old, new) for key, value in payload.items()}
    return payload


class Counter:
    """Requests per carrier and kind ("token" or "track"), safe to bump from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, dict[str, int]] = {
            carrier: {"token": 0, "track": 0} for carrier in CARRIERS
        }

    def bump(self, carrier: str, kind: str) -> None:
        with self._lock:
            self._counts[carrier][kind] += 1

    def snapshot(self) -> dict[str, dict[str, int]]:
        with self._lock:
            return {carrier: dict(kinds) for carrier, kinds in self._counts.items()}


class FakeCarriers:
    """The fake's state: the tokens it issues, the fixture per number, the counts."""

    def __init__(self, fixtures: Mapping[str, Mapping[str, str]] | None = None) -> None:
        # fixtures: carrier -> tracking number -> fixture name (default: DEFAULT_FIXTURES).
        self.fixtures = {carrier: dict((fixtures or {}).get(carrier, {})) for carrier in CARRIERS}
        self.counts = Counter()
        self.tokens = {
            carrier: load_fixture(carrier, "token")["access_token"]
            for carrier in ("ups", "fedex", "usps")
        }

    def payload(self, carrier: str, number: str) -> Any:
        name = self.fixtures[carrier].get(number, DEFAULT_FIXTURES[carrier])
        return renumber(load_fixture(carrier, name), FIXTURE_NUMBERS[carrier], number)

    def bearer_ok(self, carrier: str, request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {self.tokens[carrier]}"

    def token_answer(self, carrier: str, client_id: object, client_secret: object) -> Response:
        self.counts.bump(carrier, "token")
        if client_id != CLIENT_ID or client_secret != CLIENT_SECRET:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        return JSONResponse(load_fixture(carrier, "token"))


def unauthorized() -> Response:
    return JSONResponse({"error": "unauthorized"}, status_code=401)


def create_app(fake: FakeCarriers | None = None) -> Starlette:
    """The Starlette app; `app.state.fake` is the FakeCarriers it serves."""
    state = fake or FakeCarriers()

    async def ups_token(request: Request) -> Response:
        client_id: str | None = None
        client_secret: str | None = None
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme == "Basic":
            try:
                pair = base64.b64decode(encoded, validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                pair = ""
            client_id, _, client_secret = pair.partition(":")
        form = await request.form()
        if form.get("grant_type") != "client_credentials":
            state.counts.bump("ups", "token")
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        return state.token_answer("ups", client_id, client_secret)

    async def ups_track(request: Request) -> Response:
        state.counts.bump("ups", "track")
        if not state.bearer_ok("ups", request):
            return unauthorized()
        return JSONResponse(state.payload("ups", request.path_params["number"]))

    async def fedex_token(request: Request) -> Response:
        form = await request.form()
        if form.get("grant_type") != "client_credentials":
            state.counts.bump("fedex", "token")
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        return state.token_answer("fedex", form.get("client_id"), form.get("client_secret"))

    async def fedex_track(request: Request) -> Response:
        state.counts.bump("fedex", "track")
        if not state.bearer_ok("fedex", request):
            return unauthorized()
        body = await request.json()
        numbers = [
            str(item["trackingNumberInfo"]["trackingNumber"])
            for item in body.get("trackingInfo", [])
        ]
        complete = [
            state.payload("fedex", number)["output"]["completeTrackResults"][0]
            for number in numbers
        ]
        return JSONResponse({"transactionId": "fake", "output": {"completeTrackResults": complete}})

    async def usps_token(request: Request) -> Response:
        body = await request.json()
        if not isinstance(body, dict) or body.get("grant_type") != "client_credentials":
            state.counts.bump("usps", "token")
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        return state.token_answer("usps", body.get("client_id"), body.get("client_secret"))

    async def usps_track(request: Request) -> Response:
        state.counts.bump("usps", "track")
        if not state.bearer_ok("usps", request):
            return unauthorized()
        return JSONResponse(state.payload("usps", request.path_params["number"]))

    async def dhl_track(request: Request) -> Response:
        state.counts.bump("dhl", "track")
        if request.headers.get("dhl-api-key") != DHL_API_KEY:
            return unauthorized()
        number = request.query_params.get("trackingNumber", "")
        if not number:
            return JSONResponse({"status": 400, "title": "No tracking number"}, status_code=400)
        return JSONResponse(state.payload("dhl", number))

    async def counts(request: Request) -> Response:
        return JSONResponse(state.counts.snapshot())

    app = Starlette(
        routes=[
            Route("/security/v1/oauth/token", ups_token, methods=["POST"]),
            Route("/api/track/v1/details/{number}", ups_track, methods=["GET"]),
            Route("/oauth/token", fedex_token, methods=["POST"]),
            Route("/track/v1/trackingnumbers", fedex_track, methods=["POST"]),
            Route("/oauth2/v3/token", usps_token, methods=["POST"]),
            Route("/tracking/v3/tracking/{number}", usps_track, methods=["GET"]),
            Route("/track/shipments", dhl_track, methods=["GET"]),
            Route("/_counts", counts, methods=["GET"]),
        ]
    )
    app.state.fake = state
    return app
