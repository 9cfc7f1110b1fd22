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
from dataclasses import replace
from datetime import datetime, timedelta

import httpx

from smsbot.channels.inbound import Channel, Inbound, Kind
from smsbot.config import Settings
from smsbot.dialog.access import LOOKUP_WINDOW_S, Access
from smsbot.dialog.csat import SurveyAnswers
from smsbot.dialog.enquiry import Enquiries
from smsbot.dialog.escalation import (
    RECENT_MESSAGES,
    TIMEOUT_S,
    Escalation,
    EscalationRequest,
    Handed,
)
from smsbot.dialog.privacy import for_the_log
from smsbot.dialog.route import Route, Step, plan_of, route_of
from smsbot.dialog.session import Answer, Reply, Turn
from smsbot.dialog.summary import Summary
from smsbot.eta.window import Estimator
from smsbot.lookup.gateway import CarrierGateway
from smsbot.lookup.registry import Registry
from smsbot.phones import mask
from smsbot.store import (
    Claim,
    Lookup,
    Session,
    Store,
    StoreError,
    TurnEnd,
    TurnOpening,
    TurnStart,
    Verdict,
    sender_key,
)
from smsbot.wording import replies
from smsbot.wording.replies import Wording

__all__ = ["Answer", "Clock", "Conversation"]

log = logging.getLogger("smsbot.dialog.conversation")

Clock = Callable[[], datetime]

