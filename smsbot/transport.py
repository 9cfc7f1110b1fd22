"""Calling carriers: error mapping, request budgets and OAuth token caching.

Adapters reach these through `smsbot.tracking`, which re-exports them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from smsbot.errors import (
    CarrierAuthError,
    CarrierRateLimited,
    CarrierResponseError,
    CarrierTimeout,
    CarrierUnavailable,
)

log = logging.getLogger("smsbot.transport")

Clock = Callable[[], float]


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def rate_limit_wait(headers: httpx.Headers, *, now: float | None = None) -> float | None:
    """Seconds to wait before the next call, from the rate-limit headers of an answer.

    `Retry-After` first; else `X-RateLimit-Reset` (or `RateLimit-Reset`), a Unix time
    (AfterShip, Shippo) or, when small, seconds from now. None when no header says.
    """
    retry_after = parse_retry_after(headers.get("Retry-After"), now=now)
    if retry_after is not None:
        return retry_after
    reset = headers.get("X-RateLimit-Reset") or headers.get("RateLimit-Reset")
    if not reset:
        return None
    try:
        value = float(reset.strip())
    except ValueError:
        return None
    current = time.time() if now is None else now
    # A Unix time is far beyond any sensible delay; a delay is small.
    return max(0.0, value - current) if value > 1_000_000_000 else max(0.0, value)


def quota_exhausted(headers: httpx.Headers) -> bool:
    """Whether the answer says no calls are left in this window (`X-RateLimit-Remaining: 0`)."""
    remaining = headers.get("X-RateLimit-Remaining") or headers.get("RateLimit-Remaining")
    return remaining is not None and remaining.strip() == "0"


class RequestBudget:
    """A carrier's request budget: concurrent calls, calls per second, and 429 pauses.

    Once the carrier answers 429, every call fails fast with `CarrierRateLimited` until the
    carrier's `Retry-After` has passed (default 60 s when it sends none).
    """

    def __init__(
        self,
        carrier: str,
        max_concurrency: int,
        requests_per_second: float,
        *,
        clock: Clock = time.monotonic,
    ) -> None:
        self.carrier = carrier
        self.max_concurrency = max_concurrency
        self.requests_per_second = requests_per_second
        self._clock = clock
        self._slots = asyncio.Semaphore(max_concurrency)
        self._spacing = 1.0 / requests_per_second
        self._next_start = 0.0
        self._paused_until = 0.0

    def pause(self, seconds: float | None) -> None:
        """Stop calling the carrier for `seconds` (60 when unknown)."""
        wait = 60.0 if seconds is None else seconds
        self._paused_until = max(self._paused_until, self._clock() + wait)

    def paused_for(self) -> float:
        """Seconds left before the carrier may be called again (0 when it may)."""
        return max(0.0, self._paused_until - self._clock())

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one request slot, spaced to the rate; fail fast while paused."""
        self._raise_if_paused()
        async with self._slots:
            now = self._clock()
            start = max(now, self._next_start)
            self._next_start = start + self._spacing
            if start > now:
                await asyncio.sleep(start - now)
            self._raise_if_paused()
            yield

    def _raise_if_paused(self) -> None:
        left = self.paused_for()
        if left > 0:
            raise CarrierRateLimited(
                self.carrier, f"rate-limited, next call allowed in {left:.0f} s", left
            )


