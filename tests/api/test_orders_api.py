"""The orders API through the real app: tokens and scopes, PUT/PATCH/GET/DELETE, problems,
idempotency, the rate limit, the OpenAPI document, and "cancelled" in the bot's reply."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from smsbot.api.tokens import PREFIX, find_token, new_token
from smsbot.config.settings import ApiToken
from smsbot.web.app import create_app
from tests.conftest import PUBLIC_URL, SettingsFactory, post_sms, reply_text, sms_form

WRITER = "smsbot_writer-token-0123456789"
READER = "smsbot_reader-token-0123456789"
PHONE = "+12025550177"


def digest(token: str) -> str:
    return "sha256:" + hashlib.sha256(token.encode()).hexdigest()


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def api(make_settings: SettingsFactory) -> Iterator[TestClient]:
    settings = make_settings(
        api={
            "tokens": [
                {"token": digest(WRITER), "name": "shop", "scopes": ["read", "write"]},
                {"token": digest(READER), "name": "dashboard", "scopes": ["read"]},
            ],
            "requests_per_minute": 30,
        },
        bot={"verify": "phone"},
    )
    with TestClient(create_app(settings), base_url=PUBLIC_URL) as client:
        yield client


def order_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "phone": "(202) 555-0177",
        "country": "US",
        "email": "ada@example.com",
        "postal_code": "20001",
        "name": "Ada",
        "locale": "en",
        "shipments": [{"carrier": "demo", "tracking_number": "DEMO1001"}],
    }
    return {**body, **changes}


def test_put_creates_then_replaces_and_is_idempotent(api: TestClient) -> None:
    first = api.put("/api/orders/2001", json=order_body(), headers=auth(WRITER))
    assert first.status_code == 201, first.text
    assert first.headers["location"] == "/api/orders/2001"
    assert first.json()["phone"] == PHONE
    assert first.json()["shipments"][0]["tracking_number"] == "DEMO1001"

    again = api.put("/api/orders/2001", json=order_body(), headers=auth(WRITER))
    assert again.status_code == 200 and again.json() == first.json()

    moved = order_body(shipments=[{"carrier": "demo", "tracking_number": "DEMO1003"}])
    replaced = api.put("/api/orders/%232001", json=moved, headers=auth(WRITER))
    assert replaced.status_code == 200
    assert [s["tracking_number"] for s in replaced.json()["shipments"]] == ["DEMO1003"]


def test_get_is_the_order_view(api: TestClient) -> None:
    api.put("/api/orders/2002", json=order_body(), headers=auth(WRITER))
    view = api.get("/api/orders/2002", headers=auth(READER))
    assert view.status_code == 200, view.text
    data = view.json()
    assert data["number"] == "2002" and data["status"] == "in_transit"
    assert data["legs"][0]["carrier_name"] == "Demo Carrier" or data["legs"][0]["carrier"] == "demo"
    assert data["eta"] is not None and data["cancelled_at"] is None
    assert "phone" not in data  # the view holds no contact details
    missing = api.get("/api/orders/9999", headers=auth(READER))
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


def test_patch_adds_a_shipment_once(api: TestClient) -> None:
    api.put("/api/orders/2003", json=order_body(), headers=auth(WRITER))
    shipment = {"carrier": "demo", "tracking_number": "DEMO1002"}
    added = api.patch("/api/orders/2003", json=shipment, headers=auth(WRITER))
    assert added.status_code == 201, added.text
    assert len(added.json()["shipments"]) == 2
    again = api.patch("/api/orders/2003", json=shipment, headers=auth(WRITER))
    assert again.status_code == 200 and len(again.json()["shipments"]) == 2
    assert api.patch("/api/orders/2999", json=shipment, headers=auth(WRITER)).status_code == 404


def test_every_bad_field_is_named(api: TestClient) -> None:
    body = order_body(
        phone="not a phone",
        email="nope",
        locale="english",
        shipments=[
            {"carrier": "demo", "tracking_number": "x"},
            {"tracking_number": "ZZZZZZZZZ"},
            {"carrier": "demo", "tracking_number": "DEMO1001", "kind": "sideways"},
        ],
        extra="field",
    )
    shape = api.put("/api/orders/2004", json=body, headers=auth(WRITER))
    assert shape.status_code == 422
    assert shape.headers["content-type"].startswith("application/problem+json")
    fields = {error["field"] for error in shape.json()["errors"]}
    assert fields == {"/shipments/2/kind", "/extra"}

    del body["extra"]
    body["shipments"].pop()
    meaning = api.put("/api/orders/2004", json=body, headers=auth(WRITER))
    assert meaning.status_code == 422
    problem = meaning.json()
    assert problem["status"] == 422 and problem["title"] == "Invalid order"
    assert {error["field"] for error in problem["errors"]} == {
        "/phone",
        "/email",
        "/locale",
        "/shipments/0/tracking_number",
        "/shipments/1/tracking_number",
    }
    assert api.get("/api/orders/2004", headers=auth(READER)).status_code == 404  # nothing kept


def test_bodies_that_are_not_orders(api: TestClient) -> None:
    headers = {**auth(WRITER), "Content-Type": "application/json"}
    broken = api.put("/api/orders/2005", content=b"{not json", headers=headers)
    assert broken.status_code == 400 and broken.json()["errors"][0]["field"] == "/"
    listed = api.put("/api/orders/2005", json=[1, 2], headers=auth(WRITER))
    assert listed.status_code == 422
    form = api.put("/api/orders/2005", data={"a": "b"}, headers=auth(WRITER))
    assert form.status_code == 415
    huge = api.put("/api/orders/2005", content=b"x" * 300_000, headers=headers)
    assert huge.status_code == 413


def test_order_numbers_follow_the_one_rule(api: TestClient) -> None:
    # A number a customer could never text (it reads as a UPS tracking number) is refused.
    refused = api.put("/api/orders/1Z999AA10123456784", json=order_body(), headers=auth(WRITER))
    assert refused.status_code == 404
    assert "tracking number" in refused.json()["errors"][0]["message"]


def test_tokens_and_scopes(api: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    assert api.get("/api/orders/2001").status_code == 401
    unknown = api.get("/api/orders/2001", headers=auth("smsbot_guess"))
    assert unknown.status_code == 401 and unknown.headers["www-authenticate"].startswith("Bearer")
    assert api.get("/api/orders/2001", headers={"Authorization": "Basic x"}).status_code == 401
    read_only = api.put("/api/orders/2001", json=order_body(), headers=auth(READER))
    assert read_only.status_code == 403
    assert api.delete("/api/orders/2001", headers=auth(READER)).status_code == 403
    assert WRITER not in caplog.text and READER not in caplog.text


def test_the_rate_limit_is_per_token(api: TestClient) -> None:
    answers = [api.get("/api/orders/2001", headers=auth(READER)).status_code for _ in range(31)]
    assert answers[:30] == [404] * 30
    assert answers[30] == 429
    limited = api.get("/api/orders/2001", headers=auth(READER))
    assert limited.status_code == 429 and limited.headers["retry-after"] == "60"
    assert api.get("/api/orders/2001", headers=auth(WRITER)).status_code == 404


def test_delete_cancels_and_the_bot_says_so(api: TestClient) -> None:
    api.put("/api/orders/2006", json=order_body(), headers=auth(WRITER))
    assert reply_text(post_sms(api, sms_form("2006", sender=PHONE))) is not None

    assert api.delete("/api/orders/2006", headers=auth(WRITER)).status_code == 204
    assert api.delete("/api/orders/2006", headers=auth(WRITER)).status_code == 204  # idempotent
    assert api.delete("/api/orders/2998", headers=auth(WRITER)).status_code == 404

    reply = reply_text(post_sms(api, sms_form("2006", sender=PHONE)))
    assert reply is not None and "cancelled" in reply and "2006" in reply
    view = api.get("/api/orders/2006", headers=auth(READER)).json()
    assert view["cancelled_at"] is not None

    # A cancelled order is not a stranger's to probe: someone else still learns nothing.
    other = reply_text(post_sms(api, sms_form("2006", sender="+12025550199")))
    assert other is None or "cancelled" not in other


def test_openapi_document(api: TestClient) -> None:
    document = api.get("/api/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    operations = document["paths"]["/api/orders/{number}"]
    assert {"get", "put", "patch", "delete"} <= set(operations)
    order = document["components"]["schemas"]["Order"]
    assert {"phone", "shipments", "postal_code"} <= set(order["properties"])


def test_new_tokens_match_their_digest(caplog: pytest.LogCaptureFixture) -> None:
    token, entry = new_token()
    assert token.startswith(PREFIX) and entry == digest(token)
    configured = ApiToken("shop", bytes.fromhex(entry.removeprefix("sha256:")))
    assert find_token([configured], token) is configured
    assert find_token([configured], token + "x") is None
    assert find_token([configured], None) is None


def test_a_plain_token_in_the_config_works_with_a_warning(
    make_settings: SettingsFactory, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="smsbot.config"):
        settings = make_settings(api={"tokens": [WRITER]})
    assert "in clear" in caplog.text and WRITER not in caplog.text
    with TestClient(create_app(settings), base_url=PUBLIC_URL) as client:
        assert client.get("/api/orders/2001", headers=auth(WRITER)).status_code == 404


def test_get_tells_the_learned_window_a_reply_would(make_settings: SettingsFactory) -> None:
    """Issue 19: the API's view carries the same estimate as replies and the page."""
    settings = make_settings(
        api={"tokens": [{"token": digest(READER), "name": "d", "scopes": ["read", "write"]}]},
        eta={"default_days": [3, 7]},
    )
    no_eta = order_body(shipments=[{"carrier": "demo", "tracking_number": "DEMO1007"}])
    with TestClient(create_app(settings), base_url=PUBLIC_URL) as client:
        client.put("/api/orders/2101", json=no_eta, headers=auth(READER))
        data = client.get("/api/orders/2101", headers=auth(READER)).json()
    [leg] = data["legs"]
    assert leg["eta"] is None, "the demo's label-created parcel has no carrier date"
    assert leg["estimate"]["basis"]["rung"] == "default"
    assert leg["estimate"]["business_days"] == [3, 7]
