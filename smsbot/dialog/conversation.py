"""Decide what to answer one inbound message: replays, limits, keywords, then routing.

Returns text for a `<Message>`, or None for an empty `<Response/>`. Never raises for anything
a customer or a carrier can do; a failure inside the bot becomes an honest apology.

Who may see an order is `Access`'s decision; answers about orders and parcels are
`Enquiries`'; the session is a value each step replaces (`Turn`, `Reply`). Anti-enumeration:
until a sender has proved they may see an order, everything they are told depends only on
what they typed and on their own state, never on whether the order exists.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import httpx

from smsbot.channels.inbound import Channel, Inbound, Kind
from smsbot.config import Settings
from smsbot.dialog.access import Access
from smsbot.dialog.enquiry import Enquiries
from smsbot.dialog.escalation import (
    RECENT_MESSAGES,
    TIMEOUT_S,
    Escalation,
    EscalationRequest,
    Handed,
)
from smsbot.dialog.privacy import for_the_log
from smsbot.dialog.session import Answer, Reply, Turn
from smsbot.lookup.gateway import CarrierGateway
from smsbot.lookup.registry import Registry
from smsbot.phones import mask
from smsbot.store import Session, Store, Verdict, sender_key
from smsbot.wording import replies
from smsbot.wording.replies import Wording

__all__ = ["Answer", "Clock", "Conversation"]

log = logging.getLogger("smsbot.dialog.conversation")

Clock = Callable[[], datetime]

# How often a duplicate webhook checks whether the first one has finished its reply.
REPLAY_POLL_S = 0.05
MESSAGE_WINDOW_S = 60.0  # bot.max_messages_per_minute


class Conversation:
    """The bot's decisions for one message at a time; all state lives in the store."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        lookup: CarrierGateway,
        registry: Registry,
        clock: Clock,
        *,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self._settings = settings
        self._bot = settings.bot
        self._store = store
        self._clock = clock
        self._escalation = Escalation.build(settings, http, store)
        self._access = Access(settings.bot, store)
        self._enquiries = Enquiries(settings, store, lookup, registry, self._access)

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
            wording = Wording(
                self._bot.language, self._bot.timezone, self._clock(), self._bot.max_segments
            )
            answer = Answer(replies.unavailable(wording), "error")
        if message.message_sid:
            await self._finish(message.message_sid, for_the_log(message, answer), started)
        log.info(
            "%s %s from %s: %s in %.0f ms",
            message.channel.value,
            answer.intent,
            mask(message.sender or message.address),
            "reply" if answer.text else "no reply",
            (time.monotonic() - started) * 1000,
        )
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

    # Routing

    async def _decide(self, message: Inbound, key: str) -> Answer:
        now = self._clock()
        kind = message.intent.kind
        if kind in (Kind.OPT_OUT, Kind.OPT_IN):  # always honoured, never limited
            return await self._opt(Turn(message, key, now, Session()))
        # The messages-per-minute count and the session in one store call (one round trip).
        verdict, session = await self._store.begin_turn(
            message.channel.value,
            key,
            now,
            limit=self._bot.max_messages_per_minute,
            window_s=MESSAGE_WINDOW_S,
        )
        turn = Turn(message, key, now, session)
        if verdict is not Verdict.ALLOWED:
            limited = verdict is Verdict.NOTICE
            text = replies.rate_limited(turn.wording(self._bot)) if limited else None
            return Answer(text, "rate_limited")
        if message.language_hint in replies.LANGUAGES:
            turn = turn.with_session(language=message.language_hint)
        reply = await self._route(turn)
        await self._store.save_session(
            message.channel.value, key, reply.session, now, self._bot.session_ttl_s
        )
        return reply.answer

    async def _route(self, turn: Turn) -> Reply:
        message, session, enquiries = turn.message, turn.session, self._enquiries
        intent = message.intent
        if intent.kind is Kind.HELP:
            wording = turn.wording(self._bot)
            text = replies.help_text(self._bot.brand, self._bot.support_contact, wording)
            return turn.reply(text, intent.kind.value)
        if intent.kind is Kind.AGENT:
            return await self._escalate(turn)
        if intent.kind is Kind.MORE:
            return await enquiries.more(turn)
        if (
            session.pending_order
            and message.postal
            and intent.kind in (Kind.ORDER_NUMBER, Kind.NOISE)
            and self._access.asks_postal_code
        ):
            return await enquiries.postal_code(turn, session.pending_order, message.postal)
        if message.choice is not None and 1 <= message.choice <= len(session.menu):
            return await enquiries.order_number(
                turn, session.menu[message.choice - 1], "menu_choice"
            )
        match intent.kind:
            case Kind.ORDER_NUMBER if intent.value:
                return await enquiries.order_number(turn, intent.value, "order_number")
            case Kind.TRACKING_NUMBER if intent.value:
                return await enquiries.tracking_number(turn, intent.value)
            case Kind.QUESTION:
                return await enquiries.question(turn)
        return self._hint(turn)

    # Keywords

    async def _opt(self, turn: Turn) -> Answer:
        message = turn.message
        opted_out = message.intent.kind is Kind.OPT_OUT
        if message.sender:
            await self._store.set_opted_out(
                message.sender, message.channel.value, opted_out, turn.now
            )
        # On SMS Twilio has already answered the keyword; a second text would fail (21610).
        if message.channel is not Channel.WHATSAPP:
            return Answer(None, message.intent.kind.value)
        wording = turn.wording(self._bot)
        text = replies.opted_out(wording) if opted_out else replies.opted_in(wording)
        return Answer(text, message.intent.kind.value)

    def _hint(self, turn: Turn) -> Reply:
        """The usage hint, at most once per `bot.hint_window_s`; silence otherwise."""
        last = turn.session.hint_at
        if last is not None and turn.now - last < timedelta(seconds=self._bot.hint_window_s):
            return turn.reply(None, Kind.NOISE.value)
        text = replies.usage_hint(self._bot.brand, turn.wording(self._bot))
        return turn.reply(text, Kind.NOISE.value, hint_at=turn.now)

    async def _escalate(self, turn: Turn) -> Reply:
        message, session = turn.message, turn.session
        wording = turn.wording(self._bot)
        if not self._escalation.configured:
            text = replies.escalation_unavailable(self._bot.support_contact, wording)
            return turn.reply(text, "escalation")
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
        handed = await self._escalation.hand_off(turn.key, request, timeout_s=timeout)
        if handed is Handed.TAKEN:
            return turn.reply(replies.escalated(self._bot.brand, wording), "escalation")
        if handed is Handed.PENDING:
            return turn.reply(replies.escalation_pending(self._bot.brand, wording), "escalation")
        text = replies.escalation_unavailable(self._bot.support_contact, wording)
        return turn.reply(text, "escalation")
