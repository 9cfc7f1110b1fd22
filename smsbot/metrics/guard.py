"""Who may read /metrics: a bearer token checked against its configured SHA-256."""

from __future__ import annotations

import hashlib
import hmac

from smsbot.config import TokenDigest


def bearer_allowed(authorization: str | None, expected: TokenDigest) -> bool:
    """Whether `authorization` is "Bearer <token>" for the token whose SHA-256 is `expected`.

    Compared in constant time over digests, so neither the token's length nor its prefix
    leaks through timing.
    """
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return False
    presented = hashlib.sha256(token.strip().encode("utf-8")).digest()
    return hmac.compare_digest(presented, expected.digest)
