"""Garbage and drifted payloads: an adapter must answer them with valid results or a
`CarrierError`, never a KeyError or a TypeError."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

from smsbot.errors import CarrierError
from smsbot.testing.router import Reply
from smsbot.testing.spec import AdapterSpec, answers_problems, track_with

_REMOVE = object()


def _paths(node: object, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Every value's path inside a JSON document, parents before children."""
    items: list[tuple[str | int, object]] = []
    if isinstance(node, dict):
        items = list(node.items())
    elif isinstance(node, list):
        items = list(enumerate(node[:2]))  # list items share a shape: two stand for all
    for key, child in items:
        yield (*prefix, key)
        yield from _paths(child, (*prefix, key))


def _label(path: tuple[str | int, ...]) -> str:
    return "".join(f"[{key}]" if isinstance(key, int) else f".{key}" for key in path).lstrip(".")


def _changed(payload: object, path: tuple[str | int, ...], value: object) -> object:
    copy = json.loads(json.dumps(payload))  # a deep copy of plain JSON
    parent = copy
    for key in path[:-1]:
        parent = parent[key]
    if value is _REMOVE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return copy


def drifted(payload: object) -> Iterator[tuple[str, object]]:
    """`payload` with one value removed, set to null, or of another type, in turn."""
    for path in _paths(payload):
        parent = payload
        for key in path:
            parent = parent[key]  # type: ignore[index]  # the path came from this document
        wrong = {str: 12345, dict: [], list: {}, type(None): {}}.get(type(parent), "x")
        changes = [("removed", _REMOVE), (f"turned into {json.dumps(wrong)}", wrong)]
        if parent is not None:
            changes.append(("set to null", None))
        for how, value in changes:
            yield f"{_label(path)} {how}", _changed(payload, path, value)


#: Bodies no carrier means, served with the route's own status.
GARBAGE: tuple[tuple[str, bytes], ...] = (
    ("an HTML page", b"<html><body>Service Unavailable</body></html>"),
    ("an empty body", b""),
    ("null", b"null"),
    ("an empty list", b"[]"),
    ("an empty object", b"{}"),
    ("a bare string", b'"ok"'),
)

#: Most reported problems per check; the rest are counted.
MAX_REPORTED = 5


def _variants(reply: Reply) -> Iterator[tuple[str, bytes]]:
    yield from GARBAGE
    yield "a truncated copy", reply.content[: len(reply.content) // 2]
    try:
        payload = json.loads(reply.content)
    except ValueError:
        return
    for how, changed in drifted(payload):
        yield f"the recorded payload with {how}", json.dumps(changed).encode()


async def check_payload_drift(spec: AdapterSpec) -> None:
    """Garbage and drifted payloads (a value missing, null or of another type) give valid
    results or a `CarrierError` (`CarrierResponseError`), never KeyError or TypeError."""
    problems: list[str] = []
    asked = spec.routes.fresh()
    await track_with(spec, asked, spec.numbers[:1])
    for route in spec.routes.routes:
        if not asked.hits[route.pattern] or not isinstance(route.answer, Reply):
            continue  # drift only what the adapter reads when it tracks a number
        for how, body in _variants(route.answer):
            router = spec.routes.with_answer(route.pattern, replace(route.answer, content=body))
            where = f"when {route.pattern} answers {how}"
            try:  # one number: parsing is what drifts, and no budget spacing slows it
                _, results = await track_with(spec, router, spec.numbers[:1])
            except CarrierError:
                continue
            except AssertionError:
                raise
            except Exception as exc:
                problems.append(
                    f"{where}, track raised {type(exc).__name__}: {exc} (raise "
                    "CarrierResponseError for a payload it cannot read; leave out optional parts)"
                )
                continue
            answered = answers_problems(results, spec.numbers[:1], spec.carrier)
            problems += [f"{where}: {problem}" for problem in answered]
    shown = "; ".join(problems[:MAX_REPORTED])
    more = f" (and {len(problems) - MAX_REPORTED} more)" if len(problems) > MAX_REPORTED else ""
    assert not problems, f"{len(problems)} drifted payload(s) break the adapter: {shown}{more}"
