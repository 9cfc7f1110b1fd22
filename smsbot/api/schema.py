"""The API's request bodies, validated by pydantic, then made into `Order`s through the same
rules as every source (`smsbot.orders.sources`). Every bad field is named, never just one."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from smsbot.orders.model import Leg, Order, Shipment
from smsbot.orders.sources import SourceError, Sourcing, email_of, locale_of, phone_in

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class ShipmentIn(BaseModel):
    """One shipment: the carrier may be left out when the tracking number tells it."""

    model_config = ConfigDict(extra="forbid")

    tracking_number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    carrier: Text | None = Field(None, description="adapter name (ups) or carrier name (UPS)")
    kind: Literal["outbound", "return"] = "outbound"
    shipped_at: AwareDatetime | None = None


class OrderIn(BaseModel):
    """PUT /api/orders/{number}: the whole order; its shipments replace the stored ones."""

    model_config = ConfigDict(extra="forbid")

    phone: Text | None = Field(None, description="E.164, or national in the country given")
    country: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$")] | None = Field(
        None, description="ISO 3166 country the phone is read in (default bot.default_region)"
    )
    email: Text | None = None
    postal_code: Text | None = None
    name: Text | None = None
    locale: Text | None = None
    shipments: list[ShipmentIn] = Field(default_factory=list, max_length=100)


Errors = list[dict[str, str]]


def pydantic_errors(error: ValidationError) -> Errors:
    """Every error of a pydantic validation, as `{"field": pointer, "message": ...}`."""
    found = []
    for item in error.errors(include_url=False):
        pointer = "/" + "/".join(str(part) for part in item["loc"])
        found.append({"field": pointer if item["loc"] else "/", "message": item["msg"]})
    return found


def shipment_of(item: ShipmentIn, sourcing: Sourcing, field: str) -> Shipment:
    """A validated shipment; raises SourceError naming `field`'s part."""
    return sourcing.shipment(
        item.carrier,
        item.tracking_number,
        f"{field}/tracking_number",
        kind=Leg(item.kind),
        shipped_at=item.shipped_at,
    )


def order_of(number: str, body: OrderIn, sourcing: Sourcing) -> tuple[Order | None, Errors]:
    """The order `body` describes, or the list of its bad fields."""
    errors: Errors = []
    phone, why = phone_in(body.phone, sourcing.region(body.country))
    if why:
        errors.append({"field": "/phone", "message": why})
    if body.email and email_of(body.email) is None:
        errors.append({"field": "/email", "message": "is not an e-mail address"})
    if body.locale and locale_of(body.locale) is None:
        errors.append({"field": "/locale", "message": "must look like 'es' or 'es-MX'"})
    shipments: list[Shipment] = []
    for index, item in enumerate(body.shipments):
        try:
            shipments.append(shipment_of(item, sourcing, f"/shipments/{index}"))
        except SourceError as exc:
            errors.append({"field": exc.field, "message": exc.message})
    if errors:
        return None, errors
    unique = tuple(dict.fromkeys(shipments))
    order = Order(
        number,
        phone,
        email_of(body.email),
        body.postal_code,
        body.name,
        locale_of(body.locale),
        unique,
    )
    return order, []
