"""What every source shares: carrier names, detection, phones in the shipping country."""

from __future__ import annotations

import pytest

from smsbot.lookup.detect import carriers_for
from smsbot.orders.number import OrderNumbers
from smsbot.orders.sources import SourceError, Sourcing, carrier_of_url, locale_of, phone_in

UPS = "1Z999AA10123456784"


def rules(**names: str) -> Sourcing:
    return Sourcing(OrderNumbers(), "US", carriers_for, names)


@pytest.mark.parametrize(
    ("name", "carrier"),
    [
        ("UPS", "ups"),
        ("DHL eCommerce", "dhl"),
        ("Canada Post", "canada_post"),
        ("Other", "ups"),  # not a carrier: detected from the number
        ("Totally Unknown Couriers", "ups"),
        (None, "ups"),
    ],
)
def test_carrier_names_then_detection(name: str | None, carrier: str) -> None:
    assert rules().shipment(name, UPS, "f").carrier == carrier


def test_configured_names_win_and_undetectable_numbers_are_named() -> None:
    assert rules(**{"my courier": "easypost"}).carrier("My Courier", "ABC123456", "f") == "easypost"
    with pytest.raises(SourceError, match="does not match") as caught:
        rules().shipment("Unknown Co", "ABC123456", "tracking_numbers/0")
    assert caught.value.field == "tracking_numbers/0"
    with pytest.raises(SourceError, match="6-40"):
        rules().shipment("UPS", "1Z", "f")


def test_order_numbers_and_phones() -> None:
    assert rules().order_number("name", "#1001", 1001) == "1001"
    assert rules().order_number("name", UPS, 1002) == "1002"  # the name reads as tracking
    with pytest.raises(SourceError, match="no order number"):
        rules().order_number("name", None, "")
    assert phone_in("55 1234 5678", rules().region("mx", "US")) == ("+525512345678", None)
    assert phone_in("12", "US")[1] == "phone does not parse as a US number"
    assert phone_in(None, "US") == (None, None)
    assert locale_of("es_mx") == "es-MX" and locale_of("english") is None


@pytest.mark.parametrize(
    ("url", "carrier"),
    [
        ("https://tools.usps.com/go/TrackConfirmAction?tLabels=RX1", "usps"),
        ("https://www.ups.com/track?tracknum=1Z", "ups"),
        ("http://WWW.FedEx.com./fedextrack/?trknbr=1", "fedex"),
        ("https://www.canadapost-postescanada.ca/track-reperage/en#/details/1", "canada_post"),
        ("https://ups.com.evil.example/track", None),  # a lookalike host
        ("https://notups.com/track", None),
        ("https://acme-outfitters.example/track/1", None),
        ("javascript:alert(1)//ups.com", None),
        ("https://[::1", None),  # not a URL
        (None, None),
    ],
)
def test_tracking_url_hosts(url: str | None, carrier: str | None) -> None:
    assert carrier_of_url(url) == carrier


def test_a_name_wins_over_the_url_and_the_url_over_detection() -> None:
    usps = "https://tools.usps.com/go/TrackConfirmAction?tLabels=X"
    assert rules().carrier("UPS", "ABC123456", "f", url=usps) == "ups"
    assert rules().carrier("Other", "ABC123456", "f", url=usps) == "usps"
    assert rules().carrier(None, UPS, "f", url=usps) == "usps"  # the shop's link is explicit
