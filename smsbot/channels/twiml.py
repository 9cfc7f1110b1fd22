"""The Twilio boundary: check `X-Twilio-Signature`, render TwiML."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

log = logging.getLogger("smsbot.channels.twiml")

MEDIA_TYPE = "application/xml"


class SignatureCheck:
    """Checks webhook signatures against the configured public URL, never the one we saw.

    Proxies and tunnels rewrite scheme, host and port; Twilio signed the URL it called.
    """

    def __init__(self, auth_token: str, public_url: str) -> None:
        self._validator = RequestValidator(auth_token)
        self._public_url = public_url.rstrip("/")

    def url_for(self, path: str, query: bytes) -> str:
        """The URL Twilio called: public URL + path (+ the query string, byte for byte)."""
        url = self._public_url + path
        return f"{url}?{query.decode('latin-1')}" if query else url

    def valid(self, path: str, query: bytes, params: object, signature: str | None) -> bool:
        """Whether `signature` signs this URL and *all* posted `params`."""
        if not signature:
            return False
        try:
            return bool(self._validator.validate(self.url_for(path, query), params, signature))
        except Exception:  # the SDK raises TypeError on some inputs; fail closed
            log.warning("signature check failed on malformed input", exc_info=True)
            return False


def render(text: str | None) -> str:
    """TwiML: one `<Message>` with `text`, or an empty `<Response/>` for None."""
    response = MessagingResponse()
    if text:
        response.message(_xml_safe(text))
    return str(response)


def _xml_safe(text: str) -> str:
    """Remove characters XML 1.0 cannot carry (control characters other than tab/newline)."""
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 0x20)


def sign(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """The `X-Twilio-Signature` Twilio would send: for tests, the CLI and fake clients."""
    return str(RequestValidator(auth_token).compute_signature(url, params))
