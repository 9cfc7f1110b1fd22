"""Sending one e-mail over SMTP with aiosmtplib: STARTTLS before logging in (unless
`email.starttls = false`), the system's CAs or `email.ca_file`, a timeout."""

from __future__ import annotations

import ssl
from email.message import EmailMessage

import aiosmtplib

from smsbot.config.settings import EmailSettings


class EmailSender:
    """One SMTP submission per message (notices are few: no pool to keep alive)."""

    def __init__(self, settings: EmailSettings) -> None:
        self._settings = settings
        self._tls = ssl.create_default_context(cafile=settings.ca_file)

    async def send(self, message: EmailMessage) -> None:
        """Submit `message`; raises aiosmtplib's errors (the caller retries later)."""
        s = self._settings
        await aiosmtplib.send(
            message,
            hostname=s.host,
            port=s.port,
            username=s.username,
            password=s.password.reveal() if s.password else None,
            start_tls=s.starttls,
            tls_context=self._tls if s.starttls else None,
            timeout=s.timeout_s,
        )
