"""What the console, `smsbot report` and /metrics need of the store, as one Protocol:
KPIs (`kpis`), the escalation queue and hand-offs (`escalations`), console users (`admin`)."""

from __future__ import annotations

from typing import Protocol

from smsbot.store.admin import AdminUserStore
from smsbot.store.escalations import EscalationStore
from smsbot.store.kpis import KpiStore


class ConsoleStore(KpiStore, EscalationStore, AdminUserStore, Protocol):
    """The store concerns of issue 18 together."""
