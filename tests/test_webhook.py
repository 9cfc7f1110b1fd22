"""POST /sms end to end in-process: signatures, replies, keywords, replays, hostile input."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest
from starlette.requests import Request
from starlette.testclient import TestClient

from smsbot.config import Settings
from smsbot.orders.demo import DEMO_ORDERS
from smsbot.services import Services
from smsbot.web.app import create_app
from smsbot.web.twilio_form import MAX_FORM_BYTES, read_form
from tests.conftest import (
    OWNER,
    PUBLIC_URL,
    STRANGER,
    SettingsFactory,
    post_sms,
    reply_text,
    sms_form,
    whatsapp_form,
)

# A catch-all turns any bug into valid TwiML: every test here also fails on an error path.
pytestmark = pytest.mark.usefixtures("no_error_path")

T = TypeVar("T")


def running(client: TestClient) -> Services:
    found = client.app.state.services  # type: ignore[attr-defined]
    assert isinstance(found, Services)
    return found


def in_app(client: TestClient, call: Callable[[], Awaitable[T]]) -> T:
    """Run `call` on the app's own event loop (its store and background tasks live there)."""
    assert client.portal is not None, "the client is not started"
    return client.portal.call(call)


def demo_calls(client: TestClient) -> int:
    adapter = running(client).registry.get("demo")
    calls = getattr(adapter, "calls", None)
    assert isinstance(calls, int)
    return calls


def test_owner_gets_status(client: TestClient) -> None:
    text = reply_text(post_sms(client, sms_form("Where is my order #1001?")))
    assert text is not None
    assert text.startswith("Order 1001: In transit with DemoPost, arriving ")


def test_whatsapp_owner_gets_status(client: TestClient) -> None:
    text = reply_text(post_sms(client, whatsapp_form("1003")))
    assert text is not None
    assert text.startswith("Order 1003: Delivered ")
    assert "(front door)" in text


def test_stranger_reply_is_the_same_as_missing_order(client: TestClient) -> None:
    theirs = reply_text(post_sms(client, sms_form("1001", sender=STRANGER)))
    missing = reply_text(post_sms(client, sms_form("9999", sender="+12025550198")))
    assert theirs is not None and missing is not None
    assert theirs.replace("1001", "N") == missing.replace("9999", "N")
    assert "DemoPost" not in theirs
    assert "postal code" in theirs


@pytest.mark.parametrize(
    "tamper",
    ["missing", "body", "extra", "token", "http", "slash", "host"],
)
def test_bad_signatures_get_403_and_touch_nothing(client: TestClient, tamper: str) -> None:
    form = sms_form("1001")
    signed = dict(form)
    kwargs: dict[str, str] = {}
    if tamper == "missing":
        kwargs["signature"] = ""
    elif tamper == "body":
        signed["Body"] = "1002"
    elif tamper == "extra":
        signed["FromCity"] = "X"
    elif tamper == "token":
        kwargs["token"] = "another-token"
    elif tamper == "http":
        kwargs["signed_url"] = PUBLIC_URL.replace("https", "http") + "/sms"
    elif tamper == "slash":
        kwargs["signed_url"] = PUBLIC_URL + "/sms/"
    elif tamper == "host":
        kwargs["signed_url"] = "https://evil.example/sms"
    from smsbot.channels.twiml import sign
    from tests.conftest import TOKEN

    signature = kwargs.pop("signature", None)
    if signature is None:
        signature = sign(
            kwargs.get("token", TOKEN), kwargs.get("signed_url", PUBLIC_URL + "/sms"), signed
        )
    response = post_sms(client, form, signature=signature)
    assert response.status_code == 403
    assert demo_calls(client) == 0
    messages = in_app(client, running(client).store.recent_messages)
    assert messages == []


def test_signature_uses_public_url_not_the_one_seen(settings: Settings) -> None:
    """Behind a proxy the app sees http://internal:8000; Twilio signed the public URL."""
    app = create_app(settings, seed_orders=DEMO_ORDERS)
    with TestClient(app, base_url="http://10.0.0.5:8000") as internal:
        text = reply_text(post_sms(internal, sms_form("1002")))
    assert text == "Order 1002: Out for delivery with DemoPost today."


def test_stop_on_sms_is_empty_and_recorded(client: TestClient) -> None:
    assert reply_text(post_sms(client, sms_form("STOP"))) is None
    assert in_app(client, lambda: running(client).store.is_opted_out(OWNER))
    assert reply_text(post_sms(client, sms_form("start"))) is None
    assert not in_app(client, lambda: running(client).store.is_opted_out(OWNER))


def test_stop_on_whatsapp_is_confirmed(client: TestClient) -> None:
    text = reply_text(post_sms(client, whatsapp_form("stop")))
    assert text


