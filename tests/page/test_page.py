"""GET /t/{token}: the page, its JSON, its headers, its language, its 404 and its limits."""

from __future__ import annotations

import html
import re
import statistics
import time
from datetime import UTC, datetime

import pytest
from starlette.testclient import TestClient

from smsbot.orders.demo import DEMO_PHONE
from smsbot.page.headers import CSP
from tests.conftest import PUBLIC_URL, SettingsFactory, post_sms, reply_text, sms_form
from tests.page.conftest import LINK, Texter, store_call

HEADERS = {
    "content-security-policy": CSP,
    "referrer-policy": "no-referrer",
    "x-robots-tag": "noindex, nofollow",
    "cache-control": "private, no-store",
}


def text_of(page: str) -> str:
    """The visible words of a page, unescaped, on one line."""
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", page).split()))


def test_the_link_opens_the_order(page_client: TestClient, token_of: Texter) -> None:
    token = token_of("1006")
    response = page_client.get(f"/t/{token}")
    assert response.status_code == 200
    for name, value in HEADERS.items():
        assert response.headers[name] == value
    assert response.headers["content-language"] == "en"
    words = text_of(response.text)
    assert "Order 1006" in words
    assert "1 of 2 packages delivered; 1 arriving" in words
    assert "Package 1 of 2" in words and "Package 2 of 2" in words and "Return" in words
    assert "DEMO1006A" in words and "DEMO1006R" in words
    assert "Hi Demo," in words  # the first name only
    assert "Scan history" in words and "Columbus, OH" in words
    assert "When does tracking update?" in words
    assert re.search(r"\d{1,2}:\d\d [AP]M E[SD]T", words), words  # local times with zone


def test_the_page_holds_no_contact_details(page_client: TestClient, token_of: Texter) -> None:
    token = token_of("1003")
    for path in (f"/t/{token}", f"/t/{token}.json"):
        body = page_client.get(path).text
        assert DEMO_PHONE not in body and DEMO_PHONE[2:] not in body
        assert "@demo.example" not in body and "11201" not in body
        assert "Demo Customer" not in body  # the full name stays with the merchant


def test_no_inline_script_or_style_and_nothing_from_elsewhere(
    page_client: TestClient, token_of: Texter
) -> None:
    body = page_client.get(f"/t/{token_of('1004')}").text
    assert "<script" not in body and "style=" not in body and "<style" not in body
    assert not re.search(r"<[^>]*\son\w+\s*=", body)  # no onclick= and kin
    urls = re.findall(r'(?:href|src|action)="([^"]+)"', body)
    assert urls and all(
        url.startswith(("/", "sms:", "#")) or url.startswith("https://www.") for url in urls
    ), urls
    assert 'rel="stylesheet" href="/t-static/page.css?v=' in body


def test_the_stylesheet_is_served_by_the_app(page_client: TestClient) -> None:
    response = page_client.get("/t-static/page.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert "prefers-color-scheme: dark" in response.text
    assert response.headers["content-security-policy"] == CSP


def test_the_exception_banner_and_status_families(
    page_client: TestClient, token_of: Texter
) -> None:
    weather = page_client.get(f"/t/{token_of('1004')}").text
    assert 'class="card attention"' in weather
    assert "Delayed by severe weather \u2013 new ETA" in html.unescape(weather)
    delivered = page_client.get(f"/t/{token_of('1003')}").text
    assert 'class="card delivered"' in delivered and "Delivered" in delivered
    transit = page_client.get(f"/t/{token_of('1001')}").text
    assert 'class="card transit"' in transit and "Arriving" in transit


def test_json_is_the_same_view(page_client: TestClient, token_of: Texter) -> None:
    token = token_of("1006")
    response = page_client.get(f"/t/{token}.json")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "private, no-store"
    data = response.json()
    assert data["number"] == "1006" and data["first_name"] == "Demo"
    assert [leg["kind"] for leg in data["legs"]] == ["outbound", "outbound", "return"]
    assert data["legs"][0]["status"] == "delivered"
    assert data["legs"][0]["events"][0]["location"] == "Columbus, OH"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("es-MX,es;q=0.9,en;q=0.5", "es"),
        ("fr-FR, en;q=0.3", "en"),
        ("de, es;q=0.8", "es"),
        ("es;q=0, en", "en"),
    ],
)
def test_language_follows_accept_language(
    page_client: TestClient, token_of: Texter, accept: str, expected: str
) -> None:
    response = page_client.get(f"/t/{token_of('1001')}", headers={"Accept-Language": accept})
    assert response.headers["content-language"] == expected
    assert f'<html lang="{expected}">' in response.text
    if expected == "es":
        assert "Pedido 1001" in response.text and "Preguntas" in response.text


