"""Every adapter, every family of answer it can give, each on a fixture written from the
carrier's documented shape, through the adapter's public `track()` (issue 13, "Done when").

A family the carrier cannot express is absent from its row (UPS, FedEx, USPS and DHL have no
"unknown to the aggregator" answer, for instance); the required families are checked to be
present for each adapter.
"""

from __future__ import annotations

import asyncio
import logging

import pytest

from smsbot.errors import (
    CarrierAuthError,
    CarrierError,
    CarrierRateLimited,
    CarrierResponseError,
    CarrierUnavailable,
)
from smsbot.tracking import Problem, Status, TrackingResult, is_carrier_local
from tests.carriers.test_fuzz import ADAPTERS, FIXTURES, make

Expected = Status | Problem | type[CarrierError]

#: family -> (fixture, HTTP status, what it reads as), per adapter.
FAMILIES: dict[str, dict[str, tuple[str, int, Expected]]] = {
    "ups": {
        "label_only": ("manifest_only_type_i", 200, Status.LABEL_CREATED),
        "in_transit": ("in_transit", 200, Status.IN_TRANSIT),
        "out_for_delivery": ("out_for_delivery", 200, Status.OUT_FOR_DELIVERY),
        "delivered": ("delivered", 200, Status.DELIVERED),
        "pickup": ("pickup", 200, Status.AVAILABLE_FOR_PICKUP),
        "attempted": ("attempted", 200, Status.DELIVERY_ATTEMPTED),
        "exception": ("address", 200, Status.EXCEPTION),
        "returns": ("returning", 200, Status.RETURNING),
        "not_found": ("not_found_404", 404, Problem.NOT_FOUND),
        "invalid": ("invalid_number", 400, Problem.INVALID_NUMBER),
        "error_body": ("auth_error", 401, CarrierAuthError),
        "rate_limit": ("rate_limited", 429, CarrierRateLimited),
        "drift": ("schema_drift", 200, CarrierResponseError),
        "unknown": ("unknown_code", 200, Status.UNKNOWN),
    },
    "fedex": {
        "label_only": ("label_created", 200, Status.LABEL_CREATED),
        "in_transit": ("in_transit", 200, Status.IN_TRANSIT),
        "out_for_delivery": ("out_for_delivery", 200, Status.OUT_FOR_DELIVERY),
        "delivered": ("delivered", 200, Status.DELIVERED),
        "pickup": ("available_for_pickup", 200, Status.AVAILABLE_FOR_PICKUP),
        "attempted": ("delivery_attempted", 200, Status.DELIVERY_ATTEMPTED),
        "exception": ("exception_address", 200, Status.EXCEPTION),
        "returns": ("returning", 200, Status.RETURNING),
        "not_found": ("not_found", 200, Problem.NOT_FOUND),
        "error_body": ("error_503", 503, CarrierUnavailable),
        "rate_limit": ("error_429", 429, CarrierRateLimited),
        "drift": ("schema_drift", 200, CarrierResponseError),
        "unknown": ("unknown_code", 200, Status.UNKNOWN),
    },
    "usps": {
        "label_only": ("label_only_150001", 400, Status.LABEL_CREATED),
        "in_transit": ("in_transit", 200, Status.IN_TRANSIT),
        "out_for_delivery": ("out_for_delivery", 200, Status.OUT_FOR_DELIVERY),
        "delivered": ("delivered", 200, Status.DELIVERED),
        "pickup": ("available_for_pickup", 200, Status.AVAILABLE_FOR_PICKUP),
        "attempted": ("attempted", 200, Status.DELIVERY_ATTEMPTED),
        "exception": ("exception_address", 200, Status.EXCEPTION),
        "returns": ("returning", 200, Status.RETURNING),
        "not_found": ("not_found_in_400", 400, Problem.NOT_FOUND),
        "invalid": ("invalid_number", 400, Problem.INVALID_NUMBER),
        "error_body": ("bad_request_other", 400, CarrierResponseError),
        "rate_limit": ("error_429", 429, CarrierRateLimited),
        "drift": ("drifted", 200, CarrierResponseError),
        "unknown": ("unknown_status", 200, Status.UNKNOWN),
    },
    "dhl": {
        "label_only": ("label_created", 200, Status.LABEL_CREATED),
        "in_transit": ("in_transit_eta", 200, Status.IN_TRANSIT),
        "out_for_delivery": ("out_for_delivery", 200, Status.OUT_FOR_DELIVERY),
        "delivered": ("delivered", 200, Status.DELIVERED),
        "pickup": ("available_for_pickup", 200, Status.AVAILABLE_FOR_PICKUP),
        "attempted": ("delivery_attempted", 200, Status.DELIVERY_ATTEMPTED),
        "exception": ("gateway_caps_us", 200, Status.EXCEPTION),
        "returns": ("returning", 200, Status.RETURNING),
        "not_found": ("not_found", 200, Problem.NOT_FOUND),
        "error_body": ("unauthorized", 401, CarrierAuthError),
        "rate_limit": ("rate_limited", 429, CarrierRateLimited),
        "drift": ("drifted", 200, CarrierResponseError),
        "unknown": ("unknown_code", 200, Status.UNKNOWN),
    },
    "easypost": {
        "label_only": ("pre_transit", 200, Status.LABEL_CREATED),
        "in_transit": ("in_transit", 200, Status.IN_TRANSIT),
        "out_for_delivery": ("out_for_delivery", 200, Status.OUT_FOR_DELIVERY),
        "delivered": ("delivered", 200, Status.DELIVERED),
        "pickup": ("available_for_pickup", 200, Status.AVAILABLE_FOR_PICKUP),
        "attempted": ("delivery_attempted", 200, Status.DELIVERY_ATTEMPTED),
        "exception": ("lost", 200, Status.EXCEPTION),
        "returns": ("return_to_sender", 200, Status.RETURNING),
        "not_found": ("unknown", 200, Problem.NOT_FOUND),
        "invalid": ("error_invalid_number", 400, Problem.INVALID_NUMBER),
        "error_body": ("error_server", 503, CarrierUnavailable),
        "rate_limit": ("error_rate_limited", 429, CarrierRateLimited),
        "drift": ("list", 200, CarrierResponseError),
        "unknown": ("unknown_status", 200, Status.UNKNOWN),
    },
    "aftership": {
        "label_only": ("info_received", 200, Status.LABEL_CREATED),
        "in_transit": ("in_transit", 200, Status.IN_TRANSIT),
        "out_for_delivery": ("out_for_delivery", 200, Status.OUT_FOR_DELIVERY),
        "delivered": ("delivered", 200, Status.DELIVERED),
        "pickup": ("available_for_pickup", 200, Status.AVAILABLE_FOR_PICKUP),
        "attempted": ("attempt_fail", 200, Status.DELIVERY_ATTEMPTED),
        "exception": ("exception_address", 200, Status.EXCEPTION),
        "returns": ("returning", 200, Status.RETURNING),
        "not_found": ("not_found", 200, Problem.NOT_FOUND),
        "invalid": ("invalid_number", 400, Problem.INVALID_NUMBER),
        "error_body": ("unauthorized", 401, CarrierAuthError),
        "rate_limit": ("rate_limited", 429, CarrierRateLimited),
        "drift": ("drifted", 200, CarrierResponseError),
        "unknown": ("unknown_tag", 200, Status.UNKNOWN),
        "expired": ("expired", 200, Status.UNKNOWN),
    },
    "shippo": {
        "label_only": ("pre_transit", 200, Status.LABEL_CREATED),
        "in_transit": ("transit", 200, Status.IN_TRANSIT),
        "out_for_delivery": ("out_for_delivery", 200, Status.OUT_FOR_DELIVERY),
        "delivered": ("delivered", 200, Status.DELIVERED),
        "pickup": ("pickup_available", 200, Status.AVAILABLE_FOR_PICKUP),
        "attempted": ("delivery_attempted", 200, Status.DELIVERY_ATTEMPTED),
        "exception": ("package_damaged", 200, Status.EXCEPTION),
        "returns": ("returned", 200, Status.RETURNING),
        "not_found": ("unknown", 200, Problem.NOT_FOUND),
        "invalid": ("error_400_number", 400, Problem.INVALID_NUMBER),
        "error_body": ("error_401", 401, CarrierAuthError),
        "rate_limit": ("error_429", 429, CarrierRateLimited),
        "drift": ("drifted", 200, CarrierResponseError),
        "unknown": ("unknown_with_history", 200, Status.UNKNOWN),
    },
}