async def send(
    http: httpx.AsyncClient, budget: RequestBudget, request: httpx.Request
) -> httpx.Response:
    """Send `request` inside `budget`; map transport failures and 429 to `CarrierError`.

    Other HTTP statuses are left to the caller (see `check_status`).
    """
    carrier = budget.carrier
    async with budget.slot():
        try:
            response = await http.send(request)
        except httpx.TimeoutException as exc:
            raise CarrierTimeout(carrier, f"no answer in time ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            raise CarrierUnavailable(carrier, f"cannot connect ({type(exc).__name__})") from exc
    if response.status_code == 429:
        retry_after = rate_limit_wait(response.headers)
        budget.pause(retry_after)
        raise CarrierRateLimited(carrier, "rate-limited by the carrier (HTTP 429)", retry_after)
    if quota_exhausted(response.headers):
        # This answer is good, but the next call would be refused: wait for the reset.
        budget.pause(rate_limit_wait(response.headers))
    return response


def check_status(response: httpx.Response, carrier: str) -> None:
    """Raise the `CarrierError` for a failed HTTP status (401/403, 429, 5xx, other 4xx)."""
    code = response.status_code
    if code < 400:
        return
    if code in (401, 403):
        log.error("%s refused our credentials (HTTP %d)", carrier, code)
        raise CarrierAuthError(carrier, f"credentials refused (HTTP {code})")
    if code == 429:
        retry_after = rate_limit_wait(response.headers)
        raise CarrierRateLimited(carrier, "rate-limited by the carrier (HTTP 429)", retry_after)
    if code >= 500:
        raise CarrierUnavailable(carrier, f"server error (HTTP {code})")
    raise CarrierResponseError(carrier, f"unexpected HTTP {code}")


def read_json(response: httpx.Response, carrier: str) -> Any:
    """The response's JSON body, or `CarrierResponseError` when it is not JSON."""
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CarrierResponseError(
            carrier, f"answer is not JSON (HTTP {response.status_code})"
        ) from exc


def parse_expires_in(value: object, carrier: str) -> float:
    """A token lifetime in seconds; carriers send it as a number or a string."""
    if isinstance(value, bool):
        raise CarrierResponseError(carrier, f"token expires_in is not a number: {value!r}")
    try:
        seconds = float(value)  # type: ignore[arg-type]  # validated by the except below
    except (TypeError, ValueError) as exc:
        raise CarrierResponseError(carrier, f"token expires_in is not a number: {value!r}") from exc
    return seconds


async def fetch_token(
    http: httpx.AsyncClient, budget: RequestBudget, request: httpx.Request
) -> tuple[str, float]:
    """Send an OAuth client-credentials `request`; return `(access_token, lifetime_s)`.

    Refused credentials (400 `invalid_client`/`invalid_grant`, 401, 403) raise
    `CarrierAuthError` naming only the OAuth error code, never the secret.
    """
    carrier = budget.carrier
    response = await send(http, budget, request)
    if response.status_code in (400, 401, 403):
        try:
            error = response.json().get("error")
        except (ValueError, AttributeError):
            error = None
        reason = error if isinstance(error, str) else f"HTTP {response.status_code}"
        log.error("%s refused our credentials when asked for a token (%s)", carrier, reason)
        raise CarrierAuthError(carrier, f"no token could be had ({reason})")
    check_status(response, carrier)
    payload = read_json(response, carrier)
    token = payload.get("access_token") if isinstance(payload, dict) else None
    if not isinstance(token, str) or not token:
        raise CarrierResponseError(carrier, "the token answer has no access_token")
    return token, parse_expires_in(payload.get("expires_in"), carrier)


TokenFetcher = Callable[[], Awaitable[tuple[str, float]]]


class TokenCache:
    """An OAuth access token, fetched once and reused until shortly before it expires.

    `fetch()` returns `(token, lifetime_s)`. Concurrent callers share one refresh.
    """

    def __init__(
        self,
        fetch: TokenFetcher,
        *,
        margin_s: float = 120.0,
        clock: Clock = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._margin = margin_s
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()
        self.fetches = 0  # how many tokens were fetched: operators and tests read it

    async def token(self) -> str:
        """A valid token, refreshing it first when it is missing or about to expire."""
        token = self._current()
        if token is not None:
            return token
        async with self._lock:
            token = self._current()  # another caller may have refreshed it meanwhile
            if token is None:
                token, lifetime = await self._fetch()
                self.fetches += 1
                self._token = token
                self._expires_at = self._clock() + max(0.0, lifetime - self._margin)
            return token

    async def send(
        self,
        http: httpx.AsyncClient,
        budget: RequestBudget,
        build: Callable[[str], httpx.Request],
    ) -> httpx.Response:
        """Send the request `build(token)` makes; on a 401, refresh the token and retry once.

        Carriers can revoke a token before its `expires_in`; a second 401 is the caller's
        to map (`check_status` makes it a `CarrierAuthError`).
        """
        token = await self.token()
        response = await send(http, budget, build(token))
        if response.status_code == 401:
            self.invalidate(token)
            response = await send(http, budget, build(await self.token()))
        return response

    def invalidate(self, token: str) -> None:
        """Forget `token` after the carrier refused it (unless it was already replaced)."""
        if self._token == token:
            self._token = None
            self._expires_at = 0.0

    def _current(self) -> str | None:
        if self._token is not None and self._clock() < self._expires_at:
            return self._token
        return None
