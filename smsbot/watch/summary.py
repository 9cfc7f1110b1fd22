"""What one watcher pass (or one push) did."""

from __future__ import annotations

from dataclasses import dataclass

from smsbot.wording.counts import counted


@dataclass
class PassSummary:
    """Counts of one pass; printed by `smsbot watch --once`."""

    checked: int = 0  # shipments with a fresh answer (from the carrier or the cache)
    from_cache: int = 0  # ...of which the answer came from the tracking cache
    messages: int = 0  # customer messages queued
    alerts: int = 0  # merchant alerts raised
    failures: int = 0  # shipments whose carrier call failed (retried with backoff)
    postponed: int = 0  # shipments not asked: their carrier is paused or not served
    claimed_elsewhere: int = 0  # orders due but being checked by another watcher (issue 15)

    def __str__(self) -> str:
        return (
            f"{counted(self.checked, 'shipment')} checked ({self.from_cache} from the cache), "
            f"{counted(self.messages, 'message')} queued, {counted(self.alerts, 'alert')}, "
            f"{counted(self.failures, 'failure')}, {self.postponed} postponed"
        ) + (
            f", {counted(self.claimed_elsewhere, 'order')} left to other watchers"
            if self.claimed_elsewhere
            else ""
        )
