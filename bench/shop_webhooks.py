"""Shop webhook ingestion: signed Shopify `fulfillments/create` webhooks per second on one
`smsbot serve` worker (HMAC checked, stored in the inbox, answered, then applied to the
store after the answer), against a bare Starlette app that checks the same HMAC and parses
the same JSON (`bareshop.py`), in the same run, with the same generator (`loadgen.py`).

Every request is a new webhook (a fresh X-Shopify-Webhook-Id) of its own order, so none is
a replay. Reported: the ratio to the baseline, p99, and that every webhook was applied.

`python bench/shop_webhooks.py [--quick]`
"""

from __future__ import annotations

import asyncio
import json
import pickle
import tempfile
import uuid
from pathlib import Path

from common import (
    PYTHON,
    Figure,
    arguments,
    free_port,
    print_header,
    print_summary,
    start,
    stop,
    write_config,
)
from webhook import WARMUP_S, Run, load

from smsbot.shops.signatures import sign
from smsbot.store import InboxState, open_store

HERE = Path(__file__).resolve().parent
SECRET = "bench-shopify-secret"  # noqa: S105  # a made-up secret for a local server
SHOP = "bench-shop.myshopify.com"


def fulfillment(i: int) -> bytes:
    """A realistic fulfillments/create body for order #(100000 + i)."""
    stamp = "2024-11-21T09:02:11-05:00"
    body = {
        "id": 4_900_000_000 + i,
        "order_id": 5_800_000_000 + i,
        "name": f"#{100000 + i}.1",
        "status": "success",
        "service": "manual",
        "created_at": stamp,
        "updated_at": stamp,
        "tracking_company": "Demo",
        "tracking_number": "DEMO1001",
        "tracking_numbers": ["DEMO1001"],
        "tracking_url": "https://demo.example/track/DEMO1001",
        "tracking_urls": ["https://demo.example/track/DEMO1001"],
        "shipment_status": None,
        "destination": {
            "first_name": "Ana",
            "zip": "20500",
            "phone": f"+1415{3000000 + i:07d}",
            "country_code": "US",
        },
        "line_items": [{"id": 1, "quantity": 1, "sku": "TR-8", "name": "Trail Runner - 8"}],
    }
    return json.dumps(body).encode()


def raw_request(port: int, i: int) -> bytes:
    body = fulfillment(i)
    head = (
        f"POST /webhooks/shopify HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Content-Type: application/json\r\n"
        f"X-Shopify-Topic: fulfillments/create\r\nX-Shopify-Shop-Domain: {SHOP}\r\n"
        f"X-Shopify-Webhook-Id: {uuid.uuid4()}\r\n"
        f"X-Shopify-Hmac-Sha256: {sign(SECRET, body)}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def measure(work: Path, port: int, seconds: float, rate: int, tag: str, first: int) -> Run:
    warmup = work / f"{tag}-warmup.pkl"
    count = int(rate * WARMUP_S)
    warmup.write_bytes(pickle.dumps([raw_request(port, first + i) for i in range(count)]))
    load(warmup, port, WARMUP_S)
    main = work / f"{tag}.pkl"
    main.write_bytes(
        pickle.dumps([raw_request(port, first + count + i) for i in range(int(rate * seconds))])
    )
    return load(main, port, seconds)


async def inbox_counts(path: Path) -> dict[InboxState, int]:
    async with await open_store(path) as store:
        return await store.inbox_counts()


def main() -> None:
    options = arguments(__doc__ or "")
    seconds = 5.0 if options.quick else 20.0
    print_header("bench/shop_webhooks.py: signed Shopify webhooks per second", options.quick)
    with tempfile.TemporaryDirectory(prefix="smsbot-bench-") as tmp:
        work = Path(tmp)
        port = free_port()
        write_config(
            work / "smsbot.toml",
            {
                "server": {
                    "public_url": "https://bench.test",  # not an example host: serve refuses those
                    "host": "127.0.0.1",
                    "port": port,
                },
                "twilio": {"auth_token": "bench", "validate_signature": True},
                "store": {"path": str(work / "smsbot.db")},
                "shopify": {"webhook_secret": SECRET, "shop": SHOP},
                "carriers.demo": {},
            },
        )
        server = start([PYTHON, "-m", "smsbot", "serve"], work, f"http://127.0.0.1:{port}/healthz")
        try:
            smsbot = measure(work, port, seconds, 3000, "smsbot", 0)
        finally:
            stop(server)
        counts = asyncio.run(inbox_counts(work / "smsbot.db"))

        bare_port = free_port()
        bare = start(
            [PYTHON, str(HERE / "bareshop.py"), str(bare_port), SECRET],
            work,
            f"http://127.0.0.1:{bare_port}/healthz",
        )
        try:
            baseline = measure(work, bare_port, seconds, 8000, "baseline", 0)
        finally:
            stop(bare)

    print(baseline.line("baseline (bare Starlette, same HMAC and JSON)"))
    print(smsbot.line("smsbot serve"))
    rps, base = smsbot.rps, baseline.rps
    ratio = rps / base if base else 0.0
    listed = ", ".join(f"{state.value} {count}" for state, count in counts.items())
    print(f"smsbot / baseline: {ratio:.2f}; inbox after the run: {listed}")
    applied = counts[InboxState.PENDING] == 0 and counts[InboxState.FLAGGED] == 0
    print_summary(
        [
            Figure(
                "shop_webhooks_ratio",
                f"{ratio:.2f} x baseline ({rps:,.0f} vs {base:,.0f} webhooks/s)",
                "reported",
                True,
            ),
            Figure("shop_webhooks_p99_ms", f"{smsbot.p99_ms:.1f} ms", "reported", True),
            Figure("shop_webhooks_all_applied", listed, "none pending or flagged", applied),
        ]
    )


if __name__ == "__main__":
    main()