#: Payloads with local times without offsets, per adapter.
LOCAL_TIMES = {
    "ups": "in_transit",
    "fedex": "odd_times",
    "usps": "delivered_mailbox_no_offset",
    "dhl": "gateway_caps_us",
    "easypost": "odd_timestamps",
    "aftership": "odd_times",
    "shippo": "odd_timestamps",
}

REQUIRED = {
    "label_only",
    "in_transit",
    "out_for_delivery",
    "delivered",
    "pickup",
    "attempted",
    "exception",
    "returns",
    "not_found",
    "error_body",
    "rate_limit",
}


def answer(name: str, fixture: str, status: int) -> TrackingResult | CarrierError:
    body = (FIXTURES / name / f"{fixture}.json").read_bytes()

    async def run() -> TrackingResult | CarrierError:
        try:
            results = await make(name, body, status).track([ADAPTERS[name][2]])
        except CarrierError as error:
            return error
        (result,) = results.values()
        assert isinstance(result, TrackingResult)
        return result

    logging.disable(logging.WARNING)  # unmapped-code warnings are expected for "unknown"
    try:
        return asyncio.run(run())
    finally:
        logging.disable(logging.NOTSET)


@pytest.mark.parametrize("name", list(FAMILIES))
def test_every_required_family_has_a_fixture(name: str) -> None:
    assert set(FAMILIES[name]) >= REQUIRED, REQUIRED - set(FAMILIES[name])
    assert name in LOCAL_TIMES


