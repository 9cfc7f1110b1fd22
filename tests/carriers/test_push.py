"""Carrier pushes for the aggregators (issue 13, item 13): EasyPost Event webhooks, AfterShip
tracking webhooks and Shippo `track_updated`, each signed as the provider documents.

A good signature is read into results; a bad, missing or unconfigured one is refused with
401 at POST /hooks/{carrier} and nothing is stored or sent.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from carriers import aftership, easypost, shippo
from smsbot.errors import CarrierError
from smsbot.orders.model import Order, Shipment
from smsbot.store import open_store
from smsbot.tracking import CarrierConfig, PushAdapter, Status
from smsbot.web.app import create_app
from tests.conftest import PUBLIC_URL, SettingsFactory

FIXTURES = Path(__file__).parent / "fixtures"
SECRET = "whsec-0123456789abcdef"
NOW = 1_732_060_800.0
PHONE = "+12025550123"


def body_of(path: str) -> bytes:
    return (FIXTURES / path).read_bytes()


def http() -> httpx.AsyncClient:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"a push must not call the carrier: {request.url}")

    return httpx.AsyncClient(transport=httpx.MockTransport(refuse))


def config(name: str, **values: Any) -> CarrierConfig:
    key = {"shippo": "api_token"}.get(name, "api_key")
    return CarrierConfig(name, {key: "k3y", **values}, environ={})


def easypost_signature(body: bytes, secret: str = SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"x-hmac-signature": f"hmac-sha256-hex={digest}"}


def aftership_signature(body: bytes, secret: str = SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return {"aftership-hmac-sha256": base64.b64encode(digest).decode()}


def shippo_signature(body: bytes, secret: str = SECRET, at: float = NOW) -> dict[str, str]:
    stamp = str(int(at))
    digest = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"shippo-auth-signature": f"t={stamp},v1={digest}"}


Sign = Callable[..., dict[str, str]]

CASES: dict[str, tuple[str, Sign]] = {
    "easypost": ("easypost/push_tracker_updated.json", easypost_signature),
    "aftership": ("aftership/push_tracking_update.json", aftership_signature),
    "shippo": ("shippo/push_track_updated.json", shippo_signature),
}


def adapter(name: str, secret: str | None = SECRET) -> Any:
    values = {"webhook_secret": secret} if secret else {}
    if name == "easypost":
        return easypost.create(config(name, **values), http())
    if name == "aftership":
        return aftership.create(config(name, **values), http())
    made = shippo.create(config(name, **values), http())
    made._clock = lambda: NOW  # the signature's timestamp is checked against the clock
    return made


@pytest.mark.parametrize("name", list(CASES))
def test_each_aggregator_is_a_push_adapter(name: str) -> None:
    assert isinstance(adapter(name), PushAdapter)


@pytest.mark.parametrize("name", list(CASES))
def test_a_good_signature_verifies(name: str) -> None:
    path, sign = CASES[name]
    body = body_of(path)
    assert adapter(name).verify_push(sign(body), body) is True


@pytest.mark.parametrize("name", list(CASES))
def test_bad_signatures_are_refused(name: str) -> None:
    path, sign = CASES[name]
    body = body_of(path)
    push = adapter(name)
    assert push.verify_push({}, body) is False
    assert push.verify_push(sign(body, "wrong-secret"), body) is False
    assert push.verify_push(sign(body), body + b" ") is False  # the body was changed
    assert adapter(name, secret=None).verify_push(sign(body), body) is False  # no secret set


def test_easypost_secret_is_compared_in_nfkd_form() -> None:
    """EasyPost's libraries normalize the secret (NFKD) before keying the HMAC."""
    body = body_of("easypost/push_tracker_updated.json")
    composed = "s\u00e9cret"  # é as one code point
    decomposed = "se\u0301cret"  # e + combining acute
    push = adapter("easypost", secret=composed)
    assert push.verify_push(easypost_signature(body, decomposed), body) is True


def test_shippo_refuses_an_old_signed_push() -> None:
    body = body_of("shippo/push_track_updated.json")
    push = adapter("shippo")
    assert push.verify_push(shippo_signature(body, at=NOW - 301), body) is False
    assert push.verify_push(shippo_signature(body, at=NOW - 299), body) is True


