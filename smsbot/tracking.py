"""The adapter SDK: the tracking vocabulary, the adapter contract, and the tools adapters share.

This is the only smsbot module a carrier adapter imports (besides `smsbot.errors`); a test
enforces it, and another pins `__all__`. An adapter module exposes
`create(config, http) -> CarrierAdapter`.

The vocabulary lives in `smsbot.results` and the HTTP tools in `smsbot.transport`; both are
re-exported here. The imports run one way: results <- errors <- transport <- tracking.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import os
import re
import unicodedata
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol, runtime_checkable

import httpx

from smsbot.errors import CarrierError, CarrierResponseError, ConfigError
from smsbot.results import (
    CARRIER_LOCAL,
    FINAL_STATUSES,
    DelayReason,
    Eta,
    Event,
    Problem,
    Status,
    TrackingResult,
    carrier_local,
    country_code,
    is_carrier_local,
    sanitized,
    zone_for,
)
from smsbot.transport import (
    RequestBudget,
    TokenCache,
    check_status,
    fetch_token,
    parse_expires_in,
    parse_retry_after,
    rate_limit_wait,
    read_json,
    send,
)

__all__ = [
    "CARRIER_LOCAL",
    "DEFAULT_BATCH_SIZE",
    "FINAL_STATUSES",
    "AdapterFactory",
    "AggregatorAdapter",
    "CarrierAdapter",
    "CarrierConfig",
    "CheckableAdapter",
    "DelayReason",
    "Eta",
    "Event",
    "Problem",
    "PushAdapter",
    "RequestBudget",
    "Status",
    "TokenCache",
    "TrackingResult",
    "UnknownCodeLog",
    "batch_size_of",
    "carrier_local",
    "check_status",
    "country_code",
    "fetch_token",
    "format_place",
    "is_carrier_local",
    "parse_expires_in",
    "parse_retry_after",
    "parse_timestamp",
    "push_document",
    "rate_limit_wait",
    "read_json",
    "sanitized",
    "send",
    "signature_matches",
    "track_each",
    "zone_for",
]

#: How many numbers the gateway hands one `track` call when the adapter does not say.
#: An adapter that asks one number per request (`track_each`) keeps this default: it gets
#: up to 10 numbers a call and asks them concurrently, spaced by its `RequestBudget`.
DEFAULT_BATCH_SIZE = 10


_LONG_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_timestamp(text: str) -> datetime:
    """Parse an ISO-8601 timestamp; one without an offset is carrier-local time.

    `Z` and fractions finer than microseconds (DHL sends nanoseconds) are accepted.
    Raises ValueError for text that is not a timestamp.
    """
    parsed = datetime.fromisoformat(_LONG_FRACTION.sub(r"\1", text.strip()))
    return parsed if parsed.tzinfo is not None else carrier_local(parsed)


def format_place(*parts: str | None) -> str | None:
    """Join the non-empty parts of a place ("Memphis", "TN") into "Memphis, TN"."""
    cleaned = [part.strip() for part in parts if part and part.strip()]
    return ", ".join(cleaned) or None


@runtime_checkable
class CarrierAdapter(Protocol):
    """A carrier adapter: what `create(config, http)` returns.

    Optional attribute `batch_size: int`: the most numbers one `track` call is handed,
    the carrier's per-request limit for an API that takes many (FedEx: 30). Without it,
    `DEFAULT_BATCH_SIZE`. It must be a whole number >= 1 (checked when the adapter is
    loaded); read it with `batch_size_of(adapter)`. (Not a Protocol member: an optional
    member would make every adapter declare it.)
    """

    name: str  # the config table's name: "ups"
    display_name: str  # how replies name the carrier: "UPS"

    async def track(self, numbers: Sequence[str]) -> Mapping[str, TrackingResult]:
        """Track `numbers` (batched where the carrier allows), one result per number asked.

        Raises a `CarrierError` subclass when the call fails as a whole.
        """
        ...


def batch_size_of(adapter: object) -> int:
    """The adapter's `batch_size`, or `DEFAULT_BATCH_SIZE` when it declares none.

    Raises ValueError for a value that is not a whole number >= 1 (the registry turns it
    into an `AdapterError` at load time, so later callers never see it).
    """
    size = getattr(adapter, "batch_size", DEFAULT_BATCH_SIZE)
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"adapter.batch_size must be a whole number >= 1, not {size!r}")
    return size


@runtime_checkable
class AggregatorAdapter(CarrierAdapter, Protocol):
    """An adapter for many carriers behind one key (EasyPost, AfterShip, Shippo).

    `[routing]` sends carriers without an adapter of their own through one of these.
    """

    async def track_for(self, carrier: str, numbers: Sequence[str]) -> Mapping[str, TrackingResult]:
        """Track `numbers` of `carrier`, smsbot's name for it ("ontrac", "canada_post").

        The adapter translates the name into its own carrier code (its built-in table,
        overridden by a `codes` table in its config); results carry `carrier` = the
        adapter's name and `service_carrier` = the carrier it was asked about.
        """
        ...


@runtime_checkable
class PushAdapter(Protocol):
    """An adapter that understands its carrier's pushed updates (optional, beside `track`).

    `POST /hooks/<name>` verifies and parses pushes with these, then acts on them like a
    fresh poll.

    Both methods are pure: no I/O, so they are tested on recorded payloads like `parse_*`.
    """

    def verify_push(self, headers: Mapping[str, str], body: bytes) -> bool:
        """Whether the request really comes from the carrier (its signature, its token).

        `headers` are lower-case. Compare secrets with `hmac.compare_digest`.
        """
        ...

    def parse_push(self, headers: Mapping[str, str], body: bytes) -> list[TrackingResult]:
        """The tracking results in a verified payload (one per number it is about).

        Raises ValueError (or a `CarrierResponseError`) for a payload it cannot read.
        """
        ...


@runtime_checkable
class CheckableAdapter(Protocol):
    """An adapter that can prove its credentials work (`smsbot check` calls it)."""

    async def check(self) -> str:
        """Exercise the credentials (e.g. fetch a token); a short verdict, or CarrierError."""
        ...


class AdapterFactory(Protocol):
    """The `create` function every adapter module exposes."""

    def __call__(self, config: CarrierConfig, http: httpx.AsyncClient) -> CarrierAdapter: ...


@dataclass(frozen=True)
class CarrierConfig:
    """One `[carriers.<name>]` table, with typed accessors whose errors name the key.

    Secrets may also come from the environment; `environ` is injectable for tests.
    """

    name: str
    values: Mapping[str, Any]
    source: str = "config"
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))

    def _key(self, key: str) -> str:
        return f"carriers.{self.name}.{key}"

    def _error(self, key: str, message: str) -> ConfigError:
        return ConfigError(message, source=self.source, key=self._key(key))

    def string(self, key: str, default: str | None = None) -> str:
        """A string value; missing without a default is an error."""
        value = self.values.get(key, default)
        if value is None:
            raise self._error(key, "is required")
        if not isinstance(value, str):
            raise self._error(key, f"must be a string, not {type(value).__name__}")
        return value

    def secret(self, key: str, env: str) -> str:
        """A secret from the table, else from environment variable `env`."""
        value = self.values.get(key) or self.environ.get(env)
        if not value:
            raise self._error(key, f"is required (or set the environment variable {env})")
        if not isinstance(value, str):
            raise self._error(key, "must be a string")
        return value

    def optional_secret(self, key: str, env: str) -> str | None:
        """A secret from the table, else from environment variable `env`; None when unset
        (a feature that needs it, such as verifying pushes, is then off)."""
        value = self.values.get(key) or self.environ.get(env)
        if value is not None and not isinstance(value, str):
            raise self._error(key, "must be a string")
        return value or None

    def number(self, key: str, default: float) -> float:
        """A positive number (int or float)."""
        value = self.values.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise self._error(key, f"must be a positive number, not {value!r}")
        return float(value)

    def flag(self, key: str, default: bool) -> bool:
        """A boolean."""
        value = self.values.get(key, default)
        if not isinstance(value, bool):
            raise self._error(key, f"must be true or false, not {value!r}")
        return value

    def table(self, key: str) -> dict[str, str]:
        """A table of strings, e.g. `codes = { ontrac = "OnTrac" }`; empty when absent."""
        value = self.values.get(key, {})
        if not isinstance(value, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise self._error(key, f'must be a table of strings ({key} = {{ name = "..." }})')
        return dict(value)

    def base_url(self, default: str) -> str:
        """The API host (scheme and host, optional port), without a trailing slash."""
        value = self.string("base_url", default).rstrip("/")
        url = httpx.URL(value)
        if url.scheme not in ("http", "https") or not url.host:
            raise self._error("base_url", f"must be an http(s) URL, not {value!r}")
        return value

    def budget(self, *, max_concurrency: int, requests_per_second: float) -> RequestBudget:
        """The request budget from `max_concurrency` and `requests_per_second`."""
        concurrency = self.number("max_concurrency", max_concurrency)
        if concurrency != int(concurrency):
            raise self._error("max_concurrency", "must be a whole number")
        rate = self.number("requests_per_second", requests_per_second)
        return RequestBudget(self.name, int(concurrency), rate)


class UnknownCodeLog:
    """Logs each carrier status code an adapter does not map, once per adapter."""

    def __init__(self, carrier: str) -> None:
        self._carrier = carrier
        self._seen: set[str] = set()
        self._log = logging.getLogger(f"smsbot.carriers.{carrier}")

    def note(self, result: TrackingResult) -> None:
        """Log `result`'s code if it was not mapped and has not been logged yet."""
        if result.status is not Status.UNKNOWN or result.status_code in self._seen:
            return
        self._seen.add(result.status_code)
        self._log.warning(
            "%s: unmapped status code %r (%s); replies show the carrier's text",
            self._carrier,
            result.status_code,
            result.status_text,
        )