# How often a duplicate webhook checks whether the first one has finished its reply.
REPLAY_POLL_S = 0.05
MESSAGE_WINDOW_S = 60.0  # bot.max_messages_per_minute
# A claim's lease beyond the reply deadline: past it, a retry takes the message over.
LEASE_MARGIN_S = 1.0


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
        eta: Estimator | None = None,
    ) -> None:
        self._settings = settings
        self._bot = settings.bot
        self._store = store
        self._clock = clock
        self._escalation = Escalation.build(settings, http, store)
        self._access = Access(settings.bot, store)
        self._enquiries = Enquiries(settings, store, lookup, registry, self._access, eta)
        self._lease_s = settings.tracking.reply_deadline_s + LEASE_MARGIN_S
        self._summary = Summary(log)
        self._csat = SurveyAnswers(settings, store) if settings.csat.enabled else None

    async def answer(self, message: Inbound) -> Answer:
        """The reply to `message`; the same reply again for a repeated `MessageSid`.

        The store work is two transactions: `open_turn` (claim with a lease, a STOP/START
        recorded with it, limits, session, and what the route reads) and `close_turn`.
        """
        started = time.monotonic()
        now = self._clock()
        key = sender_key(message.sender, message.address)
        start = self._start(message, key, now)
        try:
            opening = await self._store.open_turn(start, now)
        except StoreError:
            # The database is unreachable (a restart, a failover): nothing was claimed, so
            # say honestly that we cannot answer now rather than nothing at all; `kept`
            # False tells the caller to spool it for a replay.
            log.exception("could not open the turn of a message from %s", mask(message.sender))
            return Answer(replies.unavailable(self._wording()), "error", kept=False)
        if not opening.claim.mine:
            opening = await self._wait_for(start, opening)
            if not opening.claim.mine:
                return Answer(opening.reply, "replay", replayed=True)
            now = self._clock()
        session: Session | None = None
        try:
            answer, session = await self._decide(Turn(message, key, now, opening.session, opening))
        except Exception:
            log.exception("failed to answer a message from %s", mask(message.sender))
            answer = Answer(replies.unavailable(self._wording()), "error")
        await self._finish(message, key, for_the_log(message, answer), session, now, started)
        return answer

    def _wording(self) -> Wording:
        """The bot's default wording, for replies that cannot wait for the session."""
        return Wording(
            self._bot.language, self._bot.timezone, self._clock(), self._bot.max_segments
        )

    def _start(self, message: Inbound, key: str, now: datetime) -> TurnStart:
        kind = message.intent.kind
        opt = {Kind.OPT_OUT: True, Kind.OPT_IN: False}.get(kind)
        asks = self._access.asks_postal_code

        def plan(session: Session) -> Lookup:
            return plan_of(route_of(message, session, asks_postal_code=asks))

        return TurnStart(
            sid=message.message_sid,
            key=key,
            channel=message.channel.value,
            sender=message.address,
            body=message.body,
            received_at=now,
            lease_until=now + timedelta(seconds=self._lease_s),
            phone=message.sender,
            opt_out=opt,
            limit=self._bot.max_messages_per_minute,
            window_s=MESSAGE_WINDOW_S,
            lookup_limit=self._bot.max_lookups_per_hour,
            lookup_window_s=LOOKUP_WINDOW_S,
            plan=plan,
        )

    async def _finish(
        self,
        message: Inbound,
        key: str,
        answer: Answer,
        session: Session | None,
        now: datetime,
        started: float,
    ) -> None:
        latency_ms = (time.monotonic() - started) * 1000
        end = TurnEnd(
            message.message_sid,
            answer.intent,
            answer.text,
            latency_ms,
            redact=answer.redact,
            session=session,
            channel=message.channel.value,
            key=key,
            now=now,
            ttl_s=self._bot.session_ttl_s,
        )
        try:
            await self._store.close_turn(end)
        except Exception:  # the customer still gets the answer; a retry answers again
            log.exception("could not record the reply to a message")
        self._summary.record(message.channel.value, answer.intent, latency_ms)
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "%s %s from %s: %s in %.0f ms",
                message.channel.value,
                answer.intent,
                mask(message.sender or message.address),
                "reply" if answer.text else "no reply",
                latency_ms,
            )

    async def _wait_for(self, start: TurnStart, opening: TurnOpening) -> TurnOpening:
        """A message seen before: its stored reply, or the message itself once its first
        answerer's lease has run out (it crashed); gives up (an unfinished opening, which
        replays as silence) after the lease could have run out twice over."""
        deadline = time.monotonic() + 2 * self._lease_s + 1
        while opening.claim is Claim.IN_PROGRESS and time.monotonic() < deadline:
            await asyncio.sleep(REPLAY_POLL_S)
            now = self._clock()
            lease = now + timedelta(seconds=self._lease_s)
            opening = await self._store.open_turn(replace(start, lease_until=lease), now)
        return opening

    # Routing

    async def _decide(self, turn: Turn) -> tuple[Answer, Session | None]:
        """The answer, and the session to keep (None: leave it as it is)."""
        message, known = turn.message, turn.known
        route = route_of(message, turn.session, asks_postal_code=self._access.asks_postal_code)
        if route.step is Step.OPT:  # always honoured (recorded with the claim), never limited
            return self._opt(turn), None
        verdict = known.verdict if known is not None else Verdict.ALLOWED
        if verdict is not Verdict.ALLOWED:
            limited = verdict is Verdict.NOTICE
            text = replies.rate_limited(turn.wording(self._bot)) if limited else None
            return Answer(text, "rate_limited"), None
        if message.language_hint in replies.LANGUAGES and not turn.keyword:
            # A sentence says which language the sender reads; a lone keyword ("MAS") does
            # not switch the conversation (issue 14).
            turn = turn.with_session(language=message.language_hint)
        if self._csat is not None and (survey := await self._csat.answer(turn)) is not None:
            return survey.answer, survey.session  # a lone 1-5 answering a pending survey
        reply = await self._route(turn, route)
        return reply.answer, reply.session

    async def _route(self, turn: Turn, route: Route) -> Reply:
        enquiries = self._enquiries
        match route.step:
            case Step.HELP:
                wording = turn.wording(self._bot)
                brand, contact = self._bot.brand, self._bot.support_contact
                text = replies.help_text(brand, contact, wording, enquiries.example)
                return turn.reply(text, Kind.HELP.value)
            case Step.AGENT:
                return await self._escalate(turn)
            case Step.MORE:
                return await enquiries.more(turn)
            case Step.POSTAL_CODE if route.number and turn.message.postal:
                return await enquiries.postal_code(turn, route.number, turn.message.postal)
            case Step.ORDER if route.number:
                numbers = route.numbers or (route.number,)
                return await enquiries.order_numbers(turn, numbers, route.intent)
            case Step.NOT_LISTED if turn.message.choice is not None:
                return enquiries.not_listed(turn, turn.message.choice)
            case Step.TRACKING if route.number:
                return await enquiries.tracking_number(turn, route.number)
            case Step.QUESTION:
                return await enquiries.question(turn)
        return self._hint(turn)

    # Keywords

    def _opt(self, turn: Turn) -> Answer:
        """STOP / START, already recorded with the claim (so a crash cannot lose it)."""
        message = turn.message
        opted_out = message.intent.kind is Kind.OPT_OUT
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
        text = replies.usage_hint(self._bot.brand, turn.wording(self._bot), self._enquiries.example)
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
