"""AGENT / HUMAN: hand a conversation to a person by POSTing it to the merchant's webhook,
and (with the console on) put it in the console's escalation queue.

The payload carries the customer's full number (the helpdesk must text them back); logs
never do. One hand-off per sender per `escalation.cooldown_s`: a repeated AGENT within it
opens no new ticket and is told the team has it already (a failed POST does not count).
`messages[].body` (and `reply`, which quotes the customer) are the customer's
words verbatim: untrusted text, which a receiver must escape for wherever it shows them
(HTML, a spreadsheet: `=HYPERLINK(...)`, a chat). The payload's `text` line is smsbot's
own rendering for Slack or Mattermost incoming webhooks: escaped, one line, number masked.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import httpx

from smsbot.config import EscalationSettings, Settings
from smsbot.metrics.instruments import escalation
from smsbot.phones import mask
from smsbot.store import EscalationStore, SenderMessage, SequencingStore, Store
from smsbot.store.times import utc_text

log = logging.getLogger("smsbot.dialog.escalation")

#: Longest wait for the helpdesk: the customer's reply waits for it.
TIMEOUT_S = 3.0
#: How many of the sender's latest messages the payload carries.
RECENT_MESSAGES = 5
#: How much of each message the `text` line quotes (the JSON fields carry all of it).
QUOTED_CHARS = 200


@dataclass(frozen=True)
class EscalationRequest:
    """Who wants a person, about which order, and what they said lately."""

    channel: str  # "sms" | "whatsapp"
    sender: str  # E.164, or the address as Twilio sent it when it is not a number
    address: str  # `From` as Twilio sent it (with `whatsapp:`), to reply on the same channel
    order: str | None  # the order the conversation is about, when known
    verified: bool  # whether the sender was verified for `order`
    language: str
    at: datetime
    messages: Sequence[SenderMessage] = ()

    def payload(self) -> dict[str, Any]:
        """The JSON body: stable keys, times in UTC ISO-8601."""
        return {
            "type": "escalation",
            "channel": self.channel,
            "sender": self.sender,
            "address": self.address,
            "order": self.order,
            "verified": self.verified,
            "language": self.language,
            "at": utc_text(self.at, "at"),
            "messages": [
                {"at": utc_text(m.received_at, "received_at"), "body": m.body, "reply": m.reply}
                for m in self.messages
            ],
            "text": self.text(),
        }

    def text(self) -> str:
        """One line for a chat webhook: who (masked), which order, what they said (escaped)."""
        about = f"order {chat_safe(self.order)}" if self.order else "no order yet"
        said = " | ".join(f"\u201c{chat_safe(m.body)}\u201d" for m in self.messages)
        return (
            f"smsbot: {mask(self.sender)} ({self.channel}) asks for a person, {about}"
            f"{' (verified)' if self.verified else ''}. Last messages: {said or '-'}"
        )


def chat_safe(text: str, limit: int = QUOTED_CHARS) -> str:
    """Customer text made safe to show in a chat message: one line, no control or format
    characters (ANSI escapes, bidi overrides), `&`, `<`, `>` escaped the way Slack and
    Mattermost read them (no `<!channel>`, no `<url|label>` link), cut at `limit`."""
    shown = []
    for ch in text[:limit]:
        if ch in "\r\n\t":
            shown.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            shown.append(f"\\u{ord(ch):04x}")
        else:
            shown.append(ch)
    line = "".join(shown).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return line + ("\u2026" if len(text) > limit else "")


class Handed(StrEnum):
    """What became of one request for a person."""

    TAKEN = "taken"  # the helpdesk has it now
    PENDING = "pending"  # it had it already, within the cooldown: nothing was posted
    FAILED = "failed"  # no webhook, or it refused or did not answer


class Escalation:
    """Posts escalations to `escalation.webhook_url` through the shared HTTP client."""

    def __init__(
        self,
        settings: EscalationSettings,
        http: httpx.AsyncClient | None,
        store: SequencingStore,
        queue: EscalationStore | None = None,
        targets: tuple[str, ...] = (),
    ) -> None:
        self._settings = settings
        self._http = http
        self._store = store  # the hand-off cooldown
        self._queue = queue  # the console's escalation queue, when someone reads it
        self._targets = targets  # helpdesks the queued escalation is handed to (smsbot.handoff)

    @classmethod
    def build(cls, settings: Settings, http: httpx.AsyncClient | None, store: Store) -> Escalation:
        """The escalation of these settings: queued in the store when the console is on
        (someone reads it there) or helpdesk targets take it from there."""
        targets = tuple(target.kind for target in settings.escalation.targets)
        queue = store if settings.admin.secret_key is not None or targets else None
        return cls(settings.escalation, http, store, queue, targets)

    async def hand_off(
        self, key: str, request: EscalationRequest, *, timeout_s: float = TIMEOUT_S
    ) -> Handed:
        """`send` once per sender (`key`) per `escalation.cooldown_s`; never raises for the
        webhook's trouble. The claim is atomic, so two AGENTs at once open one ticket."""
        last = await self._store.claim_handoff(key, request.at, self._settings.cooldown_s)
        if last is not None:
            log.info("%s asked for a person again; handed off already", mask(request.sender))
            return Handed.PENDING
        if await self.send(request, timeout_s=timeout_s):
            return Handed.TAKEN
        await self._store.release_handoff(key, request.at)  # nobody has it: may try again
        return Handed.FAILED

    @property
    def configured(self) -> bool:
        """Whether a person will see the escalation: a webhook or the console's queue."""
        return (bool(self._settings.webhook_url) and self._http is not None) or (
            self._queue is not None
        )

    async def send(self, request: EscalationRequest, *, timeout_s: float = TIMEOUT_S) -> bool:
        """Queue and POST `request`; True when a person will see it. Never raises."""
        queued = await self._enqueue(request)
        posted = await self._post(request, timeout_s)
        escalation("handed_off" if queued or posted else "failed")
        return queued or posted

    async def _enqueue(self, request: EscalationRequest) -> bool:
        if self._queue is None:
            return False
        try:
            await self._queue.add_escalation(
                channel=request.channel,
                phone=request.sender,
                order_number=request.order,
                verified=request.verified,
                language=request.language,
                at=request.at,
                targets=self._targets,
            )
        except Exception:  # the webhook may still take it; the customer still gets a reply
            log.exception("could not queue the escalation of %s", mask(request.sender))
            return False
        return True

    async def _post(self, request: EscalationRequest, timeout_s: float) -> bool:
        url = self._settings.webhook_url
        if not url or self._http is None:
            return False
        headers = {}
        if self._settings.token is not None:
            headers["Authorization"] = f"Bearer {self._settings.token.reveal()}"
        try:
            response = await self._http.post(
                url, json=request.payload(), headers=headers, timeout=timeout_s
            )
        except httpx.HTTPError as exc:
            log.warning("escalation for %s failed: %s", mask(request.sender), type(exc).__name__)
            return False
        if not response.is_success:
            log.warning(
                "escalation for %s refused: HTTP %d", mask(request.sender), response.status_code
            )
            return False
        log.info("escalated %s to a person", mask(request.sender))
        return True