async def track_each(
    numbers: Sequence[str],
    track_one: Callable[[str], Awaitable[TrackingResult]],
    unknown: UnknownCodeLog | None = None,
) -> dict[str, TrackingResult]:
    """Track each distinct number with its own call, concurrently (the budget spaces them).

    For carriers that take one number per request. Every call finishes first, so none is
    left running; then the first failure is raised as it is (one `CarrierError` per call,
    not a group), carrying the other numbers' results in its `partial`. Unmapped status
    codes are logged through `unknown`.
    """
    wanted = list(dict.fromkeys(numbers))
    outcomes = await asyncio.gather(
        *(track_one(number) for number in wanted), return_exceptions=True
    )
    results: dict[str, TrackingResult] = {}
    failure: BaseException | None = None
    for number, outcome in zip(wanted, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            failure = failure or outcome
            continue
        if unknown is not None:
            unknown.note(outcome)
        results[number] = outcome
    if failure is not None:
        if isinstance(failure, CarrierError):
            failure.partial = results
        raise failure
    return results


def signature_matches(
    secret: str | None,
    message: bytes,
    given: str | None,
    *,
    encoding: Literal["hex", "base64"] = "hex",
    prefix: str = "",
    nfkd: bool = False,
) -> bool:
    """Whether `given` is `prefix` + the HMAC-SHA256 of `message` keyed by `secret`, in
    `encoding`; compared in constant time. False without a secret or a signature. `nfkd`
    normalizes the secret first (EasyPost's client libraries do).
    """
    if not secret or not given:
        return False
    key = (unicodedata.normalize("NFKD", secret) if nfkd else secret).encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    text = digest.hex() if encoding == "hex" else base64.b64encode(digest).decode("ascii")
    return hmac.compare_digest((prefix + text).encode(), given.strip().encode())


def push_document(body: bytes, carrier: str) -> dict[str, Any]:
    """A pushed body as a JSON object; `CarrierResponseError` for anything else."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):  # bad JSON, bad UTF-8, absurd nesting
        raise CarrierResponseError(carrier, "push body is not JSON") from None
    if not isinstance(document, dict):
        raise CarrierResponseError(carrier, "push body is not a JSON object")
    return document
