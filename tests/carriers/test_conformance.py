"""The adapter kit's conformance suite over every adapter shipped in carriers/.

Adapters are discovered from the package, so a new module is checked as soon as it lands;
each needs a sample below (its config and recorded payloads from fixtures/<name>/).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from pathlib import Path

import pytest

import carriers
from smsbot.testing import AGGREGATOR_CHECKS, CHECKS, AdapterSpec, Check, Router, reply_file

FIXTURES = Path(__file__).parent / "fixtures"
HOST = "https://carrier.test"
FAST = {"base_url": HOST, "requests_per_second": 1000}  # no budget spacing in tests
OAUTH = {**FAST, "client_id": "id", "client_secret": "s3cret"}


def fixture(carrier: str, name: str) -> Path:
    return FIXTURES / carrier / f"{name}.json"


def ups() -> tuple[dict[str, object], tuple[str, ...], Router]:
    routes = (
        Router()
        .add("POST /security/v1/oauth/token", reply_file(fixture("ups", "token")), shared=True)
        .add("GET /api/track/v1/details/{number}", reply_file(fixture("ups", "in_transit")))
    )
    return OAUTH, ("1Z999AA10123456784", "1Z5R89390357567127"), routes


def fedex() -> tuple[dict[str, object], tuple[str, ...], Router]:
    routes = (
        Router()
        .add("POST /oauth/token", reply_file(fixture("fedex", "token")), shared=True)
        .add("POST /track/v1/trackingnumbers", reply_file(fixture("fedex", "batch_mixed")))
    )
    return OAUTH, ("794843185271", "123456789012"), routes


def usps() -> tuple[dict[str, object], tuple[str, ...], Router]:
    routes = (
        Router()
        .add("POST /oauth2/v3/token", reply_file(fixture("usps", "token")), shared=True)
        .add("GET /tracking/v3/tracking/{number}", reply_file(fixture("usps", "in_transit")))
    )
    return OAUTH, ("9400109104250532908587", "9400109104250532908594"), routes


def dhl() -> tuple[dict[str, object], tuple[str, ...], Router]:
    routes = Router().add(
        "GET /track/shipments?trackingNumber={number}", reply_file(fixture("dhl", "in_transit_eta"))
    )
    return {**FAST, "api_key": "k3y"}, ("1234567890", "JD014600006281230704"), routes


def easypost() -> tuple[dict[str, object], tuple[str, ...], Router]:
    tracker = reply_file(fixture("easypost", "in_transit"))
    routes = Router().add("POST /v2/trackers", tracker).add("GET /v2/trackers/{id}", tracker)
    return {**FAST, "api_key": "EZTK_test"}, ("9400110898825022579493", "EZ2000000002"), routes


def aftership() -> tuple[dict[str, object], tuple[str, ...], Router]:
    path = importlib.import_module("carriers.aftership").API_PATH
    tracking = reply_file(fixture("aftership", "in_transit"))
    routes = (
        Router()
        .add(f"POST {path}/trackings", tracking)
        .add(f"GET {path}/trackings/{{id}}", tracking)
    )
    return (
        {**FAST, "api_key": "asat_test"},
        ("1Z999AA10123456784", "9400110898825022579493"),
        routes,
    )


def shippo() -> tuple[dict[str, object], tuple[str, ...], Router]:
    routes = Router().add(
        "GET /tracks/{carrier}/{number}", reply_file(fixture("shippo", "transit"))
    )
    config = {**FAST, "api_token": "shippo_live_x", "default_carrier": "usps"}
    return config, ("9205590164917312751089", "92055901649173127510"), routes


def demo() -> tuple[dict[str, object], tuple[str, ...], Router]:
    return {}, ("DEMO1001", "DEMO1003", "DEMO1004", "DEMO1008"), Router()


Sample = Callable[[], tuple[dict[str, object], tuple[str, ...], Router]]

#: carrier module -> (config, numbers, routes), and for aggregators a carrier to route.
SAMPLES: dict[str, tuple[Sample, str | None]] = {
    "ups": (ups, None),
    "fedex": (fedex, None),
    "usps": (usps, None),
    "dhl": (dhl, None),
    "demo": (demo, None),
    "easypost": (easypost, "ontrac"),
    "aftership": (aftership, "ontrac"),
    "shippo": (shippo, "royal_mail"),
}

SHIPPED = sorted(info.name for info in pkgutil.iter_modules(carriers.__path__))


def spec_for(name: str) -> AdapterSpec:
    if name not in SAMPLES:
        if not (FIXTURES / name).is_dir():
            pytest.skip(f"carriers/{name}.py has no recorded fixtures in fixtures/{name}/ yet")
        pytest.fail(f"carriers/{name}.py has no sample in SAMPLES of {__name__}: add one")
    sample, routed = SAMPLES[name]
    config, numbers, routes = sample()
    module = importlib.import_module(f"carriers.{name}")
    return AdapterSpec(module, config, numbers, routes, routed_carrier=routed)


def checks_named(name: str) -> tuple[Check, ...]:
    routed = SAMPLES[name][1] if name in SAMPLES else None
    return CHECKS + (AGGREGATOR_CHECKS if routed is not None else ())


CASES = [
    pytest.param(name, check, id=f"{name}-{check}")
    for name in SHIPPED
    for check in checks_named(name)
]


@pytest.mark.parametrize(("name", "check"), CASES)
def test_conformance(name: str, check: Check) -> None:
    check.run(spec_for(name))


def test_every_shipped_adapter_is_checked() -> None:
    assert {"ups", "fedex", "usps", "dhl", "demo"} <= set(SHIPPED)
