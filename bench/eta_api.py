"""The checkout ETA API (issue 19): `GET /api/eta` p99 on its cached path.

The app (`create_app`, its lifespan run in-process, the demo settings with a merchant
default window so every query has an answer) gets the same checkout query over and over, as
a busy product page makes it; requests go through httpx's ASGI transport, so the time is the
server's (routing, the per-address limit, query checks, the cache, CORS headers) plus the
transport. Also measured: the uncached path (a new postal code each time: the estimator, the
sentences in every language, JSON encoding).
Target: cached p99 <= 5 ms. Baseline in the same run: a bare Starlette app answering the
same JSON bytes through the same transport.

`python bench/eta_api.py [--quick]`
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import httpx
from common import Figure, arguments, percentile, print_header, print_summary
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from smsbot.config import demo_settings
from smsbot.web.app import create_app

QUERY = "/api/eta?country=US&postal_code=10001&carrier=demo"
ORIGIN = "https://shop.example"


async def timed(client: httpx.AsyncClient, paths: list[str]) -> list[float]:
    times = []
    for path in paths:
        started = time.perf_counter()
        response = await client.get(path, headers={"Origin": ORIGIN})
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code, response.text)
    return times


def bare_app(body: bytes) -> Starlette:
    """The baseline: routing and a canned JSON answer, nothing else."""

    async def answer(request: Request) -> Response:
        return Response(body, media_type="application/json")

    return Starlette(routes=[Route("/api/eta", answer)])


async def main(quick: bool) -> bool:
    count = 1000 if quick else 10_000
    with tempfile.TemporaryDirectory() as folder:
        settings = demo_settings(str(Path(folder) / "eta.db"))
        settings = replace(
            settings,
            eta=replace(settings.eta, default_days=(2, 4)),
            # One client address makes every request: the per-address limit would stop it.
            checkout=replace(
                settings.checkout, allowed_origins=(ORIGIN,), rate_limit_per_minute=10**9
            ),
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                body = (await client.get(QUERY)).content
                assert b'"window":{' in body, body
                await timed(client, [QUERY] * 50)  # warm
                cached = await timed(client, [QUERY] * count)
                fresh_paths = [
                    f"/api/eta?country=US&postal_code={10000 + n:05d}" for n in range(count // 2)
                ]
                uncached = await timed(client, fresh_paths)
    bare = httpx.ASGITransport(app=bare_app(body))
    async with httpx.AsyncClient(transport=bare, base_url="http://bench") as client:
        await timed(client, ["/api/eta"] * 50)
        base = await timed(client, ["/api/eta"] * count)
    c50, c99 = percentile(cached, 50), percentile(cached, 99)
    u50, u99 = percentile(uncached, 50), percentile(uncached, 99)
    b50, b99 = percentile(base, 50), percentile(base, 99)
    print(f"answer: {len(body)} bytes")
    print(f"cached x {count}: p50 {c50:.3f} ms, p99 {c99:.3f} ms")
    print(f"uncached x {len(uncached)}: p50 {u50:.3f} ms, p99 {u99:.3f} ms")
    print(f"baseline (bare Starlette, same bytes): p50 {b50:.3f} ms, p99 {b99:.3f} ms")
    print(f"ratio cached / baseline: p50 {c50 / b50:.2f} x, p99 {c99 / b99:.2f} x")
    figures = [
        Figure(
            "ETA API cached",
            f"p99 {c99:.2f} ms, p50 {c50:.2f} ms; bare Starlette p99 {b99:.2f} ms "
            f"({c99 / b99:.1f} x); uncached p99 {u99:.2f} ms",
            "p99 <= 5 ms",
            c99 <= 5,
        )
    ]
    return print_summary(figures)


if __name__ == "__main__":
    options = arguments(__doc__ or "")
    print_header("the checkout ETA API (issue 19)", options.quick)
    raise SystemExit(0 if asyncio.run(main(options.quick)) else 1)
