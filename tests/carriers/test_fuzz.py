"""No adapter raises anything but the `CarrierError` family, whatever a carrier answers
(issue 13, "Done when"): random JSON shapes, recorded payloads with parts replaced by wrong
types or removed, truncated bodies and garbage, under any status code, through each
adapter's public `track()` (and `parse_push` for the aggregators).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carriers import aftership, dhl, easypost, fedex, shippo, ups, usps
from smsbot.errors import CarrierError
from smsbot.tracking import CarrierConfig, TrackingResult

FIXTURES = Path(__file__).parent / "fixtures"
TOKEN_PATHS = ("/security/v1/oauth/token", "/oauth/token", "/oauth2/v3/token")
TOKEN = {"access_token": "t0k3n", "token_type": "Bearer", "expires_in": 3599}

ADAPTERS: dict[str, tuple[Any, dict[str, Any], str]] = {
    "ups": (ups, {"client_id": "id", "client_secret": "s"}, "1Z999AA10123456784"),
    "fedex": (fedex, {"client_id": "id", "client_secret": "s"}, "794843185271"),
    "usps": (usps, {"client_id": "id", "client_secret": "s"}, "9400109104250532908587"),
    "dhl": (dhl, {"api_key": "k"}, "1234567890"),
    "easypost": (easypost, {"api_key": "k"}, "EZ2000000002"),
    "aftership": (aftership, {"api_key": "k"}, "7023210039414604"),
    "shippo": (shippo, {"api_token": "shippo_live_k", "default_carrier": "usps"}, "92055901"),
}

json_leaf = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**40), max_value=2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=24)
    | st.sampled_from(["", "2024-11-20T09:05:00", "2024-13-45T99:99", "Delivered", "DL", "X"])
    | st.sampled_from(["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "NY", "96813"])
    | st.sampled_from(["0001-01-01T00:30:00", "9999-12-31T23:30:00", "US", "Hawaii", "HI"])
)
json_values = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=16,
)


def fixtures_of(name: str) -> list[bytes]:
    return [path.read_bytes() for path in sorted((FIXTURES / name).glob("*.json"))]


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place inside a JSON document, for replacing or removing what is there."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, inner in value.items():
            found += paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += paths(inner, (*prefix, index))
    return found


def mutate(document: Any, where: tuple[Any, ...], new: Any, remove: bool) -> Any:
    parent = document
    for step in where[:-1]:
        parent = parent[step]
    last = where[-1]
    if remove and isinstance(parent, dict):
        del parent[last]
    else:
        parent[last] = new
    return document


@st.composite
def bodies(draw: st.DrawFn, carrier: str) -> bytes:
    """A response body: a recorded payload bent out of shape, random JSON, or a cut."""
    recorded = draw(st.sampled_from(fixtures_of(carrier)))
    kind = draw(st.sampled_from(["mutated", "mutated", "random", "truncated", "garbage"]))
    if kind == "random":
        return json.dumps(draw(json_values)).encode()
    if kind == "truncated":
        return recorded[: draw(st.integers(0, max(0, len(recorded) - 1)))]
    if kind == "garbage":
        return draw(st.binary(max_size=64))
    document = json.loads(recorded)
    for _ in range(draw(st.integers(1, 4))):
        places = paths(document)
        if not places:
            break
        where = draw(st.sampled_from(places))
        document = mutate(document, where, draw(json_values), draw(st.booleans()))
    return json.dumps(document).encode()


def make(name: str, body: bytes, status: int) -> Any:
    module, values, _number = ADAPTERS[name]

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path in TOKEN_PATHS:
            return httpx.Response(200, json=TOKEN)
        return httpx.Response(status, content=body, headers={"Content-Type": "application/json"})

    config = CarrierConfig(name, {**values, "requests_per_second": 10_000}, environ={})
    return module.create(config, httpx.AsyncClient(transport=httpx.MockTransport(answer)))


def track_only_carrier_errors(name: str, body: bytes, status: int) -> None:
    number = ADAPTERS[name][2]

    async def run() -> Mapping[str, TrackingResult] | None:
        adapter = make(name, body, status)
        try:
            results: Mapping[str, TrackingResult] = await adapter.track([number])
        except CarrierError:
            return None
        return results

    results = asyncio.run(run())
    if results is not None:
        assert all(isinstance(result, TrackingResult) for result in results.values())


STATUSES = st.sampled_from([200, 200, 200, 201, 400, 401, 403, 404, 409, 422, 429, 500, 503])
FUZZ = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


@pytest.mark.parametrize("name", list(ADAPTERS))
def test_track_raises_only_carrier_errors(name: str) -> None:
    @FUZZ
    @given(body=bodies(name), status=STATUSES)
    def check(body: bytes, status: int) -> None:
        track_only_carrier_errors(name, body, status)

    check()


PUSHES = {
    "easypost": "result",
    "aftership": "msg",
    "shippo": "data",
}


@pytest.mark.parametrize("name", list(PUSHES))
def test_parse_push_raises_only_carrier_errors(name: str) -> None:
    adapter = make(name, b"", 200)
    wrapper = PUSHES[name]

    @FUZZ
    @given(inner=bodies(name), outer=json_values, how=st.sampled_from(["wrapped", "raw"]))
    def check(inner: bytes, outer: Any, how: str) -> None:
        if how == "wrapped":
            try:
                payload: Any = json.loads(inner)
            except ValueError:
                payload = outer
            event = {"description": "tracker.updated", "event": "track_updated", wrapper: payload}
            body = json.dumps(event).encode()
        else:
            body = inner
        try:
            results = adapter.parse_push({}, body)
        except CarrierError:
            return
        assert isinstance(results, list)
        assert all(isinstance(result, TrackingResult) for result in results)

    check()
