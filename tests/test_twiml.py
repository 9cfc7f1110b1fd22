"""TwiML rendering and signature checks at the Twilio boundary."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from smsbot.channels.twiml import SignatureCheck, render, sign

URL = "https://bot.example.com"


def test_empty_response() -> None:
    root = ET.fromstring(render(None))  # noqa: S314  # our own output
    assert root.tag == "Response"
    assert list(root) == []


def test_message_is_escaped_and_control_characters_dropped() -> None:
    root = ET.fromstring(render("A & B <c> \x00\x07done"))  # noqa: S314  # our own output
    [message] = root.findall("Message")
    assert message.text == "A & B <c> done"


def test_signature_over_public_url_and_all_params() -> None:
    check = SignatureCheck("token", URL + "/")
    params = {"Body": "1001", "From": "+12025550123", "FromCity": ""}
    signature = sign("token", URL + "/sms", params)
    assert check.valid("/sms", b"", params, signature)
    assert not check.valid("/sms", b"", {**params, "Body": "1002"}, signature)
    assert not check.valid("/sms", b"", params, None)
    assert not check.valid("/sms", b"", params, "")


def test_query_string_is_signed_verbatim() -> None:
    check = SignatureCheck("token", URL)
    params = {"Body": "hi"}
    signature = sign("token", URL + "/sms?src=a%27b", params)
    assert check.valid("/sms", b"src=a%27b", params, signature)
    assert not check.valid("/sms", b"src=a'b", params, signature)


def test_malformed_params_fail_closed() -> None:
    check = SignatureCheck("token", URL)
    assert not check.valid("/sms", b"", "raw body without bodySHA256", "sig")
