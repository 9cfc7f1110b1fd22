"""GET /api/openapi.json: the OpenAPI 3.1 document of the orders API (no token needed).

The request schemas come from the pydantic models themselves, so the document cannot drift
from what the API accepts.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from smsbot import __version__
from smsbot.api.problems import MEDIA_TYPE
from smsbot.api.schema import OrderIn, ShipmentIn

_PROBLEM = {"$ref": "#/components/schemas/Problem"}


def _answer(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    if schema is None:
        return {"description": description}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _problems(*statuses: int) -> dict[str, Any]:
    return {
        str(status): {
            "description": "RFC 9457 problem details",
            "content": {MEDIA_TYPE: {"schema": _PROBLEM}},
        }
        for status in statuses
    }


@cache
def document() -> dict[str, Any]:
    """The OpenAPI document (built once)."""

    def body(name: str) -> dict[str, Any]:
        schema = {"$ref": f"#/components/schemas/{name}"}
        return {"required": True, "content": {"application/json": {"schema": schema}}}

    number = {
        "name": "number",
        "in": "path",
        "required": True,
        "description": "the order number, as customers text it (a leading # is dropped)",
        "schema": {"type": "string"},
    }
    stored = {"type": "object", "description": "the order as stored"}
    view = {"type": "object", "description": "the order view: legs, status, ETA, exception"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "smsbot orders API", "version": __version__},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Order": OrderIn.model_json_schema(ref_template="#/components/schemas/{model}"),
                "Shipment": ShipmentIn.model_json_schema(),
                "Problem": {
                    "type": "object",
                    "properties": {
                        "type": {"type": "string"},
                        "title": {"type": "string"},
                        "status": {"type": "integer"},
                        "detail": {"type": "string"},
                        "errors": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "field": {"type": "string"},
                                    "message": {"type": "string"},
                                },
                            },
                        },
                    },
                },
            },
        },
        "security": [{"bearer": []}],
        "paths": {
            "/api/orders/{number}": {
                "parameters": [number],
                "get": {
                    "summary": "The order view (scope: read)",
                    "responses": {
                        "200": _answer("the order", view),
                        **_problems(401, 403, 404, 429),
                    },
                },
                "put": {
                    "summary": "Create or replace an order with its shipments (scope: write)",
                    "requestBody": body("Order"),
                    "responses": {
                        "200": _answer("replaced", stored),
                        "201": _answer("created", stored),
                        **_problems(400, 401, 403, 404, 413, 415, 422, 429),
                    },
                },
                "patch": {
                    "summary": "Add a shipment to an order (scope: write)",
                    "requestBody": body("Shipment"),
                    "responses": {
                        "200": _answer("already there", stored),
                        "201": _answer("added", stored),
                        **_problems(400, 401, 403, 404, 413, 415, 422, 429),
                    },
                },
                "delete": {
                    "summary": "Cancel an order: no more watching; replies say cancelled",
                    "responses": {"204": _answer("cancelled"), **_problems(401, 403, 404, 429)},
                },
            },
            "/api/eta": _checkout_eta(),
        },
    }


def _checkout_eta() -> dict[str, Any]:
    """GET /api/eta (issue 19, `smsbot.checkout`): public, no token."""

    def query(name: str, description: str, *, required: bool = False) -> dict[str, Any]:
        schema = {"type": "string"}
        return {"name": name, "in": "query", "required": required, "description": description,
                "schema": schema}  # fmt: skip

    window = {
        "type": ["object", "null"],
        "description": "the learned window (dates, business days); null when too little "
        "history and no default",
    }
    return {
        "get": {
            "summary": "The delivery window for an order placed today, told as an estimate",
            "security": [],
            "parameters": [
                query("country", "ISO 3166-1 alpha-2 destination country", required=True),
                query("postal_code", "destination postal code; missing: country-level"),
                query("carrier", "carrier adapter name, like ups"),
                query("service", "carrier service, like ground"),
            ],
            "responses": {
                "200": _answer("the window, its sentence per language and its basis", window),
                "304": _answer("not modified (If-None-Match)"),
                **_problems(400, 429, 503),
            },
        }
    }


async def openapi(request: Request) -> Response:
    """The document, for humans and client generators."""
    return JSONResponse(document())
