"""Decide what to answer one inbound message: replays, limits, keywords, verification, lookups.

Returns text for a `<Message>`, or None for an empty `<Response/>`. Never raises for anything
a customer or a carrier can do; a failure inside the bot becomes an honest apology.

Anti-enumeration: until a sender has proved they may see an order (its phone number, or its
postal code under `bot.verify = "phone_or_postal_code"`), everything they are told depends
only on what they typed and on their own state, never on whether the order exists: the
question, the wrong answers, the lockout and the silence after it read the same.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import httpx

from smsbot.channels.inbound import Channel, Inbound, Kind, same_postal_code
from smsbot.config import Settings
from smsbot.dialog.escalation import RECENT_MESSAGES, TIMEOUT_S, Escalation, EscalationRequest
from smsbot.lookup.gateway import Failure, Lookup, PackageStatus
from smsbot.lookup.registry import Registry
from smsbot.orders.model import Order, Shipment
from smsbot.phones import mask, same_number
from smsbot.store import Session, Store, Verdict, sender_key
from smsbot.wording import replies
from smsbot.wording.replies import Wording

log = logging.getLogger("smsbot.dialog.conversation")

Clock = Callable[[], datetime]

# How often a duplicate webhook checks whether the first one has finished its reply.
REPLAY_POLL_S = 0.05
# Expired state is swept once every this many answered messages (per process).
SWEEP_EVERY = 500
MESSAGE_WINDOW_S = 60.0  # bot.max_messages_per_minute
LOOKUP_WINDOW_S = 3600.0  # bot.max_lookups_per_hour


@dataclass(frozen=True)
class Answer:
    """What to send back: `text` for one `<Message>`, None for an empty `<Response/>`.

    `redact`: the message was a postal-code answer; the log must not keep its body.
    """

    text: str | None
    intent: str
    replayed: bool = False
    redact: bool = False


@dataclass
class _Turn:
    """One message being answered, with the sender's key and session (updated as we go)."""

    message: Inbound
    key: str
    now: datetime
    session: Session


