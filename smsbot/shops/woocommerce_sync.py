"""`smsbot woocommerce sync`: orders through the REST API (`/wp-json/wc/v3/orders`).

Pages of `per_page` orders modified after a time, until the `X-WP-TotalPages` header says
the last page was read; consumer key and secret as HTTP Basic auth (WooCommerce's way over
HTTPS). Orders go through the same versioned apply as webhooks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from smsbot.config.settings import WooCommerceSettings
from smsbot.orders.sources import SourceError, Sourcing
from smsbot.orders.woocommerce import parse_order
from smsbot.shops.shopify_sync import SyncError
from smsbot.shops.woocommerce import apply_order
from smsbot.store import Store

log = logging.getLogger("smsbot.shops.sync")

PER_PAGE = 100


@dataclass
class WooReport:
    pages: int = 0
    orders: int = 0
    applied: int = 0
    flagged: int = 0


async def sync_woocommerce(
    settings: WooCommerceSettings,
    store: Store,
    sourcing: Sourcing,
    http: httpx.AsyncClient,
    since: datetime,
    *,
    per_page: int = PER_PAGE,
) -> WooReport:
    """Apply every order modified since `since`; raises SyncError when the API refuses."""
    if settings.url is None or settings.consumer_key is None or settings.consumer_secret is None:
        raise SyncError("woocommerce.url, consumer_key and consumer_secret are needed to sync")
    auth = (settings.consumer_key, settings.consumer_secret.reveal())
    url = f"{settings.url}/wp-json/wc/v3/orders"
    after = since.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")
    report = WooReport()
    page = 1
    while True:
        params = {
            "modified_after": after,
            "dates_are_gmt": "true",
            "per_page": str(per_page),
            "page": str(page),
            "orderby": "modified",
            "order": "asc",
        }
        response = await http.get(url, params=params, auth=auth)
        if response.status_code in (401, 403):
            raise SyncError(f"woocommerce refused the consumer key ({response.status_code})")
        if response.status_code >= 400:
            raise SyncError(f"woocommerce answered {response.status_code} for page {page}")
        orders = response.json()
        if not isinstance(orders, list):
            raise SyncError(f"woocommerce page {page} is not a list of orders")
        for data in orders:
            report.orders += 1
            try:
                parsed = parse_order(data, sourcing, meta_key=settings.tracking_meta_key)
            except SourceError as exc:
                report.flagged += 1
                log.warning("woocommerce order skipped: %s", exc)
                continue
            if parsed.notes:
                report.flagged += 1
                log.warning("woocommerce order flagged: %s", "; ".join(parsed.notes))
            if await apply_order(store, parsed, datetime.now(UTC)):
                report.applied += 1
        report.pages += 1
        total = response.headers.get("x-wp-totalpages", "")
        last = int(total) if total.isdigit() else (page if len(orders) < per_page else page + 1)
        if page >= last or not orders:
            return report
        page += 1
