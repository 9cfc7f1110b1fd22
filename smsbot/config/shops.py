"""Reading `[api]`, `[shopify]` and `[woocommerce]`: the orders API's tokens and the shop
connections (issue 16). The loader calls these like its other section readers."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping
from typing import Any

from smsbot.config.settings import (
    API_SCOPES,
    ApiSettings,
    ApiToken,
    InboxSettings,
    ShopifySettings,
    WooCommerceSettings,
)
from smsbot.config.table import Table

log = logging.getLogger("smsbot.config")

_DIGEST = re.compile(r"sha256:([0-9a-fA-F]{64})\Z")
_SHOP = re.compile(r"[a-z0-9][a-z0-9-]*\.myshopify\.com\Z")
_API_VERSION = re.compile(r"\d{4}-(01|04|07|10)\Z|unstable\Z")
_ADAPTER = re.compile(r"[a-z][a-z0-9_]*\Z")


def read_api(table: Table, env: Mapping[str, str]) -> ApiSettings:
    """`[api]`: `tokens` (each `"sha256:HEX"`, or a table with `token`, `name`, `scopes`),
    `requests_per_minute`, `max_body_bytes`."""
    table.used.add("tokens")
    entries = table.values.get("tokens", [])
    if not isinstance(entries, list):
        raise table.error("tokens", "must be a list of tokens")
    tokens = tuple(_token(table, index, entry) for index, entry in enumerate(entries, 1))
    names = [token.name for token in tokens]
    if len(set(names)) != len(names):
        raise table.error("tokens", "two tokens have the same name")
    return ApiSettings(
        tokens=tokens,
        requests_per_minute=table.count("requests_per_minute", 120, high=100_000),
        max_body_bytes=table.count("max_body_bytes", 256 * 1024, low=1024, high=16 * 1024 * 1024),
    )


def _token(table: Table, index: int, entry: Any) -> ApiToken:
    key = f"tokens[{index}]"
    scopes: Any = list(API_SCOPES)
    name = f"token {index}"
    if isinstance(entry, Mapping):
        unknown = sorted(set(entry) - {"token", "name", "scopes"})
        if unknown:
            raise table.error(f"{key}.{unknown[0]}", "unknown key (token, name, scopes)")
        value, name, scopes = (
            entry.get("token"),
            entry.get("name", name),
            entry.get("scopes", scopes),
        )
    else:
        value = entry
    if not isinstance(value, str) or not value:
        raise table.error(key, 'must be "sha256:HEX" (see `smsbot api new-token`)')
    if not isinstance(name, str) or not name:
        raise table.error(f"{key}.name", "must be a non-empty string")
    if not isinstance(scopes, list) or not scopes or not set(scopes) <= set(API_SCOPES):
        raise table.error(f"{key}.scopes", f"must be a list of {', '.join(API_SCOPES)}")
    match = _DIGEST.fullmatch(value)
    if match is not None:
        return ApiToken(name, bytes.fromhex(match.group(1)), frozenset(scopes))
    log.warning(
        '%s: api.%s is a token in clear; store its digest instead: token = "sha256:%s"',
        table.source,
        key,
        hashlib.sha256(value.encode()).hexdigest(),
    )
    return ApiToken(name, hashlib.sha256(value.encode()).digest(), frozenset(scopes), plain=True)


def read_shopify(table: Table, env: Mapping[str, str]) -> ShopifySettings:
    """`[shopify]`: the shop, the webhook secret, the Admin API token and version."""
    shop = table.optional_str("shop") or env.get("SMSBOT_SHOPIFY_SHOP") or None
    if shop is not None and not _SHOP.fullmatch(shop):
        raise table.error("shop", f"must be the shop's myshopify.com domain, not {shop!r}")
    version = table.get("api_version", str, "2025-01")
    if not _API_VERSION.fullmatch(version):
        raise table.error("api_version", f"must be a version like 2025-01, not {version!r}")
    admin = table.url("admin_url")
    return ShopifySettings(
        shop=shop,
        webhook_secret=table.secret("webhook_secret", env, "SMSBOT_SHOPIFY_WEBHOOK_SECRET"),
        access_token=table.secret("access_token", env, "SMSBOT_SHOPIFY_ACCESS_TOKEN"),
        api_version=version,
        admin_url=None if admin is None else admin.rstrip("/"),
        max_body_bytes=_body_cap(table),
        carriers=_carrier_names(table),
    )


def read_woocommerce(table: Table, env: Mapping[str, str]) -> WooCommerceSettings:
    """`[woocommerce]`: the store URL, the webhook secret, REST keys, the tracking meta key."""
    url = table.url("url")
    return WooCommerceSettings(
        url=None if url is None else url.rstrip("/"),
        webhook_secret=table.secret("webhook_secret", env, "SMSBOT_WOOCOMMERCE_WEBHOOK_SECRET"),
        consumer_key=table.optional_str("consumer_key") or env.get("SMSBOT_WOOCOMMERCE_KEY"),
        consumer_secret=table.secret("consumer_secret", env, "SMSBOT_WOOCOMMERCE_SECRET"),
        tracking_meta_key=table.get("tracking_meta_key", str, "_wc_shipment_tracking_items"),
        max_body_bytes=_body_cap(table),
        carriers=_carrier_names(table),
    )


def _body_cap(table: Table) -> int:
    return table.count("max_body_bytes", 1024 * 1024, low=1024, high=2 * 1024 * 1024)


def _carrier_names(table: Table) -> dict[str, str]:
    """`carriers = { "Correos de Mexico" = "estafeta" }`: extra names -> adapters."""
    found: dict[str, str] = {}
    for name, adapter in table.mapping("carriers").items():
        if not isinstance(adapter, str) or not _ADAPTER.fullmatch(adapter):
            raise table.error(f"carriers.{name}", f"must be an adapter name, not {adapter!r}")
        found[name.strip().casefold()] = adapter
    return found


def read_inbox(table: Table, env: Mapping[str, str]) -> InboxSettings:
    """`[inbox]`: `keep_flagged_days` (1-3650) and `keep_done_days` (2-3650: a platform
    retries a webhook for up to 48 hours, and a replay is recognised only while its
    delivery id is kept)."""
    return InboxSettings(
        keep_flagged_days=table.count("keep_flagged_days", 30, low=1, high=3650),
        keep_done_days=table.count("keep_done_days", 7, low=2, high=3650),
    )
