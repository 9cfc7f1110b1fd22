"""The settings: frozen dataclasses, one per TOML section, with their defaults.

`smsbot.config.loader` fills them from a file and the environment; nothing here reads either.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from smsbot.config.checkout import CheckoutSettings
from smsbot.config.links import LinkSettings, PageSettings

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
    """Where the store is: `url` picks the backend (`open_store`), `path` is SQLite's file.

    `url` defaults to `sqlite:///<path>`; for another backend `path` is empty. The URL may
    carry a password: it is left out of `repr`, and `shown` masks it.
    """

    path: str = "smsbot.db"
    url: str = field(default="", repr=False)
    pool_size: int = 10  # PostgreSQL: connections per process (serve worker, watcher)
    # Texts the store could not take wait here (smsbot.spool): "" is beside the SQLite file.
    spool_dir: str = ""
    spool_max_mb: int = 64  # per process; past it a text is answered but not kept (logged)

    def __post_init__(self) -> None:
        if not self.url:  # `path` alone is the SQLite shorthand
            object.__setattr__(self, "url", f"sqlite:///{self.path}")

    @property
    def shown(self) -> str:
        """The store for humans: SQLite's path, or the URL with any password masked."""
        return self.path if self.url == f"sqlite:///{self.path}" else masked_url(self.url)


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
    cooldown_s: float = 4 * 3600.0  # one hand-off per sender per window; a repeat is told so
    targets: tuple[HandoffTarget, ...] = ()  # helpdesks (issue 18): [escalation.zendesk] ...


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
    # `credit_offer` in other languages than bot.language: language code -> text
    credit_offers: Mapping[str, str] = field(default_factory=dict)


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


# Orders that flow in live (issue 16): the orders API and the shop connections.

#: The scopes an API token may hold: `read` (GET) and `write` (PUT, PATCH, DELETE).
API_SCOPES = ("read", "write")


@dataclass(frozen=True)
class ApiToken:
    """One bearer token of `[api] tokens`: the SHA-256 of the token, never the token."""

    name: str
    digest: bytes  # sha256(token)
    scopes: frozenset[str] = frozenset(API_SCOPES)
    plain: bool = False  # written in clear in the config (accepted, with a warning)


@dataclass(frozen=True)
class ApiSettings:
    tokens: tuple[ApiToken, ...] = ()  # no token: the orders API answers 401 to everyone
    requests_per_minute: int = 120  # per token
    max_body_bytes: int = 256 * 1024


@dataclass(frozen=True)
class ShopifySettings:
    shop: str | None = None  # "example.myshopify.com"
    webhook_secret: Secret | None = None  # the app's client secret: signs the webhooks
    access_token: Secret | None = None  # Admin API token (shpat_...), for sync and setup
    api_version: str = "2025-01"  # Admin API version, pinned
    admin_url: str | None = None  # default https://{shop}; tests point it at a fake
    max_body_bytes: int = 1024 * 1024
    carriers: Mapping[str, str] = field(default_factory=dict)  # tracking_company -> adapter


@dataclass(frozen=True)
class WooCommerceSettings:
    url: str | None = None  # the store's base URL: https://shop.example
    webhook_secret: Secret | None = None
    consumer_key: str | None = None
    consumer_secret: Secret | None = None
    tracking_meta_key: str = "_wc_shipment_tracking_items"
    max_body_bytes: int = 1024 * 1024
    carriers: Mapping[str, str] = field(default_factory=dict)  # provider name -> adapter


@dataclass(frozen=True)
class EmailSettings:
    """`[email]`: notices by e-mail (issue 17) for orders without a mobile number."""

    host: str | None = None  # the SMTP server; None: no e-mail
    port: int = 587
    username: str | None = None
    password: Secret | None = None
    from_address: str | None = None  # "Acme <shipping@acme.example>"
    starttls: bool = True  # upgrade the connection before logging in (port 587)
    ca_file: str | None = None  # a private CA to trust for the server's certificate
    timeout_s: float = 10.0

    @property
    def enabled(self) -> bool:
        """Whether e-mail can be sent: a server and a sender are set."""
        return self.host is not None and self.from_address is not None


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
    links: LinkSettings = field(default_factory=LinkSettings)
    page: PageSettings = field(default_factory=PageSettings)
    email: EmailSettings = field(default_factory=EmailSettings)
    metrics: MetricsSettings = field(default_factory=lambda: MetricsSettings())
    admin: AdminSettings = field(default_factory=lambda: AdminSettings())
    csat: CsatSettings = field(default_factory=lambda: CsatSettings())
    eta: EtaSettings = field(default_factory=lambda: EtaSettings())
    carriers: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    api: ApiSettings = ApiSettings()
    shopify: ShopifySettings = ShopifySettings()
    woocommerce: WooCommerceSettings = WooCommerceSettings()
    inbox: InboxSettings = field(default_factory=lambda: InboxSettings())
    checkout: CheckoutSettings = field(default_factory=CheckoutSettings)  # issue 19
    budgets: BudgetSettings = field(default_factory=lambda: BudgetSettings())
    source: str = "defaults"  # the file the settings came from, for error messages
    environ: Mapping[str, str] = field(default_factory=dict, repr=False)


