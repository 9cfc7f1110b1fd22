"""The adapter kit: a conformance suite any carrier adapter runs from its own tests, and a
`Router` that serves recorded payloads through `httpx.MockTransport`.

In an adapter's pytest file::

    SPEC = AdapterSpec(
        acme,  # the adapter module
        config={"api_key": "test", "base_url": "https://acme.test"},
        numbers=("AC123", "AC456"),
        routes=Router().add("GET /v1/track/{number}", reply_file(FIXTURES / "in_transit.json")),
    )

    @pytest.mark.parametrize("check", checks_for(SPEC), ids=str)
    def test_conformance(check: Check) -> None:
        check.run(SPEC)

Each check builds a fresh adapter on a fresh copy of the routes, and fails with an
`AssertionError` whose message says what to fix. This module does not import pytest, so
`import smsbot` never needs the test extra, and the checks also run under unittest or a
plain script. `Check.run` drives its own event loop (`asyncio.run`), so no asyncio pytest
plugin is needed; inside a running loop, `await check.run_async(SPEC)` instead.
"""

from smsbot.testing.checks import AGGREGATOR_CHECKS, CHECKS, checks_for
from smsbot.testing.results import assert_valid_result
from smsbot.testing.router import Reply, Route, Router, UnroutedRequest, reply_file, reply_json
from smsbot.testing.spec import AdapterSpec, Check

__all__ = [
    "AGGREGATOR_CHECKS",
    "CHECKS",
    "AdapterSpec",
    "Check",
    "Reply",
    "Route",
    "Router",
    "UnroutedRequest",
    "assert_valid_result",
    "checks_for",
    "reply_file",
    "reply_json",
]
