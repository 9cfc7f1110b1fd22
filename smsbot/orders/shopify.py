"""Shopify's order and fulfillment payloads (webhooks and the Admin API) read into `Order`s.

From an order: the number (`name`, else `order_number`, through the one order-number rule),
the phone (shipping address, then customer, then billing; read in the shipping country),
postal code and first name (for verification), e-mail, locale, and its fulfillments. From a
fulfillment: `tracking_company` (mapped by `sources.CARRIER_NAMES`, else detected),
`tracking_numbers` (several = several shipments), its order's number from its `name`
("#1001.1" is the first fulfillment of "#1001") and its destination address.

Not read (yet): `tracking_urls` and `shipment_status` (the carrier is asked instead), returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
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

#: Fulfillment statuses whose tracking numbers no longer ship anything.
DEAD_FULFILLMENTS = frozenset({"cancelled", "error", "failure"})


@dataclass(frozen=True)
class Fulfillment:
    """One Shopify fulfillment: its shipments, or `dead` (cancelled, failed)."""

    id: str
    order_number: str
    updated_at: datetime
    shipments: tuple[Shipment, ...]
    dead: bool
    contact: Order  # the order as the destination address tells it (no shipments)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ShopifyOrder:
    """One Shopify order: `order` with the shipments of its live fulfillments."""

    id: str
    updated_at: datetime
    order: Order
    cancelled: bool
    fulfillments: tuple[Fulfillment, ...]
    notes: tuple[str, ...] = ()  # kept but flagged: e.g. a phone that does not parse


def _object(data: object, field: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise SourceError(field, "must be a JSON object")
    return data


def _address(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    return value if isinstance(value, Mapping) else {}


def _id(data: Mapping[str, Any], field: str) -> str:
    value = data.get("id")
    if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
        raise SourceError(field, "has no id")
    return str(value)


def _contact(
    number: str,
    sourcing: Sourcing,
    shipping: Mapping[str, Any],
    others: list[Mapping[str, Any]],
    *,
    email: object = None,
    locale: object = None,
) -> tuple[Order, list[str]]:
    """The order's contact details, and why a given phone was dropped (if it was)."""
    region = sourcing.region(shipping.get("country_code"), *(o.get("country_code") for o in others))
    raw = next((p for p in (shipping.get("phone"), *(o.get("phone") for o in others)) if p), None)
    phone, why = phone_in(raw, region)
    notes = [f"order {number} kept without a phone: {why}"] if why else []
    name = text_of(shipping.get("first_name")) or next(
        (text_of(o.get("first_name")) for o in others if text_of(o.get("first_name"))), None
    )
    postal = text_of(shipping.get("zip")) or next(
        (text_of(o.get("zip")) for o in others if text_of(o.get("zip"))), None
    )
    return Order(number, phone, email_of(email), postal, name, locale_of(locale)), notes


def parse_fulfillment(
    data: object, sourcing: Sourcing, *, order_number: str | None = None
) -> Fulfillment:
    """A fulfillment payload; `order_number` when its order is known (inside an order)."""
    body = _object(data, "fulfillment")
    fulfillment_id = _id(body, "fulfillment")
    if order_number is None:
        name = body.get("name")
        if not isinstance(name, str) or "." not in name:
            raise SourceError("name", "a fulfillment's name must be its order's name + '.N'")
        order_number = sourcing.order_number("name", name.rpartition(".")[0])
    updated = time_of(body.get("updated_at") or body.get("created_at"), "updated_at")
    dead = body.get("status") in DEAD_FULFILLMENTS
    numbers = body.get("tracking_numbers")
    if not isinstance(numbers, list):
        single = body.get("tracking_number")
        numbers = [single] if single else []
    shipped = time_of(body["created_at"], "created_at") if body.get("created_at") else None
    shipments: list[Shipment] = []
    notes: list[str] = []
    for index, number in enumerate(numbers):
        try:
            shipments.append(
                sourcing.shipment(
                    body.get("tracking_company"),
                    number,
                    f"tracking_numbers/{index}",
                    shipped_at=shipped,
                )
            )
        except SourceError as exc:  # one bad number does not lose the others
            notes.append(f"order {order_number} fulfillment {fulfillment_id}: {exc}")
    contact, why = _contact(order_number, sourcing, _address(body, "destination"), [])
    return Fulfillment(
        fulfillment_id,
        order_number,
        updated,
        tuple(dict.fromkeys(shipments)),
        dead,
        contact,
        (*notes, *why),
    )


def parse_order(data: object, sourcing: Sourcing) -> ShopifyOrder:
    """An order payload (orders/create, orders/updated, orders/cancelled, the Admin API)."""
    body = _object(data, "order")
    order_id = _id(body, "order")
    number = sourcing.order_number("name", body.get("name"), body.get("order_number"))
    updated = time_of(body.get("updated_at") or body.get("created_at"), "updated_at")
    customer = _address(body, "customer")
    default = _address(customer, "default_address")
    contact, notes = _contact(
        number,
        sourcing,
        _address(body, "shipping_address"),
        [customer, default, _address(body, "billing_address")],
        email=body.get("email") or body.get("contact_email"),
        locale=body.get("customer_locale"),
    )
    fulfillments = []
    listed = body.get("fulfillments")
    for item in listed if isinstance(listed, list) else []:
        try:
            fulfillments.append(parse_fulfillment(item, sourcing, order_number=number))
        except SourceError as exc:
            notes.append(f"order {number}: a fulfillment was skipped: {exc}")
    live = [s for f in fulfillments if not f.dead for s in f.shipments]
    for fulfillment in fulfillments:
        notes.extend(fulfillment.notes)
    order = Order(
        number,
        contact.phone,
        contact.email,
        contact.postal_code,
        contact.name,
        contact.locale,
        tuple(dict.fromkeys(live)),
    )
    cancelled = bool(body.get("cancelled_at"))
    return ShopifyOrder(order_id, updated, order, cancelled, tuple(fulfillments), tuple(notes))
