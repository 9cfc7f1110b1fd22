"""Who may see an order, and how often a sender may ask: the access decisions, in one place.

A sender may see an order when a `Grant` says so: the `none` demo policy, the order's own
phone number, or its postal code given lately (`bot.verify = "phone_or_postal_code"`). A
tracking-link token is the next grant; it goes in `grant`, and every surface that asks
`grant` gets it.

Anti-enumeration: nothing here tells a caller *why* access was refused, and the lockout and
the lookups-per-hour limit count the same whether or not an order exists.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from smsbot.channels.inbound import same_postal_code
from smsbot.config import BotSettings
from smsbot.metrics.instruments import lockout
from smsbot.orders.model import Order
from smsbot.phones import mask, same_number
from smsbot.store import Store, TurnOpening, Verdict

log = logging.getLogger("smsbot.dialog.access")

LOOKUP_WINDOW_S = 3600.0  # bot.max_lookups_per_hour


class Grant(StrEnum):
    """Why a sender may see an order."""

    OPEN = "open"  # bot.verify = "none": the demo policy, anyone may
    PHONE = "phone"  # the sender's number is the order's
    POSTAL_CODE = "postal_code"  # the sender gave the order's postal code lately


class Gate(StrEnum):
    """Whether a sender may look something up now."""

    OPEN = "open"
    LOCKED_OUT = "locked_out"  # too many wrong postal codes: silence, the same for every order
    LIMITED = "limited"  # over bot.max_lookups_per_hour, first time: say so once
    LIMITED_SILENT = "limited_silent"  # over the limit and already told


@dataclass(frozen=True)
class WrongCode:
    """After a wrong postal code: how many tries are left, or that the sender is now locked out."""

    tries_left: int
    locked_out: bool


class Access:
    """The access rules of `bot` (`verify`, attempts, lockout, limits), kept in the store."""

    def __init__(self, bot: BotSettings, store: Store) -> None:
        self._bot = bot
        self._store = store

    @property
    def asks_postal_code(self) -> bool:
        """Whether a sender without the order's phone may prove access by its postal code."""
        return self._bot.verify == "phone_or_postal_code"

    async def grant(
        self,
        order: Order,
        *,
        sender: str | None,
        key: str,
        now: datetime,
        verified: bool | None = None,
    ) -> Grant | None:
        """Why the sender (E.164 `sender`, state `key`) may see `order`; None when they may not.

        `verified`: whether the sender is verified for `order`, when already read with the
        claim (None: ask the store).
        """
        if self._bot.verify == "none":
            return Grant.OPEN
        if same_number(sender, order.phone):
            return Grant.PHONE
        if not self.asks_postal_code:
            return None
        if verified is None:
            verified = await self._store.is_verified(key, order.number, now)
        return Grant.POSTAL_CODE if verified else None

    async def gate(self, key: str, now: datetime, known: TurnOpening | None = None) -> Gate:
        """Count one lookup for `key` unless it is locked out (one store call for both);
        `known`: the claim already counted it (`TurnOpening.counted`), so only read that."""
        if known is not None and known.counted:
            verdict = None if known.locked_until is not None else known.lookup
        else:
            verdict = await self._store.hit_lookup_limit(
                key, now, limit=self._bot.max_lookups_per_hour, window_s=LOOKUP_WINDOW_S
            )
        if verdict is None:
            return Gate.LOCKED_OUT
        if verdict is Verdict.ALLOWED:
            return Gate.OPEN
        return Gate.LIMITED if verdict is Verdict.NOTICE else Gate.LIMITED_SILENT

    async def locked_out(self, key: str, now: datetime, known: TurnOpening | None = None) -> bool:
        """Whether `key` is locked out after wrong postal codes (`known`: as read with the
        claim, in the same transaction)."""
        if known is not None:
            return known.locked_until is not None
        return await self._store.locked_until(key, now) is not None

    async def prove_postal_code(
        self, order: Order | None, answer: str, *, sender: str | None, key: str, now: datetime
    ) -> bool:
        """Whether `answer` is `order`'s postal code; if so, remember it for bot.verified_ttl_s."""
        if order is None or not same_postal_code(answer, order.postal_code):
            return False
        until = now + timedelta(seconds=self._bot.verified_ttl_s)
        await self._store.remember_verified(key, order.number, until)
        log.info("%s verified for an order by postal code", mask(sender))
        return True

    async def wrong_postal_code(self, *, sender: str | None, key: str, now: datetime) -> WrongCode:
        """Count a wrong postal code; the `bot.max_verify_attempts`-th locks the sender out."""
        wrong = await self._store.record_wrong_answer(
            key, now, max_attempts=self._bot.max_verify_attempts, lockout_s=self._bot.lockout_s
        )
        if wrong.locked_until is not None:
            log.warning("%s locked out after wrong postal codes", mask(sender))
            lockout("sender")  # /metrics
            return WrongCode(0, locked_out=True)
        return WrongCode(self._bot.max_verify_attempts - wrong.attempts, locked_out=False)
