"""Serving recorded payloads to an adapter through `httpx.MockTransport`: `Router`."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx


class UnroutedRequest(AssertionError):
    """The adapter sent a request that no route of the `Router` serves."""


# Serving recorded payloads


@dataclass(frozen=True)
class Reply:
    """A canned answer: status, body and headers (JSON unless the headers say otherwise)."""

    status: int = 200
    content: bytes = b""
    headers: Mapping[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})

    def response(self) -> httpx.Response:
        return httpx.Response(self.status, content=self.content, headers=dict(self.headers))


def reply_json(data: object, status: int = 200, headers: Mapping[str, str] | None = None) -> Reply:
    """A JSON answer built from `data`."""
    return Reply(
        status, json.dumps(data).encode(), {"Content-Type": "application/json", **(headers or {})}
    )


def reply_file(path: Path, status: int = 200, headers: Mapping[str, str] | None = None) -> Reply:
    """A recorded JSON payload, read now (a missing fixture fails where it is named)."""
    return Reply(status, path.read_bytes(), {"Content-Type": "application/json", **(headers or {})})


#: A computed answer: the request and the values the pattern captured ({"number": ...}).
Responder = Callable[[httpx.Request, Mapping[str, str]], httpx.Response]


@dataclass(frozen=True)
class Route:
    """`pattern` is "METHOD /path/{name}?key={name}"; query keys given must be present."""

    pattern: str
    answer: Reply | Responder
    shared: bool = False  # a credential endpoint (a token): once however many calls run

    def match(self, request: httpx.Request) -> dict[str, str] | None:
        method, _, target = self.pattern.partition(" ")
        path, _, query = target.partition("?")
        if method == "*":  # "* *": every request (the kit breaks routeless adapters so)
            return {}
        if request.method != method.upper():
            return None
        found = re.fullmatch(_template(path), request.url.path)
        if found is None:
            return None
        captured = found.groupdict()
        for key, wanted in httpx.QueryParams(query).multi_items():
            value = request.url.params.get(key)
            part = re.fullmatch(_template(wanted), value) if value is not None else None
            if part is None:
                return None
            captured.update(part.groupdict())
        return captured

    def respond(self, request: httpx.Request, captured: Mapping[str, str]) -> httpx.Response:
        if isinstance(self.answer, Reply):
            return self.answer.response()
        return self.answer(request, captured)


def _template(text: str) -> str:
    """A regex for a path or value template: `{name}` matches one path segment."""
    parts = re.split(r"\{(\w+)\}", text)
    return "".join(
        f"(?P<{part}>[^/]+)" if index % 2 else re.escape(part) for index, part in enumerate(parts)
    )


class Router:
    """Serves requests from routes (first match wins) and records every request it got.

    Use `router.transport()` as an `AsyncClient`'s transport. A request no route serves
    raises `UnroutedRequest` naming it, so a test never passes on an answer nobody chose.
    """

    def __init__(self, routes: Sequence[Route] = ()) -> None:
        self.routes: tuple[Route, ...] = tuple(routes)
        self.requests: list[httpx.Request] = []
        self.hits: Counter[str] = Counter()  # pattern -> requests served

    def add(self, pattern: str, answer: Reply | Responder, *, shared: bool = False) -> Router:
        """Add a route (see `Route`); returns the router, so that calls chain."""
        self.routes = (*self.routes, Route(pattern, answer, shared))
        return self

    def fresh(self) -> Router:
        """The same routes, no recorded requests."""
        return Router(self.routes)

    def with_answer(self, pattern: str, answer: Reply | Responder) -> Router:
        """A fresh copy where the route `pattern` answers `answer` instead."""
        return Router(
            [replace(r, answer=answer) if r.pattern == pattern else r for r in self.routes]
        )

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        for route in self.routes:
            captured = route.match(request)
            if captured is not None:
                self.hits[route.pattern] += 1
                return route.respond(request, captured)
        served = ", ".join(route.pattern for route in self.routes) or "none"
        raise UnroutedRequest(
            f"no route serves {request.method} {request.url.path}"
            f"{'?' + request.url.query.decode() if request.url.query else ''} (routes: {served}); "
            "add one: Router().add('METHOD /path/{number}', reply_file(...))"
        )