def test_help_names_brand_and_contact(client: TestClient) -> None:
    text = reply_text(post_sms(client, sms_form("HELP")))
    assert text is not None
    assert "Acme Outfitters" in text
    assert "help@acme.example" in text


def test_replay_returns_same_reply_without_carrier_call(client: TestClient) -> None:
    form = sms_form("1004")
    first = reply_text(post_sms(client, form))
    calls = demo_calls(client)
    second = reply_text(post_sms(client, form))
    assert first == second
    assert first is not None and "weather" in first
    assert demo_calls(client) == calls


def test_cache_spares_the_carrier(client: TestClient) -> None:
    reply_text(post_sms(client, sms_form("1001")))
    calls = demo_calls(client)
    reply_text(post_sms(client, sms_form("order 1001")))
    assert demo_calls(client) == calls


def test_multi_package_order(client: TestClient) -> None:
    text = reply_text(post_sms(client, sms_form("1006")))
    assert text is not None
    assert text.startswith("Order 1006, 3 packages: 1) DemoPost: Delivered")


@pytest.mark.parametrize(
    "body",
    [
        None,
        "",
        "   ",
        "x" * 1600,
        "1001 " * 400,
        "😀🚚📦",
        "order\x00 1001\x00",
        "<Response><Message>hi</Message></Response> & ]]>",
        "join two-words",
        "\u202e1001",
    ],
)
def test_any_body_gets_valid_twiml(client: TestClient, body: str | None) -> None:
    reply_text(post_sms(client, sms_form(body)))


@pytest.mark.parametrize("sender", ["", "client:alice", "whatsapp:", "+0", "abc\x00", "😀"])
def test_any_sender_gets_valid_twiml(client: TestClient, sender: str) -> None:
    text = reply_text(post_sms(client, sms_form("1001", sender=sender)))
    assert text is None or "DemoPost" not in text


def test_missing_fields_get_valid_twiml(client: TestClient) -> None:
    reply_text(post_sms(client, {"Body": "1001"}))
    reply_text(post_sms(client, {}))


def test_oversized_body_is_refused(client: TestClient) -> None:
    response = post_sms(client, sms_form("x" * 70_000))
    assert response.status_code == 413


async def test_a_chunked_body_without_length_is_cut_off_while_reading() -> None:
    pulled = 0

    async def receive() -> dict[str, object]:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": b"x" * 1024, "more_body": pulled < 10_000}

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/sms",
        "headers": [(b"content-type", b"application/x-www-form-urlencoded")],
    }
    assert await read_form(Request(scope, receive)) is None
    assert pulled <= MAX_FORM_BYTES // 1024 + 1  # refused at the cap, not after 10 MB


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.text == "ok"


def test_validation_off_accepts_unsigned(make_settings: SettingsFactory) -> None:
    settings = make_settings(twilio={"validate_signature": False})
    with TestClient(create_app(settings, seed_orders=DEMO_ORDERS), base_url=PUBLIC_URL) as c:
        response = c.post("/sms", data=sms_form("1002"))
        assert reply_text(response) == "Order 1002: Out for delivery with DemoPost today."


def test_texted_tracking_number_asks_the_detected_carrier(make_settings: SettingsFactory) -> None:
    settings = make_settings(carriers={"usps": {"module": "tests.adapters.good"}})
    with TestClient(create_app(settings), base_url=PUBLIC_URL) as c:
        text = reply_text(post_sms(c, sms_form("420 78745 9400 1112 0620 6406 2607 87")))
        adapter = running(c).registry.get("usps")
    assert text is not None
    assert "In transit" in text and "Good Carrier" in text
    # The routing prefix is not part of what the carrier is asked.
    assert getattr(adapter, "asked", None) == [["9400111206206406260787"]]


def test_tracking_number_of_a_carrier_not_enabled(client: TestClient) -> None:
    text = reply_text(post_sms(client, sms_form("1Z5R89390357567127")))
    assert text is not None
    assert "can't track this carrier" in text


def test_order_locale_sets_the_language(settings: Settings) -> None:
    from smsbot.orders.model import Order, Shipment

    order = Order("2001", OWNER, locale="es-MX", shipments=(Shipment("demo", "DEMO1002"),))
    with TestClient(create_app(settings, seed_orders=(order,)), base_url=PUBLIC_URL) as c:
        text = reply_text(post_sms(c, sms_form("2001")))  # a text without words (issue 14)
    assert text is not None and text.startswith("Pedido 2001: ")


def test_spanish_text_gets_spanish_reply(client: TestClient) -> None:
    text = reply_text(post_sms(client, sms_form("¿dónde está mi pedido 1001?")))
    assert text is not None and text.startswith("Pedido 1001: ")
