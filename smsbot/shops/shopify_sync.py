"""`smsbot shopify sync`: orders and fulfillments through the Admin GraphQL API.

Cursor pagination (`pageInfo.endCursor`), throttling driven by each answer's
`extensions.cost` (`requestedQueryCost` and `throttleStatus`: the bucket's
`currentlyAvailable`, `maximumAvailable`, `restoreRate`): before a query the client waits
until the bucket has restored enough for it, a THROTTLED answer is waited out and retried,
and so is an HTTP 429 (`Retry-After`). The cursor is saved after every page, so an
interrupted sync resumes where it stopped. Orders go through the same versioned apply as
webhooks, so a sync and live webhooks never undo each other.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from smsbot.config.settings import ShopifySettings
from smsbot.errors import SmsbotError
from smsbot.orders.shopify import parse_order
from smsbot.orders.sources import SourceError, Sourcing
from smsbot.shops.graphql_shapes import ORDERS_QUERY, RETURNS_QUERY, order_payload
from smsbot.shops.shopify import apply_order, link_order
from smsbot.store import Store

log = logging.getLogger("smsbot.shops.sync")

#: Orders per page (Shopify allows up to 250).
PAGE = 100
#: How often one page is retried after throttling or a network error before giving up.
RETRIES = 8

Sleep = Callable[[float], Awaitable[None]]


class SyncError(SmsbotError):
    """The sync could not go on (bad credentials, an API error); its cursor is kept."""


@dataclass
class Bucket:
    """What the last answer said of the cost bucket, and when."""

    available: float = 0.0
    maximum: float = 0.0
    restore_rate: float = 0.0
    requested: float = 0.0  # what the last query asked for: the next will ask about as much
    at: float = 0.0

    def wait_for(self, cost: float, now: float) -> float:
        """Seconds to wait until `cost` points are back (0 when they are, or unknown)."""
        if not self.restore_rate:
            return 0.0
        restored = min(self.maximum, self.available + (now - self.at) * self.restore_rate)
        return max(0.0, (min(cost, self.maximum) - restored) / self.restore_rate)

    def update(self, cost: Mapping[str, Any], now: float) -> None:
        status = cost.get("throttleStatus") or {}
        self.available = float(status.get("currentlyAvailable", self.available))
        self.maximum = float(status.get("maximumAvailable", self.maximum))
        self.restore_rate = float(status.get("restoreRate", self.restore_rate))
        self.requested = float(cost.get("requestedQueryCost", self.requested))
        self.at = now


@dataclass
class SyncReport:
    """What a sync did."""

    pages: int = 0
    orders: int = 0
    applied: int = 0
    flagged: int = 0
    waited_s: float = 0.0
    released: int = 0  # inbox events that waited for one of these orders


class ShopifySync:
    """One sync of orders updated since a time, resumable through `state_path`."""

    def __init__(
        self,
        settings: ShopifySettings,
        store: Store,
        sourcing: Sourcing,
        http: httpx.AsyncClient,
        *,
        state_path: Path,
        sleep: Sleep = asyncio.sleep,
        page: int = PAGE,
    ) -> None:
        if settings.access_token is None or (settings.shop is None and settings.admin_url is None):
            raise SyncError("shopify.shop and shopify.access_token are needed to sync")
        base = settings.admin_url or f"https://{settings.shop}"
        self._url = f"{base}/admin/api/{settings.api_version}/graphql.json"
        self._token = settings.access_token
        self._store = store
        self._sourcing = sourcing
        self._http = http
        self._state_path = state_path
        self._sleep = sleep
        self._page = page
        self.bucket = Bucket()

    async def run(self, since: datetime, *, now: datetime | None = None) -> SyncReport:
        """Sync every order updated at or after `since`; resumes a sync that stopped."""
        search = f"updated_at:>='{since.astimezone(UTC).isoformat(timespec='seconds')}'"
        search, cursor = self._resume(search)
        report = SyncReport()
        while True:
            data = await self._query(
                ORDERS_QUERY, {"first": self._page, "after": cursor, "query": search}, report
            )
            orders = data["orders"]
            for node in orders["nodes"]:
                report.orders += 1
                node = await self._with_returns(node, report)
                try:
                    parsed = parse_order(order_payload(node), self._sourcing)
                except SourceError as exc:
                    report.flagged += 1
                    log.warning("shopify order %s skipped: %s", node.get("legacyResourceId"), exc)
                    continue
                if parsed.notes:
                    report.flagged += 1
                    log.warning("shopify order flagged: %s", "; ".join(parsed.notes))
                if await apply_order(self._store, parsed, now or datetime.now(UTC)):
                    report.applied += 1
                # Webhooks that waited for this order go back to pending: the inbox loop
                # of `smsbot serve` (or `watch`) applies them at its next round.
                report.released += len(await link_order(self._store, parsed))
            report.pages += 1
            info = orders["pageInfo"]
            if not info["hasNextPage"]:
                self._state_path.unlink(missing_ok=True)
                return report
            cursor = info["endCursor"]
            self._save(search, cursor)

    async def _with_returns(self, node: Mapping[str, Any], report: SyncReport) -> Mapping[str, Any]:
        """The order node with its returns' tracking when Shopify says it has returns."""
        if node.get("returnStatus") in (None, "NO_RETURN") or not node.get("id"):
            return node
        data = await self._query(RETURNS_QUERY, {"id": node["id"]}, report)
        order = data.get("order") or {}
        return {**node, "returns": order.get("returns")}

    async def _query(
        self, query: str, variables: Mapping[str, Any], report: SyncReport
    ) -> dict[str, Any]:
        """One GraphQL call within the bucket; its `data`."""
        headers = {"X-Shopify-Access-Token": self._token.reveal()}
        body = {"query": query, "variables": dict(variables)}
        for _attempt in range(RETRIES):
            wait = self.bucket.wait_for(self.bucket.requested, time.monotonic())
            if wait:
                report.waited_s += wait
                await self._sleep(wait)
            try:
                response = await self._http.post(self._url, json=body, headers=headers)
            except httpx.TransportError as exc:
                log.warning("shopify: %s; retrying", type(exc).__name__)
                await self._sleep(1.0)
                continue
            if response.status_code == 429:
                pause = _retry_after(response.headers.get("retry-after"))
                report.waited_s += pause
                await self._sleep(pause)
                continue
            if response.status_code in (401, 403):
                raise SyncError(f"shopify refused the access token ({response.status_code})")
            if response.status_code >= 400:
                raise SyncError(f"shopify answered {response.status_code}")
            answer = response.json()
            cost = (answer.get("extensions") or {}).get("cost")
            if cost:
                self.bucket.update(cost, time.monotonic())
            errors = answer.get("errors") or []
            if any((e.get("extensions") or {}).get("code") == "THROTTLED" for e in errors):
                continue  # the bucket now says how long to wait
            if errors:
                raise SyncError(f"shopify: {errors[0].get('message', 'query failed')}")
            return dict(answer["data"])
        raise SyncError(f"shopify kept throttling or failing after {RETRIES} tries")

    def _resume(self, search: str) -> tuple[str, str | None]:
        """The saved (query, cursor) of a sync that stopped, else (`search`, None)."""
        try:
            state = json.loads(self._state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return search, None
        query, cursor = state.get("query"), state.get("cursor")
        if not isinstance(query, str) or not isinstance(cursor, str):
            return search, None
        log.info("shopify sync: resuming a stopped sync (%s)", query)
        return query, cursor

    def _save(self, search: str, cursor: str) -> None:
        temporary = self._state_path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"query": search, "cursor": cursor}), encoding="utf-8")
        temporary.replace(self._state_path)


def _retry_after(value: str | None) -> float:
    try:
        return min(60.0, max(0.0, float(value or "1")))
    except ValueError:
        return 1.0
