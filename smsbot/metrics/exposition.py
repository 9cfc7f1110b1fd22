"""The body of one /metrics scrape: this process's (or, in multiprocess mode, every worker's)
counters, plus gauges read from the store at scrape time.

Gauges of shared state (outbox depth, open escalations) come from the database, not from a
process's memory: every worker and every machine on one database reports the same values,
so a scrape of any of them is right. Counters are per process; with several uvicorn workers
set `PROMETHEUS_MULTIPROC_DIR` (an empty directory, wiped at each start) and one scrape adds
all workers up; with several machines, scrape each machine and let Prometheus sum.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.metrics_core import Metric

from smsbot.store.kpis import OpsSnapshot

__all__ = ["CONTENT_TYPE_LATEST", "multiprocess_dir", "render"]


def multiprocess_dir() -> str | None:
    """The multiprocess directory when multiprocess mode is on, else None."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class _Snapshot:
    """A collector for one scrape: the store's gauges as they were read."""

    def __init__(self, snapshot: OpsSnapshot) -> None:
        self._snapshot = snapshot

    def collect(self) -> Iterator[Metric]:
        snap = self._snapshot
        states = GaugeMetricFamily(
            "smsbot_outbox_messages",
            "Outbox messages by state (queued, deferred, sending, sent, delivered...).",
            labels=["state"],
        )
        for state, count in sorted(snap.outbox_by_state.items()):
            states.add_metric([state], count)
        yield states
        yield GaugeMetricFamily(
            "smsbot_outbox_depth", "Outbox messages not yet handed to Twilio.", snap.outbox_depth
        )
        yield GaugeMetricFamily(
            "smsbot_outbox_oldest_age_seconds",
            "Age of the oldest message still waiting in the outbox (0 when none waits).",
            snap.outbox_oldest_age_s,
        )
        yield GaugeMetricFamily(
            "smsbot_escalations_open", "Escalations not marked handled yet.", snap.escalations_open
        )
        yield GaugeMetricFamily(
            "smsbot_handoffs_dead",
            "Hand-offs to a helpdesk that gave up after their retries (dead letters).",
            snap.handoffs_dead,
        )


def render(snapshot: OpsSnapshot | None) -> bytes:
    """The exposition text: counters and histograms, then the store's gauges."""
    directory = multiprocess_dir()
    if directory is not None:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    if snapshot is not None:
        extra = CollectorRegistry(auto_describe=False)
        extra.register(_Snapshot(snapshot))
        body += generate_latest(extra)
    return body
