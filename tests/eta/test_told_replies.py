"""Learned windows in replies (issue 19): told as estimates when the carrier has no date or
has been early on the lane; never when the data is thin or the parcel is past needing one."""

from __future__ import annotations

from datetime import UTC, date, datetime

from smsbot.eta.window import HandlingLoad, Lane
from smsbot.orders.model import Order, Shipment
from smsbot.tracking import DelayReason, Eta, Event, Status, TrackingResult
from smsbot.view.estimate import estimated, told
from smsbot.view.order import OrderView
from smsbot.view.package import PackageStatus
from smsbot.wording import replies
from smsbot.wording.segments import is_gsm7
from tests.eta.windows import FixedEstimator
from tests.test_replies import NUMBER, wording

SCANNED = datetime(2026, 11, 23, 14, tzinfo=UTC)  # Mon Nov 23; the replies' today is Tue Nov 24
ORDER = Order("1001", "+12025550123", postal_code="10001", shipments=(Shipment("ups", NUMBER),))
US = FixedEstimator({"ups": (2, 4)})  # from Mon Nov 23: Wed Nov 25 - Fri Nov 27
ORDER_LANE = Lane(destination_country="US", destination_postal_code="10001")


def in_transit(eta: Eta | None = None, **fields: object) -> TrackingResult:
    scans = (Event(SCANNED, Status.IN_TRANSIT, "Origin scan", "", "Memphis, TN"),)
    return TrackingResult("ups", NUMBER, Status.IN_TRANSIT, events=scans, eta=eta, **fields)  # type: ignore[arg-type]


def view_of(result: TrackingResult, estimator: FixedEstimator | None = US) -> OrderView:
    package = PackageStatus(ORDER.shipments[0], "UPS", result, SCANNED)
    view = OrderView.of(ORDER, [package])
    return estimated(view, estimator, order=ORDER, country="US", today=date(2026, 11, 24))


def test_no_carrier_date_tells_the_learned_window_as_an_estimate() -> None:
    view = view_of(in_transit())
    assert replies.status_reply(view, wording()) == (
        "Order 1001: In transit with UPS, usually arrives Wed Nov 25-Fri Nov 27 (estimate)."
    )
    spanish = replies.status_reply(view, wording("es"))
    assert spanish == (
        "Pedido 1001: en camino con UPS, suele llegar entre el mié 25 nov y el vie 27 nov "
        "(estimado)."
    )
    assert is_gsm7(spanish)


def test_the_lane_asked_is_the_legs_carrier_and_the_orders_destination() -> None:
    estimator = FixedEstimator({"ups": (2, 4)})
    view_of(in_transit(), estimator)
    [lane] = estimator.asked
    assert (lane.carrier, lane.destination_country, lane.destination_postal_code) == (
        "ups",
        "US",
        "10001",
    )


def test_a_carrier_date_inside_the_window_is_told_alone() -> None:
    view = view_of(in_transit(Eta(date(2026, 11, 26))))
    assert replies.status_reply(view, wording()) == (
        "Order 1001: In transit with UPS, arriving Thu Nov 26."
    )
    assert told(view, date(2026, 11, 24)) == []


def test_a_carrier_date_before_the_window_gets_the_usual_window_beside_it() -> None:
    view = view_of(in_transit(Eta(date(2026, 11, 24))))
    assert replies.status_reply(view, wording()) == (
        "Order 1001: In transit with UPS, arriving today (usually Wed Nov 25-Fri Nov 27, "
        "our estimate)."
    )


def test_a_carrier_early_on_this_lane_gets_the_usual_window_beside_its_date() -> None:
    early = FixedEstimator({"ups": (2, 4)}, carrier_early=frozenset({"ups"}))
    view = view_of(in_transit(Eta(date(2026, 11, 25))), early)
    text = replies.status_reply(view, wording())
    assert text.endswith("arriving tomorrow (usually Wed Nov 25-Fri Nov 27, our estimate).")
    [(leg, window)] = told(view, date(2026, 11, 24))
    assert (leg.tracking_number, window.earliest, window.latest) == (
        NUMBER,
        date(2026, 11, 25),
        date(2026, 11, 27),
    )


