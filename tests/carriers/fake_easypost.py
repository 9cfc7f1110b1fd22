"""A fake of EasyPost's Trackers API, in memory, for the adapter's tests.

It keeps EasyPost's documented behaviour (carriers.md section 7): `POST /v2/trackers` with
`{"tracker": {"tracking_code", "carrier"}}` creates a Tracker, or returns the one it already
has for that code and carrier; `GET /v2/trackers/{id}` reads one (404 once deleted);
`GET /v2/trackers` lists them; every call needs HTTP Basic with the API key as user.
Trackers are the recorded fixtures of `fixtures/easypost/`, rewritten to the code asked:
the test-mode codes EZ1000000001 ... EZ7000000007 get their documented status, other codes
the fixture named for them, else `DEFAULT_FIXTURE`.

`FakeEasyPost.handler` serves it on `httpx.MockTransport`; `create_app` on a real socket.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakecarriers import renumber

FIXTURES = Path(__file__).parent / "fixtures" / "easypost"
API_KEY = "EZTKfake0123456789abcdef"
DEFAULT_FIXTURE = "in_transit_ontrac"
#: The test-mode tracking codes and the fixture of each one's documented status.
TEST_CODES = {
    "EZ1000000001": "pre_transit",
    "EZ2000000002": "in_transit",
    "EZ3000000003": "out_for_delivery",
    "EZ4000000004": "delivered",
    "EZ5000000005": "return_to_sender",
    "EZ6000000006": "failure",
    "EZ7000000007": "unknown",
}


def load(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def basic(api_key: str) -> str:
    """The Authorization header EasyPost expects: the key as user, empty password."""
    return "Basic " + base64.b64encode(f"{api_key}:".encode()).decode("ascii")


class FakeEasyPost:
    """The fake's state: trackers by id, the fixture per code, and every call made."""

    def __init__(self, fixtures: Mapping[str, str] | None = None) -> None:
        self.fixtures = {**TEST_CODES, **(fixtures or {})}  # tracking code -> fixture name
        self.trackers: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, str]] = []  # (method, path) of every call, authorized or not
        self.posted: list[dict[str, Any]] = []  # the `tracker` object of every create
        self._lock = threading.Lock()

    def answer(
        self, method: str, path: str, authorization: str | None, body: bytes
    ) -> tuple[int, Any]:
        """The status and JSON EasyPost would answer to one call."""
        with self._lock:
            self.calls.append((method, path))
            if authorization != basic(API_KEY):
                return 401, load("error_unauthorized")
            if path == "/v2/trackers" and method == "POST":
                return self._create(json.loads(body or b"{}"))
            if path == "/v2/trackers" and method == "GET":
                return 200, {"trackers": list(self.trackers.values())[:1], "has_more": False}
            tracker = self.trackers.get(path.removeprefix("/v2/trackers/"))
            if method == "GET" and path.startswith("/v2/trackers/") and tracker is not None:
                return 200, tracker
            return 404, load("error_not_found")

    def delete(self, tracker_id: str) -> None:
        """Delete a tracker, as `DELETE /v2/trackers/{id}` would."""
        with self._lock:
            del self.trackers[tracker_id]

    def counts(self) -> dict[str, int]:
        """How many creates and reads were made."""
        with self._lock:
            creates = sum(1 for method, path in self.calls if method == "POST")
            return {"create": creates, "read": len(self.calls) - creates}

    def _create(self, body: dict[str, Any]) -> tuple[int, Any]:
        params = body.get("tracker")
        code = params.get("tracking_code") if isinstance(params, dict) else None
        if not isinstance(params, dict) or not isinstance(code, str) or not code:
            return 422, {
                "error": {
                    "code": "PARAMETER.REQUIRED",
                    "message": "Missing required parameter.",
                    "errors": [{"field": "tracker", "message": "cannot be blank"}],
                }
            }
        self.posted.append(dict(params))
        carrier = params.get("carrier")
        key = f"{code}|{carrier or ''}"
        tracker_id = "trk_" + hashlib.sha256(key.encode()).hexdigest()[:32]
        if tracker_id in self.trackers:
            return 200, self.trackers[tracker_id]  # EasyPost's dedupe: the original tracker
        fixture = load(self.fixtures.get(code, DEFAULT_FIXTURE))
        if "error" in fixture:
            return 422, fixture
        tracker = renumber(fixture, fixture["tracking_code"], code)
        tracker["id"] = tracker_id
        if carrier:
            tracker["carrier"] = carrier
        self.trackers[tracker_id] = tracker
        return 201, tracker

    def handler(self, request: httpx.Request) -> httpx.Response:
        """For `httpx.MockTransport`."""
        status, payload = self.answer(
            request.method, request.url.path, request.headers.get("authorization"), request.content
        )
        return httpx.Response(status, json=payload)


def create_app(fake: FakeEasyPost) -> Starlette:
    """`fake` on EasyPost's paths, plus `GET /_counts` (creates and reads so far)."""

    async def trackers(request: Request) -> Response:
        status, payload = fake.answer(
            request.method,
            request.url.path,
            request.headers.get("authorization"),
            await request.body(),
        )
        return JSONResponse(payload, status_code=status)

    async def counts(request: Request) -> Response:
        return JSONResponse(fake.counts())

    return Starlette(
        routes=[
            Route("/v2/trackers", trackers, methods=["GET", "POST"]),
            Route("/v2/trackers/{tracker_id}", trackers, methods=["GET"]),
            Route("/_counts", counts, methods=["GET"]),
        ]
    )
