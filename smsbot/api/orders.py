"""/api/orders/{number}: PUT (create or replace), PATCH (add a shipment), GET (the order
view), DELETE (cancel). Every request needs a bearer token of `[api] tokens` with the scope
of its method (GET: read; the rest: write) and stays within the token's rate limit.

Every call is idempotent: the same PUT, PATCH or DELETE again changes nothing and gets the
same answer (PUT: 201 when it created the order, 200 after). Every number goes through the
one order-number rule, every order through the one model, as CSV and shop orders do.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from smsbot.api.problems import problem
from smsbot.api.schema import OrderIn, ShipmentIn, order_of, pydantic_errors, shipment_of
from smsbot.api.tokens import bearer, find_token
from smsbot.config import Settings
from smsbot.config.settings import ApiToken
from smsbot.lookup.detect import carriers_for
from smsbot.orders.model import Order
from smsbot.orders.number import OrderNumbers, normalize_order_number
from smsbot.orders.sources import SourceError, Sourcing
from smsbot.services import Services, services, utc_now
from smsbot.store import Verdict
from smsbot.view.estimate import estimated
from smsbot.view.order import OrderView

log = logging.getLogger("smsbot.api")

SCOPES = {"GET": "read", "HEAD": "read", "PUT": "write", "PATCH": "write", "DELETE": "write"}


def sourcing(settings: Settings) -> Sourcing:
    """How the API reads orders: the bot's number rule and region; adapter names as given."""
    return Sourcing(
        OrderNumbers(settings.bot.order_number_pattern),
        settings.bot.default_region,
        carriers_for,
        {},
        adapter_names=True,
    )


async def order(request: Request) -> Response:
    """One route for the four methods: authorize, rate-limit, then do what the method says."""
    bot = services(request)
    granted = await _authorize(request, bot)
    if isinstance(granted, Response):
        return granted
    raw = request.path_params["number"]
    why = sourcing(bot.settings).numbers.problem(raw)
    if why is not None:
        errors = [{"field": "number", "message": why}]
        return problem(404, "no order can have this number", errors=errors)
    number = normalize_order_number(raw)
    handler = {"GET": _get, "PUT": _put, "PATCH": _patch, "DELETE": _delete}[request.method]
    try:
        return await handler(request, bot, number)
    except Exception:  # the store is down, a bug: a problem document, never a bare 500
        log.exception("orders API: %s %s failed", request.method, number)
        return problem(503, "the order could not be handled now; try again shortly")


async def _authorize(request: Request, bot: Services) -> ApiToken | Response:
    settings = bot.settings.api
    token = find_token(settings.tokens, bearer(request.headers.get("authorization")))
    challenge = {"WWW-Authenticate": 'Bearer realm="smsbot"'}
    if token is None:
        return problem(401, "a valid bearer token is required", headers=challenge)
    if SCOPES.get(request.method, "write") not in token.scopes:
        return problem(403, f"this token lacks the {SCOPES[request.method]!r} scope")
    verdict = await bot.store.hit_limit(
        f"api:{token.name}",
        "api",
        utc_now(),
        limit=settings.requests_per_minute,
        window_s=60.0,
    )
    if verdict is not Verdict.ALLOWED:
        detail = f"at most {settings.requests_per_minute} requests a minute per token"
        return problem(429, detail, headers={"Retry-After": "60"})
    return token


async def _json(request: Request, bot: Services) -> Any:
    """The body as JSON, or a problem response."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return problem(415, "send the order as application/json")
    cap = bot.settings.api.max_body_bytes
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > cap:
            return problem(413, f"the body is larger than {cap} bytes")
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        return problem(
            400, f"the body is not JSON: {exc}", errors=[{"field": "/", "message": "not JSON"}]
        )


async def _view(bot: Services, found: Order) -> dict[str, Any]:
    view = OrderView.of(found, await bot.gateway.track(found.shipments))
    today = utc_now().astimezone(bot.settings.bot.timezone).date()
    country = bot.settings.eta.country  # the learned window a reply would tell (issue 19)
    view = estimated(view, bot.eta, order=found, country=country, today=today)
    cancelled = found.cancelled_at
    return {**view.to_dict(), "cancelled_at": None if cancelled is None else cancelled.isoformat()}


async def _get(request: Request, bot: Services, number: str) -> Response:
    found = await bot.store.get_order(number)
    if found is None:
        return problem(404, f"no order {number}")
    return JSONResponse(await _view(bot, found))


async def _put(request: Request, bot: Services, number: str) -> Response:
    data = await _json(request, bot)
    if isinstance(data, Response):
        return data
    try:
        body = OrderIn.model_validate(data)
    except ValidationError as exc:
        return problem(422, "the order has invalid fields", errors=pydantic_errors(exc))
    made, errors = order_of(number, body, sourcing(bot.settings))
    if made is None:
        return problem(422, "the order has invalid fields", errors=errors)
    counts = await bot.store.replace_order(made, now=utc_now())
    log.info("orders API: order %s %s", number, "created" if counts.orders_created else "put")
    status = 201 if counts.orders_created else 200
    headers = {"Location": f"/api/orders/{number}"}
    return JSONResponse(_summary(made), status_code=status, headers=headers)


async def _patch(request: Request, bot: Services, number: str) -> Response:
    data = await _json(request, bot)
    if isinstance(data, Response):
        return data
    found = await bot.store.get_order(number)
    if found is None:
        return problem(404, f"no order {number}; create it with PUT first")
    try:
        item = ShipmentIn.model_validate(data)
        shipment = shipment_of(item, sourcing(bot.settings), "")
    except ValidationError as exc:
        return problem(422, "the shipment has invalid fields", errors=pydantic_errors(exc))
    except SourceError as exc:
        errors = [{"field": exc.field, "message": exc.message}]
        return problem(422, "the shipment has invalid fields", errors=errors)
    counts = await bot.store.upsert_orders([replace(found, shipments=(shipment,))], now=utc_now())
    updated = await bot.store.get_order(number)
    assert updated is not None  # it was there a moment ago and nothing deletes orders
    return JSONResponse(_summary(updated), status_code=201 if counts.shipments_added else 200)


async def _delete(request: Request, bot: Services, number: str) -> Response:
    if not await bot.store.cancel_order(number, at=utc_now()):
        return problem(404, f"no order {number}")
    log.info("orders API: order %s cancelled", number)
    return Response(status_code=204)


def _summary(stored: Order) -> dict[str, Any]:
    """What a write answers: the order as stored (its contact details are the caller's own)."""
    return {
        "number": stored.number,
        "phone": stored.phone,
        "email": stored.email,
        "postal_code": stored.postal_code,
        "name": stored.name,
        "locale": stored.locale,
        "shipments": [
            {
                "carrier": s.carrier,
                "tracking_number": s.tracking_number,
                "kind": s.kind.value,
                "shipped_at": None if s.shipped_at is None else s.shipped_at.isoformat(),
            }
            for s in stored.shipments
        ],
    }
