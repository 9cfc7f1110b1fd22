"""Carrier text that XML cannot carry never reaches the TwiML (issue 21 item 4).

A DHL event description holding U+FFFF (or a lone surrogate, or a C0 control), then MORE,
used to produce a reply no XML parser reads: Twilio rejects it and the customer gets
nothing. Every carrier string is made safe where the lookup layer receives it
(`smsbot.tracking.sanitized`), whatever the renderer does after.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from starlette.testclient import TestClient

from smsbot.orders.model import Order, Shipment
from smsbot.tracking import Event, Status, TrackingResult, sanitized
from smsbot.web.app import create_app
from tests.conftest import OWNER, PUBLIC_URL, SettingsFactory, post_sms, sms_form

pytestmark = pytest.mark.usefixtures("no_error_path")

FIXTURE = Path(__file__).parents[1] / "carriers" / "fixtures" / "dhl" / "in_transit_eta.json"
NUMBER = "1234567890"
#: What XML 1.0 cannot carry, as carriers have sent it.
DIRT = "\uffff\ufffe\ud800\x00\x07\x1b\x0b"
ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _dirty(value: Any) -> Any:
    """Every string of a carrier payload with XML-illegal characters inserted."""
    if isinstance(value, dict):
        return {key: _dirty(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_dirty(item) for item in value]
    if isinstance(value, str) and not value[:4].isdigit() and value not in ("transit", "express"):
        return value[:3] + DIRT + value[3:]  # not in times or codes: those must still parse
    return value


def _dhl(request: httpx.Request) -> httpx.Response:
    payload = _dirty(json.loads(FIXTURE.read_text(encoding="utf-8")))
    payload.pop("url", None)
    # json.dumps escapes the surrogate as \ud800, as a carrier's JSON would carry it.
    return httpx.Response(200, content=json.dumps(payload).encode(), headers={
        "Content-Type": "application/json"})  # fmt: skip


@pytest.fixture
def client(make_settings: SettingsFactory) -> Iterator[TestClient]:
    settings = make_settings(carriers={"dhl": {"api_key": "dhl-test-key"}})
    orders = (Order("5001", OWNER, shipments=(Shipment("dhl", NUMBER),)),)
    app = create_app(settings, transport=httpx.MockTransport(_dhl), seed_orders=orders)
    with TestClient(app, base_url=PUBLIC_URL) as test_client:
        yield test_client


def _twiml_text(response: httpx2.Response) -> str:
    assert response.status_code == 200
    root = ET.fromstring(response.content)  # noqa: S314  # our own TwiML; raises if ill-formed
    texts = [message.text or "" for message in root.findall("Message")]
    assert texts, "the customer got no reply"
    return texts[0]


def test_status_and_more_replies_stay_well_formed(client: TestClient) -> None:
    status = _twiml_text(post_sms(client, sms_form("5001")))
    history = _twiml_text(post_sms(client, sms_form("MORE")))
    assert "Leipzig" in status + history  # the carrier's words got through, cleaned
    assert not ILLEGAL.search(status + history)


def test_sanitized_cleans_every_string_and_keeps_the_rest() -> None:
    at = datetime(2024, 11, 19, 21, 40, tzinfo=UTC)
    event = Event(at, Status.IN_TRANSIT, "Arrived\uffff at hub\x00", "PU\ud800", "LEIPZIG\x1b")
    result = TrackingResult(
        "dhl", "12345\x0b", Status.IN_TRANSIT, status_text="In\ufffe transit",
        status_code="transit\x07", events=(event,), delivery_location="door\x85",
        service_carrier="dhl\x7f",
    )  # fmt: skip
    clean = sanitized(result)
    assert clean.status_text == "In transit" and clean.status_code == "transit"
    assert clean.number == "12345" and clean.delivery_location == "door"
    assert clean.service_carrier == "dhl"
    assert clean.events == (Event(at, Status.IN_TRANSIT, "Arrived at hub", "PU", "LEIPZIG"),)
    plain = TrackingResult("dhl", "1", Status.DELIVERED, status_text="Ünïcödé ok\n\tτ")
    assert sanitized(plain) is plain
