"""What the watcher sends through: the outbox and the merchant alerts, as Protocols.

The watcher depends on these, not on `Outbox` and `Alerts` themselves, so a test may pass a
fake; a fake that declares the Protocol as its base is checked by mypy against it, and so
is every real object passed where one is expected: the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class MessageQueue(Protocol):
    """The outbox, as the watcher uses it (`smsbot.watch.outbox.Outbox`)."""

    async def enqueue(
        self,
        *,
        to: str,
        channel: str,
        body: str,
        key: str,
        order_number: str | None = None,
        supersedes: Sequence[str] = (),
    ) -> bool:
        """Queue one message under idempotency `key`; False when `key` was queued before or
        the number opted out; MessageRejected when `to` is not an E.164 number. Messages
        under `supersedes` that still wait are dropped: this one carries newer news."""
        ...

    async def send_due(self) -> int:
        """Send what is due now; how many were sent."""
        ...


class AlertQueue(Protocol):
    """The merchant alerts, as the watcher uses them (`smsbot.watch.alerts.Alerts`)."""

    async def raise_alert(
        self,
        *,
        key: str,
        kind: str,
        order_number: str,
        carrier: str,
        tracking_number: str,
        status: str,
        phone: str | None,
        detail: str,
    ) -> bool:
        """Record one alert under idempotency `key`; False when it was raised before."""
        ...

    async def deliver_due(self) -> int:
        """Deliver the alerts that are due; how many were delivered."""
        ...
