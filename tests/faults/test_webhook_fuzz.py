"""The standing fault suite for every door from outside: POST /sms, /twilio/status and
/hooks/{carrier} with generated input (issue 21).

Every field gets what real traffic and attackers send: XML-illegal characters (U+FFFE,
U+FFFF, C0 controls; lone surrogates where the encoding can carry them, i.e. in JSON),
huge integers, non-ASCII digits (superscript, Arabic-Indic, full-width), bidi and
zero-width characters, markup.
The promises checked on every request: never a 5xx, no ERROR log record and no answer with
the error intent (`no_error_path`), and for /sms a well-formed TwiML document, always.
Bounded for CI: a few hundred examples, seconds each file.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Literal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from smsbot.channels.twiml import sign
from smsbot.orders.demo import DEMO_ORDERS
from smsbot.orders.model import Order, Shipment
from smsbot.store.snapshot import result_to_json
from smsbot.tracking import Event, Status, TrackingResult
from smsbot.web.app import create_app
from tests.conftest import OWNER, PUBLIC_URL, STRANGER, TOKEN, SettingsFactory
from tests.test_hooks import NUMBER, SECRET, signed

pytestmark = pytest.mark.usefixtures("no_error_path")

#: Characters that broke or could break something: XML 1.0-illegal, controls, digits that
#: `str.isdigit()` accepts and `int()` may not, bidi overrides, markup.
NASTY_CHARS = st.sampled_from(
    ["\x00", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\r", "\n", "\t",
     "\ufffe", "\uffff", "\U0010ffff", "²", "٣", "３", "¹", "\u202e", "\u200b", "\ufeff",
     "<", ">", "&", "]]>", "'", '"', "%", "\\", "🦆"]
)  # fmt: skip
#: A form can carry any character but a lone surrogate (UTF-8 cannot encode one).
SURROGATES: tuple[Literal["Cs"]] = ("Cs",)
ANY_CHAR = st.characters(exclude_categories=SURROGATES)
NASTY_TEXT = st.lists(st.one_of(NASTY_CHARS, ANY_CHAR), max_size=24).map("".join)
HUGE = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.sampled_from(["99999999999999999999999", "9" * 400, "9223372036854775808", "-1", "0"]),
)
ODD_DIGITS = st.sampled_from(["²", "٣", "٣٠٠٠٣", "３００３", "¹²³", "30٣03", "१२३४"])
VALUE = st.one_of(NASTY_TEXT, HUGE, ODD_DIGITS, st.text(ANY_CHAR, max_size=40))

SMS_REALISTIC: dict[str, st.SearchStrategy[str]] = {
    "MessageSid": st.uuids().map(lambda u: "SM" + u.hex),
    "AccountSid": st.just("AC" + "0" * 32),
    "From": st.sampled_from([OWNER, STRANGER, f"whatsapp:{OWNER}", "+447700900123"]),
    "To": st.just("+12025550100"),
    "Body": st.sampled_from(["1001", "#1002", "MORE", "HELP", "STOP", "START", "agent", "1",
                             "11201", "where is my order?", "1Z5R89390357567127", "DEMO1001"]),
    "NumMedia": st.just("0"),
    "NumSegments": st.just("1"),
    "SmsStatus": st.just("received"),
    "ApiVersion": st.just("2010-04-01"),
    "FromCountry": st.just("US"),
    "ProfileName": st.just("Pat"),
    "WaId": st.just(OWNER.lstrip("+")),
}  # fmt: skip
STATUS_REALISTIC: dict[str, st.SearchStrategy[str]] = {
    "MessageSid": st.sampled_from(["SM" + "a" * 32, "SM" + "b" * 32]),
    "SmsSid": st.just("SM" + "a" * 32),
    "AccountSid": st.just("AC" + "0" * 32),
    "From": st.just("+12025550100"),
    "To": st.sampled_from([OWNER, STRANGER, "whatsapp:+12025550123"]),
    "MessageStatus": st.sampled_from(["sent", "delivered", "undelivered", "failed", "read"]),
    "ErrorCode": st.sampled_from(["30003", "21610", "30008", ""]),
    "ApiVersion": st.just("2010-04-01"),
}


def forms(realistic: dict[str, st.SearchStrategy[str]]) -> st.SearchStrategy[dict[str, str]]:
    """A form with every field either realistic or hostile, plus a few unknown fields."""
    fields = {name: st.one_of(good, VALUE) for name, good in realistic.items()}
    extra = st.dictionaries(st.text(ANY_CHAR, min_size=1, max_size=12), VALUE, max_size=2)
    return st.tuples(st.fixed_dictionaries(fields), extra).map(lambda p: {**p[1], **p[0]})


EXAMPLES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_twiml(content: bytes) -> None:
    root = ET.fromstring(content)  # noqa: S314  # our own TwiML; raises when not well-formed
    assert root.tag == "Response"
    assert all(child.tag == "Message" for child in root) and len(root) <= 1


@pytest.fixture
def client(make_settings: SettingsFactory) -> Iterator[TestClient]:
    limits = {"max_messages_per_minute": 100_000, "max_lookups_per_hour": 100_000}
    settings = make_settings(
        bot=limits, carriers={"demo": {}, "pushy": {"module": "tests.test_hooks", "secret": SECRET}}
    )
    orders = (*DEMO_ORDERS, Order("7001", OWNER, shipments=(Shipment("pushy", NUMBER),)))
    app = create_app(settings, seed_orders=orders)
    with TestClient(app, base_url=PUBLIC_URL, raise_server_exceptions=False) as test_client:
        yield test_client


def test_sms_always_answers_well_formed_twiml(client: TestClient) -> None:
    @EXAMPLES
    @given(form=forms(SMS_REALISTIC))
    def post(form: dict[str, str]) -> None:
        signature = sign(TOKEN, PUBLIC_URL + "/sms", form)
        response = client.post("/sms", data=form, headers={"X-Twilio-Signature": signature})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/xml")
        check_twiml(response.content)

    post()


def test_status_callbacks_never_fail(client: TestClient) -> None:
    @EXAMPLES
    @given(form=forms(STATUS_REALISTIC), signed_=st.booleans())
    def post(form: dict[str, str], signed_: bool) -> None:
        url = PUBLIC_URL + "/twilio/status"
        signature = sign(TOKEN, url, form) if signed_ else "forged"
        response = client.post(
            "/twilio/status", data=form, headers={"X-Twilio-Signature": signature}
        )
        assert response.status_code == (200 if signed_ else 403), response.text

    post()


# Pushes: JSON can carry lone surrogates (as \ud800 escapes), so the text here may too.
JSON_TEXT = st.one_of(
    VALUE, st.lists(st.one_of(NASTY_CHARS, st.characters()), max_size=16).map("".join)
)
JSON_SCALAR = st.one_of(
    JSON_TEXT, st.integers(min_value=-(10**40), max_value=10**40), st.floats(), st.none(),
    st.booleans(),
)  # fmt: skip


@st.composite
def pushed_results(draw: st.DrawFn) -> dict[str, Any]:
    """A tracking snapshot as the test adapter reads it, with hostile text or values."""
    text = draw(st.one_of(JSON_TEXT, st.sampled_from(["In transit", "Delivered", ""])))
    place = draw(st.one_of(st.none(), JSON_TEXT))
    status = draw(st.sampled_from(list(Status)))
    at = datetime(2024, 11, 23, 15, draw(st.integers(0, 59)), tzinfo=UTC)
    event = Event(at, status, "scan", "X1", None)
    number = draw(st.one_of(st.just(NUMBER), JSON_TEXT))
    result = TrackingResult("pushy", NUMBER, status, events=(event,))
    data: dict[str, Any] = json.loads(result_to_json(result))
    data["number"] = number
    data["status_text"] = text
    data["events"][0]["description"] = text
    data["events"][0]["location"] = place
    if draw(st.booleans()):  # a field of the wrong type or size anywhere
        target = data if draw(st.booleans()) else data["events"][0]
        target[draw(st.sampled_from(sorted(target)))] = draw(JSON_SCALAR)
    return data


PUSH_BODIES = st.one_of(
    st.lists(pushed_results(), min_size=1, max_size=3).map(
        lambda updates: json.dumps({"updates": updates}).encode()
    ),
    st.binary(max_size=64),
    JSON_SCALAR.map(lambda value: json.dumps({"updates": [value]}).encode()),
)
CARRIERS = st.one_of(st.just("pushy"), st.text(st.characters(codec="ascii"), min_size=1,
                                               max_size=12))  # fmt: skip


def test_pushes_never_fail(client: TestClient) -> None:
    @EXAMPLES
    @given(body=PUSH_BODIES, carrier=CARRIERS, signed_=st.booleans())
    def post(body: bytes, carrier: str, signed_: bool) -> None:
        headers = signed(body) if signed_ else {"Content-Type": "application/json"}
        path = "/hooks/" + "".join(ch if ch.isalnum() else f"%{ord(ch):02X}" for ch in carrier)
        response = client.post(path, content=body, headers=headers)
        assert response.status_code < 500, response.text
        if carrier == "pushy":
            assert response.status_code in ((200, 400) if signed_ else (401,)), response.text
        else:
            assert response.status_code == 404

    post()
