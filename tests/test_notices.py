"""The watcher's notices: wording per trigger, merging, languages, GSM-7 and one segment."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from smsbot.tracking import DelayReason, Eta, Event, Status, TrackingResult
from smsbot.wording.languages import LANGUAGES
from smsbot.wording.notices import (
    Credit,
    News,
    Trigger,
    checkin_notice,
    language_of,
    order_notice,
)
from smsbot.wording.replies import Wording
from smsbot.wording.segments import is_gsm7, segment_count

NY = ZoneInfo("America/New_York")
NOW = datetime(2025, 11, 24, 15, 0, tzinfo=UTC)  # Mon Nov 24, 10:00 in New York


def wording(language: str = "en") -> Wording:
    return Wording(language, NY, NOW)


def result(status: Status, **fields: object) -> TrackingResult:
    return TrackingResult("ups", "1Z999AA10123456784", status, **fields)  # type: ignore[arg-type]


def scan(hours_ago: float, status: Status, place: str | None = None) -> Event:
    return Event(NOW - timedelta(hours=hours_ago), status, "scan", location=place)


def test_shipped_names_carrier_eta_and_how_to_ask() -> None:
    r = result(Status.IN_TRANSIT, eta=Eta(date(2025, 11, 27)))
    text = order_notice("1001", [News(Trigger.SHIPPED, r, "UPS")], wording())
    assert text == ("Order 1001 has shipped with UPS, arriving Thu Nov 27. Text 1001 for updates.")


def test_delay_says_the_reason_place_and_new_eta() -> None:
    r = result(
        Status.EXCEPTION,
        delay_reason=DelayReason.WEATHER,
        eta=Eta(date(2025, 11, 30)),
        events=(scan(2, Status.EXCEPTION, "Denver, CO"),),
    )
    text = order_notice("1001", [News(Trigger.EXCEPTION, r, "UPS")], wording())
    assert text.startswith(
        "Order 1001: Delayed by severe weather near Denver, CO. New ETA Sun Nov 30."
    )
    assert segment_count(text) == 1


def test_stalled_apologizes_with_place_reason_and_credit() -> None:
    r = result(Status.IN_TRANSIT, events=(scan(40, Status.IN_TRANSIT, "Memphis, TN"),))
    news = News(Trigger.STALLED, r, "FedEx", last_scan_at=NOW - timedelta(hours=40))
    text = order_notice("1001", [news], wording(), Credit("SORRY10", "10% off your next order"))
    assert "Sorry" in text and "since Sat Nov 22" in text
    assert "Last seen near Memphis, TN." in text
    assert text.endswith("Use SORRY10 for 10% off your next order.")
    assert "SORRY10" not in order_notice("1001", [news], wording())


def test_delivered_says_where_it_was_left() -> None:
    delivered = NOW - timedelta(hours=1)
    r = result(Status.DELIVERED, delivered_at=delivered, delivery_location="Front Door")
    text = order_notice("1001", [News(Trigger.DELIVERED, r, "UPS")], wording())
    assert text == "Order 1001: Delivered by UPS today, 9:00 AM (Front Door)."


def test_one_message_leads_with_the_most_important_news() -> None:
    shipped = News(Trigger.SHIPPED, result(Status.IN_TRANSIT), "FedEx")
    out = News(Trigger.OUT_FOR_DELIVERY, result(Status.OUT_FOR_DELIVERY), "USPS")
    late = News(
        Trigger.EXCEPTION, result(Status.EXCEPTION, delay_reason=DelayReason.CUSTOMS), "UPS"
    )
    text = order_notice("1001", [shipped, out, late], wording())
    assert text.startswith("Order 1001: Delayed by a customs hold.")
    assert text.index("Also USPS: out for delivery today.") < text.index("Also FedEx: shipped")


def test_checkin_asks_if_the_parcel_is_there() -> None:
    r = result(Status.DELIVERED, delivered_at=NOW - timedelta(hours=3))
    text = checkin_notice("1001", r, "UPS", wording())
    assert text.startswith("Order 1001: UPS shows it delivered Mon Nov 24.")
    assert "AGENT" in text


def test_spanish_and_locale_choice() -> None:
    assert language_of("es-MX", "en") == "es"
    assert language_of(None, "es") == "es"
    assert language_of("fr", "en") == "en"
    r = result(Status.IN_TRANSIT, eta=Eta(date(2025, 11, 25)))
    text = order_notice("1001", [News(Trigger.SHIPPED, r, "UPS")], wording("es"))
    assert text == "Pedido 1001: enviado con UPS, llega mañana. Escribe 1001 para ver novedades."


@pytest.mark.parametrize("language", sorted(LANGUAGES))
@pytest.mark.parametrize(
    ("trigger", "r"),
    [
        (Trigger.SHIPPED, result(Status.IN_TRANSIT, eta=Eta(date(2025, 11, 27), estimated=True))),
        (Trigger.OUT_FOR_DELIVERY, result(Status.OUT_FOR_DELIVERY)),
        (Trigger.OUT_FOR_DELIVERY, result(Status.AVAILABLE_FOR_PICKUP)),
        (Trigger.EXCEPTION, result(Status.EXCEPTION, status_text="Address incomplete")),
        (Trigger.EXCEPTION, result(Status.IN_TRANSIT, delay_reason=DelayReason.ADDRESS)),
        (Trigger.EXCEPTION, result(Status.DELIVERY_ATTEMPTED)),
        (Trigger.EXCEPTION, result(Status.RETURNING)),
        (Trigger.STALLED, result(Status.IN_TRANSIT, delay_reason=DelayReason.WEATHER)),
        (Trigger.DELIVERED, result(Status.DELIVERED)),
        (Trigger.RETURN_SHIPPED, result(Status.IN_TRANSIT)),
        (Trigger.RETURN_STALLED, result(Status.IN_TRANSIT)),
        (Trigger.RETURN_RECEIVED, result(Status.DELIVERED)),
    ],
)
def test_every_notice_is_gsm7_in_one_segment(
    language: str, trigger: Trigger, r: TrackingResult
) -> None:
    places = (scan(50, Status.IN_TRANSIT, "Indianapolis, IN"),)
    r = TrackingResult(r.carrier, r.number, r.status, r.status_text, events=places, eta=r.eta,
                       delay_reason=r.delay_reason, delivery_location="mailbox")  # fmt: skip
    text = order_notice("A-1001", [News(trigger, r, "FedEx")], wording(language), Credit("SORRY10"))
    assert is_gsm7(text), text
    if trigger is Trigger.STALLED:  # keeps its last known place, even at two segments
        assert "Indianapolis, IN" in text and segment_count(text) <= 2, text
    else:
        assert segment_count(text) == 1, text
    assert "{" not in text and "}" not in text


def test_long_news_stays_within_the_segment_budget() -> None:
    many = [
        News(Trigger.SHIPPED, result(Status.IN_TRANSIT, eta=Eta(date(2025, 11, 27))), name)
        for name in ("UPS", "FedEx", "USPS", "DHL", "OnTrac", "LaserShip", "Canada Post") * 3
    ]
    text = order_notice("1001", many, wording())
    assert segment_count(text) <= 3
    assert text.startswith("Order 1001 has shipped with UPS")


def test_every_template_is_gsm7() -> None:
    for language, table in LANGUAGES.items():
        for key, template in table.notices.items():
            assert is_gsm7(template), (language, key)
        assert set(table.notices) == set(LANGUAGES["en"].notices), language


# Issue 13, item 15: every proactive text in every language, the credit offer too

OFFERS = Credit(
    "SORRY10", "10% off your next order", "en", {"es": "10% de descuento en tu siguiente pedido"}
)


@pytest.mark.parametrize(
    ("language", "ending"),
    [
        ("en", "Use SORRY10 for 10% off your next order."),
        ("es-MX", "Usa SORRY10 para 10% de descuento en tu siguiente pedido."),
    ],
)
def test_the_credit_offer_is_said_in_the_notices_language(language: str, ending: str) -> None:
    r = result(Status.IN_TRANSIT, events=(scan(40, Status.IN_TRANSIT, "Memphis, TN"),))
    news = News(Trigger.STALLED, r, "FedEx", last_scan_at=NOW - timedelta(hours=40))
    assert order_notice("1001", [news], wording(language), OFFERS).endswith(ending)


def test_an_offer_only_in_another_language_gives_the_plain_code() -> None:
    r = result(Status.IN_TRANSIT, events=(scan(40, Status.IN_TRANSIT),))
    news = News(Trigger.STALLED, r, "FedEx", last_scan_at=NOW - timedelta(hours=40))
    english_only = Credit("SORRY10", "10% off your next order")
    spanish = order_notice("1001", [news], wording("es"), english_only)
    assert spanish.endswith("Usa SORRY10 en tu siguiente pedido.") and "off" not in spanish
    merchant_in_spanish = Credit("PERDON", "envio gratis", "es")
    english = order_notice("1001", [news], wording("en"), merchant_in_spanish)
    assert english.endswith("Use code PERDON on your next order.")


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_no_proactive_text_falls_back_to_english(language: str) -> None:
    """Every notice template exists in every language's own table (none is borrowed)."""
    table = LANGUAGES[language]
    english = LANGUAGES["en"].notices
    missing = [key for key in english if key not in table.notices]
    assert missing == []


def test_returns_merge_with_the_orders_other_news() -> None:
    received = News(Trigger.RETURN_RECEIVED, result(Status.DELIVERED), "UPS")
    shipped = News(Trigger.SHIPPED, result(Status.IN_TRANSIT), "FedEx")
    text = order_notice("1001", [received, shipped], wording())
    assert text == (
        "Order 1001 has shipped with FedEx. Text 1001 for updates. "
        "Also UPS: we received your return."
    )
    es = order_notice(
        "1001", [News(Trigger.RETURN_RECEIVED, result(Status.DELIVERED), "UPS")], wording("es")
    )
    assert es == "Pedido 1001: recibimos el paquete que nos devolviste. ¡Gracias!"
