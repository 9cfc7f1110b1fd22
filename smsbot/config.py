"""Configuration: one TOML file plus environment variables, read once into frozen settings.

Every error names the file and the key (`ConfigError`); secrets are `Secret`s, hidden in reprs.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time
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

VERIFY_POLICIES = ("phone_or_postal_code", "phone", "none")

#: How often the watcher looks at a shipment, by its last status (minutes); see [watch].
DEFAULT_REFRESH_MINUTES: Mapping[str, float] = {
    "pending": 360,
    "label_created": 360,
    "in_transit": 180,
    "out_for_delivery": 30,
    "available_for_pickup": 360,
    "delivery_attempted": 120,
    "exception": 120,
    "returning": 720,
    "unknown": 360,
}

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
    from_number: str | None = None  # sender of outbound messages (E.164 or whatsapp:+...)
    messaging_service_sid: str | None = None  # or a Messaging Service (takes precedence)
    api_base_url: str = "https://api.twilio.com"  # REST API host; tests point it at a fake


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
    verify: str = "phone_or_postal_code"
    max_segments: int = 3
    max_verify_attempts: int = 3  # wrong postal codes before a lockout
    lockout_s: float = 3600.0  # how long a locked-out sender gets no lookups
    verified_ttl_s: float = 30 * 86400.0  # how long a right postal code is remembered
    session_ttl_s: float = 1800.0  # menus, pending questions and MORE stay valid this long
    hint_window_s: float = 86400.0  # the usage hint is sent at most once per window
    max_messages_per_minute: int = 6
    max_lookups_per_hour: int = 20


@dataclass(frozen=True)
class EscalationSettings:
    webhook_url: str | None = None  # AGENT/HUMAN: where the JSON escalation is POSTed
    token: Secret | None = None  # sent as "Authorization: Bearer ..." when set


@dataclass(frozen=True)
class AlertsSettings:
    webhook_url: str | None = None  # merchant alerts from the watcher, as JSON
    token: Secret | None = None  # sent as "Authorization: Bearer ..." when set


@dataclass(frozen=True)
class WatchSettings:
    enabled: bool = False  # run the watcher inside `smsbot serve`
    max_age_days: float = 30.0  # stop watching shipments older than this
    poll_interval_s: float = 60.0  # how often the watcher looks for due shipments
    refresh_minutes: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_REFRESH_MINUTES)
    )
    label_scan_alert_h: float = 48.0
    stall_after_h: float = 36.0
    quiet_hours: tuple[time, time] | None = (time(21, 0), time(8, 0))  # None: no quiet hours
    max_messages_per_day: int = 3
    credit_code: str | None = None  # offered in the "stalled" apology, e.g. "SORRY10"
    credit_offer: str = ""  # what the code gives, e.g. "10% off your next order"
    proof_carriers: tuple[str, ...] = ("ups", "fedex")  # usually give a photo or signature
    delivery_checkin: bool = False  # ask the customer after a delivery without proof
    delivery_checkin_after_h: float = 3.0


@dataclass(frozen=True)
class RoutingSettings:
    default: str | None = None  # the aggregator for carriers without an adapter of their own
    carriers: Mapping[str, str] = field(default_factory=dict)  # carrier (or "*") -> aggregator


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
    escalation: EscalationSettings = EscalationSettings()
    alerts: AlertsSettings = AlertsSettings()
    watch: WatchSettings = WatchSettings()
    routing: RoutingSettings = RoutingSettings()
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

    def count(self, key: str, default: int, *, low: int = 1, high: int = 1_000_000) -> int:
        value = self.get(key, int, default)
        if not low <= value <= high:
            raise self.error(key, f"must be between {low} and {high}, not {value}")
        return value

    def url(self, key: str) -> str | None:
        value = self.optional_str(key)
        if value is not None:
            url = httpx.URL(value)
            if url.scheme not in ("http", "https") or not url.host:
                raise self.error(key, f"must be an http(s) URL, not {value!r}")
        return value

    def secret(self, key: str, env: Mapping[str, str], variable: str) -> Secret | None:
        value = self.optional_str(key) or env.get(variable) or None
        return Secret(value) if value else None

    def strings(self, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        self.used.add(key)
        value = self.values.get(key, list(default))
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.error(key, f"must be a list of strings, not {value!r}")
        return tuple(value)

    def mapping(self, key: str) -> Mapping[str, Any]:
        self.used.add(key)
        value = self.values.get(key, {})
        if not isinstance(value, Mapping):
            raise self.error(key, f"must be a table ({key} = {{ ... }}), not {value!r}")
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
        "escalation": _escalation,
        "alerts": _alerts,
        "watch": _watch,
        "routing": _routing,
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
    _check_routes(built["routing"], built.get("carriers", {}), source)
    return Settings(**built, source=source, environ=env)


def _server(table: _Table, env: Mapping[str, str]) -> ServerSettings:
    public_url = table.url("public_url")
    if public_url is not None:
        public_url = public_url.rstrip("/")
    port = table.get("port", int, 8080)
    if not 0 < port < 65536:
        raise table.error("port", f"must be a port number, not {port}")
    return ServerSettings(public_url, table.get("host", str, "127.0.0.1"), port)


def _twilio(table: _Table, env: Mapping[str, str]) -> TwilioSettings:
    account = table.optional_str("account_sid") or env.get("SMSBOT_TWILIO_ACCOUNT_SID") or None
    sender = table.optional_str("from_number")
    if sender is not None and not _SENDER.match(sender):
        raise table.error(
            "from_number", f"must be an E.164 number like +15005550006, not {sender!r}"
        )
    service = table.optional_str("messaging_service_sid")
    if service is not None and not service.startswith("MG"):
        raise table.error("messaging_service_sid", f"must start with MG, not {service!r}")
    return TwilioSettings(
        account_sid=account,
        auth_token=table.secret("auth_token", env, "SMSBOT_TWILIO_AUTH_TOKEN"),
        validate_signature=table.get("validate_signature", bool, True),
        from_number=sender,
        messaging_service_sid=service,
        api_base_url=(table.url("api_base_url") or "https://api.twilio.com").rstrip("/"),
    )


_SENDER = re.compile(r"(whatsapp:)?\+[1-9]\d{6,14}\Z")


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
    verify = table.get("verify", str, "phone_or_postal_code")
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
        max_verify_attempts=table.count("max_verify_attempts", 3, high=100),
        lockout_s=table.positive("lockout_s", 3600.0),
        verified_ttl_s=table.positive("verified_ttl_s", 30 * 86400.0),
        session_ttl_s=table.positive("session_ttl_s", 1800.0),
        hint_window_s=table.positive("hint_window_s", 86400.0),
        max_messages_per_minute=table.count("max_messages_per_minute", 6),
        max_lookups_per_hour=table.count("max_lookups_per_hour", 20),
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


def _escalation(table: _Table, env: Mapping[str, str]) -> EscalationSettings:
    return EscalationSettings(
        webhook_url=table.url("webhook_url"),
        token=table.secret("token", env, "SMSBOT_ESCALATION_TOKEN"),
    )


def _alerts(table: _Table, env: Mapping[str, str]) -> AlertsSettings:
    return AlertsSettings(
        webhook_url=table.url("webhook_url"),
        token=table.secret("token", env, "SMSBOT_ALERTS_TOKEN"),
    )


_CLOCK_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)\Z")


def _quiet_hours(table: _Table) -> tuple[time, time] | None:
    text = table.get("quiet_hours", str, "21:00-08:00").strip()
    if not text:
        return None
    start, _, end = text.partition("-")
    bounds = [_CLOCK_TIME.match(part.strip()) for part in (start, end)]
    if not all(bounds):
        raise table.error("quiet_hours", f'must look like "21:00-08:00" (or ""), not {text!r}')
    first, last = (time(int(m.group(1)), int(m.group(2))) for m in bounds if m)
    if first == last:
        raise table.error("quiet_hours", 'start and end are the same; use "" for none')
    return first, last


def _watch(table: _Table, env: Mapping[str, str]) -> WatchSettings:
    refresh = dict(DEFAULT_REFRESH_MINUTES)
    for status, minutes in table.mapping("refresh_minutes").items():
        if status not in DEFAULT_REFRESH_MINUTES:
            raise table.error(
                f"refresh_minutes.{status}",
                f"unknown status (one of {', '.join(DEFAULT_REFRESH_MINUTES)})",
            )
        if isinstance(minutes, bool) or not isinstance(minutes, int | float) or minutes <= 0:
            raise table.error(f"refresh_minutes.{status}", f"must be minutes > 0, not {minutes!r}")
        refresh[status] = float(minutes)
    return WatchSettings(
        enabled=table.get("enabled", bool, False),
        max_age_days=table.positive("max_age_days", 30.0),
        poll_interval_s=table.positive("poll_interval_s", 60.0),
        refresh_minutes=refresh,
        label_scan_alert_h=table.positive("label_scan_alert_h", 48.0),
        stall_after_h=table.positive("stall_after_h", 36.0),
        quiet_hours=_quiet_hours(table),
        max_messages_per_day=table.count("max_messages_per_day", 3, high=100),
        credit_code=table.optional_str("credit_code"),
        credit_offer=table.get("credit_offer", str, ""),
        proof_carriers=table.strings("proof_carriers", ("ups", "fedex")),
        delivery_checkin=table.get("delivery_checkin", bool, False),
        delivery_checkin_after_h=table.positive("delivery_checkin_after_h", 3.0),
    )


def _routing(table: _Table, env: Mapping[str, str]) -> RoutingSettings:
    routes: dict[str, str] = {}
    for carrier, target in table.mapping("carriers").items():
        if carrier != "*" and not _CARRIER_NAME.match(carrier):
            raise table.error(f"carriers.{carrier}", 'carrier names are lower-case (or "*")')
        if not isinstance(target, str) or not target:
            raise table.error(f"carriers.{carrier}", f"must name an aggregator, not {target!r}")
        routes[carrier] = target
    return RoutingSettings(default=table.optional_str("default"), carriers=routes)


def _check_routes(
    routing: RoutingSettings, carriers: Mapping[str, Mapping[str, Any]], source: str
) -> None:
    """Every route leads to a configured `[carriers.<name>]` table."""
    targets = [("routing.default", routing.default)] + [
        (f"routing.carriers.{name}", target) for name, target in routing.carriers.items()
    ]
    for key, target in targets:
        if target is not None and target not in carriers:
            raise ConfigError(
                f"routes to {target!r}, which has no [carriers.{target}] table",
                source=source,
                key=key,
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
            # Someone trying the demo types fast; the real defaults would cut them off.
            max_messages_per_minute=60,
            max_lookups_per_hour=500,
        ),
        carriers={"demo": {}},
        source="--demo",
        environ={} if environ is None else dict(environ),
    )
