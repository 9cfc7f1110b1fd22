"""The baseline of the shop-webhook benchmark: a bare Starlette app that verifies the same
HMAC over the raw body, parses the JSON and answers the same 200, served like smsbot.

`python bench/bareshop.py PORT SECRET`
"""

from __future__ import annotations

import json
import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from smsbot.shops.signatures import verified


def create_app(secret: str) -> Starlette:
    async def shopify(request: Request) -> Response:
        body = await request.body()
        if not verified(secret, body, request.headers.get("x-shopify-hmac-sha256")):
            return PlainTextResponse("invalid signature", status_code=401)
        json.loads(body)
        return JSONResponse({"received": True, "duplicate": False})

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    routes = [
        Route("/webhooks/shopify", shopify, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
    ]
    return Starlette(routes=routes)


if __name__ == "__main__":
    port, secret = int(sys.argv[1]), sys.argv[2]
    uvicorn.run(
        create_app(secret), host="127.0.0.1", port=port, log_level="info", proxy_headers=True
    )
