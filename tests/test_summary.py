"""The sampled INFO summary of answered messages (the per-message line is DEBUG)."""

from __future__ import annotations

import logging

import pytest

from smsbot.dialog.summary import Summary


def test_one_info_line_per_interval(caplog: pytest.LogCaptureFixture) -> None:
    now = [100.0]
    log = logging.getLogger("test.summary")
    summary = Summary(log, interval_s=60, clock=lambda: now[0])
    with caplog.at_level(logging.INFO, logger="test.summary"):
        summary.record("sms", "order_number", 10)  # the first one at once
        for latency in (20, 40, 30):
            now[0] += 10
            summary.record("sms", "order_number", latency)
        now[0] += 40  # 70 s after the first line
        summary.record("whatsapp", "help", 60)
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "answered 1 message (sms order_number: 1) in 10 ms on average, the slowest 10 ms",
        "answered 4 messages (sms order_number: 3, whatsapp help: 1) in 38 ms on average, "
        "the slowest 60 ms",
    ]
