"""The watcher driven by fake carriers, a fake outbox and alerts, and a controllable clock."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from smsbot.config import Settings
from smsbot.errors import CarrierRateLimited, CarrierUnavailable, MessageRejected
from smsbot.lookup.gateway import CarrierGateway
from smsbot.lookup.registry import Registry
from smsbot.orders.model import Leg, Order, Shipment
from smsbot.store import Store, open_store
from smsbot.tracking import DelayReason, Eta, Event, Status, TrackingResult
from smsbot.watch.queues import AlertQueue, MessageQueue
from smsbot.watch.watcher import MAX_CHECKS_PER_PASS, PAGE_SIZE, Watcher
from tests.conftest import SettingsFactory

START = datetime(2025, 11, 24, 15, 0, tzinfo=UTC)  # Mon Nov 24, 10:00 in New York
PHONE = "+12025550123"
UPS1, UPS2, FEDEX1 = "1Z999AA10123456784", "1Z999AA10123456791", "794843185271"


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class FakeCarrier:
    """Answers from `results`; raises `error` when set; records every call."""

    def __init__(self, name: str, display_name: str) -> None:
        self.name = name
        self.display_name = display_name
        self.results: dict[str, TrackingResult] = {}
        self.error: Exception | None = None
        self.calls: list[list[str]] = []

    async def track(self, numbers: Sequence[str]) -> Mapping[str, TrackingResult]:
        self.calls.append(list(numbers))
        if self.error is not None:
            raise self.error
        return {n: self.results.get(n, TrackingResult.not_found(self.name, n)) for n in numbers}


@dataclass
class FakeOutbox(MessageQueue):
    """The outbox as the watcher sees it (`MessageQueue`, so mypy checks it against the
    Protocol the real `Outbox` is checked against): a key seen before is not queued again,
    an opted-out number gets nothing, and what the real one refuses raises MessageRejected."""

    sent: list[dict[str, str | None]] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)
    opted_out: set[str] = field(default_factory=set)
    fail_after: int | None = None  # simulate a crash after this many stored messages
    broken: set[str] = field(default_factory=set)  # keys the outbox fails to store
    superseded: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)

    async def enqueue(
        self,
        *,
        to: str,
        channel: str,
        body: str,
        key: str,
        order_number: str | None = None,
        supersedes: Sequence[str] = (),
    ) -> bool:
        if key in self.broken:
            raise RuntimeError("the outbox is down for this key")
        if channel not in ("sms", "whatsapp") or not re.fullmatch(r"\+[1-9]\d{6,14}", to):
            raise MessageRejected(f"not a channel and E.164 number: {channel} {to!r}")
        if not key or not body.strip():
            raise MessageRejected("a key and a body are required")
        if key in self.keys:
            return False
        self.keys.add(key)
        self.superseded.append((key, tuple(supersedes)))
        if to in self.opted_out:
            return False
        self.sent.append({"to": to, "channel": channel, "body": body, "key": key})
        if self.fail_after is not None and len(self.sent) >= self.fail_after:
            raise KeyboardInterrupt("killed after the message was stored")
        return True

    async def send_due(self) -> int:
        return 0

    def bodies(self) -> list[str]:
        return [str(message["body"]) for message in self.sent]


@dataclass
class FakeAlerts(AlertQueue):
    raised: list[dict[str, str | None]] = field(default_factory=list)

    async def raise_alert(
        self,
        *,
        key: str,
        kind: str,
        order_number: str,
        carrier: str,
        tracking_number: str,
        status: str,
        phone: str | None,
        detail: str,
    ) -> bool:
        if any(alert["key"] == key for alert in self.raised):
            return False
        self.raised.append({"key": key, "kind": kind, "order": order_number, "status": status})
        return True

    async def deliver_due(self) -> int:
        return 0


@dataclass
class Rig:
    settings: Settings
    path: Path
    store: Store
    clock: Clock
    ups: FakeCarrier
    fedex: FakeCarrier
    outbox: FakeOutbox
    alerts: FakeAlerts
    watcher: Watcher

    def make_watcher(self, **options: int) -> Watcher:
        registry = Registry(
            {"ups": self.ups, "fedex": self.fedex}, {"ups": "test", "fedex": "test"}
        )
        gateway = CarrierGateway(registry, self.store, self.settings.tracking, self.clock)
        return Watcher(
            self.settings,
            self.store,
            gateway,
            self.outbox,
            self.alerts,
            clock=self.clock,
            max_checks=options.get("max_checks", MAX_CHECKS_PER_PASS),
            page_size=options.get("page_size", PAGE_SIZE),
        )

    async def reopen(self) -> None:
        """A restart: a new connection to the same file and a new watcher."""
        await self.store.close()
        self.store = await open_store(self.path)
        self.watcher = self.make_watcher()

    def keys(self) -> list[str]:
        return [str(message["key"]) for message in self.outbox.sent]


def event(
    hours_ago: float, status: Status, place: str | None = None, *, at: datetime = START
) -> Event:
    return Event(at - timedelta(hours=hours_ago), status, status.value, location=place)


def result(
    carrier: str, number: str, status: Status, *events: Event, **fields: object
) -> TrackingResult:
    return TrackingResult(carrier, number, status, status.value, events=events, **fields)  # type: ignore[arg-type]


def order(
    number: str,
    *shipments: tuple[str, str],
    phone: str | None = PHONE,
    locale: str | None = None,
    shipped: datetime = START,
) -> Order:
    return Order(
        number,
        phone,
        locale=locale,
        shipments=tuple(
            Shipment(carrier, tracking, Leg.OUTBOUND, shipped) for carrier, tracking in shipments
        ),
    )


@pytest.fixture
async def rig(make_settings: SettingsFactory, tmp_path: Path) -> AsyncIterator[Rig]:
    settings = make_settings(
        watch={"credit_code": "SORRY10", "credit_offer": "10% off your next order"},
        tracking={"cache_ttl_s": 60},
    )
    path = tmp_path / "smsbot.db"
    store = await open_store(path)
    clock = Clock()
    ups, fedex = FakeCarrier("ups", "UPS"), FakeCarrier("fedex", "FedEx")
    registry = Registry({"ups": ups, "fedex": fedex}, {"ups": "test", "fedex": "test"})
    outbox, alerts = FakeOutbox(), FakeAlerts()
    gateway = CarrierGateway(registry, store, settings.tracking, clock)
    watcher = Watcher(settings, store, gateway, outbox, alerts, clock=clock)
    rig = Rig(settings, path, store, clock, ups, fedex, outbox, alerts, watcher)
    await store.upsert_orders([order("1001", ("ups", UPS1))])
    try:
        yield rig
    finally:
        await rig.store.close()


async def later(rig: Rig, hours: float) -> None:
    """Let `hours` pass and run one pass."""
    rig.clock.advance(hours=hours)
    await rig.watcher.run_once()


LABEL = event(1, Status.LABEL_CREATED, "Columbus, OH")


async def test_shipped_on_first_scan_never_at_label_creation(rig: Rig) -> None:
    rig.ups.results[UPS1] = result("ups", UPS1, Status.LABEL_CREATED, LABEL)
    summary = await rig.watcher.run_once()
    assert summary.checked == 1 and rig.outbox.sent == []
    scanned = event(0, Status.IN_TRANSIT, "Columbus, OH", at=START + timedelta(hours=7))
    rig.ups.results[UPS1] = result(
        "ups", UPS1, Status.IN_TRANSIT, LABEL, scanned, eta=Eta(date(2025, 11, 27))
    )
    await later(rig, 7)  # label_created is refreshed every 6 h
    assert rig.keys() == ["watch:1:shipped"]
    message = rig.outbox.sent[0]
    assert message["to"] == PHONE and message["channel"] == "sms"
    assert message["body"] == (
        "Order 1001 has shipped with UPS, arriving Thu Nov 27. Text 1001 for updates."
    )
    await later(rig, 4)
    await later(rig, 4)
    assert len(rig.ups.calls) == 4 and rig.keys() == ["watch:1:shipped"]  # once only


async def test_not_due_shipments_are_not_asked(rig: Rig) -> None:
    rig.ups.results[UPS1] = result("ups", UPS1, Status.IN_TRANSIT, event(2, Status.IN_TRANSIT))
    await rig.watcher.run_once()
    await later(rig, 1)  # in_transit: every 3 h (give or take 10 %)
    assert len(rig.ups.calls) == 1
    await later(rig, 2.5)
    assert len(rig.ups.calls) == 2


async def test_label_never_scanned_alerts_the_merchant_once(rig: Rig) -> None:
    rig.ups.results[UPS1] = result("ups", UPS1, Status.LABEL_CREATED, LABEL)
    await rig.watcher.run_once()
    for _ in range(8):
        await later(rig, 6.5)  # past watch.label_scan_alert_h = 48 h after the ship date
    assert [a["kind"] for a in rig.alerts.raised] == ["label_not_scanned"]
    assert rig.alerts.raised[0]["order"] == "1001" and rig.outbox.sent == []
    assert await rig.store.trigger_states(1) == {"label_not_scanned": "sent"}


async def test_out_for_delivery_then_delivered_with_proof(rig: Rig) -> None:
    rig.ups.results[UPS1] = result(
        "ups",
        UPS1,
        Status.OUT_FOR_DELIVERY,
        event(1, Status.IN_TRANSIT),
        event(0, Status.OUT_FOR_DELIVERY),
    )
    await rig.watcher.run_once()
    assert rig.keys() == ["watch:1:out_for_delivery"]  # "shipped" is said by it
    assert rig.outbox.bodies()[0] == "Order 1001 is out for delivery with UPS today."
    delivered = START + timedelta(hours=1)
    rig.ups.results[UPS1] = result(
        "ups",
        UPS1,
        Status.DELIVERED,
        event(0, Status.DELIVERED, at=delivered),
        delivered_at=delivered,
        delivery_location="Front Porch",
        proof_of_delivery=True,
    )
    await later(rig, 1)  # out for delivery: every 30 minutes
    assert rig.keys()[1:] == ["watch:1:delivered"]
    assert rig.outbox.bodies()[1] == "Order 1001: Delivered by UPS today, 11:00 AM (Front Porch)."
    assert rig.alerts.raised == []
    assert await rig.store.trigger_states(1) == {
        "shipped": "absorbed",
        "out_for_delivery": "sent",
        "delivered": "sent",
    }
    await later(rig, 48)
    assert len(rig.ups.calls) == 2  # delivered: no longer watched


async def test_delivered_without_proof_alerts_and_checks_in_later(
    make_settings: SettingsFactory, rig: Rig
) -> None:
    rig.settings = make_settings(watch={"delivery_checkin": True, "delivery_checkin_after_h": 3})
    rig.watcher = rig.make_watcher()
    rig.ups.results[UPS1] = result(
        "ups", UPS1, Status.DELIVERED, event(0, Status.DELIVERED), delivered_at=START
    )
    await rig.watcher.run_once()
    assert rig.keys() == ["watch:1:delivered"]
    assert [a["kind"] for a in rig.alerts.raised] == ["delivered_without_proof"]
    await later(rig, 2)
    assert len(rig.outbox.sent) == 1
    await later(rig, 1.5)
    assert rig.keys() == ["watch:1:delivered", "watch:1:checkin"]
    assert rig.outbox.bodies()[1].startswith("Order 1001: UPS shows it delivered Mon Nov 24.")
    await later(rig, 5)
    assert len(rig.outbox.sent) == 2 and len(rig.alerts.raised) == 1


async def test_exception_says_reason_and_new_eta(rig: Rig) -> None:
    rig.ups.results[UPS1] = result(
        "ups", UPS1, Status.IN_TRANSIT, event(5, Status.IN_TRANSIT, "Columbus, OH")
    )
    await rig.watcher.run_once()
    delay = event(0, Status.EXCEPTION, "Denver, CO", at=START + timedelta(hours=4))
    rig.ups.results[UPS1] = result(
        "ups",
        UPS1,
        Status.EXCEPTION,
        event(5, Status.IN_TRANSIT),
        delay,
        delay_reason=DelayReason.WEATHER,
        eta=Eta(date(2025, 11, 30)),
    )
    await later(rig, 4)
    assert rig.keys() == ["watch:1:shipped", "watch:1:exception"]
    assert rig.outbox.bodies()[1] == (
        "Order 1001: Delayed by severe weather near Denver, CO. New ETA Sun Nov 30. "
        "Contact UPS or reply HELP."
    )


async def test_stalled_apologizes_once_with_the_credit(rig: Rig) -> None:
    rig.ups.results[UPS1] = result(
        "ups", UPS1, Status.IN_TRANSIT, event(1, Status.IN_TRANSIT, "Memphis, TN")
    )
    await rig.watcher.run_once()
    for _ in range(12):
        await later(rig, 3.5)
    assert rig.keys() == ["watch:1:shipped", "watch:1:stalled"]
    body = rig.outbox.bodies()[1]
    assert body.startswith("Order 1001: Sorry, no new scan from UPS since Mon Nov 24.")
    assert "Last seen near Memphis, TN." in body
    assert body.endswith("Use SORRY10 for 10% off your next order.")


async def test_first_seen_delayed_gets_one_message(rig: Rig) -> None:
    rig.ups.results[UPS1] = result(
        "ups",
        UPS1,
        Status.EXCEPTION,
        event(3, Status.IN_TRANSIT),
        event(1, Status.EXCEPTION),
        delay_reason=DelayReason.CUSTOMS,
    )
    await rig.watcher.run_once()
    assert rig.keys() == ["watch:1:exception"]
    assert await rig.store.trigger_states(1) == {"exception": "sent", "shipped": "absorbed"}


async def test_two_packages_changing_together_make_one_message(rig: Rig) -> None:
    await rig.store.upsert_orders([order("1002", ("ups", UPS2), ("fedex", FEDEX1))])
    rig.ups.results[UPS1] = result("ups", UPS1, Status.LABEL_CREATED, LABEL)
    rig.ups.results[UPS2] = result("ups", UPS2, Status.IN_TRANSIT, event(1, Status.IN_TRANSIT))
    rig.fedex.results[FEDEX1] = result(
        "fedex", FEDEX1, Status.OUT_FOR_DELIVERY, event(1, Status.OUT_FOR_DELIVERY)
    )
    await rig.watcher.run_once()
    assert len(rig.outbox.sent) == 1
    assert rig.keys() == ["watch:3:out_for_delivery"]  # led by the most important news
    assert rig.outbox.bodies()[0] == (
        "Order 1002 is out for delivery with FedEx today. Also UPS: shipped."
    )
    assert await rig.store.trigger_states(2) == {"shipped": "sent"}


async def test_no_phone_no_message_but_alerts_still(rig: Rig) -> None:
    await rig.store.upsert_orders(
        [order("1003", ("fedex", FEDEX1), phone=None, shipped=START - timedelta(hours=50))]
    )
    rig.ups.results[UPS1] = result("ups", UPS1, Status.IN_TRANSIT, event(1, Status.IN_TRANSIT))
    rig.fedex.results[FEDEX1] = result("fedex", FEDEX1, Status.LABEL_CREATED, LABEL)
    await rig.watcher.run_once()
    assert rig.keys() == ["watch:1:shipped"]
    assert [a["key"] for a in rig.alerts.raised] == ["watch:2:label_not_scanned"]


async def test_spanish_order_gets_spanish(rig: Rig) -> None:
    await rig.store.upsert_orders([order("1001", ("ups", UPS1), locale="es-MX")])
    rig.ups.results[UPS1] = result("ups", UPS1, Status.IN_TRANSIT, event(1, Status.IN_TRANSIT))
    await rig.watcher.run_once()
    assert rig.outbox.bodies() == ["Pedido 1001: enviado con UPS. Escribe 1001 para ver novedades."]


async def test_once_only_across_a_restart(rig: Rig) -> None:
    rig.ups.results[UPS1] = result("ups", UPS1, Status.IN_TRANSIT, event(1, Status.IN_TRANSIT))
    await rig.watcher.run_once()
    assert rig.keys() == ["watch:1:shipped"]
    await rig.reopen()
    rig.outbox.keys.clear()  # even an outbox that forgot every key gets nothing twice
    await later(rig, 4)
    assert len(rig.ups.calls) == 2 and rig.keys() == ["watch:1:shipped"]


async def test_killed_mid_pass_loses_nothing_and_repeats_nothing(rig: Rig) -> None:
    numbers = [f"1Z999AA1{n:010d}" for n in range(6)]
    await rig.store.upsert_orders(
        [order(f"20{n}", ("ups", number)) for n, number in enumerate(numbers)]
    )
    for number in [UPS1, *numbers]:
        rig.ups.results[number] = result(
            "ups", number, Status.IN_TRANSIT, event(1, Status.IN_TRANSIT)
        )
    rig.outbox.fail_after = 3  # the third message is stored, then the process dies
    with pytest.raises(KeyboardInterrupt):
        await rig.watcher.run_once()
    assert len(rig.outbox.sent) == 3
    rig.outbox.fail_after = None
    await rig.reopen()
    await rig.watcher.run_once()
    keys = rig.keys()
    assert sorted(keys) == sorted(f"watch:{n}:shipped" for n in range(1, 8))
    assert len(keys) == len(set(keys))
    for shipment_id in range(1, 8):
        assert await rig.store.trigger_states(shipment_id) == {"shipped": "sent"}


async def test_carrier_outage_backs_off_and_others_go_on(rig: Rig) -> None:
    await rig.store.upsert_orders([order("1002", ("fedex", FEDEX1)), order("1004", ("ups", UPS2))])
    rig.ups.error = CarrierUnavailable("ups", "server error (HTTP 503)")
    rig.fedex.results[FEDEX1] = result(
        "fedex", FEDEX1, Status.IN_TRANSIT, event(1, Status.IN_TRANSIT)
    )
    summary = await rig.watcher.run_once()
    assert summary.failures == 2 and summary.checked == 1
    assert rig.keys() == ["watch:2:shipped"]
    assert len(rig.ups.calls) == 1  # one failed batch; the carrier is not asked again
    await later(rig, 0.05)
    assert len(rig.ups.calls) == 1  # backing off: 5 minutes, then doubling
    rig.ups.error = None
    rig.ups.results[UPS1] = result("ups", UPS1, Status.IN_TRANSIT, event(1, Status.IN_TRANSIT))
    rig.ups.results[UPS2] = result("ups", UPS2, Status.IN_TRANSIT, event(1, Status.IN_TRANSIT))
    await later(rig, 0.1)
    assert len(rig.ups.calls) == 2
    assert sorted(rig.keys()) == ["watch:1:shipped", "watch:2:shipped", "watch:3:shipped"]


async def test_rate_limited_carrier_waits_for_retry_after(rig: Rig) -> None:
    await rig.store.upsert_orders([order("1002", ("fedex", FEDEX1))])
    rig.ups.error = CarrierRateLimited("ups", "HTTP 429", retry_after=600)
    rig.fedex.results[FEDEX1] = result(
        "fedex", FEDEX1, Status.IN_TRANSIT, event(1, Status.IN_TRANSIT)
    )
    summary = await rig.watcher.run_once()
    assert (summary.postponed, summary.failures, summary.checked) == (1, 0, 1)
    rig.ups.error = None
    await later(rig, 5 / 60)
    assert len(rig.ups.calls) == 1
    await later(rig, 6 / 60)
    assert len(rig.ups.calls) == 2


async def test_pages_of_whole_orders_and_a_pass_cap(rig: Rig) -> None:
    orders = [
        order(f"3{n:03d}", ("ups", f"1Z3{n:03d}A"), ("fedex", f"7{n:03d}B")) for n in range(20)
    ]
    await rig.store.upsert_orders(orders)
    rig.watcher = rig.make_watcher(page_size=7, max_checks=30)
    for o in orders:
        for s in o.shipments:
            carrier = rig.ups if s.carrier == "ups" else rig.fedex
            carrier.results[s.tracking_number] = result(
                s.carrier, s.tracking_number, Status.IN_TRANSIT, event(1, Status.IN_TRANSIT)
            )
    first = await rig.watcher.run_once()
    assert 30 <= first.checked <= 32  # the cap, rounded up to whole pages of whole orders
    second = await rig.watcher.run_once()
    assert first.checked + second.checked == 41
    # One message per order, for its two packages (1001's number is unknown to the carrier).
    assert len(rig.outbox.sent) == 20
    assert all("Also" in body for body in rig.outbox.bodies())
    assert max(len(call) for call in rig.ups.calls) <= 10


async def test_old_and_unserved_shipments_and_returns_asked_too(rig: Rig) -> None:
    old = START - timedelta(days=40)
    await rig.store.upsert_orders(
        [
            order("1005", ("ups", UPS2), shipped=old),
            Order("1006", PHONE, shipments=(Shipment("ups", "1ZRETURN", Leg.RETURN, START),)),
            order("1007", ("ontrac", "C12345678901234")),
        ]
    )
    summary = await rig.watcher.run_once()
    assert [number for call in rig.ups.calls for number in call] == [UPS1, "1ZRETURN"]
    assert summary.postponed == 1  # ontrac: no adapter serves it; looked at again tomorrow


async def test_fresh_cache_saves_a_carrier_call(rig: Rig) -> None:
    cached = result("ups", UPS1, Status.IN_TRANSIT, event(1, Status.IN_TRANSIT))
    await rig.store.save_tracking(cached, START - timedelta(seconds=30))
    summary = await rig.watcher.run_once()
    assert summary.from_cache == 1 and rig.ups.calls == []
    assert rig.keys() == ["watch:1:shipped"]


async def test_push_feeds_the_same_triggers(rig: Rig) -> None:
    pushed = result("ups", UPS1, Status.OUT_FOR_DELIVERY, event(0, Status.OUT_FOR_DELIVERY))
    summary = await rig.watcher.apply([pushed, result("ups", "1ZUNKNOWN", Status.IN_TRANSIT)])
    assert summary.checked == 1 and rig.keys() == ["watch:1:out_for_delivery"]
    await rig.watcher.apply([pushed])
    assert len(rig.outbox.sent) == 1
    await rig.watcher.run_once()
    assert rig.ups.calls == []  # the push counts as a check


async def test_a_late_push_never_goes_back_in_time(rig: Rig) -> None:
    delivered = result(
        "ups", UPS1, Status.DELIVERED, event(1, Status.DELIVERED), proof_of_delivery=True
    )
    await rig.watcher.apply([delivered])
    stale = result("ups", UPS1, Status.OUT_FOR_DELIVERY, event(3, Status.OUT_FOR_DELIVERY))
    summary = await rig.watcher.apply([stale])  # a delayed webhook from before the delivery
    assert summary.checked == 0
    assert rig.keys() == ["watch:1:delivered"]
    cached = await rig.store.cached_tracking("ups", UPS1)
    assert cached is not None and cached.result.status is Status.DELIVERED


async def test_a_scanned_parcel_the_carrier_forgets_is_no_label_alert(rig: Rig) -> None:
    rig.ups.results[UPS1] = result("ups", UPS1, Status.IN_TRANSIT, event(2, Status.IN_TRANSIT))
    await rig.watcher.run_once()
    assert rig.keys() == ["watch:1:shipped"]
    rig.ups.results[UPS1] = TrackingResult.not_found("ups", UPS1)  # USPS-style amnesia
    for _ in range(20):
        await later(rig, 3.5)
    assert rig.alerts.raised == []


async def test_unmapped_scans_after_the_first_keep_a_parcel_from_stalling(rig: Rig) -> None:
    moving = event(40, Status.IN_TRANSIT, "Columbus, OH")
    unmapped = event(2, Status.UNKNOWN, "Louisville, KY")
    rig.ups.results[UPS1] = result("ups", UPS1, Status.IN_TRANSIT, moving, unmapped)
    await rig.watcher.run_once()
    assert rig.keys() == ["watch:1:shipped"]  # news, but no stall apology
