"""GET /metrics: the Prometheus exposition, behind a bearer token.

Without `[metrics] token` the route answers 404: nothing about the bot is public by default.
"""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from smsbot.metrics.exposition import CONTENT_TYPE_LATEST, render
from smsbot.metrics.guard import bearer_allowed
from smsbot.services import services


async def metrics(request: Request) -> Response:
    """The scrape: 404 when off, 401 without the right token."""
    bot = services(request)
    token = bot.settings.metrics.token
    if token is None:
        return PlainTextResponse("not found", status_code=404)
    if not bearer_allowed(request.headers.get("authorization"), token):
        return PlainTextResponse(
            "unauthorized", status_code=401, headers={"WWW-Authenticate": 'Bearer realm="metrics"'}
        )
    snapshot = await bot.store.ops_snapshot(datetime.now(UTC))
    return Response(render(snapshot), media_type=CONTENT_TYPE_LATEST)
