"""Example Post: smsbot's conformance suite, and parsing the recorded payloads."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from smsbot_adapter_example import example_post

from smsbot.testing import AdapterSpec, Check, Router, assert_valid_result, checks_for, reply_file
from smsbot.tracking import CARRIER_LOCAL, DelayReason, Problem, Status

FIXTURES = Path(__file__).parent / "fixtures" / "example_post"
EST = timezone(timedelta(hours=-5))

SPEC = AdapterSpec(
    example_post,
    config={"api_key": "test-key", "base_url": "https://carrier.test", "requests_per_second": 1000},
    numbers=("EP1000001", "EP2000001", "EP9999999"),
    routes=Router().add("GET /api/parcels?ids={ids}", reply_file(FIXTURES / "parcels.json")),
)


@pytest.mark.parametrize("check", checks_for(SPEC), ids=str)
def test_conformance(check: Check) -> None:
    check.run(SPEC)


def load(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def test_in_transit_delivered_and_unknown() -> None:
    results = example_post.parse_parcels(load("parcels"))
    for number, result in results.items():
        assert_valid_result(result, number=number, carrier="example_post")
    moving, delivered, unknown = results["EP1000001"], results["EP2000001"], results["EP9999999"]
    assert moving.status is Status.IN_TRANSIT
    assert moving.eta is not None and moving.eta.earliest == date(2024, 11, 21)
    assert [e.code for e in moving.events] == ["registered", "moving"]  # oldest first
    assert delivered.status is Status.DELIVERED
    assert delivered.delivered_at == datetime(2024, 11, 20, 14, 14, tzinfo=EST)
    assert delivered.delivery_location == "front door" and delivered.proof_of_delivery
    assert delivered.eta is None
    assert unknown.problem is Problem.NOT_FOUND


def test_held_by_a_storm_in_carrier_local_time() -> None:
    held = example_post.parse_parcels(load("held"))["EP3000001"]
    assert held.status is Status.EXCEPTION
    assert held.delay_reason is DelayReason.WEATHER
    assert held.events[0].time == datetime(2024, 11, 19, 10, tzinfo=CARRIER_LOCAL)
