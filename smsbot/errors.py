"""The exception tree of smsbot.

    SmsbotError
    ├── ConfigError            a configuration file or key is wrong (names both)
    ├── StoreError             the database cannot be opened, migrated or used
    │   ├── StoreValueError        a value the store cannot keep (naive time, empty MessageSid)
    │   └── SnapshotError          a cached tracking snapshot cannot be read
    ├── OrderFileError         an order file has bad rows (lists every one)
    ├── AdapterError           a carrier adapter cannot be loaded or breaks its contract
    ├── NoAdapterError         no adapter serves a carrier (names it, says how to enable one)
    └── CarrierError           one call to a carrier failed as a whole
        ├── CarrierTimeout         no answer in time
        ├── CarrierUnavailable     connection failure or 5xx
        ├── CarrierRateLimited     429; carries retry_after seconds when the carrier sent it
        ├── CarrierAuthError       401/403 or a token that cannot be had
        └── CarrierResponseError   a payload we cannot read (schema drift, garbage)
    ├── RejectedWork           a queue refused what it was given (the message says why)
    │   ├── MessageRejected        the outbox: bad channel, recipient, key or body
    │   └── AlertRejected          the merchant alerts: an alert without a key
    └── ScaffoldError          `smsbot new-adapter` cannot write an adapter by that name

Facts about one parcel (not found, invalid number) are not errors: adapters return them as
`TrackingResult` values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# The vocabulary imports nothing from smsbot: no cycle (results <- errors <- transport).
from smsbot.results import TrackingResult


class SmsbotError(Exception):
    """Root of every error smsbot raises on purpose."""


class ConfigError(SmsbotError):
    """A configuration problem; the message names the file and the key."""

    def __init__(self, message: str, *, source: str = "", key: str = "") -> None:
        self.source = source
        self.key = key
        where = ": ".join(part for part in (source, key) if part)
        super().__init__(f"{where}: {message}" if where else message)


class StoreError(SmsbotError):
    """The database cannot be opened, migrated or used; the message says which and why."""


class StoreValueError(StoreError, ValueError):
    """The store was handed a value it cannot keep: a naive time, an empty MessageSid, an
    unknown column or state. A bug in the caller, raised before anything is written; also a
    ValueError, which is what it is."""


class SnapshotError(StoreError, ValueError):
    """A cached tracking snapshot cannot be read (bad JSON, unknown version, a bad field).

    The tracking cache treats such a row as absent."""


@dataclass(frozen=True)
class RowProblem:
    """One bad row of an order file."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}" if self.line > 0 else self.reason


class OrderFileError(SmsbotError):
    """An order file was rejected; `problems` names every bad row (line 0: the whole file)."""

    def __init__(self, source: str, problems: Sequence[RowProblem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        rows = [problem for problem in self.problems if problem.line > 0]
        if len(rows) == len(self.problems):
            noun = "row" if len(rows) == 1 else "rows"
            summary = f"{len(rows)} bad {noun}, nothing imported"
        else:
            summary = "cannot be imported"
        lines = "\n".join(f"  {problem}" for problem in self.problems)
        super().__init__(f"{source}: {summary}:\n{lines}")


class AdapterError(SmsbotError):
    """A carrier adapter could not be loaded, or does not keep the adapter contract."""


class NoAdapterError(SmsbotError):
    """No adapter answers for `carrier`: it has no `[carriers.<name>]` table and no route.

    A shipment naming such a carrier is not an error of the call: replies say the carrier
    is not served (`Failure.NO_ADAPTER`), and the watcher looks at it again daily.
    """

    def __init__(self, carrier: str) -> None:
        self.carrier = carrier
        super().__init__(
            f"no adapter serves carrier {carrier!r}: enable one with a [carriers.{carrier}] "
            f"table, or send it through an aggregator in [routing]"
        )


class CarrierError(SmsbotError):
    """A call to a carrier failed as a whole. `carrier` is the adapter name.

    `partial` holds the results of the numbers that were answered before the failure, when
    the adapter asks one number per request (`tracking.track_each` fills it): callers may
    use them and treat only the other numbers as failed.
    """

    def __init__(self, carrier: str, message: str) -> None:
        self.carrier = carrier
        self.partial: dict[str, TrackingResult] = {}
        super().__init__(f"{carrier}: {message}")


class CarrierTimeout(CarrierError):
    """The carrier did not answer in time."""


class CarrierUnavailable(CarrierError):
    """The carrier could not be reached or answered with a server error (5xx)."""


class CarrierRateLimited(CarrierError):
    """The carrier refused the call for rate limiting; `retry_after` is in seconds if known."""

    def __init__(self, carrier: str, message: str, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(carrier, message)


class CarrierAuthError(CarrierError):
    """The carrier refused our credentials (401/403, or no token could be had)."""


class CarrierResponseError(CarrierError):
    """The carrier answered with a payload we cannot read."""


class RejectedWork(SmsbotError):
    """A queue refused what it was given; nothing was recorded."""


class MessageRejected(RejectedWork):
    """The outbox refused a message: a bad channel, recipient number, key or body."""


class AlertRejected(RejectedWork):
    """The merchant alerts refused an alert (one without a key)."""


class ScaffoldError(SmsbotError):
    """A new adapter cannot be written under that name (the message says why)."""
