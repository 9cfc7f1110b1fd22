"""Merchant alerts: recorded once per key, POSTed as JSON to `alerts.webhook_url`, retried.

Delivery is at least once: an alert is taken with a lease before its POST, so a sender
killed mid-POST leaves it to be sent again when the lease runs out. Receivers dedupe on
the payload's `key`. The customer's number is kept and sent masked only. The payload has
a `text` line too, so a Slack or Mattermost incoming webhook shows it as it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from smsbot.config import Settings
from smsbot.errors import AlertRejected
from smsbot.phones import mask
from smsbot.store import AlertState, Store, StoredAlert
from smsbot.watch.outbox import SHOWN_TIME

log = logging.getLogger("smsbot.watch.alerts")

#: How long one delivery attempt may hold an alert before another sender may retry it.
LEASE = timedelta(minutes=2)
#: Attempts before an alert is given up (spread over about a day by the backoff).
MAX_ATTEMPTS = 12
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=2)
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
POLL_S = 15.0


def payload(alert: StoredAlert) -> dict[str, Any]:
    """The JSON body POSTed for `alert`."""
    return {
        "key": alert.key,
        "trigger": alert.kind,
        "order": alert.order_number,
        "shipment": {"carrier": alert.carrier, "tracking_number": alert.tracking_number},
        "carrier_status": alert.status,
        "customer_phone": alert.phone_masked,
        "detail": alert.detail,
        "time": alert.created_at.astimezone(UTC).isoformat(timespec="seconds"),
        "text": (
            f"smsbot alert: {alert.kind.replace('_', ' ')}, order {alert.order_number} "
            f"({alert.carrier} {alert.tracking_number}, {alert.status}): {alert.detail}"
        ),
    }


class Alerts:
    """Record merchant alerts and deliver them to the configured webhook."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        http: httpx.AsyncClient,
        clock: Callable[[], datetime],
        *,
        rng: random.Random | None = None,
    ) -> None:
        self._settings = settings
        self._store = store
        self._http = http
        self._clock = clock
        self._rng = rng or random.Random()

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
        """Record a merchant alert once per key (False if seen before) and try to deliver it.

        A failed delivery is retried by `deliver_due`. Without `alerts.webhook_url` the
        alert is only kept, for `smsbot alerts`. Raises `AlertRejected` without a key.
        """
        if not key:
            raise AlertRejected("an alert needs a key")
        fields = {
            "key": key,
            "kind": kind,
            "order_number": order_number,
            "carrier": carrier,
            "tracking_number": tracking_number,
            "status": status,
            "phone_masked": mask(phone),
            "detail": detail,
        }
        state = AlertState.PENDING if self._settings.alerts.webhook_url else AlertState.LOCAL
        if not await self._store.add_alert(fields, state=state, at=self._clock()):
            return False
        log.info("alert %s: %s for order %s", key, kind, order_number)
        if state == "pending":
            await self._deliver(key=key)
        return True

    async def deliver_due(self) -> int:
        """POST every pending alert that is due; returns how many were delivered."""
        return await self._deliver()

    async def run(self, stop: asyncio.Event) -> None:
        """Call `deliver_due` every POLL_S seconds until `stop` is set; errors are logged."""
        while not stop.is_set():
            try:
                await self.deliver_due()
            except Exception:  # keep retrying later whatever one round hit
                log.exception("alerts could not be delivered")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=POLL_S)

    async def recent(self, limit: int = 50) -> list[StoredAlert]:
        """The newest alerts, newest first (for `smsbot alerts`)."""
        return await self._store.recent_alerts(limit)

    async def _deliver(self, *, key: str | None = None) -> int:
        url = self._settings.alerts.webhook_url
        if url is None:
            return 0
        now = self._clock()
        delivered = 0
        for alert in await self._store.claim_alerts(now, now + LEASE, key=key):
            error = await self._post(url, alert)
            at = self._clock()
            if error is None:
                await self._store.finish_alert(alert.id, state=AlertState.DELIVERED, at=at)
                delivered += 1
                continue
            attempts = alert.attempts + 1
            if attempts >= MAX_ATTEMPTS:
                log.warning("alert %s: giving up after %d attempts: %s", alert.key, attempts, error)
                await self._store.finish_alert(
                    alert.id, state=AlertState.FAILED, at=at, error=error
                )
                continue
            ceiling = min(BACKOFF_BASE * (1 << min(attempts - 1, 20)), BACKOFF_MAX)
            delay = ceiling / 2 + ceiling / 2 * self._rng.random()
            log.warning("alert %s not delivered (%s); retry in %s", alert.key, error, delay)
            await self._store.finish_alert(
                alert.id, state=AlertState.PENDING, at=at, next_attempt_at=at + delay, error=error
            )
        return delivered

    async def _post(self, url: str, alert: StoredAlert) -> str | None:
        """POST one alert; None when the receiver took it, else what went wrong."""
        headers = {}
        token = self._settings.alerts.token
        if token is not None:
            headers["Authorization"] = f"Bearer {token.reveal()}"
        try:
            response = await self._http.post(
                url, json=payload(alert), headers=headers, timeout=TIMEOUT
            )
        except httpx.HTTPError as exc:
            return f"cannot reach the alerts webhook: {type(exc).__name__}"
        if response.is_success:
            return None
        return f"the alerts webhook answered HTTP {response.status_code}"


def describe(alert: StoredAlert, zone: ZoneInfo) -> str:
    """Two lines for `smsbot alerts`: when, what, where it stands; then the detail."""
    when = alert.created_at.astimezone(zone).strftime(SHOWN_TIME)
    if alert.state == "pending" and alert.attempts:
        tries = f"{alert.attempts} attempt{'s' if alert.attempts != 1 else ''}"
        state = f"retrying ({tries}: {alert.last_error})"
    elif alert.state == "failed":
        state = f"FAILED ({alert.last_error})"
    elif alert.state == "local":
        state = "not sent: no alerts.webhook_url"
    else:
        state = alert.state
    return (
        f"{when}  {alert.kind}  order {alert.order_number}  {alert.carrier} "
        f"{alert.tracking_number}  {alert.status}  {alert.phone_masked}  [{state}]\n"
        f"    {alert.detail}"
    )
