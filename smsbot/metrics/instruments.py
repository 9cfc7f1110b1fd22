"""The counters and histograms of /metrics, and the one-line functions that move them.

Metrics are module-level objects, as prometheus-client expects: with the environment variable
`PROMETHEUS_MULTIPROC_DIR` set before the process starts, each worker writes its values to
files in that directory and `exposition` adds them up (multiprocess mode). Every label value
passes through `_label`, so a label can never grow without bound: anything unexpected is
counted as "other".
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from prometheus_client import Counter, Histogram

#: Label values look like this (lower-case words); anything else is "other".
_WORD = re.compile(r"[a-z][a-z0-9_]{0,31}\Z")
OTHER = "other"

#: Reply latency: Twilio waits 15 s; the bot aims at well under 5 s.
_REPLY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 15.0)
_CARRIER_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)

INBOUND = Counter(
    "smsbot_inbound_messages",
    "Texts received, by channel, what they asked for (intent) and their language.",
    ["channel", "intent", "language"],
)
REPLY_LATENCY = Histogram(
    "smsbot_reply_latency_seconds",
    "Time from a text's arrival to its reply being ready, by channel.",
    ["channel"],
    buckets=_REPLY_BUCKETS,
)
CARRIER_CALLS = Counter(
    "smsbot_carrier_calls",
    "Calls to carrier APIs, by carrier and outcome (ok, timeout, rate_limited, error...).",
    ["carrier", "outcome"],
)
CARRIER_LATENCY = Histogram(
    "smsbot_carrier_call_duration_seconds",
    "Duration of one carrier API call (one batch), by carrier.",
    ["carrier"],
    buckets=_CARRIER_BUCKETS,
)
CACHE = Counter(
    "smsbot_tracking_cache_lookups",
    "Tracking-cache lookups, by result (hit: fresh enough to answer from, miss: asked).",
    ["result"],
)
TRIGGERS = Counter(
    "smsbot_triggers_fired", "Watcher triggers acted on (notices sent), by kind.", ["kind"]
)
ESCALATIONS = Counter(
    "smsbot_escalations",
    "AGENT requests sent on to people, by outcome (handed_off: queued or posted; failed).",
    ["outcome"],
)
HANDOFFS = Counter(
    "smsbot_handoffs",
    "Deliveries of escalations to a helpdesk target, by target and outcome.",
    ["target", "outcome"],
)
LOCKOUTS = Counter(
    "smsbot_lockouts", "Senders locked out after too many wrong postal codes or logins.", ["who"]
)
REJECTIONS = Counter(
    "smsbot_webhook_rejections",
    "Webhook requests refused before parsing, by endpoint and reason.",
    ["endpoint", "reason"],
)
PAGE_VIEWS = Counter("smsbot_tracking_page_views", "Tracking-page views.", ["format"])


def _label(value: str | None) -> str:
    text = (value or "").strip().lower()
    return text if _WORD.match(text) else OTHER


def message_answered(
    channel: str, intent: str, language: str | None, seconds: float | None = None
) -> None:
    """One inbound text answered (replays included, as intent "replay")."""
    INBOUND.labels(
        _label(channel), _label(intent), _label(language) if language else "unknown"
    ).inc()
    if seconds is not None:
        REPLY_LATENCY.labels(_label(channel)).observe(max(0.0, seconds))


def carrier_call(carrier: str, outcome: str, seconds: float) -> None:
    """One call to a carrier's API (a batch of numbers), and how it went."""
    CARRIER_CALLS.labels(_label(carrier), _label(outcome)).inc()
    CARRIER_LATENCY.labels(_label(carrier)).observe(max(0.0, seconds))


def cache_lookups(hits: int, misses: int) -> None:
    """Tracking-cache lookups: `hits` answered from the cache, `misses` needed a call."""
    if hits:
        CACHE.labels("hit").inc(hits)
    if misses:
        CACHE.labels("miss").inc(misses)


def triggers_recorded(done: Mapping[int, Mapping[str, str]]) -> None:
    """Triggers the watcher recorded (shipment id -> kind -> state): counts the `sent` ones."""
    for kinds in done.values():
        for kind, state in kinds.items():
            if str(state) == "sent":
                TRIGGERS.labels(_label(kind)).inc()


def escalation(outcome: str) -> None:
    """An AGENT request with somewhere to go: "handed_off" (queued for the console or a
    helpdesk, or taken by the webhook) or "failed" (none of them took it)."""
    ESCALATIONS.labels(_label(outcome)).inc()


def handoff(target: str, outcome: str) -> None:
    """One delivery attempt of an escalation to a helpdesk target."""
    HANDOFFS.labels(_label(target), _label(outcome)).inc()


def lockout(who: str) -> None:
    """A lockout began: `who` is "sender" (postal codes) or "admin" (console logins)."""
    LOCKOUTS.labels(_label(who)).inc()


def webhook_rejected(endpoint: str, reason: str) -> None:
    """A webhook refused before parsing (e.g. "sms", "signature")."""
    REJECTIONS.labels(_label(endpoint), _label(reason)).inc()


def page_viewed(fmt: str = "html") -> None:
    """A tracking page was shown (`fmt`: "html" or "json")."""
    PAGE_VIEWS.labels(_label(fmt)).inc()


def carrier_health() -> dict[str, dict[str, float]]:
    """This process's carrier calls since it started: per carrier, the count of each outcome
    and "seconds" (mean call duration). For the console; Prometheus has the full picture."""
    found: dict[str, dict[str, float]] = {}
    for family in CARRIER_CALLS.collect():
        for sample in family.samples:
            if sample.name.endswith("_total"):
                outcomes = found.setdefault(sample.labels["carrier"], {})
                outcomes[sample.labels["outcome"]] = sample.value
    for family in CARRIER_LATENCY.collect():
        sums = {s.labels["carrier"]: s.value for s in family.samples if s.name.endswith("_sum")}
        counts = {s.labels["carrier"]: s.value for s in family.samples if s.name.endswith("_count")}
        for carrier, total in sums.items():
            if counts.get(carrier):
                found.setdefault(carrier, {})["seconds"] = total / counts[carrier]
    return found