def test_a_carrier_date_after_the_window_is_told_without_it() -> None:
    view = view_of(in_transit(Eta(date(2026, 12, 2))))
    assert "usually" not in replies.status_reply(view, wording())


def test_no_window_when_the_estimator_has_none() -> None:
    thin = FixedEstimator({"fedex": (1, 2)})  # nothing for UPS, and no default
    view = view_of(in_transit(), thin)
    assert replies.status_reply(view, wording()) == "Order 1001: In transit with UPS."
    assert view_of(in_transit(), None).legs[0].estimate is None


def test_no_window_for_a_delayed_or_delivered_parcel() -> None:
    delayed = in_transit(delay_reason=DelayReason.WEATHER)
    assert "usually" not in replies.status_reply(view_of(delayed), wording())
    done = TrackingResult("ups", NUMBER, Status.DELIVERED, delivered_at=SCANNED)
    view = view_of(done)
    assert view.legs[0].estimate is None
    assert "usually" not in replies.status_reply(view, wording())


def test_a_window_already_past_is_not_told() -> None:
    slow = FixedEstimator({"ups": (0, 0)})  # Mon Nov 23 only: yesterday
    assert "usually" not in replies.status_reply(view_of(in_transit(), slow), wording())


def test_a_label_not_yet_scanned_gets_a_delivery_window_from_today() -> None:
    label = TrackingResult("ups", NUMBER, Status.LABEL_CREATED)
    text = replies.status_reply(view_of(label), wording())
    # handling 1-2 + transit 2-4 business days from Tue Nov 24
    assert text == (
        "Order 1001: Label created, waiting for UPS to pick it up. "
        "Usually arrives Fri Nov 27-Wed Dec 2 (estimate)."
    )


def test_an_order_not_shipped_gets_the_high_volume_note_and_the_window() -> None:
    load = HandlingLoad(
        open_orders=90, daily_rate=30.0, expected_days=2.4, usual_days=1.0, high=True
    )
    busy = FixedEstimator({None: (2, 4)}, load=load)
    window = busy.estimate(ORDER_LANE, today=date(2026, 11, 24))
    text = replies.not_shipped("1001", busy.load, window, wording())
    assert text == (
        "Order 1001 hasn't shipped yet. High order volume: ships in 3 business days. "
        "Usually arrives Fri Nov 27-Wed Dec 2 (estimate). Check back soon, or reply HELP."
    )
    assert is_gsm7(replies.not_shipped("1001", busy.load, window, wording("es")))


def test_an_order_not_shipped_in_a_quiet_week_reads_as_before() -> None:
    quiet = HandlingLoad(
        open_orders=5, daily_rate=30.0, expected_days=0.2, usual_days=1.0, high=False
    )
    assert replies.not_shipped("1001", quiet, None, wording()) == replies.no_shipments(
        "1001", wording()
    )


def test_a_list_of_packages_tells_the_window_briefly() -> None:
    order = Order("1001", None, shipments=(Shipment("ups", NUMBER), Shipment("ups", "1Z2")))
    packages = [PackageStatus(s, "UPS", in_transit(), SCANNED) for s in order.shipments]
    view = estimated(
        OrderView.of(order, packages), US, order=order, country="US", today=date(2026, 11, 24)
    )
    text = replies.status_reply(view, wording())
    assert text.count("usually Wed Nov 25-Fri Nov 27 (est.)") == 2, text


def test_the_shipped_notice_tells_the_window_when_the_carrier_has_no_date() -> None:
    from smsbot.wording.notices import News, Trigger, order_notice

    lane = Lane(carrier="ups", destination_country="US")
    estimate = US.estimate(lane, first_scan_at=SCANNED, today=date(2026, 11, 24))
    shipped = News(Trigger.SHIPPED, in_transit(), "UPS", estimate=estimate)
    assert order_notice("1001", [shipped], wording()) == (
        "Order 1001 has shipped with UPS, usually arriving Wed Nov 25-Fri Nov 27 (estimate). "
        "Text 1001 for updates."
    )
    dated = News(Trigger.SHIPPED, in_transit(Eta(date(2026, 11, 26))), "UPS", estimate=estimate)
    assert "usually" not in order_notice("1001", [dated], wording())
    spanish = order_notice("1001", [shipped], wording("es"))
    assert "suele llegar" in spanish and is_gsm7(spanish)
