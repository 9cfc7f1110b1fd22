"""The adapter SDK's public surface is pinned, and its modules import each other one way.

Like httpx's tests/test_exported_members.py: a name added to or dropped from the SDK is a
decision made here, on purpose, not a side effect of an import.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

import smsbot
import smsbot.testing
import smsbot.tracking
from tests.test_architecture import import_graph

ROOT = Path(smsbot.__file__).parent

TRACKING = {
    "CARRIER_LOCAL",
    "DEFAULT_BATCH_SIZE",
    "FINAL_STATUSES",
    "AdapterFactory",
    "AggregatorAdapter",
    "CarrierAdapter",
    "CarrierConfig",
    "CheckableAdapter",
    "DelayReason",
    "Eta",
    "Event",
    "Problem",
    "PushAdapter",
    "RequestBudget",
    "Status",
    "TokenCache",
    "TrackingResult",
    "UnknownCodeLog",
    "batch_size_of",
    "carrier_local",
    "check_status",
    "country_code",
    "fetch_token",
    "format_place",
    "is_carrier_local",
    "parse_expires_in",
    "parse_retry_after",
    "parse_timestamp",
    "push_document",
    "rate_limit_wait",
    "read_json",
    "sanitized",
    "send",
    "signature_matches",
    "track_each",
    "zone_for",
}

TESTING = {
    "AGGREGATOR_CHECKS",
    "CHECKS",
    "AdapterSpec",
    "Check",
    "Reply",
    "Route",
    "Router",
    "UnroutedRequest",
    "assert_valid_result",
    "checks_for",
    "reply_file",
    "reply_json",
}

SDK = ("smsbot.results", "smsbot.errors", "smsbot.transport", "smsbot.tracking")


@pytest.mark.parametrize(
    ("module", "pinned"), [(smsbot.tracking, TRACKING), (smsbot.testing, TESTING)], ids=str
)
def test_public_surface_is_pinned(module: ModuleType, pinned: set[str]) -> None:
    assert sorted(module.__all__) == sorted(pinned)
    assert len(module.__all__) == len(set(module.__all__))
    for name in module.__all__:
        assert getattr(module, name, None) is not None, f"{module.__name__}.{name} is missing"


def test_tracking_defines_or_reexports_only_what_it_exports() -> None:
    """Every public class or function in `smsbot.tracking` that comes from the SDK (errors
    aside: adapters import those from `smsbot.errors`) is in `__all__`: nothing leaks in
    by accident."""
    sources = {"smsbot.results", "smsbot.transport", "smsbot.tracking"}
    leaked = [
        name
        for name, value in vars(smsbot.tracking).items()
        if not name.startswith("_")
        and getattr(value, "__module__", None) in sources
        and name not in smsbot.tracking.__all__
    ]
    assert leaked == []


def test_sdk_imports_run_one_way() -> None:
    graph = import_graph()
    assert graph["smsbot.results"] == {"smsbot.zonedata"}
    assert graph["smsbot.zonedata"] == set()
    assert graph["smsbot.errors"] == {"smsbot.results"}
    assert graph["smsbot.transport"] == {"smsbot.errors"}
    assert graph["smsbot.tracking"] == {"smsbot.errors", "smsbot.results", "smsbot.transport"}
