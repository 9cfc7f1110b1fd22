"""API bearer tokens: only their SHA-256 is configured; checked in constant time.

Every configured digest is compared on every request (no early exit), so an unknown token
and a known one take the same time; a wrong scope is told apart only by its status (403).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence

from smsbot.config.settings import ApiToken

#: New tokens start with this, so a leaked one is recognisable (secret scanners, logs).
PREFIX = "smsbot_"


def new_token() -> tuple[str, str]:
    """A fresh token and the `[api] tokens` entry of its digest (`sha256:HEX`)."""
    token = PREFIX + secrets.token_urlsafe(32)
    return token, "sha256:" + hashlib.sha256(token.encode()).hexdigest()


def bearer(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer TOKEN` header, or None."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    return value if scheme.lower() == "bearer" and value else None


def find_token(tokens: Sequence[ApiToken], presented: str | None) -> ApiToken | None:
    """The configured token whose digest matches `presented`, or None; constant time."""
    digest = hashlib.sha256((presented or "").encode()).digest()
    found: ApiToken | None = None
    for token in tokens:
        if hmac.compare_digest(token.digest, digest) and presented:
            found = token
    return found
