"""A fake of AfterShip's Tracking API (2025-01) on its documented paths, for end-to-end tests.

Like the real one, it tracks only numbers registered with it: `POST /trackings` creates a
Pending tracking, or answers 4003 for one that exists; trackings are read by id or listed
by number and slug. Trackings "already in the merchant's account" are seeded from the
recorded fixtures of `fixtures/aftership/`. Calls without the API key get 401; calls are
counted by kind, and the trackings listed, at `GET /_state`.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

FIXTURES = Path(__file__).parent / "fixtures" / "aftership"
API_KEY = "fake-aftership-api-key"
PREFIX = "/tracking/2025-01"
FIXTURE_NUMBER = "7023210039414604"  # the number the fixtures carry
#: The slugs this fake's "account" knows; others get 4010 like AfterShip's unknown slugs.
SLUGS = frozenset({"canada-post", "royal-mail", "ontrac", "purolator", "ups", "fedex", "usps"})


def load(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def envelope(code: int, message: str, data: object, status: int | None = None) -> Response:
    body = {"meta": {"code": code, "message": message, "type": "OK"}, "data": data}
    return JSONResponse(body, status_code=status or (code if code < 1000 else 400))


class FakeAfterShip:
    """The fake's account: its trackings by id, and how many calls of each kind it got."""

    def __init__(self, existing: Mapping[tuple[str, str], str] | None = None) -> None:
        # existing: (slug, number) -> the fixture its tracking answers with.
        self._lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.trackings: dict[str, dict[str, Any]] = {}
        for (slug, number), fixture in (existing or {}).items():
            self.add(slug, number, fixture)

    def add(self, slug: str, number: str, fixture: str) -> dict[str, Any]:
        tracking: dict[str, Any] = load(fixture)["data"]
        tracking.update(id=uuid.uuid4().hex, slug=slug, tracking_number=number, title=number)
        with self._lock:
            self.trackings[tracking["id"]] = tracking
        return tracking

    def find(self, number: str, slug: str | None) -> list[dict[str, Any]]:
        with self._lock:
            return [
                t
                for t in self.trackings.values()
                if t["tracking_number"] == number and (slug is None or t["slug"] == slug)
            ]

    def count(self, kind: str) -> None:
        with self._lock:
            self.calls[kind] += 1

    def snapshot(self) -> dict[str, Any]:
        """The calls by kind, and every tracking as [slug, number] (duplicates show twice)."""
        with self._lock:
            trackings = [[t["slug"], t["tracking_number"]] for t in self.trackings.values()]
            return {"calls": dict(self.calls), "trackings": trackings}


def create_app(fake: FakeAfterShip | None = None) -> Starlette:
    """The Starlette app; `app.state.fake` is the FakeAfterShip it serves."""
    state = fake or FakeAfterShip()

    def refused(request: Request) -> Response | None:
        if request.headers.get("as-api-key") == API_KEY:
            return None
        return envelope(401, "Invalid API key.", {})

    async def create_tracking(request: Request) -> Response:
        state.count("create")
        if (answer := refused(request)) is not None:
            return answer
        body = await request.json()
        number = body.get("tracking_number") if isinstance(body, dict) else None
        if not isinstance(number, str) or not number:
            return envelope(4007, "tracking_number is required.", {})
        slug = body.get("slug")
        if slug is None:  # "detection": this fake knows only Canada Post's 16 digits
            slug = "canada-post" if number.isdigit() and len(number) == 16 else None
            if slug is None:
                return envelope(4012, "Unable to import shipment as we don't recognize it.", {})
        if slug not in SLUGS:
            return envelope(4010, "The value of `slug` is invalid.", {})
        if state.find(number, slug):
            return envelope(4003, "Tracking already exists.", {})
        return envelope(201, "Created", state.add(slug, number, "pending"), status=201)

    async def get_tracking(request: Request) -> Response:
        state.count("get")
        if (answer := refused(request)) is not None:
            return answer
        tracking = state.trackings.get(request.path_params["id"])
        if tracking is None:
            return envelope(4004, "Tracking does not exist.", {}, status=404)
        return envelope(200, "OK", tracking)

    async def list_trackings(request: Request) -> Response:
        state.count("list")
        if (answer := refused(request)) is not None:
            return answer
        numbers = request.query_params.get("tracking_numbers", "").split(",")
        slug = request.query_params.get("slug")
        found = [t for number in numbers if number for t in state.find(number, slug)]
        pagination = {"total": len(found), "has_next_page": False, "next_cursor": None}
        return envelope(200, "OK", {"pagination": pagination, "trackings": found})

    async def couriers(request: Request) -> Response:
        state.count("couriers")
        if (answer := refused(request)) is not None:
            return answer
        return JSONResponse(load("couriers"))

    async def snapshot(request: Request) -> Response:
        return JSONResponse(state.snapshot())

    app = Starlette(
        routes=[
            Route(f"{PREFIX}/trackings", create_tracking, methods=["POST"]),
            Route(f"{PREFIX}/trackings", list_trackings, methods=["GET"]),
            Route(f"{PREFIX}/trackings/{{id}}", get_tracking, methods=["GET"]),
            Route(f"{PREFIX}/couriers", couriers, methods=["GET"]),
            Route("/_state", snapshot, methods=["GET"]),
        ]
    )
    app.state.fake = state
    return app
