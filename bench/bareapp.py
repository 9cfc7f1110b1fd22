"""The baseline of benchmark 1: a bare Starlette app that parses the same form and returns
the same TwiML as smsbot, served by uvicorn exactly as `smsbot serve` serves smsbot.

`python bench/bareapp.py PORT TWIML_FILE`
"""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route


def create_app(twiml: str) -> Starlette:
    async def sms(request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=200)
        if not form.get("Body"):
            return PlainTextResponse("no body", status_code=400)
        return Response(twiml, media_type="application/xml")

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            Route("/sms", sms, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


if __name__ == "__main__":
    port, twiml = int(sys.argv[1]), Path(sys.argv[2]).read_text(encoding="utf-8")
    # The same options as `smsbot serve` (smsbot/cli.py), so only the app differs.
    uvicorn.run(
        create_app(twiml),
        host="127.0.0.1",
        port=port,
        log_level="info",
        proxy_headers=True,
        access_log=False,  # as `smsbot serve` without --access-log
    )
