"""The built-in demo: orders whose parcels the `demo` carrier tracks, one per story."""

from __future__ import annotations

from smsbot.orders.model import Leg, Order, Shipment

#: The phone number every demo order belongs to; `smsbot chat --demo` texts from it.
DEMO_PHONE = "+12025550123"

_STORIES = {
    "1001": "in transit",
    "1002": "out for delivery",
    "1003": "delivered",
    "1004": "delayed by weather",
    "1005": "held by customs",
    "1006": "two packages and a return",
    "1007": "label created",
    "1008": "no tracking updates yet",
    "1009": "ready for pickup",
    "1010": "delivery attempted",
    "1011": "returning to sender",
    "1012": "a status the carrier does not explain",
}


def _shipments(number: str) -> tuple[Shipment, ...]:
    if number == "1006":
        return (
            Shipment("demo", "DEMO1006A"),
            Shipment("demo", "DEMO1006B"),
            Shipment("demo", "DEMO1006R", kind=Leg.RETURN),
        )
    return (Shipment("demo", f"DEMO{number}"),)


DEMO_ORDERS: tuple[Order, ...] = tuple(
    Order(
        number=number,
        phone=DEMO_PHONE,
        email=f"customer{number}@demo.example",
        postal_code="11201",
        name="Demo Customer",
        locale=None,
        shipments=_shipments(number),
    )
    for number in _STORIES
)


def describe() -> list[str]:
    """One line per demo order, for `smsbot chat --demo`'s greeting."""
    return [f"{number}: {story}" for number, story in _STORIES.items()]
