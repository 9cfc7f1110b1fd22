"""Reply wording in English and Spanish, dates and times, and the segment budget."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from smsbot.orders.model import Leg, Shipment
from smsbot.tracking import (
    DelayReason,
    Eta,
    Event,
    Status,
    TrackingResult,
    carrier_local,
)
from smsbot.view.package import Failure, PackageStatus
from smsbot.view.step import NextStep
from smsbot.wording import replies
from smsbot.wording.languages import LANGUAGES
from smsbot.wording.replies import (
    Wording,
    ask_carrier,
    ask_order_number,
    carrier_display_name,
    format_day,
    format_time,
    help_text,
    no_shipments,
    opted_in,
    opted_out,
    order_not_found,
    order_status,
    rate_limited,
    tracking_status,
    tracking_unknown,
    unavailable,
    usage_hint,
)
from smsbot.wording.segments import is_gsm7, segment_count, word_prefixes

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=NEW_YORK)  # Tue Nov 24 2026
NUMBER = "1Z999AA10123456784"
THU = date(2026, 11, 26)


def wording(language: str = "en", max_segments: int = 3) -> Wording:
    return Wording(language, NEW_YORK, NOW, max_segments)


def result(status: Status, carrier: str = "ups", **fields: object) -> TrackingResult:
    return TrackingResult(carrier, NUMBER, status, **fields)  # type: ignore[arg-type]


def package(
    tracked: TrackingResult | None,
    carrier: str = "ups",
    *,
    failure: Failure | None = None,
    checked_at: datetime | None = NOW,
    kind: Leg = Leg.OUTBOUND,
) -> PackageStatus:
    shipment = Shipment(carrier, NUMBER, kind)
    return PackageStatus(shipment, carrier_display_name(carrier), tracked, checked_at, failure)


def seen_at(location: str) -> tuple[Event, ...]:
    return (Event(datetime(2026, 11, 23, 10, tzinfo=UTC), Status.IN_TRANSIT, "Scan", "", location),)


WINDOW = Eta(
    THU,
    window_start=datetime(2026, 11, 26, 14, tzinfo=NEW_YORK),
    window_end=datetime(2026, 11, 26, 16, tzinfo=NEW_YORK),
)
DELIVERED = result(
    Status.DELIVERED,
    delivered_at=datetime(2026, 11, 23, 19, 14, tzinfo=UTC),
    delivery_location="front door",
)
WEATHER = result(
    Status.EXCEPTION, delay_reason=DelayReason.WEATHER, events=seen_at("Memphis, TN"), eta=Eta(THU)
)

# (result, English reply, Spanish reply) for a one-package order 1001
SHAPES: dict[str, tuple[TrackingResult, str, str]] = {
    "in_transit": (
        result(Status.IN_TRANSIT, eta=Eta(THU)),
        "Order 1001: In transit with UPS, arriving Thu Nov 26.",
        "Pedido 1001: en camino con UPS, llega el jue 26 nov.",
    ),
    "in_transit_window": (
        result(Status.IN_TRANSIT, eta=WINDOW),
        "Order 1001: In transit with UPS, arriving Thu Nov 26, 2:00 PM-4:00 PM.",
        "Pedido 1001: en camino con UPS, llega el jue 26 nov, 14:00-16:00.",
    ),
    "in_transit_days": (
        result(Status.IN_TRANSIT, eta=Eta(THU, latest=date(2026, 11, 28))),
        "Order 1001: In transit with UPS, arriving Thu Nov 26-Sat Nov 28.",
        "Pedido 1001: en camino con UPS, llega entre el jue 26 nov y el sab 28 nov.",
    ),
    "in_transit_estimated": (
        result(Status.IN_TRANSIT, eta=Eta(THU, estimated=True)),
        "Order 1001: In transit with UPS, expected around Thu Nov 26.",
        "Pedido 1001: en camino con UPS, llegada estimada el jue 26 nov.",
    ),
    "in_transit_tomorrow": (
        result(Status.IN_TRANSIT, eta=Eta(date(2026, 11, 25))),
        "Order 1001: In transit with UPS, arriving tomorrow.",
        "Pedido 1001: en camino con UPS, llega mañana.",
    ),
    "in_transit_late": (
        result(Status.IN_TRANSIT, eta=Eta(date(2026, 11, 23))),
        "Order 1001: In transit with UPS, was expected Mon Nov 23.",
        "Pedido 1001: en camino con UPS, se esperaba el lun 23 nov.",
    ),
    "in_transit_by": (
        result(Status.IN_TRANSIT, eta=Eta(date(2026, 11, 23), latest=date(2026, 11, 28))),
        "Order 1001: In transit with UPS, arriving by Sat Nov 28.",
        "Pedido 1001: en camino con UPS, llega como tarde el sab 28 nov.",
    ),
    "in_transit_no_eta": (
        result(Status.IN_TRANSIT),
        "Order 1001: In transit with UPS.",
        "Pedido 1001: en camino con UPS.",
    ),
    "out_for_delivery": (
        result(Status.OUT_FOR_DELIVERY, "usps"),
        "Order 1001: Out for delivery with USPS today.",
        "Pedido 1001: en reparto con USPS hoy.",
    ),
    "delivered": (
        DELIVERED,
        "Order 1001: Delivered Mon Nov 23, 2:14 PM (front door).",
        "Pedido 1001: entregado el lun 23 nov, 14:14 (front door).",
    ),
    "delayed": (
        WEATHER,
        # An exception names the carrier (issue 13, item 6).
        "Order 1001: Delayed by severe weather near Memphis, TN. New ETA Thu Nov 26. "
        "Contact UPS or reply HELP.",
        "Pedido 1001: retrasado por mal tiempo cerca de Memphis, TN. Ahora llega el jue 26 nov. "
        "Contacta a UPS o responde AYUDA.",
    ),
    "delayed_address": (
        result(Status.EXCEPTION, delay_reason=DelayReason.ADDRESS, events=seen_at("Memphis, TN")),
        "Order 1001: Delayed by an address problem near Memphis, TN. "
        "Contact UPS to fix the address.",
        "Pedido 1001: retrasado por un problema con el domicilio cerca de Memphis, TN. "
        "Contacta a UPS para corregir el domicilio.",
    ),
    "exception_text": (
        result(Status.EXCEPTION, status_text="Package damaged — contents OK."),
        "Order 1001: Delivery problem with UPS. UPS says: Package damaged - contents OK.",
        "Pedido 1001: problema con la entrega (UPS). UPS dice: Package damaged - contents OK.",
    ),
    "label_created": (
        result(Status.LABEL_CREATED),
        "Order 1001: Label created, waiting for UPS to pick it up.",
        "Pedido 1001: etiqueta creada, pendiente de que UPS lo recoja.",
    ),
    "pending": (
        result(Status.PENDING),
        "Order 1001: No tracking updates yet from UPS.",
        "Pedido 1001: UPS no tiene datos de seguimiento por ahora.",
    ),
    "not_found": (
        TrackingResult.not_found("ups", NUMBER),
        "Order 1001: UPS has no tracking updates yet.",
        "Pedido 1001: UPS no tiene datos de seguimiento por ahora.",
    ),
    "pickup": (
        result(Status.AVAILABLE_FOR_PICKUP, "usps", events=seen_at("Post Office, Memphis, TN")),
        "Order 1001: Ready for pickup from USPS at Post Office, Memphis, TN.",
        "Pedido 1001: listo para recoger (USPS) en Post Office, Memphis, TN.",
    ),
    "pickup_nowhere": (
        result(Status.AVAILABLE_FOR_PICKUP, "usps"),
        "Order 1001: Ready for pickup from USPS.",
        "Pedido 1001: listo para recoger (USPS).",
    ),
    "attempted": (
        result(Status.DELIVERY_ATTEMPTED),
        "Order 1001: Delivery attempted by UPS. "
        "Check the notice they left, or contact UPS to reschedule.",
        "Pedido 1001: intento de entrega de UPS. "
        "Revisa el aviso que te dejaron o contacta a UPS para reprogramar.",
    ),
    "attempted_next": (
        result(Status.DELIVERY_ATTEMPTED, eta=Eta(THU)),
        "Order 1001: Delivery attempted by UPS. Next try Thu Nov 26.",
        "Pedido 1001: intento de entrega de UPS. Nuevo intento el jue 26 nov.",
    ),
    "attempted_nobody_home": (
        result(Status.DELIVERY_ATTEMPTED, delay_reason=DelayReason.RECIPIENT_UNAVAILABLE),
        "Order 1001: Delivery attempted by UPS. Contact UPS to reschedule or pick it up.",
        "Pedido 1001: intento de entrega de UPS. Contacta a UPS para reprogramar o recogerlo.",
    ),
    "returning": (
        result(Status.RETURNING),
        "Order 1001: Returning to sender with UPS. Reply HELP if you didn't expect this.",
        "Pedido 1001: de vuelta al remitente con UPS. Responde AYUDA si no lo esperabas.",
    ),
    "unknown": (
        result(Status.UNKNOWN, status_text="Arrived at “Facility”."),
        'Order 1001: UPS says: Arrived at "Facility".',
        'Pedido 1001: UPS dice: Arrived at "Facility".',
    ),
    "unknown_blank": (
        result(Status.UNKNOWN),
        "Order 1001: No clear update from UPS yet.",
        "Pedido 1001: UPS no da novedades claras por ahora.",
    ),
}


@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("language", ["en", "es"])
def test_one_package(shape: str, language: str) -> None:
    tracked, english, spanish = SHAPES[shape]
    reply = order_status("1001", [package(tracked, tracked.carrier)], wording(language))
    assert reply == (english if language == "en" else spanish)
    assert is_gsm7(reply)
    assert segment_count(reply) == 1


@pytest.mark.parametrize(
    ("reason", "english"),
    [
        (DelayReason.WEATHER, "Delayed by severe weather. Sorry!"),
        (DelayReason.CUSTOMS, "Delayed by a customs hold. Sorry!"),
        (DelayReason.ADDRESS, "Delayed by an address problem. Contact UPS to fix the address."),
        (
            DelayReason.RECIPIENT_UNAVAILABLE,
            "Delayed by no one being available to receive it. "
            "Contact UPS to reschedule or pick it up.",
        ),
        (DelayReason.REFUSED, "Delayed by being refused. Sorry!"),
        (DelayReason.DAMAGED, "Delayed by damage. Sorry!"),
        (DelayReason.LOST, "Delayed by the carrier losing track of it. Sorry!"),
        (
            DelayReason.HELD_FOR_PAYMENT,
            "Delayed by unpaid duties or fees. Pay the fees to UPS to release it.",
        ),
        (DelayReason.CARRIER_DELAY, "Delayed by a carrier delay. Sorry!"),
        (DelayReason.HOLIDAY, "Delayed by a holiday. Sorry!"),
        (DelayReason.SECURITY, "Delayed by a security check. Sorry!"),
        (DelayReason.OTHER, "Delayed by a problem. Sorry!"),
    ],
)
def test_delay_reasons(reason: DelayReason, english: str) -> None:
    tracked = result(Status.IN_TRANSIT, delay_reason=reason)
    assert order_status("1001", [package(tracked)], wording()) == f"Order 1001: {english}"
    assert is_gsm7(order_status("1001", [package(tracked)], wording("es")))


def test_tracking_number_reply_has_no_order_details() -> None:
    tracked = result(Status.IN_TRANSIT, eta=Eta(THU))
    assert tracking_status(NUMBER, package(tracked), wording()) == (
        f"Tracking {NUMBER}: In transit with UPS, arriving Thu Nov 26."
    )
    assert tracking_status(NUMBER, package(tracked), wording("es")) == (
        f"Seguimiento {NUMBER}: en camino con UPS, llega el jue 26 nov."
    )


def test_return_leg_alone() -> None:
    tracked = result(Status.IN_TRANSIT)
    reply = order_status("1001", [package(tracked, kind=Leg.RETURN)], wording())
    assert reply == "Order 1001: Your return (UPS): on its way back to us."
    label = order_status(
        "1001", [package(result(Status.LABEL_CREATED), kind=Leg.RETURN)], wording()
    )
    assert label == "Order 1001: Your return (UPS): label created, not yet dropped off."
    spanish = order_status(
        "1001", [package(result(Status.LABEL_CREATED), kind=Leg.RETURN)], wording("es")
    )
    assert spanish == (
        "Pedido 1001: Tu devolucion (UPS): etiqueta creada, aun sin entregar al transportista."
    )
    silent = package(None, failure=Failure.UNAVAILABLE, checked_at=None, kind=Leg.RETURN)
    assert order_status("1001", [silent], wording()).startswith("Order 1001, your return: UPS ")


def test_no_packages_is_no_shipments() -> None:
    assert order_status("1001", [], wording()) == no_shipments("1001", wording())


# -- dates and times


@pytest.mark.parametrize(
    ("day", "english", "spanish"),
    [
        (THU, "Thu Nov 26", "jue 26 nov"),
        (date(2026, 12, 1), "Tue Dec 1", "mar 1 dic"),
        (date(2026, 11, 25), "Wed Nov 25", "mié 25 nov"),
        (date(2026, 11, 28), "Sat Nov 28", "sab 28 nov"),
        (date(2027, 1, 4), "Mon Jan 4, 2027", "lun 4 ene 2027"),
        (date(2025, 12, 31), "Wed Dec 31, 2025", "mié 31 dic 2025"),
    ],
)
def test_format_day(day: date, english: str, spanish: str) -> None:
    assert format_day(day, wording()) == english
    assert format_day(day, wording("es")) == spanish


def test_year_is_the_merchants_year() -> None:
    new_year_eve = datetime(2026, 12, 31, 23, 30, tzinfo=NEW_YORK)  # already 2027 in UTC
    w = Wording("en", NEW_YORK, new_year_eve.astimezone(UTC))
    assert format_day(date(2026, 12, 31), w) == "Thu Dec 31"
    assert format_day(date(2027, 1, 1), w) == "Fri Jan 1, 2027"


@pytest.mark.parametrize(
    ("moment", "english", "spanish"),
    [
        (datetime(2026, 11, 23, 19, 14, tzinfo=UTC), "2:14 PM", "14:14"),
        (datetime(2026, 11, 23, 5, 5, tzinfo=UTC), "12:05 AM", "0:05"),
        (datetime(2026, 11, 23, 17, 0, tzinfo=UTC), "12:00 PM", "12:00"),
        (carrier_local(datetime(2026, 11, 23, 9, 30)), "9:30 AM", "9:30"),
        (carrier_local(datetime(2026, 11, 23, 21, 7)), "9:07 PM", "21:07"),
    ],
)
def test_format_time(moment: datetime, english: str, spanish: str) -> None:
    assert format_time(moment, wording()) == english
    assert format_time(moment, wording("es")) == spanish


def test_times_follow_the_merchant_zone_but_not_carrier_local_time() -> None:
    los_angeles = Wording("en", ZoneInfo("America/Los_Angeles"), NOW)
    assert format_time(datetime(2026, 11, 23, 19, 14, tzinfo=UTC), los_angeles) == "11:14 AM"
    assert format_time(carrier_local(datetime(2026, 11, 23, 19, 14)), los_angeles) == "7:14 PM"


def test_delivered_keeps_the_date_even_today() -> None:
    tracked = result(Status.DELIVERED, delivered_at=carrier_local(datetime(2026, 11, 24, 9, 5)))
    assert order_status("1001", [package(tracked)], wording()) == (
        "Order 1001: Delivered Tue Nov 24, 9:05 AM."
    )


def test_delivered_in_the_merchant_zone_can_change_the_day() -> None:
    late = datetime(2026, 11, 24, 3, 30, tzinfo=UTC)  # still Nov 23 in New York
    tracked = result(Status.DELIVERED, delivered_at=late)
    assert order_status("1001", [package(tracked)], wording()) == (
        "Order 1001: Delivered Mon Nov 23, 10:30 PM."
    )


def test_eta_today() -> None:
    tracked = result(Status.IN_TRANSIT, eta=Eta(date(2026, 11, 24)))
    assert order_status("1001", [package(tracked)], wording()) == (
        "Order 1001: In transit with UPS, arriving today."
    )
    assert order_status("1001", [package(tracked)], wording("es")) == (
        "Pedido 1001: en camino con UPS, llega hoy."
    )


def test_out_for_delivery_with_a_window() -> None:
    window = Eta(
        date(2026, 11, 24),
        window_start=datetime(2026, 11, 24, 16, tzinfo=NEW_YORK),
        window_end=datetime(2026, 11, 24, 18, tzinfo=NEW_YORK),
    )
    tracked = result(Status.OUT_FOR_DELIVERY, "usps", eta=window)
    assert order_status("1001", [package(tracked, "usps")], wording()) == (
        "Order 1001: Out for delivery with USPS today, 4:00 PM-6:00 PM."
    )


# -- carriers that fail now


def test_stale_result_with_its_age() -> None:
    tracked = result(Status.IN_TRANSIT, eta=Eta(THU))
    three_hours = package(tracked, failure=Failure.TIMEOUT, checked_at=NOW - timedelta(hours=3))
    assert order_status("1001", [three_hours], wording()) == (
        "Order 1001: UPS isn't answering right now. "
        "Last update (3 h ago): In transit, arriving Thu Nov 26."
    )
    assert order_status("1001", [three_hours], wording("es")) == (
        "Pedido 1001: UPS no responde en este momento. "
        "Estado de hace 3 h: en camino, llega el jue 26 nov."
    )


@pytest.mark.parametrize(
    ("age", "english", "spanish"),
    [
        (timedelta(minutes=5), "5 min ago", "hace 5 min"),
        (timedelta(seconds=10), "1 min ago", "hace 1 min"),
        (timedelta(hours=23, minutes=59), "23 h ago", "hace 23 h"),
        (timedelta(days=1, hours=2), "1 day ago", "hace 1 d"),
        (timedelta(days=2), "2 days ago", "hace 2 d"),
    ],
)
def test_stale_ages(age: timedelta, english: str, spanish: str) -> None:
    stale = package(result(Status.IN_TRANSIT), failure=Failure.UNAVAILABLE, checked_at=NOW - age)
    assert f"Last update ({english}): In transit." in order_status("1", [stale], wording())
    assert f"Estado de {spanish}: en camino." in order_status("1", [stale], wording("es"))


def test_failed_without_a_last_result() -> None:
    failed = package(None, failure=Failure.TIMEOUT, checked_at=None)
    assert tracking_status(NUMBER, failed, wording()) == (
        f"Tracking {NUMBER}: UPS isn't answering right now, so we can't see the latest update. "
        "Try again in a few minutes."
    )
    assert order_status("1001", [failed], wording("es")) == (
        "Pedido 1001: UPS no responde en este momento y no podemos ver su estado. "
        "Vuelve a intentarlo en unos minutos."
    )


@pytest.mark.parametrize("failure", [Failure.AUTH, Failure.RATE_LIMITED, Failure.BAD_RESPONSE])
def test_failures_the_customer_cannot_fix_read_as_unavailable(failure: Failure) -> None:
    stale = result(Status.IN_TRANSIT)
    for tracked in (stale, None):
        said = order_status("1001", [package(tracked, failure=failure)], wording())
        usual = order_status("1001", [package(tracked, failure=Failure.UNAVAILABLE)], wording())
        assert said == usual


def test_carrier_without_an_adapter() -> None:
    missing = package(None, "ontrac", failure=Failure.NO_ADAPTER, checked_at=None)
    assert order_status("1001", [missing], wording()) == (
        "Order 1001: We can't track this carrier yet."
    )
    assert order_status("1001", [missing], wording("es")) == (
        "Pedido 1001: por ahora no podemos rastrear este transportista."
    )


# -- several packages


def test_two_packages() -> None:
    in_transit = result(Status.IN_TRANSIT, "fedex", eta=Eta(THU))
    packages = [package(DELIVERED), package(in_transit, "fedex")]
    assert order_status("1001", packages, wording()) == (
        "Order 1001, 2 packages: 1) UPS: Delivered Mon Nov 23. "
        "2) FedEx: In transit, ETA Thu Nov 26."
    )
    assert order_status("1001", packages, wording("es")) == (
        "Pedido 1001, 2 paquetes: 1) UPS: entregado el lun 23 nov. "
        "2) FedEx: en camino, llega el jue 26 nov."
    )


def test_several_packages_with_a_return_leg_and_failures() -> None:
    packages = [
        package(result(Status.OUT_FOR_DELIVERY)),
        package(result(Status.IN_TRANSIT, "dhl"), "dhl", kind=Leg.RETURN),
        package(
            result(Status.IN_TRANSIT, "fedex", eta=Eta(THU)),
            "fedex",
            failure=Failure.TIMEOUT,
            checked_at=NOW - timedelta(minutes=5),
        ),
        package(None, "usps", failure=Failure.UNAVAILABLE, checked_at=None),
        package(None, "ontrac", failure=Failure.NO_ADAPTER, checked_at=None),
        package(result(Status.EXCEPTION, delay_reason=DelayReason.ADDRESS, eta=Eta(THU))),
    ]
    assert order_status("1001", packages, wording(max_segments=5)) == (
        "Order 1001, 6 packages: 1) UPS: Out for delivery today. "
        "2) Your return (DHL): on its way back to us. "
        "3) FedEx: Not answering right now; last update (5 min ago): In transit, ETA Thu Nov 26. "
        "4) USPS: Not answering right now, try again soon. "
        "5) OnTrac: Can't track this carrier yet. "
        "6) UPS: Delayed by an address problem, new ETA Thu Nov 26. "
        "Contact UPS to fix the address."
    )
    spanish = order_status("1001", packages, wording("es", max_segments=5))
    assert spanish.startswith("Pedido 1001, 6 paquetes: 1) UPS: en reparto hoy. ")
    assert "2) Tu devolucion (DHL): en camino de vuelta a nosotros. " in spanish
    assert is_gsm7(spanish)


def many_packages() -> list[PackageStatus]:
    kinds = [
        result(Status.IN_TRANSIT, "fedex", eta=WINDOW),
        WEATHER,
        DELIVERED,
        result(Status.UNKNOWN, status_text="Departed from facility in Louisville, KY, US " * 3),
    ]
    return [package(kinds[n % 4], kinds[n % 4].carrier) for n in range(10)]


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("max_segments", [1, 2, 3])
def test_ten_packages_stay_within_the_budget(language: str, max_segments: int) -> None:
    more = LANGUAGES[language].replies["more"]
    packages = many_packages()
    full = order_status("1001", packages, wording(language, max_segments=100))
    reply = order_status("1001", packages, wording(language, max_segments=max_segments))
    assert segment_count(reply) <= max_segments
    assert reply.endswith(f". {more}")
    shown = reply.removesuffix(f" {more}")
    assert full.startswith(shown)  # cut at a package boundary, nothing rewritten
    following = full[len(shown) :].split(" ")[1]
    assert following.endswith(")") and following[:-1].isdigit()
    assert is_gsm7(reply)


def test_few_packages_need_no_more() -> None:
    packages = many_packages()[:3]
    reply = order_status("1001", packages, wording())
    assert "MORE" not in reply
    assert reply.count(") ") == 3


# -- one segment for one package, even with long carrier text

LONG_PLACE = (
    "Memphis Distribution Center, 1234 Very Long Industrial Parkway Road, Building 7, "
    "Memphis, Tennessee 38118, United States"
)


def test_long_location_is_shortened_to_fit_one_segment() -> None:
    tracked = result(
        Status.EXCEPTION, delay_reason=DelayReason.WEATHER, events=seen_at(LONG_PLACE), eta=WINDOW
    )
    reply = order_status("A-100234", [package(tracked)], wording())
    assert segment_count(reply) == 1
    shapes = [
        "Order A-100234: Delayed by severe weather near "
        f"{place}. New ETA Thu Nov 26, 2:00 PM-4:00 PM. Contact UPS or reply HELP."
        for place in word_prefixes(LONG_PLACE, ellipsis=False)
    ]
    assert reply in shapes
    chosen = shapes.index(reply)
    assert chosen > 0 and segment_count(shapes[chosen - 1]) > 1  # the longest place that fits


def test_unbreakable_location_is_dropped() -> None:
    tracked = result(Status.EXCEPTION, delay_reason=DelayReason.WEATHER, events=seen_at("X" * 200))
    assert order_status("1001", [package(tracked)], wording()) == (
        "Order 1001: Delayed by severe weather. Contact UPS or reply HELP."
    )


def test_long_carrier_text_is_shortened_after_the_location() -> None:
    text = "The receiver\u2019s address is incomplete — the driver could not find the unit " * 3
    tracked = result(Status.EXCEPTION, status_text=text, events=seen_at("Y" * 100))
    reply = order_status("1001", [package(tracked)], wording("es"))
    assert segment_count(reply) == 1
    assert reply.startswith("Pedido 1001: problema con la entrega (UPS). UPS dice: The receiver's")
    assert reply.endswith(" find the unit The receiver's address is...")  # cut after a word


def test_long_unknown_text_is_shortened() -> None:
    tracked = result(Status.UNKNOWN, status_text="Ünknown “status” " * 30)
    reply = tracking_status(NUMBER, package(tracked), wording())
    assert segment_count(reply) == 1
    assert reply.startswith(f'Tracking {NUMBER}: UPS says: Ünknown "status" Ünknown')


def test_non_gsm_location_is_converted_not_dropped() -> None:
    tracked = result(Status.AVAILABLE_FOR_PICKUP, events=seen_at("Oficina Córdoba"))
    reply = order_status("1001", [package(tracked)], wording("es"))
    assert reply == "Pedido 1001: listo para recoger (UPS) en Oficina Cordoba."


# -- the conversation's sentences


def test_conversation_sentences_in_english() -> None:
    w = wording()
    assert order_not_found("1001", w) == (
        "We couldn't find order 1001 for this number. Check the number, or reply HELP."
    )
    assert ask_carrier("1234", ["ups", "fedex"], w) == (
        "Which carrier is 1234: UPS or FedEx? Reply with the name."
    )
    assert ask_carrier("1234", ["ups", "fedex", "usps"], w) == (
        "Which carrier is 1234: UPS, FedEx or USPS? Reply with the name."
    )
    assert usage_hint("Acme", w) == "Text your order number (like 1001) to get its status."
    assert rate_limited(w) == (
        "You've sent a lot of messages. Please wait a few minutes and try again."
    )
    assert "1001" in no_shipments("1001", w)
    assert "order number" in ask_order_number(w)
    assert "1Z12" in tracking_unknown("1Z12", w)
    assert "START" in opted_out(w)
    assert opted_in(w)
    assert unavailable(w).startswith("Sorry")


def test_conversation_sentences_in_spanish() -> None:
    w = wording("es")
    assert order_not_found("1001", w) == (
        "No encontramos el pedido 1001 con tus datos. Compruébalo o responde AYUDA."
    )
    assert ask_carrier("1234", ["ups", "fedex"], w) == (
        "¿De qué transportista es 1234: UPS o FedEx? Responde con el nombre."
    )
    assert rate_limited(w) == (
        "Has enviado muchos mensajes. Espera unos minutos y vuelve a intentarlo."
    )


@pytest.mark.parametrize("language", ["en", "es"])
def test_help_names_brand_contact_and_stop(language: str) -> None:
    text = help_text("Acme Shoes", "support@acme.test", wording(language))
    assert text.startswith("Acme Shoes: ")
    assert "support@acme.test" in text
    assert "STOP" in text
    assert "1001" in text
    assert segment_count(text) == 1


def test_merchant_text_is_made_gsm7() -> None:
    text = help_text("Acme\u2019s \u2014 Shoes", "support@acme.test", wording())
    assert text.startswith("Acme's - Shoes: ")
    assert is_gsm7(text)


def test_every_conversation_sentence_is_gsm7_and_one_segment() -> None:
    for language in replies.LANGUAGES:
        w = wording(language)
        for text in (
            order_not_found("1001", w),
            no_shipments("1001", w),
            ask_order_number(w),
            tracking_unknown(NUMBER, w),
            ask_carrier(NUMBER, ["ups", "fedex", "usps"], w),
            ask_carrier(NUMBER, [], w),
            usage_hint("Acme", w),
            opted_out(w),
            opted_in(w),
            rate_limited(w),
            unavailable(w),
        ):
            assert is_gsm7(text), text
            assert segment_count(text) == 1, text


# -- the tables


def test_every_template_of_every_language_is_gsm7() -> None:
    for language in replies.LANGUAGES:
        table = LANGUAGES[language]
        texts = [
            *table.replies.values(),
            *table.statuses.values(),
            *table.delays.values(),
            *table.steps.values(),
            *table.weekdays,
            *table.months,
        ]
        for text in texts:
            assert is_gsm7(text), f"{language}: {text!r}"


def test_every_language_has_every_entry() -> None:
    for language in replies.LANGUAGES:
        table = LANGUAGES[language]
        assert table.code == language
        assert table.replies.keys() == LANGUAGES["en"].replies.keys()
        assert set(table.statuses) == set(Status)
        assert set(table.delays) == set(DelayReason)
        assert set(table.steps) == set(NextStep)
        assert len(table.weekdays) == 7
        assert len(table.months) == 12


def test_status_phrases_are_designs_table() -> None:
    assert LANGUAGES["en"].statuses == {
        Status.PENDING: "No tracking updates yet",
        Status.LABEL_CREATED: "Label created",
        Status.IN_TRANSIT: "In transit",
        Status.OUT_FOR_DELIVERY: "Out for delivery",
        Status.AVAILABLE_FOR_PICKUP: "Ready for pickup",
        Status.DELIVERY_ATTEMPTED: "Delivery attempted",
        Status.DELIVERED: "Delivered",
        Status.EXCEPTION: "Delivery problem",
        Status.RETURNING: "Returning to sender",
        Status.UNKNOWN: "No clear update yet",
    }


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "Order"), ("es", "Pedido"), ("es-MX", "Pedido"), ("ES_us", "Pedido"), ("fr", "Order")],
)
def test_language_codes(language: str, expected: str) -> None:
    reply = order_status("1001", [package(result(Status.IN_TRANSIT))], wording(language))
    assert reply.startswith(f"{expected} 1001: ")


@pytest.mark.parametrize(
    ("carrier", "shown"),
    [
        ("ups", "UPS"),
        ("fedex", "FedEx"),
        ("USPS", "USPS"),
        ("dhl", "DHL"),
        ("canada_post", "Canada Post"),
        ("OnTrac", "OnTrac"),
    ],
)
def test_display_name(carrier: str, shown: str) -> None:
    assert carrier_display_name(carrier) == shown


def test_wording_needs_a_segment() -> None:
    with pytest.raises(ValueError, match="max_segments"):
        Wording("en", NEW_YORK, NOW, max_segments=0)


# -- verification, menus, MORE, a person


def test_new_conversation_sentences_are_gsm7_and_one_segment() -> None:
    for language in replies.LANGUAGES:
        w = wording(language)
        for text in (
            replies.ask_postal_code("SO-2024-00077", w),
            replies.wrong_postal_code("SO-2024-00077", 2, w),
            replies.locked_out(3600, w),
            replies.lookup_limited(w),
            replies.more_without_order(w),
            replies.escalated("Acme Outfitters", w),
            replies.escalation_unavailable("help@acme.example", w),
            replies.open_orders_menu([("1001", 2), ("1007", 1)], w)[0],
        ):
            assert is_gsm7(text), text
            assert segment_count(text) == 1, text


def test_lockout_names_its_minutes() -> None:
    assert "paused for 90 min." in replies.locked_out(5400, wording())
    assert "durante 1 min." in replies.locked_out(1, wording("es"))


def test_menu_of_open_orders() -> None:
    text, listed = replies.open_orders_menu([("1001", 2), ("1007", 1)], wording())
    assert text == "You have 2 open orders. Reply 1 for #1001 (2 packages), 2 for #1007."
    assert listed == 2
    many = [(f"A-{n:06d}", 3) for n in range(40)]
    text, listed = replies.open_orders_menu(many, wording(max_segments=1))
    assert segment_count(text) == 1 and 1 < listed < 40
    assert text.startswith("You have 40 open orders. Reply 1 for #A-000000 (3 packages), ")


def test_history_newest_first_in_the_merchant_zone() -> None:
    moving = Status.IN_TRANSIT
    events = (
        Event(datetime(2026, 11, 23, 14, 5, tzinfo=UTC), moving, "Picked up", "", "Columbus, OH"),
        Event(datetime(2026, 11, 24, 13, 30, tzinfo=UTC), moving, "Departed facility", "", None),
    )
    text = replies.order_history(
        "1001", [package(result(Status.IN_TRANSIT, events=events))], wording()
    )
    assert text == (
        "Order 1001 updates: Tue Nov 24 8:30 AM: Departed facility. "
        "Mon Nov 23 9:05 AM, Columbus, OH: Picked up."
    )


def test_history_without_events_or_answer() -> None:
    failed = PackageStatus(Shipment("ups", NUMBER), "UPS", None, None, Failure.TIMEOUT)
    quiet = package(result(Status.LABEL_CREATED))
    text = replies.order_history("1001", [failed, quiet], wording())
    assert text == (
        "Order 1001 updates: 1) UPS: Not answering right now, try again soon. "
        "2) UPS: Label created."
    )


@pytest.mark.parametrize("language", ["en", "es"])
def test_history_of_a_long_story_fits_the_budget(language: str) -> None:
    start = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    events = tuple(
        Event(
            start + timedelta(hours=n), Status.IN_TRANSIT, f"Arrived at hub {n}", "", "Memphis, TN"
        )
        for n in range(40)
    )
    parcels = [package(result(Status.IN_TRANSIT, events=events)) for _ in range(2)]
    text = replies.order_history("1001", parcels, wording(language, max_segments=2))
    assert segment_count(text) <= 2
    assert "Arrived at hub 39" in text and "Arrived at hub 0." not in text
