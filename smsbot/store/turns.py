"""One inbound message's store work in two calls: `open_turn` and `close_turn`.

A message on the cached path used to make seven store calls (claim, rate window and session,
lockout and lookup window, the order, the cache, the session, the finish). Each call is a
trip to the store's thread and each write a commit, so the fixed cost per message was
mostly the store. Here the same work is two short transactions, each committed inside one
call with nothing that can pause in between:

- `open_turn(TurnStart)`: claim the MessageSid with a lease (or take over one whose
  lease ran out), record a STOP/START in the same transaction, count the message, read the
  lockout and the session, and then what the route will need (`Lookup`, decided from the
  session by the caller's `plan`): the order, whether the sender is verified for it, its
  cached tracking, and one lookups-per-hour hit.
- `close_turn(TurnEnd)`: the session write, the redaction and the finish together.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from smsbot.orders.model import Order
from smsbot.store.records import CachedTracking, Session, Verdict

#: (carrier, tracking number)
TrackingKey = tuple[str, str]


class Claim(StrEnum):
    """What the claim of a MessageSid found."""

    NEW = "new"  # never seen: answer it
    TAKEN_OVER = "taken_over"  # seen, unfinished, its lease ran out (a crash): answer it now
    IN_PROGRESS = "in_progress"  # another answerer holds the lease: wait for its reply
    FINISHED = "finished"  # answered before: give the same reply again

    @property
    def mine(self) -> bool:
        """Whether this caller now answers the message."""
        return self in (Claim.NEW, Claim.TAKEN_OVER)


@dataclass(frozen=True)
class Lookup:
    """What a message's route will read, decided from its session before anything is read.

    `order`: an order number to read, with whether the sender is verified for it and the
    cached tracking of its shipments. `count`: count one lookups-per-hour hit now (unless
    the sender is locked out), as `hit_lookup_limit` would.
    """

    order: str | None = None
    count: bool = False


NO_LOOKUP = Lookup()


@dataclass(frozen=True)
class TurnStart:
    """Everything `open_turn` needs. `opt_out`: True for STOP, False for START, None
    otherwise (an opt message is recorded, never counted). `plan` is called once, inside the
    transaction, with the session: it must be a pure, quick function."""

    sid: str
    key: str
    channel: str
    sender: str
    body: str
    received_at: datetime
    lease_until: datetime
    phone: str | None = None
    opt_out: bool | None = None
    limit: int = 0
    window_s: float = 60.0
    lookup_limit: int = 0
    lookup_window_s: float = 3600.0
    plan: Callable[[Session], Lookup] | None = None


@dataclass(frozen=True)
class TurnOpening:
    """What `open_turn` found. Only a claim that is `mine` carries the rest.

    `verdict`: the messages-per-minute verdict (None for an opt message). `counted`: the
    plan asked for a lookups-per-hour hit; `lookup` is its verdict, None when the sender is
    locked out (nothing counted; see `locked_until`). `read_order`: the order number the plan
    asked for (`order` None: no such order), None when it asked for none.
    """

    claim: Claim
    reply: str | None = None
    verdict: Verdict | None = None
    session: Session = field(default_factory=Session)
    locked_until: datetime | None = None
    counted: bool = False
    lookup: Verdict | None = None
    read_order: str | None = None
    order: Order | None = None
    verified: bool = False
    tracking: Mapping[TrackingKey, CachedTracking | None] = field(default_factory=dict)


@dataclass(frozen=True)
class TurnEnd:
    """The end of a claimed message: the answer, and the session to keep (None: keep the
    stored one). `redact`: the body was a postal-code answer."""

    sid: str
    intent: str
    reply: str | None
    latency_ms: float
    redact: bool = False
    session: Session | None = None
    channel: str = ""
    key: str = ""
    now: datetime | None = None
    ttl_s: float = 0.0


class TurnStore(Protocol):
    """A message's store work in two transactions (see the module docstring)."""

    async def open_turn(self, start: TurnStart, now: datetime) -> TurnOpening:
        """Claim `start.sid` and read what answering it needs, in one transaction.

        The claim is NEW when the sid was never seen, TAKEN_OVER when it was claimed, not
        finished and its lease ended before `now` (the claimer crashed or gave up); either
        way the lease is set to `start.lease_until` and an opt-out is recorded in this same
        transaction. FINISHED carries the stored reply; IN_PROGRESS nothing. An empty sid
        (a message without one, e.g. from `smsbot text`) claims and logs nothing: NEW.
        """
        ...

    async def close_turn(self, end: TurnEnd) -> None:
        """Save the session (when given), redact the body (when asked) and record the
        answer of a claimed message, in one transaction. An unclaimed sid is logged as a
        warning; an empty one records only the session."""
        ...