def test_unknown_expired_and_revoked_links_look_the_same(
    page_client: TestClient, token_of: Texter
) -> None:
    revoked, expired = token_of("1001"), token_of("1002")
    assert store_call(page_client, "revoke_links", "1001", datetime.now(UTC)) == 1
    store_call(page_client, "expire_link", expired, datetime(2020, 1, 1, tzinfo=UTC))
    paths = [f"/t/{revoked}", f"/t/{expired}", "/t/ZZZZZZZZZZZZZ", "/t/short", "/t/" + "x" * 40]
    responses = [page_client.get(path) for path in paths]
    assert {r.status_code for r in responses} == {404}
    assert len({r.text for r in responses}) == 1
    assert len({tuple(sorted(r.headers.items())) for r in responses}) == 1
    assert "not valid any more" in responses[0].text
    # The same work: one store trip (the token query) whichever it is.
    store = page_client.app.state.services.store  # type: ignore[attr-defined]
    trips = []
    for path in paths:
        before = store.trips
        page_client.get(path)
        trips.append(store.trips - before)
    assert trips == [1] * len(paths), trips
    # The same timing: one store query whichever it is (medians within a few ms).
    timings: dict[str, list[float]] = {path: [] for path in paths[:3]}
    for _ in range(15):
        for path in timings:
            started = time.perf_counter()
            page_client.get(path)
            timings[path].append(time.perf_counter() - started)
    medians = [statistics.median(values) for values in timings.values()]
    assert max(medians) - min(medians) < 0.010, medians
    assert page_client.get(f"/t/{revoked}.json").json() == {"error": "not_found"}


def test_page_views_are_counted_per_shipment(page_client: TestClient, token_of: Texter) -> None:
    token = token_of("1006")
    for _ in range(3):
        page_client.get(f"/t/{token}")
    page_client.get(f"/t/{token}.json")
    views = store_call(page_client, "link_views", "1006")
    assert views == {"DEMO1006A": 4, "DEMO1006B": 4, "DEMO1006R": 4}


def test_actions_text_us_and_a_person(page_client: TestClient, token_of: Texter) -> None:
    body = page_client.get(f"/t/{token_of('1001')}").text
    assert 'href="sms:+12025550100?&amp;body=Order%201001"' in body
    assert 'href="sms:+12025550100?&amp;body=AGENT"' in body


def test_the_merchant_rewords_the_faq(make_settings: SettingsFactory) -> None:
    from smsbot.orders.demo import DEMO_ORDERS
    from smsbot.web.app import create_app

    settings = make_settings(
        links={"mode": "always"},
        bot={"verify": "phone"},
        page={"faq": {"en": {"stuck": "Write to stuck@acme.example and we will chase it."}}},
    )
    with TestClient(create_app(settings, seed_orders=DEMO_ORDERS), base_url=PUBLIC_URL) as c:
        reply = reply_text(post_sms(c, sms_form("1001"))) or ""
        found = LINK.search(reply)
        assert found
        body = c.get(f"/t/{found.group(1)}").text
    assert "Write to stuck@acme.example and we will chase it." in body
    assert "When does tracking update?" in body  # the others keep the wording's answer
    assert 'href="sms:' not in body  # no number to text: no sms actions


def test_json_for_a_shop_page_in_the_browser(make_settings: SettingsFactory) -> None:
    from smsbot.orders.demo import DEMO_ORDERS
    from smsbot.web.app import create_app

    settings = make_settings(
        links={"mode": "always"}, bot={"verify": "phone"},
        page={"json_origins": ["https://shop.acme.example"]},
    )  # fmt: skip
    with TestClient(create_app(settings, seed_orders=DEMO_ORDERS), base_url=PUBLIC_URL) as c:
        found = LINK.search(reply_text(post_sms(c, sms_form("1001"))) or "")
        assert found
        path = f"/t/{found.group(1)}.json"
        shop = c.get(path, headers={"Origin": "https://shop.acme.example"})
        other = c.get(path, headers={"Origin": "https://evil.example"})
    assert shop.headers["access-control-allow-origin"] == "https://shop.acme.example"
    assert "access-control-allow-origin" not in other.headers
    assert shop.headers["vary"] == "Origin"
