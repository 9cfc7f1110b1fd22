"""Reading [metrics] and [admin]: who may see what the bot does (issue 18).

Tokens are configured as `sha256:HEX` (the SHA-256 of the token, 64 hex digits), so the file
never holds a working credential; `smsbot admin hash-token` prints one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from smsbot.config.settings import (
    AdminSettings,
    HandoffTarget,
    MetricsSettings,
    Secret,
    TokenDigest,
)
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
        session_ttl_s=table.positive("session_ttl_s", 8 * 3600.0, high=30 * 86400.0),
        max_failures=table.count("max_failures", 5, high=100),
        lockout_s=table.positive("lockout_s", 900.0, high=30 * 86400.0),
        secure_cookie=table.get("secure_cookie", bool, True),
    )


def read_targets(table: Table, env: Mapping[str, str]) -> tuple[HandoffTarget, ...]:
    """[escalation.zendesk], [escalation.gorgias], [escalation.slack]: helpdesk targets."""
    targets = []
    for kind in ("zendesk", "gorgias", "slack"):
        values = table.mapping(kind)
        if values:
            sub = Table(table.source, f"{table.name}.{kind}", values)
            targets.append(_TARGETS[kind](sub, env))
            sub.check_unknown()
    return tuple(targets)


def _required(table: Table, key: str, env: Mapping[str, str], variable: str) -> Secret:
    found = table.secret(key, env, variable)
    if found is None:
        raise table.error(key, f"is required (or set {variable})")
    return found


def _api_base(table: Table, name_key: str, host: str) -> Secret:
    """https://<name>.<host>, or `base_url` (a proxy, or a fake in tests)."""
    base = table.url("base_url")
    name = table.optional_str(name_key)
    if base is None and (name is None or not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name)):
        raise table.error(name_key, f"is required: the NAME of https://NAME.{host}")
    return Secret((base or f"https://{name}.{host}").rstrip("/"))


@dataclass(frozen=True)
class _Helpdesk:
    """How one helpdesk's table reads: its host, and the names of its user and key."""

    kind: str
    name_key: str  # the NAME of https://NAME.<host>
    host: str
    user_key: str
    user_help: str
    key_key: str
    variable: str  # the environment variable that may hold the key

    def __call__(self, table: Table, env: Mapping[str, str]) -> HandoffTarget:
        user = table.optional_str(self.user_key)
        if user is None:
            raise table.error(self.user_key, f"is required: {self.user_help}")
        key = _required(table, self.key_key, env, self.variable)
        return HandoffTarget(self.kind, _api_base(table, self.name_key, self.host), user, key)


_zendesk = _Helpdesk(
    "zendesk", "subdomain", "zendesk.com", "email", "the agent the API token belongs to",
    "api_token", "SMSBOT_ZENDESK_API_TOKEN",
)  # fmt: skip
_gorgias = _Helpdesk(
    "gorgias", "domain", "gorgias.com", "username", "the e-mail of the API key's user",
    "api_key", "SMSBOT_GORGIAS_API_KEY",
)  # fmt: skip


def _slack(table: Table, env: Mapping[str, str]) -> HandoffTarget:
    url = _required(table, "webhook_url", env, "SMSBOT_SLACK_WEBHOOK_URL")
    if not url.reveal().startswith("https://") and not url.reveal().startswith("http://127."):
        raise table.error("webhook_url", "must be the https:// URL of a Slack incoming webhook")
    return HandoffTarget("slack", url)


_TARGETS: dict[str, Callable[[Table, Mapping[str, str]], HandoffTarget]] = {
    "zendesk": _zendesk,
    "gorgias": _gorgias,
    "slack": _slack,
}
