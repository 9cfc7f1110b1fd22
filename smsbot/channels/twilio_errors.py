"""How a call to Twilio's REST API failed (see `smsbot.channels.twilio_rest`).

TwilioError (SmsbotError)   a call to Twilio's REST API failed
├── TwilioRejected          4xx: Twilio refused the message; `code` (e.g. 21610), `status`
├── TwilioRetryable         429, 5xx or no connection: nothing was created; `retry_after`
└── TwilioUncertain         the request may have reached Twilio (timeout, broken reply)
"""

from __future__ import annotations

import re

from smsbot.errors import SmsbotError
from smsbot.phones import mask

_NUMBER = re.compile(r"\+?\d{7,}")


class TwilioError(SmsbotError):
    """A call to Twilio's REST API failed."""


class TwilioRejected(TwilioError):
    """Twilio refused the message (4xx); sending it again would fail the same way."""

    def __init__(self, status: int, code: int | None, message: str) -> None:
        self.status = status
        self.code = code
        # Twilio's texts name the number ("The 'To' number +1555... is not valid"): mask it.
        self.text = message = _NUMBER.sub(lambda found: mask(found.group()), message)
        super().__init__(f"Twilio refused the message: HTTP {status}, error {code}: {message}")


class TwilioRetryable(TwilioError):
    """Twilio was unreachable, busy (429) or failing (5xx): nothing was created."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class TwilioUncertain(TwilioError):
    """The request may have reached Twilio: whether a message was created is unknown."""
