"""The page's limits and actions: the per-address limit, "Not received?" (one alert), the
order's own language, and tokens kept out of logs."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from starlette.testclient import TestClient

from smsbot.config import Settings
from smsbot.orders.model import Order, Shipment
from smsbot.page.headers import TokenFilter, mask_tokens
from smsbot.page.limits import RateLimiter
from smsbot.tracking import Event, Status, TrackingResult
from tests.conftest import PUBLIC_URL, SettingsFactory, post_sms, reply_text, sms_form
from tests.page.conftest import LINK, Texter, store_call


def test_the_limiter_counts_per_address_and_forgets_after_a_minute() -> None:
    now = [0.0]
    limiter = RateLimiter(3, clock=lambda: now[0])
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b")
    assert 1 <= limiter.retry_after("a") <= 61
    now[0] = 60.0
    assert limiter.allow("a")


def test_too_many_requests_get_429(make_settings: SettingsFactory) -> None:
    from smsbot.orders.demo import DEMO_ORDERS
    from smsbot.web.app import create_app

    settings = make_settings(page={"rate_limit_per_minute": 5})
    with TestClient(create_app(settings, seed_orders=DEMO_ORDERS), base_url=PUBLIC_URL) as c:
        codes = [c.get("/t/AAAAAAAAAAAAA").status_code for _ in range(7)]
        limited = c.get("/t/AAAAAAAAAAAAA.json")
    assert codes == [404] * 5 + [429] * 2
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert limited.headers["cache-control"] == "private, no-store"


def test_tokens_never_reach_the_logs_in_full() -> None:
    line = '127.0.0.1:5000 - "GET /t/Ab3dE6gH9jK1m.json HTTP/1.1" 200'
    assert mask_tokens(line) == '127.0.0.1:5000 - "GET /t/Ab3d….json HTTP/1.1" 200'
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/t/Ab3dE6gH9jK1m", "1.1", 200), None,
    )  # fmt: skip
    assert TokenFilter().filter(record)
    assert "Ab3dE6gH9jK1m" not in record.getMessage()
    assert "/t/Ab3d…" in record.getMessage()


def test_no_not_received_after_a_delivery_with_proof(
    page_client: TestClient, token_of: Texter
) -> None:
    # Demo order 1003 was delivered with proof: no button, and a forged post raises nothing.
    token = token_of("1003")
    assert "Not received?" not in page_client.get(f"/t/{token}").text
    response = page_client.post(
        f"/t/{token}/not-received", data={"leg": "0"}, follow_redirects=False
    )
    assert response.status_code == 303  # proof exists: nothing raised
    assert store_call(page_client, "recent_alerts", 10) == []


@pytest.fixture
def unproven_client(page_settings: Settings) -> Iterator[TestClient]:
    """A Spanish order delivered without a photo or signature."""
    from smsbot.web.app import create_app

    now = datetime.now(UTC)
    left = now - timedelta(hours=2)
    result = TrackingResult(
        "demo", "DEMO1003", Status.DELIVERED, "Delivered",
        events=(Event(left, Status.DELIVERED, "Delivered", location="Brooklyn, NY"),),
        delivered_at=left, proof_of_delivery=False,
    )  # fmt: skip
    order = Order("7001", "+12025550123", name="Ana López", locale="es-MX",
                  shipments=(Shipment("demo", "DEMO1003"),))  # fmt: skip
    app = create_app(page_settings, seed_orders=(order,))
    with TestClient(app, base_url=PUBLIC_URL) as client:
        store_call(client, "save_tracking", result, now)  # the cache answers for the carrier
        yield client


def test_not_received_on_a_delivery_without_proof(unproven_client: TestClient) -> None:
    c = unproven_client
    reply = reply_text(post_sms(c, sms_form("7001"))) or ""
    assert reply.startswith("Pedido 7001")  # the order's language
    found = LINK.search(reply)
    assert found, reply
    token = found.group(1)
    page = c.get(f"/t/{token}", headers={"Accept-Language": "en"})
    assert page.headers["content-language"] == "es"  # the order's locale comes first
    assert "¿No lo recibiste?" in page.text and "Hola Ana," in page.text
    assert "López" not in page.text
    for _ in range(3):
        sent = c.post(f"/t/{token}/not-received", data={"leg": "0"}, follow_redirects=False)
        assert sent.status_code == 303 and sent.headers["location"] == f"/t/{token}?reported=1"
    alerts = store_call(c, "recent_alerts", 10)
    assert isinstance(alerts, list) and len(alerts) == 1
    [alert] = alerts
    assert alert.kind == "not_received" and alert.order_number == "7001"
    thanks = c.get(f"/t/{token}?reported=1").text
    assert "la tienda ya está avisada" in thanks and "<form" not in thanks
    bad = c.post(f"/t/{token}/not-received", data={"leg": "9"}, follow_redirects=False)
    assert bad.status_code == 303
    assert c.post("/t/AAAAAAAAAAAAA/not-received", data={"leg": "0"}).status_code == 404
