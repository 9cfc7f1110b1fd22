"""Local fakes of the helpdesk APIs, shaped after their documented requests and responses:
Zendesk `POST /api/v2/tickets.json` (basic auth `email/token:api_token`, 201 {"ticket": {"id"}}),
Gorgias `POST /api/tickets` (basic auth `username:api_key`, 201 {"id"}), and a Slack incoming
webhook (200 "ok"). Each records what it got and can be told to fail the next calls."""

from __future__ import annotations

import base64
import itertools
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route


@dataclass
class Helpdesk:
    """What one fake received, and the statuses to answer the next calls with."""

    user: str
    password: str
    received: list[dict[str, Any]] = field(default_factory=list)
    fail_with: list[int] = field(default_factory=list)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(35436))

    def authorized(self, request: Request) -> bool:
        expected = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        return request.headers.get("authorization") == f"Basic {expected}"


def zendesk(desk: Helpdesk) -> Starlette:
    async def tickets(request: Request) -> Response:
        if not desk.authorized(request):
            return JSONResponse({"error": "Couldn't authenticate you"}, status_code=401)
        if desk.fail_with:
            return JSONResponse({"error": "unavailable"}, status_code=desk.fail_with.pop(0))
        body = await request.json()
        ticket = body["ticket"]
        if not ticket.get("comment", {}).get("body"):
            return JSONResponse({"error": "RecordInvalid"}, status_code=422)
        desk.received.append(body)
        created = {"id": next(desk.ids), "subject": ticket.get("subject"), "status": "new"}
        return JSONResponse({"ticket": created}, status_code=201)

    return Starlette(routes=[Route("/api/v2/tickets.json", tickets, methods=["POST"])])


def gorgias(desk: Helpdesk) -> Starlette:
    async def tickets(request: Request) -> Response:
        if not desk.authorized(request):
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        if desk.fail_with:
            return JSONResponse({"error": "unavailable"}, status_code=desk.fail_with.pop(0))
        body = await request.json()
        if not body.get("messages") or not body["messages"][0].get("sender"):
            return JSONResponse({"error": "messages.0.sender is required"}, status_code=400)
        desk.received.append(body)
        return JSONResponse({"id": next(desk.ids), "status": "open"}, status_code=201)

    return Starlette(routes=[Route("/api/tickets", tickets, methods=["POST"])])


def slack(desk: Helpdesk, path: str) -> Starlette:
    async def hook(request: Request) -> Response:
        if desk.fail_with:
            return PlainTextResponse("invalid_payload", status_code=desk.fail_with.pop(0))
        body = await request.json()
        if not body.get("text"):
            return PlainTextResponse("no_text", status_code=400)
        desk.received.append(body)
        return PlainTextResponse("ok")

    return Starlette(routes=[Route(path, hook, methods=["POST"])])
