"""TwiML rendering and signature checks at the Twilio boundary."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import example, given, settings
from hypothesis import strategies as st
from twilio.twiml.messaging_response import MessagingResponse

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


# Always well-formed XML, whatever the carrier or the customer wrote (issue 21, item 4)


ANY_CHARACTER = st.characters(blacklist_categories=())  # surrogates and controls included
NASTY = st.sampled_from(
    ["\x00", "\x08", "\x0b", "\x1f", "\ud800", "\udfff", "\ufffe", "\uffff", "&", "<", ">",
     "]]>", "\r\n", "\t", "\U0001f4e6", "\x85", "&amp;"]
)  # fmt: skip


@given(st.lists(st.one_of(st.text(alphabet=ANY_CHARACTER, max_size=8), NASTY), max_size=12))
@settings(max_examples=500, deadline=None)
@example(["DHL: Sendung\uffff zugestellt"])
@example(["\ud83d", "lone surrogate"])
@example(["\x00\x01"])
def test_render_is_always_well_formed_xml(pieces: list[str]) -> None:
    text = "".join(pieces)
    twiml = render(text)
    twiml.encode("utf-8")  # no lone surrogate survives
    root = ET.fromstring(twiml)  # noqa: S314  # our own output
    assert root.tag == "Response"
    kept = "".join(
        ch
        for ch in text
        if ch in "\t\n\r"
        or 0x20 <= ord(ch) <= 0xD7FF
        or 0xE000 <= ord(ch) <= 0xFFFD
        or ord(ch) >= 0x10000
    )
    messages = root.findall("Message")
    if not kept:
        assert messages == []
        return
    [message] = messages
    # XML parsers read a carriage return as a newline.
    assert message.text == kept.replace("\r\n", "\n").replace("\r", "\n")
    # Byte for byte what the library renders for the same legal text.
    library = MessagingResponse()
    library.message(kept)
    assert twiml == str(library)


def test_empty_response_is_the_librarys() -> None:
    assert render(None) == str(MessagingResponse())
    assert render("\x00\ufffe") == str(MessagingResponse())
