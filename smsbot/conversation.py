"""Decide what to answer one inbound message: replays, keywords, verification, lookups.

Returns text for a `<Message>`, or None for an empty `<Response/>`. Never raises for anything
a customer or a carrier can do; a failure inside the bot becomes an honest apology.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from smsbot import replies
from smsbot.config import Settings
from smsbot.inbound import Channel, Inbound, Kind
from smsbot.lookup import Failure, Lookup, PackageStatus
from smsbot.orders import Order, Shipment
from smsbot.phones import mask, same_number
from smsbot.registry import Registry
from smsbot.replies import Wording
from smsbot.store import Store

log = logging.getLogger("smsbot.conversation")

Clock = Callable[[], datetime]

# How often a duplicate webhook checks whether the first one has finished its reply.
REPLAY_POLL_S = 0.05


@dataclass(frozen=True)
class Answer:
    """What to send back: `text` for one `<Message>`, None for an empty `<Response/>`."""

    text: str | None
    intent: str
    replayed: bool = False


class Conversation:
    """The bot's decisions for one message at a time; all state lives in the store."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        lookup: Lookup,
        registry: Registry,
        clock: Clock,
    ) -> None:
        self._settings = settings
        self._bot = settings.bot
        self._store = store
        self._lookup = lookup
        self._registry = registry
        self._clock = clock

    async def answer(self, message: Inbound) -> Answer:
        """The reply to `message`; the same reply again for a repeated `MessageSid`."""
        started = time.monotonic()
        if message.message_sid:
            claimed = await self._store.claim_message(
                message.message_sid,
                channel=message.channel.value,
                sender=message.address,
                body=message.body,
                received_at=self._clock(),
            )
            if not claimed:
                return await self._replay(message.message_sid)
        try:
            answer = await self._decide(message)
        except Exception:
            log.exception("failed to answer a message from %s", mask(message.sender))
            answer = Answer(replies.unavailable(self._wording(None, message)), "error")
        if message.message_sid:
            latency_ms = (time.monotonic() - started) * 1000
            try:
                await self._store.finish_message(
                    message.message_sid,
                    intent=answer.intent,
                    reply=answer.text,
                    latency_ms=latency_ms,
                )
            except Exception:  # the customer still gets the answer; a replay gets none
                log.exception("could not record the reply to a message")
        log.info(
            "%s %s from %s: %s in %.0f ms",
            message.channel.value,
            answer.intent,
            mask(message.sender or message.address),
            "reply" if answer.text else "no reply",
            (time.monotonic() - started) * 1000,
        )
        return answer

    async def _replay(self, sid: str) -> Answer:
        """The stored reply of a message seen before; waits while the first is in progress."""
        deadline = time.monotonic() + self._settings.tracking.reply_deadline_s + 1
        while True:
            stored = await self._store.message_reply(sid)
            if stored is not None and stored.finished:
                return Answer(stored.reply, "replay", replayed=True)
            if time.monotonic() >= deadline:
                return Answer(None, "replay", replayed=True)
            await asyncio.sleep(REPLAY_POLL_S)

    def _wording(self, order: Order | None, message: Inbound) -> Wording:
        """Reply in the order's language, else the message's, else `bot.language`."""
        locale = (order.locale or "") if order else ""
        choices = (locale[:2].lower(), message.language_hint, self._bot.language)
        language = next((choice for choice in choices if choice in replies.LANGUAGES), "en")
        return Wording(language, self._bot.timezone, self._clock(), self._bot.max_segments)

    async def _decide(self, message: Inbound) -> Answer:
        intent = message.intent
        wording = self._wording(None, message)
        match intent.kind:
            case Kind.OPT_OUT | Kind.OPT_IN:
                return await self._opt(message, wording)
            case Kind.HELP:
                text = replies.help_text(self._bot.brand, self._bot.support_contact, wording)
                return Answer(text, intent.kind.value)
            case Kind.ORDER_NUMBER if intent.value:
                return await self._order_number(message, intent.value)
            case Kind.TRACKING_NUMBER if intent.value:
                return await self._tracking_number(message, intent.value)
            case Kind.QUESTION:
                return await self._question(message)
        return Answer(replies.usage_hint(self._bot.brand, wording), Kind.NOISE.value)

    async def _opt(self, message: Inbound, wording: Wording) -> Answer:
        opted_out = message.intent.kind is Kind.OPT_OUT
        if message.sender:
            await self._store.set_opted_out(
                message.sender, message.channel.value, opted_out, self._clock()
            )
        # On SMS Twilio has already answered the keyword; a second text would fail (21610).
        if message.channel is not Channel.WHATSAPP:
            return Answer(None, message.intent.kind.value)
        text = replies.opted_out(wording) if opted_out else replies.opted_in(wording)
        return Answer(text, message.intent.kind.value)

    def _may_see(self, message: Inbound, order: Order) -> bool:
        """Verification: the sender's number is the order's (or the policy is `none`)."""
        if self._bot.verify == "none":
            return True
        return same_number(message.sender, order.phone)

    async def _order_number(self, message: Inbound, number: str) -> Answer:
        order = await self._store.get_order(number)
        if order is None or not self._may_see(message, order):
            # The same words whether the order is missing or someone else's.
            return Answer(
                replies.order_not_found(number, self._wording(None, message)), "order_number"
            )
        return await self._order_status(message, order)

    async def _order_status(self, message: Inbound, order: Order) -> Answer:
        wording = self._wording(order, message)
        if not order.shipments:
            return Answer(replies.no_shipments(order.number, wording), "order_number")
        packages = await self._lookup.track(order.shipments)
        return Answer(replies.order_status(order.number, packages, wording), "order_number")

    async def _tracking_number(self, message: Inbound, number: str) -> Answer:
        wording = self._wording(None, message)
        owned = [
            order
            for order in await self._store.orders_for_tracking(number)
            if self._may_see(message, order)
        ]
        if owned:
            return await self._order_status(message, owned[0])
        readings: dict[str, str] = {}  # carrier -> number to ask it (no USPS routing prefix)
        for match in message.intent.tracking:
            readings.setdefault(match.carrier, match.trackable)
        carriers = list(readings)
        enabled = [name for name in carriers if self._registry.serves(name)]
        if len(enabled) > 1:
            names = [self._registry.display_name(name) for name in enabled]
            return Answer(replies.ask_carrier(number, names, wording), "tracking_number")
        if not enabled:
            if not carriers:
                return Answer(replies.tracking_unknown(number, wording), "tracking_number")
            shipment = Shipment(carriers[0], readings[carriers[0]])
            package = PackageStatus(
                shipment, replies.display_name(carriers[0]), None, None, Failure.NO_ADAPTER
            )
            return Answer(replies.tracking_status(number, package, wording), "tracking_number")
        [package] = await self._lookup.track([Shipment(enabled[0], readings[enabled[0]])])
        return Answer(replies.tracking_status(number, package, wording), "tracking_number")

    async def _question(self, message: Inbound) -> Answer:
        wording = self._wording(None, message)
        orders = await self._store.orders_for_phone(message.sender) if message.sender else []
        shipped = [order for order in orders if order.shipments]
        if len(shipped) == 1:
            return await self._order_status(message, shipped[0])
        return Answer(replies.ask_order_number(wording), Kind.QUESTION.value)