CASES = [(name, family, *row) for name, rows in FAMILIES.items() for family, row in rows.items()]


@pytest.mark.parametrize(
    ("name", "family", "fixture", "status", "expected"),
    CASES,
    ids=[f"{c[0]}-{c[1]}" for c in CASES],
)
def test_family(name: str, family: str, fixture: str, status: int, expected: Expected) -> None:
    got = answer(name, fixture, status)
    if isinstance(expected, type):
        assert isinstance(got, expected), got
        return
    assert isinstance(got, TrackingResult), got
    if isinstance(expected, Problem):
        assert got.problem is expected
    else:
        assert got.problem is None
        assert got.status is expected


#: How many events of each LOCAL_TIMES payload are placed in a zone from their place. The
#: rest keep a real offset, are honestly carrier-local (a place that names no zone), or are
#: UTC where the aggregator documents offset-less times as UTC (EasyPost, Shippo).
PLACED = {"ups": 3, "fedex": 2, "usps": 2, "dhl": 2, "easypost": 1, "aftership": 3, "shippo": 0}


@pytest.mark.parametrize("name", list(LOCAL_TIMES))
def test_local_times_without_offsets_are_placed_or_labelled(name: str) -> None:
    got = answer(name, LOCAL_TIMES[name], 200)
    assert isinstance(got, TrackingResult), got
    assert sum(1 for event in got.events if event.zone) == PLACED[name]
    for event in got.events:
        assert event.zone or is_carrier_local(event.time) or event.time.utcoffset() is not None
