"""GET /api/eta: the window, its sentence in every language, its basis; country-level when
the postal code is missing or unreadable; 400 problem+json without a country; CORS for the
shop's origins only; one cached answer per query and day; a per-address limit."""

from __future__ import annotations

from starlette.testclient import TestClient

from smsbot.config.checkout import CheckoutSettings
from tests.checkout.conftest import SHOP, Ticks, checkout_app
from tests.eta.windows import FixedEstimator


def test_a_lane_query_gets_the_window_its_sentences_and_its_basis(client: TestClient) -> None:
    response = client.get("/api/eta?country=us&postal_code=10001&carrier=UPS")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    # from Thu Dec 10: handling 1-2 + transit 2-4 = 3-6 business days
    assert body["window"]["earliest"] == "2026-12-15"
    assert body["window"]["latest"] == "2026-12-18"
    assert body["window"]["business_days"] == [3, 6]
    assert body["sentence"] == {
        "en": "Order now, arrives Tue Dec 15-Fri Dec 18",
        "es": "Pide hoy y llega entre el mar 15 dic y el vie 18 dic",
    }
    assert body["basis"] == {"rung": "lane", "samples": 240, "label": "ups -> US"}
    assert (body["country"], body["postal_code"], body["carrier"]) == ("US", "10001", "ups")
    assert body["estimate"] is True


def test_without_a_postal_code_the_window_is_country_level(
    client: TestClient, estimator: FixedEstimator
) -> None:
    for query in ("country=US", "country=US&postal_code=%21%21%3F", "country=US&postal_code="):
        body = client.get(f"/api/eta?{query}").json()
        assert body["postal_code"] is None
        assert body["basis"]["rung"] == "carrier"
        assert body["window"]["business_days"] == [4, 7]  # the merchant-wide 3-5 + handling
    assert all(lane.destination_postal_code is None for lane in estimator.asked)


def test_a_missing_or_bad_country_is_a_400_problem(client: TestClient) -> None:
    for query, field in (
        ("", "country"),
        ("postal_code=10001", "country"),
        ("country=USA", "country"),
        ("country=U1", "country"),
        ("country=US&carrier=%3Cscript%3E", "carrier"),
    ):
        response = client.get(f"/api/eta?{query}")
        assert response.status_code == 400, query
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["status"] == 400
        assert [e["field"] for e in problem["errors"]] == [field], query


def test_no_history_and_no_default_is_an_answer_without_a_window() -> None:
    with TestClient(checkout_app(FixedEstimator({"dhl": (1, 2)}))) as client:
        body = client.get("/api/eta?country=US&carrier=ups").json()
    assert (body["window"], body["sentence"], body["basis"], body["estimate"]) == (
        None,
        None,
        None,
        False,
    )
    with TestClient(checkout_app(None)) as client:
        assert client.get("/api/eta?country=US").json()["window"] is None


def test_only_the_shops_origins_may_read_it_from_a_browser(client: TestClient) -> None:
    mine = client.get("/api/eta?country=US", headers={"Origin": SHOP})
    assert mine.headers["access-control-allow-origin"] == SHOP
    assert mine.headers["vary"] == "Origin"
    other = client.get("/api/eta?country=US", headers={"Origin": "https://evil.example"})
    assert other.status_code == 200
    assert "access-control-allow-origin" not in other.headers
    preflight = {"Origin": SHOP, "Access-Control-Request-Method": "GET"}
    allowed = client.options("/api/eta", headers=preflight)
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == SHOP
    assert allowed.headers["access-control-allow-methods"] == "GET"
    refused = client.options("/api/eta", headers={**preflight, "Origin": "https://evil.example"})
    assert refused.status_code == 403
    assert "access-control-allow-origin" not in refused.headers
    assert "set-cookie" not in mine.headers


def test_one_answer_per_query_is_cached_for_the_ttl(estimator: FixedEstimator) -> None:
    ticks = Ticks()
    settings = CheckoutSettings(cache_ttl_s=60.0, rate_limit_per_minute=50)
    with TestClient(checkout_app(estimator, settings, ticks)) as client:
        first = client.get("/api/eta?country=US&postal_code=10001")
        again = client.get("/api/eta?country=us&postal_code=10001")
        assert len(estimator.asked) == 1
        assert first.content == again.content
        assert first.headers["cache-control"] == "public, max-age=60"
        client.get("/api/eta?country=US&postal_code=10002")
        assert len(estimator.asked) == 2  # another query, another answer
        etag = first.headers["etag"]
        assert client.get("/api/eta?country=US&postal_code=10001",
                          headers={"If-None-Match": etag}).status_code == 304  # fmt: skip
        ticks.now += 61
        client.get("/api/eta?country=US&postal_code=10001")
        assert len(estimator.asked) == 3  # the TTL ran out: asked again


def test_an_address_over_its_limit_gets_429_with_retry_after(estimator: FixedEstimator) -> None:
    settings = CheckoutSettings(rate_limit_per_minute=3)
    with TestClient(checkout_app(estimator, settings)) as client:
        codes = [client.get("/api/eta?country=US").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = client.get("/api/eta?country=US")
        assert limited.headers["content-type"] == "application/problem+json"
        assert int(limited.headers["retry-after"]) >= 1


def test_a_broken_estimator_is_a_503_problem_never_a_bare_500() -> None:
    class Broken(FixedEstimator):
        def estimate(self, *args: object, **kwargs: object) -> None:
            raise ZeroDivisionError("a bug")

    with TestClient(checkout_app(Broken({})), raise_server_exceptions=False) as client:
        response = client.get("/api/eta?country=US")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"


def test_the_snippet_asks_only_its_own_server_and_keeps_no_cookies(client: TestClient) -> None:
    response = client.get("/eta.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["x-content-type-options"] == "nosniff"
    source = response.text
    assert "http://" not in source and "https://" not in source  # no other host named
    assert "document.cookie" not in source and "localStorage" not in source
    assert 'credentials: "omit"' in source
    assert "textContent" in source and "innerHTML" not in source


def test_the_demo_page_runs_under_a_strict_csp(client: TestClient) -> None:
    response = client.get("/eta/demo")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert '<script src="/eta.js" async></script>' in response.text
    assert "<script>" not in response.text  # nothing inline: the CSP would refuse it
    assert "http://testserver/eta.js" in response.text  # the copy-paste tag names this server


def test_the_openapi_document_describes_it_as_public() -> None:
    from smsbot.api.openapi import document

    operation = document()["paths"]["/api/eta"]["get"]
    assert operation["security"] == []
    names = {p["name"]: p["required"] for p in operation["parameters"]}
    assert names == {"country": True, "postal_code": False, "carrier": False, "service": False}
