"""Orders and their shipments, as the store keeps them and importers produce them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Leg(StrEnum):
    """Which way a shipment goes."""

    OUTBOUND = "outbound"
    RETURN = "return"


@dataclass(frozen=True)
class Shipment:
    """One parcel of an order: a carrier (adapter name) and its tracking number."""

    carrier: str
    tracking_number: str
    kind: Leg = Leg.OUTBOUND
    shipped_at: datetime | None = None


@dataclass(frozen=True)
class Order:
    """An order as the merchant knows it. `phone` is E.164 (or None when unknown).

    `cancelled_at` is set by the store when the shop cancelled the order (writes ignore it:
    cancelling is `cancel_order`)."""

    number: str
    phone: str | None
    email: str | None = None
    postal_code: str | None = None
    name: str | None = None
    locale: str | None = None
    shipments: tuple[Shipment, ...] = field(default=())
    cancelled_at: datetime | None = None