def test_easypost_push_reads_the_tracker() -> None:
    body = body_of("easypost/push_tracker_updated.json")
    (result,) = adapter("easypost").parse_push({}, body)
    assert (result.carrier, result.number) == ("easypost", "EZ2000000002")
    assert result.status is Status.IN_TRANSIT
    assert result.service_carrier == "usps"  # EasyPost's "USPS" as smsbot names it


def test_easypost_events_that_are_not_about_trackers_carry_nothing() -> None:
    document = json.loads(body_of("easypost/push_tracker_updated.json"))
    document["description"] = "batch.updated"
    assert adapter("easypost").parse_push({}, json.dumps(document).encode()) == []


def test_aftership_push_reads_the_tracking() -> None:
    body = body_of("aftership/push_tracking_update.json")
    (result,) = adapter("aftership").parse_push({}, body)
    assert (result.carrier, result.number) == ("aftership", "7023210039414604")
    assert result.status is Status.IN_TRANSIT
    assert result.service_carrier == "canada_post"


def test_shippo_push_reads_the_track() -> None:
    body = body_of("shippo/push_track_updated.json")
    (result,) = adapter("shippo").parse_push({}, body)
    assert (result.carrier, result.number) == ("shippo", "9205590164917312751089")
    assert result.status is Status.IN_TRANSIT
    assert result.service_carrier == "usps"


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("body", [b"", b"not json", b"[]", b'{"msg": 3, "data": [], "result": 1}'])
def test_unreadable_pushes_raise_carrier_errors(name: str, body: bytes) -> None:
    push = adapter(name)
    try:
        results = push.parse_push({}, body)
    except CarrierError:
        return
    assert results == []  # an event about something else


# -- through POST /hooks/{carrier}

ORDER_NUMBER = {"easypost": "EZ2000000002", "aftership": "7023210039414604"}


@pytest.fixture
def app_for(make_settings: SettingsFactory) -> Iterator[Callable[[str], TestClient]]:
    clients: list[TestClient] = []

    def build(name: str) -> TestClient:
        number = {
            "easypost": "EZ2000000002",
            "aftership": "7023210039414604",
            "shippo": "9205590164917312751089",
        }[name]
        service = {"easypost": "usps", "aftership": "canada_post", "shippo": "usps"}[name]
        key = {"shippo": "api_token"}.get(name, "api_key")
        settings = make_settings(
            carriers={
                name: {key: "k3y", "webhook_secret": SECRET, "base_url": "http://127.0.0.1:9"}
            },
            routing={"carriers": {service: name}},
        )
        orders = (Order("1001", PHONE, shipments=(Shipment(service, number),)),)
        client = TestClient(create_app(settings, seed_orders=orders), base_url=PUBLIC_URL)
        client.__enter__()
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.__exit__(None, None, None)


def stored(path: Path, carrier: str, number: str) -> tuple[int, bool]:
    async def read() -> tuple[int, bool]:
        async with await open_store(path) as store:
            cached = await store.cached_tracking(carrier, number)
            return len(await store.recent_outbox(10)), cached is not None

    return asyncio.run(read())


@pytest.mark.parametrize("name", ["easypost", "aftership"])
def test_a_badly_signed_push_is_401_and_nothing_is_stored(
    name: str, app_for: Callable[[str], TestClient], tmp_path: Path
) -> None:
    path, sign = CASES[name]
    body = body_of(path)
    client = app_for(name)
    headers = {**sign(body, "wrong-secret"), "Content-Type": "application/json"}
    assert client.post(f"/hooks/{name}", content=body, headers=headers).status_code == 401
    assert client.post(f"/hooks/{name}", content=body).status_code == 401
    client.__exit__(None, None, None)
    service = {"easypost": "usps", "aftership": "canada_post"}[name]
    assert stored(tmp_path / "smsbot.db", service, ORDER_NUMBER[name]) == (0, False)


@pytest.mark.parametrize("name", ["easypost", "aftership"])
def test_a_well_signed_push_matches_the_order(
    name: str, app_for: Callable[[str], TestClient]
) -> None:
    path, sign = CASES[name]
    body = body_of(path)
    client = app_for(name)
    answer = client.post(f"/hooks/{name}", content=body, headers=sign(body))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"received": 1, "matched": 1}
