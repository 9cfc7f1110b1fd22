"""The shops' webhook signatures: base64 HMAC-SHA256 of the raw body, compared in constant
time (Shopify: X-Shopify-Hmac-Sha256 with the app's secret; WooCommerce:
X-WC-Webhook-Signature with the webhook's secret)."""

from __future__ import annotations

import base64
import hashlib
import hmac


def sign(secret: str, body: bytes) -> str:
    """The signature a platform sends for `body`."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verified(secret: str, body: bytes, header: str | None) -> bool:
    """Whether `header` is the signature of `body`; a missing header is not."""
    if not header:
        return False
    return hmac.compare_digest(sign(secret, body).encode(), header.strip().encode())