def masked_url(url: str) -> str:
    """`url` with its password, if any, replaced by ***."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:  # urlsplit's signal for a malformed URL (a bad port, brackets)
        return "(a URL that cannot be read)"
    if not password:
        return url
    user, _, host = parts.netloc.rpartition("@")
    name = user.partition(":")[0]
    return urlunsplit(parts._replace(netloc=f"{name}:***@{host}"))


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
        # The demo's page is this machine's server (`serve --demo --port` moves it).
        links=LinkSettings(mode="fit", public_url="http://127.0.0.1:8080"),
        source="--demo",
        environ={} if environ is None else dict(environ),
    )


# [metrics] and [admin]: the merchant's view of the bot (issue 18).


class TokenDigest:
    """A bearer token kept only as its SHA-256 (`sha256:HEX` in the configuration), so the
    configuration file never holds a token that works."""

    def __init__(self, digest: bytes) -> None:
        if len(digest) != 32:
            raise ValueError("a SHA-256 digest is 32 bytes")
        self.digest = digest

    def __repr__(self) -> str:
        return "TokenDigest('sha256:…')"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TokenDigest) and other.digest == self.digest

    def __hash__(self) -> int:
        return hash(self.digest)


@dataclass(frozen=True)
class MetricsSettings:
    token: TokenDigest | None = None  # /metrics answers only "Authorization: Bearer <token>"


@dataclass(frozen=True)
class AdminSettings:
    secret_key: Secret | None = None  # signs console session cookies; None: console off
    session_ttl_s: float = 8 * 3600.0  # a login lasts this long
    max_failures: int = 5  # failed logins before the account is locked
    lockout_s: float = 900.0
    secure_cookie: bool = True  # False only for http://localhost (the demo)


@dataclass(frozen=True)
class HandoffTarget:
    """A helpdesk escalations are handed to, retried until it takes them ([escalation.NAME]).

    `kind` is "zendesk", "gorgias" or "slack"; `url` the API base (Zendesk, Gorgias) or the
    incoming-webhook URL (Slack, a secret); `user` the Zendesk agent e-mail or Gorgias user.
    """

    kind: str
    url: Secret
    user: str | None = None
    key: Secret | None = None


@dataclass(frozen=True)
class CsatSettings:
    """The optional satisfaction survey after delivery ([csat], issue 18)."""

    enabled: bool = False  # off: no survey is sent and digits are read as before
    window_h: float = 72.0  # how long after the survey a reply 1-5 counts as its answer
    low_score: int = 2  # an answer at or below this raises a merchant alert (0: never)


@dataclass(frozen=True)
class InboxSettings:
    """`[inbox]`: how long the shop webhook inbox keeps what it closed (issue 16); the
    maintenance task deletes older events. PENDING events are never deleted."""

    keep_flagged_days: int = 30  # flagged (and waiting) events, for the merchant to act on
    keep_done_days: int = 7  # applied and ignored events: replays are recognised this long


@dataclass(frozen=True)
class EtaSettings:
    """Learned delivery windows ([eta], issue 19)."""

    country: str = "US"  # where the shop sells: public holidays, and the destination when unknown
    quantiles: tuple[float, float] = (0.1, 0.9)  # the window: 10th to 90th percentile
    min_samples: int = 30  # fewer deliveries in a group: go down the ladder
    default_days: tuple[int, int] | None = None  # business days when no history; None: say none
    history_days: int = 180  # deliveries older than this are not learned from
    refresh_s: float = 600.0  # the model reads new deliveries this often
    saturday_carriers: tuple[str, ...] = ("usps",)  # carriers that deliver on Saturdays
    early_share: float = 0.25  # the carrier's ETAs are "early" when more arrive after them
    load_days: int = 14  # the recent days the fulfilment rate is measured over
    half_life_days: float | None = 30.0  # a delivery weighs half per this age; None: alike


@dataclass(frozen=True)
class BudgetSettings:
    """Requests per hour the watcher may make to each carrier, counted together by every
    process sharing the store ([budgets], issue 15): carrier name -> requests per hour."""

    per_hour: Mapping[str, int] = field(default_factory=dict)
