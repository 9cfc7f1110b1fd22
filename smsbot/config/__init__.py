"""Configuration: one TOML file plus environment variables, read once into frozen settings.

Every error names the file and the key (`ConfigError`); secrets are `Secret`s, hidden in
reprs. `settings` holds the dataclasses and their defaults, `table` the typed reader of one
TOML table, `loader` the file, the environment and each section's checks.
"""

from __future__ import annotations

from smsbot.config.loader import config_path, load_settings, settings_from_mapping
from smsbot.config.settings import (
    DEFAULT_CONFIG,
    DEFAULT_ORDER_PATTERN,
    DEFAULT_REFRESH_MINUTES,
    VERIFY_POLICIES,
    AdminSettings,
    AlertsSettings,
    BotSettings,
    BudgetSettings,
    CsatSettings,
    EmailSettings,
    EscalationSettings,
    EtaSettings,
    HandoffTarget,
    InboxSettings,
    MetricsSettings,
    RoutingSettings,
    Secret,
    ServerSettings,
    Settings,
    StoreSettings,
    TokenDigest,
    TrackingSettings,
    TwilioSettings,
    WatchSettings,
    demo_settings,
)

__all__ = [
    "DEFAULT_CONFIG",
    "DEFAULT_ORDER_PATTERN",
    "DEFAULT_REFRESH_MINUTES",
    "VERIFY_POLICIES",
    "AdminSettings",
    "AlertsSettings",
    "BotSettings",
    "BudgetSettings",
    "CsatSettings",
    "EmailSettings",
    "EscalationSettings",
    "EtaSettings",
    "HandoffTarget",
    "InboxSettings",
    "MetricsSettings",
    "RoutingSettings",
    "Secret",
    "ServerSettings",
    "Settings",
    "StoreSettings",
    "TokenDigest",
    "TrackingSettings",
    "TwilioSettings",
    "WatchSettings",
    "config_path",
    "demo_settings",
    "load_settings",
    "settings_from_mapping",
]
