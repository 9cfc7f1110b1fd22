"""Configuration: one TOML file plus environment variables, read once into frozen settings.

Every error names the file and the key (`ConfigError`); secrets are `Secret`s, hidden in reprs.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx
import phonenumbers

from smsbot.errors import ConfigError

DEFAULT_CONFIG = Path("smsbot.toml")

#: An order number: optional "#", letters/digits with inner dashes, at least one digit, e.g.
#: 1001, #1001, A-1001, SO-2024-77. Matched as a whole word anywhere in a message.
DEFAULT_ORDER_PATTERN = r"#?\b(?=[A-Za-z-]*\d)[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*\b"

VERIFY_POLICIES = ("phone", "none")

T = TypeVar("T")


class Secret:
    """A secret value that never shows in `repr` or `str`."""

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret itself, for the one place that must send it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class ServerSettings:
    public_url: str | None = None  # what Twilio calls; signatures are checked against it
    host: str = "127.0.0.1"
    port: int = 8080


@dataclass(frozen=True)
class TwilioSettings:
    account_sid: str | None = None
    auth_token: Secret | None = None
    validate_signature: bool = True


@dataclass(frozen=True)
class StoreSettings:
    path: str = "smsbot.db"


@dataclass(frozen=True)
class BotSettings:
    brand: str = "our shop"
    support_contact: str = "our support team"
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    language: str = "en"
    default_region: str = "US"
    order_number_pattern: re.Pattern[str] = re.compile(DEFAULT_ORDER_PATTERN)
    verify: str = "phone"
    max_segments: int = 3


@dataclass(frozen=True)
class TrackingSettings:
    reply_deadline_s: float = 5.0  # the whole answer, whatever the carriers do
    carrier_timeout_s: float = 4.0  # one carrier call
    cache_ttl_s: float = 600.0
    delivered_cache_ttl_s: float = 86400.0  # a delivered parcel does not change


@dataclass(frozen=True)
class Settings:
    server: ServerSettings = ServerSettings()
    twilio: TwilioSettings = TwilioSettings()
    store: StoreSettings = StoreSettings()
    bot: BotSettings = BotSettings()
    tracking: TrackingSettings = TrackingSettings()
    carriers: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    source: str = "defaults"  # the file the settings came from, for error messages
    environ: Mapping[str, str] = field(default_factory=dict, repr=False)


class _Table:
    """One TOML table being read: typed getters whose errors name file and key."""

    def __init__(self, source: str, name: str, values: Mapping[str, Any]) -> None:
        self.source = source
        self.name = name
        self.values = values
        self.used: set[str] = set()

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(message, source=self.source, key=f"{self.name}.{key}")

    def get(self, key: str, kind: type[T], default: T) -> T:
        self.used.add(key)
        value = self.values.get(key, default)
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise self.error(key, f"must be {_kind_name(kind)}, not {value!r}")
        return value

    def optional_str(self, key: str) -> str | None:
        self.used.add(key)
        value = self.values.get(key)
        if value is not None and not isinstance(value, str):
            raise self.error(key, f"must be a string, not {value!r}")
        return value or None

    def positive(self, key: str, default: float) -> float:
        value = self.get(key, float, default)
        if value <= 0:
            raise self.error(key, f"must be greater than 0, not {value!r}")
        return value

    def check_unknown(self) -> None:
        unknown = sorted(set(self.values) - self.used)
        if unknown:
            raise self.error(unknown[0], "unknown key (check the spelling in config.example.toml)")


def _kind_name(kind: type) -> str:
    return {str: "a string", bool: "true or false", int: "a whole number", float: "a number"}.get(
        kind, kind.__name__
    )


def load_settings(path: Path, environ: Mapping[str, str] | None = None) -> Settings:
    """Read `path` (TOML) and the environment into `Settings`; raise `ConfigError`."""
    env = dict(os.environ) if environ is None else dict(environ)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError("file not found", source=source) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot be read ({exc})", source=source) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"is not valid TOML ({exc})", source=source) from exc
    return settings_from_mapping(data, source=source, environ=env)


def settings_from_mapping(
    data: Mapping[str, Any], *, source: str = "config", environ: Mapping[str, str] | None = None
) -> Settings:
    """Build `Settings` from parsed TOML; unknown sections and keys are errors."""
    env = {} if environ is None else dict(environ)
    readers: dict[str, Callable[[_Table, Mapping[str, str]], Any]] = {
        "server": _server,
        "twilio": _twilio,
        "store": _store,
        "bot": _bot,
        "tracking": _tracking,
    }
    built: dict[str, Any] = {}
    for name, values in data.items():
        if name == "carriers":
            built["carriers"] = _carriers(source, values)
            continue
        if name not in readers:
            raise ConfigError("unknown section", source=source, key=name)
        if not isinstance(values, Mapping):
            raise ConfigError("must be a table ([section])", source=source, key=name)
        table = _Table(source, name, values)
        built[name] = readers[name](table, env)
        table.check_unknown()
    for name, reader in readers.items():
        if name not in built:
            built[name] = reader(_Table(source, name, {}), env)
    return Settings(**built, source=source, environ=env)


def _server(table: _Table, env: Mapping[str, str]) -> ServerSettings:
    public_url = table.optional_str("public_url")
    if public_url is not None:
        url = httpx.URL(public_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise table.error("public_url", f"must be an http(s) URL, not {public_url!r}")
        public_url = public_url.rstrip("/")
    port = table.get("port", int, 8080)
    if not 0 < port < 65536:
        raise table.error("port", f"must be a port number, not {port}")
    return ServerSettings(public_url, table.get("host", str, "127.0.0.1"), port)


def _twilio(table: _Table, env: Mapping[str, str]) -> TwilioSettings:
    token = table.optional_str("auth_token") or env.get("SMSBOT_TWILIO_AUTH_TOKEN") or None
    account = table.optional_str("account_sid") or env.get("SMSBOT_TWILIO_ACCOUNT_SID") or None
    return TwilioSettings(
        account_sid=account,
        auth_token=Secret(token) if token else None,
        validate_signature=table.get("validate_signature", bool, True),
    )


def _store(table: _Table, env: Mapping[str, str]) -> StoreSettings:
    return StoreSettings(path=table.get("path", str, "smsbot.db"))


def _bot(table: _Table, env: Mapping[str, str]) -> BotSettings:
    zone_name = table.get("timezone", str, "UTC")
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise table.error("timezone", f"unknown time zone {zone_name!r}") from exc
    language = table.get("language", str, "en")
    if language not in ("en", "es"):
        raise table.error("language", f"must be 'en' or 'es', not {language!r}")
    region = table.get("default_region", str, "US").upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise table.error("default_region", f"unknown region {region!r} (use e.g. 'US', 'GB')")
    pattern_text = table.get("order_number_pattern", str, DEFAULT_ORDER_PATTERN)
    try:
        pattern = re.compile(pattern_text)
    except re.error as exc:
        raise table.error("order_number_pattern", f"is not a valid regex ({exc})") from exc
    verify = table.get("verify", str, "phone")
    if verify not in VERIFY_POLICIES:
        raise table.error("verify", f"must be one of {', '.join(VERIFY_POLICIES)}")
    segments = table.get("max_segments", int, 3)
    if not 1 <= segments <= 10:
        raise table.error("max_segments", "must be between 1 and 10")
    return BotSettings(
        brand=table.get("brand", str, "our shop"),
        support_contact=table.get("support_contact", str, "our support team"),
        timezone=zone,
        language=language,
        default_region=region,
        order_number_pattern=pattern,
        verify=verify,
        max_segments=segments,
    )


def _tracking(table: _Table, env: Mapping[str, str]) -> TrackingSettings:
    deadline = table.positive("reply_deadline_s", 5.0)
    if deadline > 14:
        raise table.error("reply_deadline_s", "must stay under Twilio's 15 s webhook timeout")
    return TrackingSettings(
        reply_deadline_s=deadline,
        carrier_timeout_s=table.positive("carrier_timeout_s", min(4.0, deadline)),
        cache_ttl_s=table.positive("cache_ttl_s", 600.0),
        delivered_cache_ttl_s=table.positive("delivered_cache_ttl_s", 86400.0),
    )


_CARRIER_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")


def _carriers(source: str, values: object) -> dict[str, Mapping[str, Any]]:
    if not isinstance(values, Mapping):
        raise ConfigError(
            "must be a table of [carriers.<name>] tables", source=source, key="carriers"
        )
    tables: dict[str, Mapping[str, Any]] = {}
    for name, table in values.items():
        if not _CARRIER_NAME.match(name):
            raise ConfigError(
                "carrier names are lower-case letters, digits and _",
                source=source,
                key=f"carriers.{name}",
            )
        if not isinstance(table, Mapping):
            raise ConfigError("must be a table", source=source, key=f"carriers.{name}")
        tables[name] = dict(table)
    return tables


def config_path(option: str | None, environ: Mapping[str, str]) -> Path:
    """Where the configuration is: `--config`, else `SMSBOT_CONFIG`, else ./smsbot.toml."""
    if option:
        return Path(option)
    if environ.get("SMSBOT_CONFIG"):
        return Path(environ["SMSBOT_CONFIG"])
    return DEFAULT_CONFIG


def demo_settings(store_path: str, environ: Mapping[str, str] | None = None) -> Settings:
    """Settings for `--demo`: the demo carrier, no signature check, no configuration file."""
    return Settings(
        twilio=TwilioSettings(validate_signature=False),
        store=StoreSettings(path=store_path),
        bot=BotSettings(
            brand="Demo Shop",
            support_contact="help@demo.example",
            timezone=ZoneInfo("America/New_York"),
            verify="none",
        ),
        carriers={"demo": {}},
        source="--demo",
        environ={} if environ is None else dict(environ),
    )
