"""Reading the configuration: one TOML file plus environment variables into `Settings`.

Unknown sections and keys are errors; every error names the file and the key.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from datetime import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

from smsbot.config.checkout import CheckoutSettings
from smsbot.config.console import read_admin, read_metrics, read_targets
from smsbot.config.eta_loader import read_eta
from smsbot.config.page_loader import read_email, read_links, read_page
from smsbot.config.settings import (
    DEFAULT_CONFIG,
    DEFAULT_ORDER_PATTERN,
    DEFAULT_REFRESH_MINUTES,
    VERIFY_POLICIES,
    AlertsSettings,
    BotSettings,
    BudgetSettings,
    CsatSettings,
    EscalationSettings,
    RoutingSettings,
    ServerSettings,
    Settings,
    TrackingSettings,
    TwilioSettings,
    WatchSettings,
)
from smsbot.config.shops import read_api, read_inbox, read_shopify, read_woocommerce
from smsbot.config.store_loader import check_store_file, read_store
from smsbot.config.table import Table
from smsbot.errors import ConfigError


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
    settings = settings_from_mapping(data, source=source, environ=env)
    check_store_file(settings.store, data, source)
    return settings


def settings_from_mapping(
    data: Mapping[str, Any], *, source: str = "config", environ: Mapping[str, str] | None = None
) -> Settings:
    """Build `Settings` from parsed TOML; unknown sections and keys are errors."""
    env = {} if environ is None else dict(environ)
    readers: dict[str, Callable[[Table, Mapping[str, str]], Any]] = {
        "server": _server,
        "twilio": _twilio,
        "store": read_store,
        "bot": _bot,
        "tracking": _tracking,
        "escalation": _escalation,
        "alerts": _alerts,
        "watch": _watch,
        "routing": _routing,
        "api": read_api,
        "shopify": read_shopify,
        "woocommerce": read_woocommerce,
        "links": read_links,
        "page": read_page,
        "email": read_email,
        "metrics": read_metrics,
        "admin": read_admin,
        "csat": read_csat,
        "inbox": read_inbox,
        "checkout": read_checkout,
        "eta": read_eta,
        "budgets": read_budgets,
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
        table = Table(source, name, values)
        built[name] = readers[name](table, env)
        table.check_unknown()
    for name, reader in readers.items():
        if name not in built:
            built[name] = reader(Table(source, name, {}), env)
    _check_routes(built["routing"], built.get("carriers", {}), source)
    return Settings(**built, source=source, environ=env)


def _server(table: Table, env: Mapping[str, str]) -> ServerSettings:
    public_url = table.url("public_url")
    if public_url is not None:
        public_url = public_url.rstrip("/")
        _site_only(table, public_url)
    port = table.get("port", int, 8080)
    if not 0 < port < 65536:
        raise table.error("port", f"must be a port number, not {port}")
    return ServerSettings(public_url, table.get("host", str, "127.0.0.1"), port)


def _site_only(table: Table, public_url: str) -> None:
    """`server.public_url` is the site only: signatures are checked against it + the
    request path, so a path (`/sms`) or a query in it breaks every webhook with a 403."""
    parts = urlsplit(public_url)
    if parts.path.strip("/") or parts.query or parts.fragment:
        site = f"{parts.scheme}://{parts.netloc}"
        raise table.error(
            "public_url",
            f"must be the site only, without a path or query: write {site!r} "
            f"(Twilio's webhook is then {site}/sms), not {public_url!r}",
        )


def _twilio(table: Table, env: Mapping[str, str]) -> TwilioSettings:
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


def _bot(table: Table, env: Mapping[str, str]) -> BotSettings:
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
        lockout_s=table.positive("lockout_s", 3600.0, high=30 * DAY_S),
        verified_ttl_s=table.positive("verified_ttl_s", 30 * 86400.0, high=366 * DAY_S),
        session_ttl_s=table.positive("session_ttl_s", 1800.0, high=30 * DAY_S),
        hint_window_s=table.positive("hint_window_s", 86400.0, high=366 * DAY_S),
        max_messages_per_minute=table.count("max_messages_per_minute", 6),
        max_lookups_per_hour=table.count("max_lookups_per_hour", 20),
    )


def _tracking(table: Table, env: Mapping[str, str]) -> TrackingSettings:
    # At most 14 s: Twilio gives up on a webhook after 15 s.
    deadline = table.positive("reply_deadline_s", 5.0, high=14.0)
    return TrackingSettings(
        reply_deadline_s=deadline,
        carrier_timeout_s=table.positive("carrier_timeout_s", min(4.0, deadline), high=120.0),
        cache_ttl_s=table.positive("cache_ttl_s", 600.0, high=30 * DAY_S),
        delivered_cache_ttl_s=table.positive("delivered_cache_ttl_s", 86400.0, high=366 * DAY_S),
    )


def _escalation(table: Table, env: Mapping[str, str]) -> EscalationSettings:
    return EscalationSettings(
        webhook_url=table.url("webhook_url"),
        token=table.secret("token", env, "SMSBOT_ESCALATION_TOKEN"),
        cooldown_s=table.positive("cooldown_s", 4 * 3600.0, high=30 * DAY_S),
        targets=read_targets(table, env),
    )


def _alerts(table: Table, env: Mapping[str, str]) -> AlertsSettings:
    return AlertsSettings(
        webhook_url=table.url("webhook_url"),
        token=table.secret("token", env, "SMSBOT_ALERTS_TOKEN"),
    )


#: The upper bounds of durations, in the unit of each key: past them a setting is a typo
#: (or `inf`), and a datetime computed from it would overflow.
DAY_S = 86400.0
MAX_REFRESH_MINUTES = 7 * 24 * 60

_CLOCK_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)\Z")


def _quiet_hours(table: Table) -> tuple[time, time] | None:
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


def _watch(table: Table, env: Mapping[str, str]) -> WatchSettings:
    refresh = dict(DEFAULT_REFRESH_MINUTES)
    for status, minutes in table.mapping("refresh_minutes").items():
        if status not in DEFAULT_REFRESH_MINUTES:
            raise table.error(
                f"refresh_minutes.{status}",
                f"unknown status (one of {', '.join(DEFAULT_REFRESH_MINUTES)})",
            )
        if (
            isinstance(minutes, bool)
            or not isinstance(minutes, int | float)
            or not 0 < minutes <= MAX_REFRESH_MINUTES  # False for nan; inf is past the bound
        ):
            raise table.error(
                f"refresh_minutes.{status}",
                f"must be minutes between 0 and {MAX_REFRESH_MINUTES} (above 0), not {minutes!r}",
            )
        refresh[status] = float(minutes)
    return WatchSettings(
        enabled=table.get("enabled", bool, False),
        max_age_days=table.positive("max_age_days", 30.0, high=3660.0),
        poll_interval_s=table.positive("poll_interval_s", 60.0, high=DAY_S),
        refresh_minutes=refresh,
        label_scan_alert_h=table.positive("label_scan_alert_h", 48.0, high=90 * 24.0),
        stall_after_h=table.positive("stall_after_h", 36.0, high=90 * 24.0),
        quiet_hours=_quiet_hours(table),
        max_messages_per_day=table.count("max_messages_per_day", 3, high=100),
        credit_code=table.optional_str("credit_code"),
        credit_offer=table.get("credit_offer", str, ""),
        proof_carriers=table.strings("proof_carriers", ("ups", "fedex")),
        delivery_checkin=table.get("delivery_checkin", bool, False),
        delivery_checkin_after_h=table.positive("delivery_checkin_after_h", 3.0, high=30 * 24.0),
        credit_offers=_credit_offers(table),
    )


_LANGUAGE_CODE = re.compile(r"[a-z]{2}\Z")


def _credit_offers(table: Table) -> dict[str, str]:
    """`watch.credit_offers`: the credit's offer per language code ({ es = "..." })."""
    offers: dict[str, str] = {}
    for code, text in table.mapping("credit_offers").items():
        if not _LANGUAGE_CODE.match(code):
            raise table.error(f"credit_offers.{code}", 'keys are language codes like "es"')
        if not isinstance(text, str) or not text.strip():
            raise table.error(f"credit_offers.{code}", f"must be a text, not {text!r}")
        offers[code] = text.strip()
    return offers


