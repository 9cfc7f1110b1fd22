"""One message being answered (`Turn`) and what comes of it (`Reply`): an answer and the
session that follows. Turns and sessions are values: a step replaces them, never mutates."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from smsbot.channels.inbound import Inbound, Kind
from smsbot.config import BotSettings
from smsbot.orders.model import Order
from smsbot.store import Session, TurnOpening
from smsbot.wording import replies
from smsbot.wording.replies import Wording

#: Whole-message keywords: their language counts for their own reply only.
KEYWORD_KINDS = frozenset({Kind.HELP, Kind.MORE, Kind.AGENT, Kind.OPT_IN, Kind.OPT_OUT})


@dataclass(frozen=True)
class Answer:
    """What to send back: `text` for one `<Message>`, None for an empty `<Response/>`.

    `redact`: the message was a postal-code answer; the log must not keep its body.
    `kept`: False when the store could not take the message at all (nothing claimed or
    logged): the caller keeps it elsewhere (`smsbot.spool`) to replay it later.
    """

    text: str | None
    intent: str
    replayed: bool = False
    redact: bool = False
    kept: bool = True


@dataclass(frozen=True)
class Reply:
    """A turn's answer and the session to keep after it."""

    answer: Answer
    session: Session

    def redacted(self) -> Reply:
        """The same reply, with the message's body kept out of the log."""
        return replace(self, answer=replace(self.answer, redact=True))


@dataclass(frozen=True)
class Turn:
    """One message being answered: the sender's key, now, and the session as it stands.

    `known`: what the store read with the claim (the lockout, the order the route is about,
    its cached tracking, a counted lookup); None when nothing was read ahead.
    """

    message: Inbound
    key: str
    now: datetime
    session: Session
    known: TurnOpening | None = None

    def known_order(self, number: str) -> TurnOpening | None:
        """What was read ahead, when it includes the order `number` (present or not)."""
        known = self.known
        return known if known is not None and known.read_order == number else None

    def with_session(self, **changes: Any) -> Turn:
        """This turn with the session's `changes` (fields of `Session`)."""
        return replace(self, session=replace(self.session, **changes))

    def reply(self, text: str | None, intent: str, **changes: Any) -> Reply:
        """Answer `text` (None: silence); the session with `changes` follows."""
        return Reply(Answer(text, intent), replace(self.session, **changes))

    @property
    def keyword(self) -> bool:
        """Whether the message is a lone keyword (HELP, MAS, AGENTE...): too little to say
        which language the sender reads, beyond this one reply."""
        return self.message.intent.kind in KEYWORD_KINDS

    def language(self, default: str, order: Order | None = None) -> str:
        """The language of the latest message with enough signal (words, not a lone keyword:
        kept in the session), else the order's locale (pass only an order the sender may
        see), else this keyword's ("AYUDA"), else `default` (`bot.language`)."""
        locale = (order.locale or "")[:2].lower() if order else ""
        told = self.message.language_hint if self.keyword else None
        choices = (self.session.language, locale, told, default)
        return next((choice for choice in choices if choice in replies.LANGUAGES), "en")

    def wording(self, bot: BotSettings, order: Order | None = None) -> Wording:
        """How to say things to this sender (about `order`, when they may see it)."""
        return Wording(self.language(bot.language, order), bot.timezone, self.now, bot.max_segments)
