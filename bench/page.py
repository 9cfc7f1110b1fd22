"""Benchmark 8: the tracking page (issue 17): its weight and its server time, cached path.

The app (`create_app`, its lifespan run in-process) on the demo orders, links issued, every
carrier answer already cached; requests go through httpx's ASGI transport, so the time is
the server's (routing, store, cached tracking, rendering, the SVG map) plus the transport.
Targets: weight (HTML + CSS + inline SVG) <= 60 KB for every demo order; p99 <= 20 ms.
Baseline in the same run: GET /healthz through the same transport.

`python bench/page.py [--quick]`
"""

from __future__ import annotations

import asyncio
import re
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import httpx
from common import Figure, arguments, percentile, print_header, print_summary

from smsbot.config import demo_settings
from smsbot.orders.demo import DEMO_ORDERS
from smsbot.web.app import create_app


async def timed(client: httpx.AsyncClient, path: str, count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        response = await client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return times


async def main(quick: bool) -> bool:
    count = 200 if quick else 2000
    with tempfile.TemporaryDirectory() as folder:
        settings = demo_settings(str(Path(folder) / "page.db"))
        # One client address makes every request: the per-address limit would stop it.
        settings = replace(settings, page=replace(settings.page, rate_limit_per_minute=10**6))
        app = create_app(settings, seed_orders=DEMO_ORDERS)
        async with app.router.lifespan_context(app):
            page = app.state.page
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                now = page.clock()
                paths = {}
                for order in DEMO_ORDERS:
                    url = await page.links.url_for_order(order.number, now, texting=False)
                    assert url is not None
                    paths[order.number] = "/t/" + url.rsplit("/", 1)[1]
                for path in paths.values():  # warm: the cache, the gazetteer, the templates
                    await client.get(path)
                css = (await client.get("/t-static/page.css")).content
                weights = {}
                for number, path in paths.items():
                    html = (await client.get(path)).text
                    assert re.search(r"page\.css\?v=", html)
                    weights[number] = len(html.encode()) + len(css)
                heaviest = max(weights, key=lambda n: weights[n])
                times = await timed(client, paths[heaviest], count)
                mixed = []
                for path in paths.values():
                    mixed += await timed(client, path, max(10, count // len(paths)))
                base = await timed(client, "/healthz", count)
    p50, p99 = percentile(times, 50), percentile(times, 99)
    print(f"pages: {len(paths)} demo orders; CSS {len(css):,} bytes")
    for number, weight in sorted(weights.items()):
        print(f"  order {number}: {weight / 1024:.1f} KB (HTML + CSS)")
    print(f"order {heaviest} x {count}: p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    print(f"all orders: p50 {percentile(mixed, 50):.2f} ms, p99 {percentile(mixed, 99):.2f} ms")
    b50, b99 = percentile(base, 50), percentile(base, 99)
    print(f"baseline /healthz: p50 {b50:.2f} ms, p99 {b99:.2f} ms")
    figures = [
        Figure(
            "8 page weight (heaviest demo order)",
            f"{weights[heaviest] / 1024:.1f} KB (order {heaviest})",
            "<= 60 KB",
            weights[heaviest] <= 60 * 1024,
        ),
        Figure(
            "8 page server time, cached",
            f"p99 {p99:.2f} ms, p50 {p50:.2f} ms; all orders p99 "
            f"{percentile(mixed, 99):.2f} ms; /healthz p99 {percentile(base, 99):.2f} ms",
            "p99 <= 20 ms",
            max(p99, percentile(mixed, 99)) <= 20,
        ),
    ]
    return print_summary(figures)


if __name__ == "__main__":
    options = arguments(__doc__ or "")
    print_header("benchmark 8: the tracking page", options.quick)
    raise SystemExit(0 if asyncio.run(main(options.quick)) else 1)
