"""Tracking-page engagement where the merchant sees it: the /metrics counter moves with each
page view, and the dashboard shows the engagement figures."""

from __future__ import annotations

import html
import re

from prometheus_client import REGISTRY
from starlette.testclient import TestClient

from tests.console.test_console import console, log_in  # noqa: F401  # a fixture
from tests.page.conftest import Texter, page_client, page_settings, token_of  # noqa: F401


def page_views(fmt: str) -> float:
    value = REGISTRY.get_sample_value("smsbot_tracking_page_views_total", {"format": fmt})
    return value or 0.0


def test_each_shown_page_moves_the_counter(page_client: TestClient, token_of: Texter) -> None:  # noqa: F811
    token = token_of("1006")
    before = page_views("html"), page_views("json")
    page_client.get(f"/t/{token}")
    page_client.get(f"/t/{token}")
    page_client.get(f"/t/{token}.json")
    page_client.get("/t/not-a-token")  # nothing shown: not a view
    assert (page_views("html") - before[0], page_views("json") - before[1]) == (2, 1)


def test_the_dashboard_shows_engagement(console: TestClient) -> None:  # noqa: F811
    log_in(console)
    page = html.unescape(console.get("/admin/", params={"since": "7d"}).text)
    shown = dict(re.findall(r'<tr><th scope="row">([^<]+)</th><td>([^<]+)</td></tr>', page))
    assert "Tracking-page views per shipment" in shown
    viewed = shown["Shipments whose page was viewed"]
    assert f'<span class="figure">{viewed}</span><span>shipments whose tracking page' in page
