"""Twilio's REST API for outbound messages: create one, and find one we may have created.

We call the API ourselves rather than through the twilio library's client:
- its domains hard-code `https://api.twilio.com`, while `twilio.api_base_url` must be able to
  point at a local fake (tests, a proxy), which would take a URL-rewriting HTTP client;
- its sync client blocks the event loop (`requests`);
- we need to tell "not created" (connection refused, 429, 5xx: retry) from "may have been
  created" (timeout after the request left), which its exceptions blur;
- the API is two form-encoded calls with Basic auth; the library adds little.
The library still checks signatures (`smsbot.channels.twiml`) and gives TwiML.

The list (`find_message`, rare) goes through the bot's shared `httpx.AsyncClient`; the
creates go through a `FormPoster` (`twilio_post`): over that same client by default, over
aiohttp in the running bot, where the outbox's sending rate is bound by the client's CPU
(issue 20: about 0.4 ms a send over aiohttp against 2.6-5 ms over httpx).

Errors (`twilio_errors`, re-exported here):

    TwilioError (SmsbotError)   a call to Twilio's REST API failed
    ├── TwilioRejected          4xx: Twilio refused the message; `code` (e.g. 21610), `status`
    ├── TwilioRetryable         429, 5xx or no connection: nothing was created; `retry_after`
    └── TwilioUncertain         the request may have reached Twilio (timeout, broken reply)
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from smsbot.channels.twilio_errors import (
    TwilioError,
    TwilioRejected,
    TwilioRetryable,
    TwilioUncertain,
)
from smsbot.channels.twilio_post import FormPoster, HttpxPoster
from smsbot.config import Settings
from smsbot.errors import ConfigError
from smsbot.phones import WHATSAPP_PREFIX, mask, strip_channel

__all__ = [
    "INVALID_NUMBER",
    "OPTED_OUT",
    "Created",
    "TwilioError",
    "TwilioRejected",
    "TwilioRest",
    "TwilioRetryable",
    "TwilioUncertain",
]

log = logging.getLogger("smsbot.twilio")

#: One call to Twilio: connect quickly or call it "not sent"; allow a slow answer.
TIMEOUT = httpx.Timeout(15.0, connect=5.0)
#: Twilio's clock and ours may differ; a created message is looked for this far back.
CLOCK_SLACK = timedelta(minutes=2)

#: Twilio error codes that mean the recipient cannot get messages from us.
OPTED_OUT = 21610
INVALID_NUMBER = (21211, 21614)


@dataclass(frozen=True)
class Created:
    """A message Twilio accepted (or one we found it had)."""

    sid: str
    status: str


class TwilioRest:
    """Creates and finds messages in the configured Twilio account."""

    def __init__(
        self, settings: Settings, http: httpx.AsyncClient, poster: FormPoster | None = None
    ) -> None:
        """`poster` carries the create POSTs (default: over `http`, see `twilio_post`)."""
        self._settings = settings
        self._http = http
        self._poster = poster or HttpxPoster(http)

    def problem(self) -> ConfigError | None:
        """Why messages cannot be sent with this configuration; None when they can."""
        twilio = self._settings.twilio
        source = self._settings.source
        if not twilio.account_sid:
            return ConfigError(
                "is required to send messages (or set SMSBOT_TWILIO_ACCOUNT_SID)",
                source=source,
                key="twilio.account_sid",
            )
        if twilio.auth_token is None:
            return ConfigError(
                "is required to send messages (or set SMSBOT_TWILIO_AUTH_TOKEN)",
                source=source,
                key="twilio.auth_token",
            )
        if not twilio.from_number and not twilio.messaging_service_sid:
            return ConfigError(
                "or twilio.messaging_service_sid is required to send messages",
                source=source,
                key="twilio.from_number",
            )
        return None

    def _url(self) -> str:
        account = self._settings.twilio.account_sid or ""
        return f"{self._settings.twilio.api_base_url}/2010-04-01/Accounts/{account}/Messages.json"

    def _auth(self) -> httpx.BasicAuth:
        token = self._settings.twilio.auth_token
        return httpx.BasicAuth(
            self._settings.twilio.account_sid or "", token.reveal() if token else ""
        )

    def _addresses(self, phone: str, channel: str) -> dict[str, str]:
        """`To` and the sender (`MessagingServiceSid`, which wins, or `From`)."""
        twilio = self._settings.twilio
        prefix = WHATSAPP_PREFIX if channel == "whatsapp" else ""
        fields = {"To": prefix + strip_channel(phone)}
        if twilio.messaging_service_sid:
            fields["MessagingServiceSid"] = twilio.messaging_service_sid
        elif twilio.from_number:
            fields["From"] = prefix + strip_channel(twilio.from_number)
        return fields

    async def create_message(self, *, phone: str, channel: str, body: str) -> Created:
        """POST one message; raise TwilioRejected, TwilioRetryable or TwilioUncertain."""
        form = {**self._addresses(phone, channel), "Body": body}
        public_url = self._settings.server.public_url
        if public_url:
            form["StatusCallback"] = public_url + "/twilio/status"
        twilio = self._settings.twilio
        token = twilio.auth_token.reveal() if twilio.auth_token else ""
        posted = await self._poster.post_form(self._url(), form, (twilio.account_sid or "", token))
        if posted.status == 429 or posted.status >= 500:
            raise TwilioRetryable(
                f"Twilio answered HTTP {posted.status}", _seconds(posted.retry_after)
            )
        answer = _decoded(posted.body)
        if posted.status >= 400:
            code = answer.get("code")
            raise TwilioRejected(
                posted.status,
                code if isinstance(code, int) else None,
                str(answer.get("message") or posted.reason),
            )
        sid = answer.get("sid")
        if not isinstance(sid, str) or not sid:
            # Accepted, yet unreadable: treat as maybe-created, so it is looked up, not resent.
            raise TwilioUncertain(f"Twilio answered HTTP {posted.status} without a sid")
        log.info("Twilio accepted %s for %s", sid, mask(phone))
        return Created(sid, str(answer.get("status") or "queued"))

    async def find_message(
        self, *, phone: str, channel: str, body: str, since: datetime
    ) -> Created | None:
        """The message with this recipient and body that Twilio created since `since`, if any.

        Reads the newest page of the account's Messages list filtered by `To` (and `From`).
        Raises TwilioRetryable or TwilioUncertain when the list cannot be read.
        """
        params = {**self._addresses(phone, channel), "PageSize": "50"}
        params.pop("MessagingServiceSid", None)  # not a filter of the list
        try:
            response = await self._http.get(
                self._url(), params=params, auth=self._auth(), timeout=TIMEOUT
            )
        except httpx.TransportError as exc:
            raise TwilioRetryable(f"cannot list Twilio messages: {exc!r}") from exc
        if response.status_code != 200:
            raise TwilioRetryable(
                f"cannot list Twilio messages: HTTP {response.status_code}",
                _retry_after(response),
            )
        messages = _json(response).get("messages")
        if not isinstance(messages, list):
            raise TwilioUncertain("Twilio's message list has no 'messages'")
        earliest = since - CLOCK_SLACK
        for message in messages:
            if not isinstance(message, dict) or not _same_body(message.get("body"), body):
                continue
            created = _created_at(message.get("date_created"))
            if created is not None and created >= earliest and isinstance(message.get("sid"), str):
                return Created(message["sid"], str(message.get("status") or "queued"))
        return None


def _same_body(theirs: object, ours: str) -> bool:
    # Trial accounts prefix "Sent from your Twilio trial account - ".
    return isinstance(theirs, str) and (theirs == ours or theirs.endswith(ours))


def _created_at(text: object) -> datetime | None:
    """Twilio's RFC 2822 `date_created` ("Thu, 21 Nov 2024 14:14:00 +0000")."""
    if not isinstance(text, str):
        return None
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None


def _json(response: httpx.Response) -> dict[str, Any]:
    return _decoded(response.content)


def _decoded(body: bytes) -> dict[str, Any]:
    """A JSON object body, or {} (not JSON, or not an object)."""
    try:
        answer = json.loads(body)
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def _retry_after(response: httpx.Response) -> float | None:
    return _seconds(response.headers.get("retry-after", ""))


def _seconds(text: str) -> float | None:
    """Retry-After in seconds (Twilio sends seconds; an HTTP date is not expected)."""
    try:
        seconds = float(text.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
