"""Arbitrary forms at POST /sms: never a 500; valid TwiML when signed, 403 when not."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Literal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from smsbot.channels.twiml import sign
from smsbot.orders.demo import DEMO_ORDERS
from smsbot.web.app import create_app
from tests.conftest import OWNER, PUBLIC_URL, STRANGER, TOKEN, SettingsFactory

# A catch-all turns any bug into valid TwiML: every test here also fails on an error path.
pytestmark = pytest.mark.usefixtures("no_error_path")

# Form text as Twilio could carry it: any character but surrogates, which no form can encode.
SURROGATES: tuple[Literal["Cs"]] = ("Cs",)
TEXT = st.text(st.characters(exclude_categories=SURROGATES), max_size=40)
BODIES = st.one_of(
    TEXT,
    st.sampled_from(
        ["1001", "#1002", "STOP", "start", "HELP", "ayuda", "MORE", "agent", "1", "2",
         "11201", "90210", "where is my order?", "join two-words", "1Z5R89390357567127",
         "¿dónde está mi pedido 1003?", "x" * 1600]
    ),
)  # fmt: skip
SENDERS = st.one_of(
    st.sampled_from(
        [OWNER, STRANGER, f"whatsapp:{OWNER}", "whatsapp:+5215512345678", "", "client:bob"]
    ),
    TEXT,
)
FORMS = st.fixed_dictionaries(
    {"Body": BODIES, "From": SENDERS},
    optional={"MessageSid": st.sampled_from(["SM1", "SM2", ""]) | TEXT, "To": TEXT},
).flatmap(lambda form: st.dictionaries(TEXT, TEXT, max_size=3).map(lambda extra: {**extra, **form}))


def check_twiml(content: bytes) -> None:
    root = ET.fromstring(content)  # noqa: S314  # our own TwiML
    assert root.tag == "Response"
    assert all(child.tag == "Message" for child in root)
    assert len(root) <= 1


def test_any_form_gets_twiml_or_403(make_settings: SettingsFactory) -> None:
    # Limits high enough that the examples reach lookups, questions and menus.
    limits = {"max_messages_per_minute": 100_000, "max_lookups_per_hour": 100_000}
    app = create_app(make_settings(bot=limits), seed_orders=DEMO_ORDERS)
    with TestClient(app, base_url=PUBLIC_URL, raise_server_exceptions=False) as client:

        @settings(
            max_examples=200,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        )
        @given(form=FORMS, signed=st.booleans())
        def post(form: dict[str, str], signed: bool) -> None:
            signature = sign(TOKEN, PUBLIC_URL + "/sms", form) if signed else "bad"
            response = client.post("/sms", data=form, headers={"X-Twilio-Signature": signature})
            if not signed:
                assert response.status_code == 403
                return
            assert response.status_code == 200, response.text
            assert response.headers["content-type"].startswith("application/xml")
            check_twiml(response.content)

        post()