class Conversation:
    """The bot's decisions for one message at a time; all state lives in the store."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        lookup: Lookup,
        registry: Registry,
        clock: Clock,
        *,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self._settings = settings
        self._bot = settings.bot
        self._store = store
        self._lookup = lookup
        self._registry = registry
        self._clock = clock
        self._escalation = Escalation(settings.escalation, http)
        self._answered = 0

    async def answer(self, message: Inbound) -> Answer:
        """The reply to `message`; the same reply again for a repeated `MessageSid`."""
        started = time.monotonic()
        key = sender_key(message.sender, message.address)
        if message.message_sid:
            claimed = await self._store.claim_tagged(
                message.message_sid,
                key,
                channel=message.channel.value,
                sender=message.address,
                body=message.body,
                received_at=self._clock(),
            )
            if not claimed:
                return await self._replay(message.message_sid)
        try:
            answer = await self._decide(message, key)
        except Exception:
            log.exception("failed to answer a message from %s", mask(message.sender))
            answer = Answer(replies.unavailable(self._wording(self._bot.language)), "error")
        if message.message_sid:
            await self._finish(message.message_sid, answer, started)
        log.info(
            "%s %s from %s: %s in %.0f ms",
            message.channel.value,
            answer.intent,
            mask(message.sender or message.address),
            "reply" if answer.text else "no reply",
            (time.monotonic() - started) * 1000,
        )
        await self._sweep()
        return answer

    async def _finish(self, sid: str, answer: Answer, started: float) -> None:
        latency_ms = (time.monotonic() - started) * 1000
        try:
            if answer.redact:
                await self._store.redact_message(sid)
            await self._store.finish_message(
                sid, intent=answer.intent, reply=answer.text, latency_ms=latency_ms
            )
        except Exception:  # the customer still gets the answer; a replay gets none
            log.exception("could not record the reply to a message")

    async def _sweep(self) -> None:
        """Now and then, delete expired sessions, verified pairs and attempts."""
        self._answered += 1
        if self._answered % SWEEP_EVERY:
            return
        try:
            await self._store.forget_expired(
                self._clock(), hint_window_s=self._bot.hint_window_s, lockout_s=self._bot.lockout_s
            )
        except Exception:
            log.exception("could not delete expired conversation state")

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

    # Language

    def _wording(self, language: str) -> Wording:
        return Wording(language, self._bot.timezone, self._clock(), self._bot.max_segments)

    def _language(self, turn: _Turn, order: Order | None = None) -> str:
        """The order's locale (only for an order the sender may see), else the text's
        language, else the conversation's, else `bot.language`."""
        locale = (order.locale or "")[:2].lower() if order else ""
        choices = (locale, turn.message.language_hint, turn.session.language, self._bot.language)
        return next((choice for choice in choices if choice in replies.LANGUAGES), "en")

    def _say(self, turn: _Turn, order: Order | None = None) -> Wording:
        return self._wording(self._language(turn, order))

    # Routing

    async def _decide(self, message: Inbound, key: str) -> Answer:
        now = self._clock()
        kind = message.intent.kind
        if kind in (Kind.OPT_OUT, Kind.OPT_IN):  # always honoured, never limited
            turn = _Turn(message, key, now, Session())
            return await self._opt(turn)
        # The messages-per-minute count and the session in one store call (one round trip).
        verdict, session = await self._store.begin_turn(
            message.channel.value,
            key,
            now,
            limit=self._bot.max_messages_per_minute,
            window_s=MESSAGE_WINDOW_S,
        )
        turn = _Turn(message, key, now, session)
        if verdict is not Verdict.ALLOWED:
            text = replies.rate_limited(self._say(turn)) if verdict is Verdict.NOTICE else None
            return Answer(text, "rate_limited")
        if message.language_hint in replies.LANGUAGES:
            turn.session = replace(turn.session, language=message.language_hint)
        answer = await self._route(turn)
        await self._store.save_session(
            message.channel.value, key, turn.session, now, self._bot.session_ttl_s
        )
        return answer

    async def _route(self, turn: _Turn) -> Answer:
        message, session = turn.message, turn.session
        intent = message.intent
        if intent.kind is Kind.HELP:
            text = replies.help_text(self._bot.brand, self._bot.support_contact, self._say(turn))
            return Answer(text, intent.kind.value)
        if intent.kind is Kind.AGENT:
            return await self._escalate(turn)
        if intent.kind is Kind.MORE:
            return await self._more(turn)
        if (
            session.pending_order
            and message.postal
            and intent.kind in (Kind.ORDER_NUMBER, Kind.NOISE)
            and self._bot.verify == "phone_or_postal_code"
        ):
            return await self._postal_code(turn, session.pending_order, message.postal)
        if message.choice is not None and 1 <= message.choice <= len(session.menu):
            return await self._lookup_order(turn, session.menu[message.choice - 1], "menu_choice")
        match intent.kind:
            case Kind.ORDER_NUMBER if intent.value:
                return await self._lookup_order(turn, intent.value, "order_number")
            case Kind.TRACKING_NUMBER if intent.value:
                number = intent.value
                return await self._gated(turn, lambda: self._tracking_number(turn, number))
            case Kind.QUESTION:
                return await self._gated(turn, lambda: self._question(turn))
        return self._hint(turn)

    async def _gated(self, turn: _Turn, lookup: Callable[[], Awaitable[Answer]]) -> Answer:
        """Run `lookup` unless the sender is locked out or over the lookups-per-hour limit.

        A locked-out sender gets silence, the same for every order; one over the limit gets
        one notice, then silence until the window ends.
        """
        # The lockout check and the lookups-per-hour count in one store call.
        verdict = await self._store.hit_lookup_limit(
            turn.key, turn.now, limit=self._bot.max_lookups_per_hour, window_s=LOOKUP_WINDOW_S
        )
        if verdict is None:
            return Answer(None, "locked_out")
        if verdict is not Verdict.ALLOWED:
            text = replies.lookup_limited(self._say(turn)) if verdict is Verdict.NOTICE else None
            return Answer(text, "lookup_limited")
        return await lookup()

    # Keywords

    async def _opt(self, turn: _Turn) -> Answer:
        message = turn.message
        opted_out = message.intent.kind is Kind.OPT_OUT
        if message.sender:
            await self._store.set_opted_out(
                message.sender, message.channel.value, opted_out, turn.now
            )
        # On SMS Twilio has already answered the keyword; a second text would fail (21610).
        if message.channel is not Channel.WHATSAPP:
            return Answer(None, message.intent.kind.value)
        wording = self._say(turn)
        text = replies.opted_out(wording) if opted_out else replies.opted_in(wording)
        return Answer(text, message.intent.kind.value)

    def _hint(self, turn: _Turn) -> Answer:
        """The usage hint, at most once per `bot.hint_window_s`; silence otherwise."""
        last = turn.session.hint_at
        if last is not None and turn.now - last < timedelta(seconds=self._bot.hint_window_s):
            return Answer(None, Kind.NOISE.value)
        turn.session = replace(turn.session, hint_at=turn.now)
        return Answer(replies.usage_hint(self._bot.brand, self._say(turn)), Kind.NOISE.value)

    async def _escalate(self, turn: _Turn) -> Answer:
        message, session = turn.message, turn.session
        wording = self._say(turn)
        if not self._escalation.configured:
            text = replies.escalation_unavailable(self._bot.support_contact, wording)
            return Answer(text, "escalation")
        request = EscalationRequest(
            channel=message.channel.value,
            sender=message.sender or message.address,
            address=message.address,
            order=session.last_order or session.pending_order,
            verified=session.last_order is not None,
            language=wording.language,
            at=turn.now,
            messages=await self._store.sender_messages(turn.key, RECENT_MESSAGES),
        )
        timeout = min(TIMEOUT_S, self._settings.tracking.reply_deadline_s)
        if await self._escalation.send(request, timeout_s=timeout):
            return Answer(replies.escalated(self._bot.brand, wording), "escalation")
        return Answer(
            replies.escalation_unavailable(self._bot.support_contact, wording), "escalation"
        )

    # Verification

    async def _may_see(self, turn: _Turn, order: Order) -> bool:
        """The sender's number is the order's, or they gave its postal code lately (or the
        policy is `none`)."""
        if self._bot.verify == "none" or same_number(turn.message.sender, order.phone):
            return True
        return self._bot.verify == "phone_or_postal_code" and await self._store.is_verified(
            turn.key, order.number, turn.now
        )

    async def _lookup_order(self, turn: _Turn, number: str, intent: str) -> Answer:
        return await self._gated(turn, lambda: self._order_number(turn, number, intent))

    async def _order_number(self, turn: _Turn, number: str, intent: str) -> Answer:
        order = await self._store.get_order(number)
        if order is not None and await self._may_see(turn, order):
            return await self._order_status(turn, order, intent)
        # From here on, only `number` (as typed) and the sender's own state may show.
        wording = self._say(turn)
        if self._bot.verify == "phone_or_postal_code":
            turn.session = replace(turn.session, pending_order=number)
            return Answer(replies.ask_postal_code(number, wording), "verify")
        return Answer(replies.order_not_found(number, wording), intent)

    async def _postal_code(self, turn: _Turn, pending: str, answer: str) -> Answer:
        """An answer to "what is the delivery postal code of order N?"."""
        intent = turn.message.intent
        if await self._store.locked_until(turn.key, turn.now) is not None:
            return Answer(None, "locked_out", redact=True)
        if intent.value == pending:  # the order number again: ask again, no attempt used
            return Answer(replies.ask_postal_code(pending, self._say(turn)), "verify")
        order = await self._store.get_order(pending)
        if order is not None and same_postal_code(answer, order.postal_code):
            until = turn.now + timedelta(seconds=self._bot.verified_ttl_s)
            await self._store.remember_verified(turn.key, order.number, until)
            log.info("%s verified for an order by postal code", mask(turn.message.sender))
            return replace(await self._order_status(turn, order, "verified"), redact=True)
        if intent.kind is Kind.ORDER_NUMBER and intent.value:
            own = await self._store.get_order(intent.value)
            if own is not None and await self._may_see(turn, own):  # another order of theirs
                return await self._lookup_order(turn, own.number, "order_number")
        wrong = await self._store.record_wrong_answer(
            turn.key,
            turn.now,
            max_attempts=self._bot.max_verify_attempts,
            lockout_s=self._bot.lockout_s,
        )
        wording = self._say(turn)
        if wrong.locked_until is not None:
            log.warning("%s locked out after wrong postal codes", mask(turn.message.sender))
            turn.session = replace(turn.session, pending_order=None)
            return Answer(
                replies.locked_out(self._bot.lockout_s, wording), "locked_out", redact=True
            )
        left = self._bot.max_verify_attempts - wrong.attempts
        return Answer(replies.wrong_postal_code(pending, left, wording), "verify", redact=True)

    # Lookups

    async def _order_status(self, turn: _Turn, order: Order, intent: str) -> Answer:
        """The status of an order the sender may see; MORE and menus continue from it."""
        turn.session = replace(turn.session, pending_order=None, last_order=order.number)
        wording = self._say(turn, order)
        if not order.shipments:
            return Answer(replies.no_shipments(order.number, wording), intent)
        packages = await self._lookup.track(order.shipments)
        return Answer(replies.order_status(order.number, packages, wording), intent)

    async def _more(self, turn: _Turn) -> Answer:
        number = turn.session.last_order
        order = await self._store.get_order(number) if number else None
        if order is None or not await self._may_see(turn, order):
            return Answer(replies.more_without_order(self._say(turn)), "more")
        return await self._gated(turn, lambda: self._history(turn, order))

    async def _history(self, turn: _Turn, order: Order) -> Answer:
        wording = self._say(turn, order)
        if not order.shipments:
            return Answer(replies.no_shipments(order.number, wording), "more")
        packages = await self._lookup.track(order.shipments)
        return Answer(replies.order_history(order.number, packages, wording), "more")

    async def _tracking_number(self, turn: _Turn, number: str) -> Answer:
        """Carrier status only, unless the number belongs to an order the sender may see."""
        message = turn.message
        wording = self._say(turn)
        for order in await self._store.orders_for_tracking(number):
            if await self._may_see(turn, order):
                return await self._order_status(turn, order, "tracking_number")
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

    async def _question(self, turn: _Turn) -> Answer:
        """ "Where is my order?": the sender's open orders, by their phone number."""
        sender = turn.message.sender
        found = await self._store.open_orders(sender) if sender else []
        if len(found) == 1:
            order = await self._store.get_order(found[0][0])
            if order is not None:
                return await self._order_status(turn, order, Kind.QUESTION.value)
        if len(found) > 1:
            text, listed = replies.open_orders_menu(found, self._say(turn))
            menu = tuple(number for number, _ in found[:listed])
            turn.session = replace(turn.session, menu=menu)
            return Answer(text, "menu")
        return Answer(replies.ask_order_number(self._say(turn)), Kind.QUESTION.value)
