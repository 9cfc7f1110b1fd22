"""Reading [metrics] and [admin]: who may see what the bot does (issue 18).

Tokens are configured as `sha256:HEX` (the SHA-256 of the token, 64 hex digits), so the file
never holds a working credential; `smsbot admin hash-token` prints one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from smsbot.config.settings import AdminSettings, MetricsSettings, TokenDigest
from smsbot.config.table import Table

_DIGEST = re.compile(r"sha256:([0-9a-fA-F]{64})\Z")


def token_digest(
    table: Table, key: str, env: Mapping[str, str], variable: str
) -> TokenDigest | None:
    """`sha256:HEX` from the table, else from `variable` in the environment; None if unset."""
    text = table.optional_str(key) or env.get(variable) or None
    if text is None:
        return None
    found = _DIGEST.match(text.strip())
    if found is None:
        raise table.error(
            key, "must be sha256:<64 hex digits>, the SHA-256 of the token (never the token)"
        )
    return TokenDigest(bytes.fromhex(found.group(1)))


def read_metrics(table: Table, env: Mapping[str, str]) -> MetricsSettings:
    """[metrics]: token = "sha256:…" (without it, /metrics is off)."""
    return MetricsSettings(token=token_digest(table, "token", env, "SMSBOT_METRICS_TOKEN"))


def read_admin(table: Table, env: Mapping[str, str]) -> AdminSettings:
    """[admin]: the console's session key, login lifetime and lockout."""
    secret = table.secret("secret_key", env, "SMSBOT_ADMIN_SECRET_KEY")
    if secret is not None and len(secret.reveal()) < 32:
        raise table.error("secret_key", "must be at least 32 characters (random)")
    return AdminSettings(
        secret_key=secret,
        session_ttl_s=table.positive("session_ttl_s", 8 * 3600.0),
        max_failures=table.count("max_failures", 5, high=100),
        lockout_s=table.positive("lockout_s", 900.0),
        secure_cookie=table.get("secure_cookie", bool, True),
    )
