"""Whether a configuration is ready to run for real: no example value left in it, and
Twilio's identifiers in their documented shapes.

`load_settings` accepts a configuration that is well-formed; `smsbot check` and
`smsbot serve` also call `require_ready`, so a value copied from config.example.toml
(`your-primary-auth-token`, `ACxxx...`, `bot.example.com`, `"..."`) stops them with one line
naming the file and the key. Tests and the demo build settings without these checks.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from urllib.parse import urlsplit

from smsbot.config.settings import Settings
from smsbot.errors import ConfigError

#: Values of config.example.toml that are examples, never real settings.
_PLACEHOLDER_TEXTS = frozenset({"...", "your-primary-auth-token", "your-shop.myshopify.com"})
_PLACEHOLDER_SHAPES = (
    re.compile(r"\A[A-Za-z]{0,8}_?\.\.\.\Z"),  # "...", "shpat_...", "ck_..."
    re.compile(r"x{8,}", re.IGNORECASE),  # ACxxxxxxxx..., MGxxxxxxxx...
    re.compile(r"<[^>]*>"),  # sha256:<64 hex digits>
    re.compile(r"\Ayour-"),
    re.compile(r"\A(AC|MG|SK)123"),
)
#: Example hosts: bot.example.com, helpdesk.example.com, shop.example, acme.example.
_EXAMPLE_HOST = re.compile(r"(\A|\.)example(\.com|\.org|\.net)?\Z")

#: Twilio's SIDs: two letters and 32 hex digits.
_SID_SHAPES = {
    "twilio.account_sid": ("AC", "your Account SID (Twilio console, Account info)"),
    "twilio.messaging_service_sid": ("MG", "the Messaging Service's SID (Messaging > Services)"),
}
_HEX32 = re.compile(r"[0-9a-fA-F]{32}\Z")


def require_ready(settings: Settings) -> list[str]:
    """Raise `ConfigError` for the first example value or misshapen Twilio SID; return the
    warnings that do not stop a start (an auth token that is not 32 hex digits)."""
    source = settings.source
    for key, value in _placeholders(_raw(source)):
        raise ConfigError(
            f"still holds the example value {value!r} from config.example.toml: "
            "put your own value there",
            source=source,
            key=key,
        )
    token = settings.twilio.auth_token
    if token is not None and is_placeholder(token.reveal()):
        raise ConfigError(
            "holds an example value (from SMSBOT_TWILIO_AUTH_TOKEN): "
            "set your Auth Token (Twilio console, Account info)",
            source=source,
            key="twilio.auth_token",
        )
    values: dict[str, str | None] = {
        "twilio.account_sid": settings.twilio.account_sid,
        "twilio.messaging_service_sid": settings.twilio.messaging_service_sid,
    }
    for key, sid in values.items():
        prefix, what = _SID_SHAPES[key]
        if sid is not None and not (sid.startswith(prefix) and _HEX32.match(sid[2:])):
            raise ConfigError(
                f"must be {what}: {prefix} and 32 hex digits ({len(sid)} characters given)",
                source=source,
                key=key,
            )
    warnings: list[str] = []
    if token is not None and not _HEX32.match(token.reveal()):
        warnings.append(
            f"{source}: twilio.auth_token: is not 32 hex digits, the shape of a Twilio Auth "
            "Token: every webhook will fail its signature check unless it is the right one"
        )
    return warnings


def is_placeholder(value: str) -> bool:
    """Whether `value` is one of config.example.toml's example values."""
    if value in _PLACEHOLDER_TEXTS or any(shape.search(value) for shape in _PLACEHOLDER_SHAPES):
        return True
    if value.startswith(("http://", "https://")):
        try:
            host = urlsplit(value).hostname or ""
        except ValueError:
            return False
        return bool(_EXAMPLE_HOST.search(host))
    return False


def _raw(source: str) -> Mapping[str, object]:
    """The configuration file as written (the settings keep no record of where each came
    from); empty when there is no file behind the settings."""
    path = Path(source)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}  # load_settings has read it already; a race is not this check's business


def _placeholders(data: Mapping[str, object], prefix: str = "") -> Iterator[tuple[str, str]]:
    for name, value in data.items():
        key = f"{prefix}{name}"
        if isinstance(value, Mapping):
            yield from _placeholders(value, f"{key}.")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, Mapping):
                    yield from _placeholders(item, f"{key}[{index}].")
                elif isinstance(item, str) and is_placeholder(item):
                    yield f"{key}[{index}]", item
        elif isinstance(value, str) and is_placeholder(value):
            yield key, value
