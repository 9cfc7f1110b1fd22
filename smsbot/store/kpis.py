"""The KPI concern: read-only figures the console, `smsbot report` and /metrics show.

Definitions (the same for every backend; tests/store/test_kpis.py checks them against a
history built by hand):
- a *WISMO text* is a logged inbound message whose intent is not one of `NOT_WISMO`
  (keywords, noise, limits, replays); an AGENT request counts;
- *orders shipped*: distinct orders with an outbound shipment whose `shipped_at` is in the
  period;
- a *conversation* is a sender (phone key) with at least one WISMO text in the period; it is
  *escalated* when one of its texts in the period asked for a person (intent `escalation`);
  deflection = 1 - escalation rate;
- *time to answer*: nearest-rank p50/p95 of the logged reply latency of WISMO texts;
- *notices*: watcher triggers recorded `sent` in the period, by kind (merchant alerts are not
  notices); a customer *still texted* when any message of theirs arrived within
  `FOLLOW_UP` after the notice; a stall apology is *followed by AGENT* when they asked for a
  person within `FOLLOW_UP`;
- per carrier, over outbound shipments shipped in the period: *late* = delivered on a later
  (UTC) day than the first ETA the store saw for it; *exception* = an exception notice was
  raised for it, or it ended in `exception` or `returning`;
- *tracking-page engagement*, over the same outbound shipments shipped in the period: the
  page views counted for each (`LinkStore.count_views`: one per shipment shown, no visitor
  data) per shipment, and the share of those shipments viewed at least once. The page keeps
  counts, not times, so a shipment's views are all its views so far, credited to the period
  it shipped in;
- *CSAT* (the optional survey): surveys sent in the period, the answers given in it, their
  mean score and the share of answers that are 4 or 5 (the usual CSAT figure).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from smsbot.store.records import OutboxMessage

#: Intents that are not a question about an order.
NOT_WISMO = ("opt_out", "opt_in", "help", "noise", "rate_limited", "replay", "csat")
#: Trigger kinds that alert the merchant rather than text the customer.
ALERT_KINDS = ("label_not_scanned", "delivered_without_proof")
#: How long after a notice a customer's text counts as "still texted".
FOLLOW_UP = timedelta(hours=48)


def share(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide."""
    return part / whole if whole else None


@dataclass(frozen=True)
class NoticeKpi:
    """Notices of one trigger kind sent in the period, and who still texted afterwards."""

    kind: str
    sent: int
    customers: int  # distinct customers who got one
    texted_after: int  # of those, how many texted within FOLLOW_UP

    @property
    def texted_share(self) -> float | None:
        return share(self.texted_after, self.customers)


@dataclass(frozen=True)
class CarrierKpi:
    """One carrier's outbound shipments shipped in the period."""

    carrier: str
    shipments: int
    delivered: int
    late: int  # delivered after the first ETA seen
    with_eta: int  # delivered shipments that had an ETA (the base of the lateness rate)
    exceptions: int

    @property
    def late_share(self) -> float | None:
        return share(self.late, self.with_eta)

    @property
    def exception_share(self) -> float | None:
        return share(self.exceptions, self.shipments)


@dataclass(frozen=True)
class Kpis:
    """The WISMO KPIs of [start, end)."""

    start: datetime
    end: datetime
    orders_shipped: int
    wismo_texts: int
    conversations: int
    escalated: int
    answer_p50_s: float | None
    answer_p95_s: float | None
    notices: tuple[NoticeKpi, ...] = ()
    stall_apologies: int = 0
    stall_customers: int = 0
    stall_followed_by_agent: int = 0
    carriers: tuple[CarrierKpi, ...] = ()
    #: Texts per (UTC) day in the period, for the dashboard's chart.
    daily_texts: tuple[tuple[str, int], ...] = field(default=())
    #: Tracking-page engagement: outbound shipments shipped in the period, how many of
    #: them had their page viewed, and their views in all.
    shipments: int = 0
    viewed_shipments: int = 0
    page_views: int = 0
    #: CSAT: surveys sent in the period; answers given in it, their score sum, how many 4-5.
    csat_sent: int = 0
    csat_answers: int = 0
    csat_score_sum: int = 0
    csat_satisfied: int = 0

    @property
    def wismo_per_100_orders(self) -> float | None:
        return None if not self.orders_shipped else 100 * self.wismo_texts / self.orders_shipped

    @property
    def escalation_rate(self) -> float | None:
        return share(self.escalated, self.conversations)

    @property
    def deflection_rate(self) -> float | None:
        rate = self.escalation_rate
        return None if rate is None else 1 - rate

    @property
    def stall_agent_share(self) -> float | None:
        return share(self.stall_followed_by_agent, self.stall_customers)

    @property
    def views_per_shipment(self) -> float | None:
        return share(self.page_views, self.shipments)

    @property
    def viewed_share(self) -> float | None:
        return share(self.viewed_shipments, self.shipments)

    @property
    def csat_mean(self) -> float | None:
        return share(self.csat_score_sum, self.csat_answers)

    @property
    def csat_share(self) -> float | None:
        return share(self.csat_satisfied, self.csat_answers)


@dataclass(frozen=True)
class OpsSnapshot:
    """Shared state read at scrape time for /metrics gauges."""

    outbox_by_state: Mapping[str, int]
    outbox_depth: int
    outbox_oldest_age_s: float
    escalations_open: int
    handoffs_dead: int


def nearest_rank(values: list[float], percent: float) -> float | None:
    """The nearest-rank percentile of `values` (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * percent // 100))  # ceil without floats drifting
    return ordered[int(rank) - 1]


class KpiStore(Protocol):
    """Figures over a period, read-only."""

    async def kpis(self, start: datetime, end: datetime) -> Kpis:
        """The KPIs of [start, end) as defined in this module's docstring."""
        ...

    async def order_notices(self, order_number: str, limit: int = 50) -> list[OutboxMessage]:
        """The outbox messages about one order, newest first (the console's order view)."""
        ...

    async def ops_snapshot(self, now: datetime) -> OpsSnapshot:
        """Outbox depth by state, its oldest waiting message's age, open escalations, dead
        hand-offs: what /metrics reports as gauges."""
        ...
