"""WooCommerce order payloads (webhooks and /wp-json/wc/v3/orders) read into `Order`s.

Tracking numbers come from the Shipment Tracking extension's order meta
(`_wc_shipment_tracking_items`: a list of `{tracking_provider, custom_tracking_provider,
tracking_number, date_shipped}`), or from another meta key (`[woocommerce]
tracking_meta_key`) holding a tracking number or a list of them (the carrier is then
detected). The phone: shipping, then billing, read in the shipping country.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from smsbot.orders.model import Order, Shipment
from smsbot.orders.sources import (
    SourceError,
    Sourcing,
    email_of,
    locale_of,
    phone_in,
    text_of,
    time_of,
)

#: Statuses of an order that will not ship.
CANCELLED = frozenset({"cancelled", "refunded", "failed", "trash"})


@dataclass(frozen=True)
class WooOrder:
    """One WooCommerce order, its shipments, and whether it was cancelled."""

    id: str
    updated_at: datetime
    order: Order
    cancelled: bool
    notes: tuple[str, ...] = ()


def _section(body: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = body.get(key)
    return value if isinstance(value, Mapping) else {}


def _shipped(raw: object) -> datetime | None:
    """Shipment Tracking's `date_shipped`: a Unix time as text (or a number)."""
    text = text_of(raw)
    return datetime.fromtimestamp(int(text), UTC) if text and text.isdigit() else None


def _tracking(
    body: Mapping[str, Any], sourcing: Sourcing, meta_key: str, number: str
) -> tuple[list[Shipment], list[str]]:
    shipments: list[Shipment] = []
    notes: list[str] = []
    metas = body.get("meta_data")
    for meta in metas if isinstance(metas, list) else []:
        if not isinstance(meta, Mapping) or meta.get("key") != meta_key:
            continue
        value = meta.get("value")
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            field = f"meta_data/{meta_key}/{index}"
            try:
                if isinstance(item, Mapping):
                    provider = item.get("tracking_provider") or item.get("custom_tracking_provider")
                    shipments.append(
                        sourcing.shipment(
                            provider,
                            item.get("tracking_number"),
                            field,
                            shipped_at=_shipped(item.get("date_shipped")),
                        )
                    )
                else:
                    shipments.append(sourcing.shipment(None, text_of(item), field))
            except SourceError as exc:
                notes.append(f"order {number}: {exc}")
    return list(dict.fromkeys(shipments)), notes


def parse_order(data: object, sourcing: Sourcing, *, meta_key: str) -> WooOrder:
    """An order payload (`order.created`, `order.updated`, the REST API)."""
    if not isinstance(data, Mapping):
        raise SourceError("order", "must be a JSON object")
    order_id = data.get("id")
    if isinstance(order_id, bool) or not isinstance(order_id, int | str) or order_id == "":
        raise SourceError("order", "has no id")
    number = sourcing.order_number("number", data.get("number"), order_id)
    stamp = data.get("date_modified_gmt") or data.get("date_created_gmt")
    updated = time_of(stamp, "date_modified_gmt")
    shipping, billing = _section(data, "shipping"), _section(data, "billing")
    region = sourcing.region(shipping.get("country"), billing.get("country"))
    phone, why = phone_in(shipping.get("phone") or billing.get("phone"), region)
    notes = [f"order {number} kept without a phone: {why}"] if why else []
    shipments, problems = _tracking(data, sourcing, meta_key, number)
    order = Order(
        number,
        phone,
        email_of(billing.get("email")),
        text_of(shipping.get("postcode")) or text_of(billing.get("postcode")),
        text_of(shipping.get("first_name")) or text_of(billing.get("first_name")),
        locale_of(data.get("locale")),
        tuple(shipments),
    )
    cancelled = data.get("status") in CANCELLED
    return WooOrder(str(order_id), updated, order, cancelled, (*notes, *problems))
