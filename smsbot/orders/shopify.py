"""Shopify's order and fulfillment payloads (webhooks and the Admin API) read into `Order`s.

From an order: the number (`name`, else `order_number`, through the one order-number rule),
the phone (shipping address, then customer, then billing; read in the shipping country),
postal code and first name (for verification), e-mail, locale, and its fulfillments. From a
fulfillment: `tracking_company` (mapped by `sources.CARRIER_NAMES`, else the host of the
number's `tracking_urls` entry, else detected), `tracking_numbers` (several = several
shipments), its order's number from its `name` ("#1001.1" is the first fulfillment of
"#1001"), its `order_id` and its destination address. A fulfillment may instead carry
`tracking_info` (`[{company, number, url}]`, the Admin GraphQL shape): each number then has
its own company. An order may carry `returns` (`[{id, name, status, tracking: [{company,
number, url}]}]`, the GraphQL `Order.returns` read by `smsbot.shops.graphql_shapes`): their
tracking numbers become return legs (`Leg.RETURN`).

`shipment_status` (Shopify's own "delivered", "failure", ... hint) is deliberately not
read: what a shipment's status is comes from the carrier's tracking, never from the shop.
Tracking URLs are not kept: `Shipment` has no place for one (the bot builds its own links).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from smsbot.orders.model import Leg, Order, Shipment
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
#: Return statuses (GraphQL `ReturnStatus`, lower-cased) whose parcels will not travel.
DEAD_RETURNS = frozenset({"canceled", "cancelled", "declined"})


@dataclass(frozen=True)
class Fulfillment:
    """One Shopify fulfillment (or a return, `leg` RETURN): its shipments, or `dead`
    (cancelled, failed, declined)."""

    id: str
    order_number: str
    updated_at: datetime
    shipments: tuple[Shipment, ...]
    dead: bool
    contact: Order  # the order as the destination address tells it (no shipments)
    notes: tuple[str, ...] = ()
    order_id: str | None = None  # the Shopify id of its order, when the payload says
    leg: Leg = Leg.OUTBOUND

    @property
    def resource(self) -> str:
        """Its key in the store's resource clock (`claim_version`)."""
        kind = "return" if self.leg is Leg.RETURN else "fulfillment"
        return f"shopify:{kind}:{self.id}"


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
    shipped = time_of(body["created_at"], "created_at") if body.get("created_at") else None
    shipments, notes = _shipments(
        _tracking(body), sourcing, f"order {order_number} fulfillment {fulfillment_id}", shipped
    )
    contact, why = _contact(order_number, sourcing, _address(body, "destination"), [])
    order_id = body.get("order_id")
    return Fulfillment(
        fulfillment_id,
        order_number,
        updated,
        shipments,
        dead,
        contact,
        (*notes, *why),
        None if order_id is None or isinstance(order_id, bool) else str(order_id),
    )


def _tracking(body: Mapping[str, Any]) -> list[tuple[str, object, object, object]]:
    """(field, company, number, url) of each tracking number of a fulfillment or return.

    `tracking_info` (GraphQL: a company per number) wins; else the webhook's one
    `tracking_company` for all `tracking_numbers`, with `tracking_urls` by position."""
    info = body.get("tracking_info")
    if isinstance(info, list):
        return [
            (f"tracking_info/{i}", t.get("company"), t.get("number"), t.get("url"))
            for i, t in enumerate(info)
            if isinstance(t, Mapping)
        ]
    numbers = body.get("tracking_numbers")
    urls = body.get("tracking_urls")
    if not isinstance(numbers, list):
        single = body.get("tracking_number")
        numbers = [single] if single else []
        urls = [body.get("tracking_url")]
    urls = urls if isinstance(urls, list) and len(urls) == len(numbers) else [None] * len(numbers)
    company = body.get("tracking_company")
    return [
        (f"tracking_numbers/{i}", company, number, url)
        for i, (number, url) in enumerate(zip(numbers, urls, strict=True))
    ]


def _shipments(
    tracking: list[tuple[str, object, object, object]],
    sourcing: Sourcing,
    where: str,
    shipped: datetime | None,
    kind: Leg = Leg.OUTBOUND,
) -> tuple[tuple[Shipment, ...], list[str]]:
    """The shipments of these tracking numbers, and a note per number that was unusable."""
    shipments: list[Shipment] = []
    notes: list[str] = []
    for field, company, number, url in tracking:
        try:
            shipments.append(
                sourcing.shipment(company, number, field, kind=kind, shipped_at=shipped, url=url)
            )
        except SourceError as exc:  # one bad number does not lose the others
            notes.append(f"{where}: {exc}")
    return tuple(dict.fromkeys(shipments)), notes


def parse_return(
    data: object, sourcing: Sourcing, *, order_number: str, updated_at: datetime
) -> Fulfillment:
    """A return of an order (`returns[]`): its tracked parcels as return legs, versioned
    with the order (`updated_at`: a return has no clock of its own in the payload)."""
    body = _object(data, "return")
    return_id = _id(body, "return")
    dead = str(body.get("status") or "").lower() in DEAD_RETURNS
    shipments, notes = _shipments(
        _tracking(body), sourcing, f"order {order_number} return {return_id}", None, Leg.RETURN
    )
    contact = Order(order_number, None)
    return Fulfillment(
        return_id,
        order_number,
        updated_at,
        shipments,
        dead,
        contact,
        tuple(notes),
        None,
        Leg.RETURN,
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
    returns = body.get("returns")
    for item in returns if isinstance(returns, list) else []:
        try:
            fulfillments.append(
                parse_return(item, sourcing, order_number=number, updated_at=updated)
            )
        except SourceError as exc:
            notes.append(f"order {number}: a return was skipped: {exc}")
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