def _routing(table: Table, env: Mapping[str, str]) -> RoutingSettings:
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


def read_csat(table: Table, env: Mapping[str, str]) -> CsatSettings:
    low = table.get("low_score", int, 2)
    if not 0 <= low <= 5:
        raise table.error("low_score", f"must be 0 to 5, not {low}")
    return CsatSettings(
        enabled=table.get("enabled", bool, False),
        window_h=table.positive("window_h", 72.0, high=24 * 30.0),
        low_score=low,
    )


# [checkout]: the checkout ETA API and its snippet (issue 19)
def read_checkout(table: Table, env: Mapping[str, str]) -> CheckoutSettings:
    origins = table.strings("allowed_origins", ())
    for origin in origins:
        if not re.fullmatch(r"https?://[^/\s]+", origin):
            raise table.error(
                "allowed_origins",
                f"must list origins like https://shop.example (no path), not {origin!r}",
            )
    return CheckoutSettings(
        allowed_origins=tuple(origin.lower() for origin in origins),
        cache_ttl_s=table.positive("cache_ttl_s", 300.0, high=86_400.0),
        rate_limit_per_minute=table.count("rate_limit_per_minute", 120, high=100_000),
    )


#: A carrier name as adapters are named (`[carriers.NAME]`).
_CARRIER_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")


def read_budgets(table: Table, env: Mapping[str, str]) -> BudgetSettings:
    """`[budgets]`: `carrier = requests per hour` (a whole number, 1 to 10,000,000)."""
    per_hour = {}
    for name in table.values:
        if not _CARRIER_NAME.match(name):
            raise table.error(name, "must be a carrier's name, like usps")
        per_hour[name] = table.count(name, 1, high=10_000_000)
    return BudgetSettings(per_hour=per_hour)
