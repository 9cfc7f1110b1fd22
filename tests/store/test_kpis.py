"""The KPI concern through the Protocol: a seeded week whose right answers are counted by
hand below, next to the history that produces them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from smsbot.orders.model import Order, Shipment
from smsbot.results import Eta, Event, Status, TrackingResult
from smsbot.store import OutboxState, Store, TriggerState

START = datetime(2024, 11, 1, tzinfo=UTC)
END = datetime(2024, 11, 8, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2024, month, day, hour, minute, tzinfo=UTC)


PHONES = {n: f"+1555000000{n}" for n in range(1, 7)}

ORDERS = [
    Order("A1", PHONES[1], shipments=(Shipment("ups", "UPS1", shipped_at=at(2, 8)),)),
    Order("A2", PHONES[2], shipments=(Shipment("ups", "UPS2", shipped_at=at(3, 8)),)),
    Order("A3", PHONES[3], shipments=(Shipment("fedex", "FDX3", shipped_at=at(3, 8)),)),
    # Shipped before the period: in no figure of it.
    Order("A4", PHONES[4], shipments=(Shipment("fedex", "FDX4", shipped_at=at(20, 8, 0, 10)),)),
    Order("A5", PHONES[5], shipments=(Shipment("fedex", "FDX5", shipped_at=at(4, 8)),)),
]

#: (phone, received, intent, latency ms)
TEXTS = [
    (1, at(2, 10), "order_number", 200.0),
    (1, at(2, 10, 1), "more", 400.0),
    (2, at(3, 9), "question", 100.0),
    (3, at(4, 12), "order_number", 1000.0),
    (3, at(4, 12, 5), "escalation", 300.0),
    (6, at(5, 8), "help", 50.0),  # not WISMO
    (6, at(5, 8, 1), "noise", 20.0),  # not WISMO
    (5, at(6, 13), "escalation", 500.0),  # 25 h after the stall apology
    (2, at(31, 23, 0, 10), "order_number", 90.0),  # before the period
    (1, at(8, 14), "order_number", 80.0),  # after it, but 47 h after A1's delivered notice
]

#: (order, kind, sent at)
NOTICES = [
    ("A1", "shipped", at(2, 9)),  # p1 texts 1 h later
    ("A2", "shipped", at(3, 8)),  # p2 texts 1 h later
    ("A3", "shipped", at(3, 8)),  # p3 texts 28 h later
    ("A5", "shipped", at(4, 8)),  # p5 texts 53 h later: not within 48 h
    ("A3", "exception", at(4, 10)),  # p3 texts 2 h later
    ("A5", "stalled", at(5, 12)),  # p5 asks for a person 25 h later
    ("A1", "delivered", at(6, 15)),  # p1 texts 47 h later (after the period: still counts)
    ("A2", "delivered", at(6, 18)),  # p2 never texts again
    ("A3", "label_not_scanned", at(3, 9)),  # a merchant alert: not a notice
]


def result(number: str, status: Status, eta: date | None, event: datetime) -> TrackingResult:
    carrier = "ups" if number.startswith("UPS") else "fedex"
    events = (Event(event, status, status.value),)
    return TrackingResult(carrier, number, status, events=events, eta=Eta(eta) if eta else None)


async def seed(store: Store) -> None:
    await store.upsert_orders(ORDERS, now=at(1, 0))
    for index, (phone, received, intent, latency) in enumerate(TEXTS):
        sid = f"SM{index:032d}"
        number = PHONES[phone]
        await store.claim_tagged(
            sid, number, channel="sms", sender=number, body="where", received_at=received
        )
        await store.finish_message(sid, intent=intent, reply="ok", latency_ms=latency)
    # UPS1: first ETA Nov 5, then Nov 7, delivered Nov 6 -> late against the first (Nov 5).
    await store.save_tracking(
        result("UPS1", Status.IN_TRANSIT, date(2024, 11, 5), at(3, 1)), at(3, 2)
    )
    await store.save_tracking(
        result("UPS1", Status.IN_TRANSIT, date(2024, 11, 7), at(4, 1)), at(4, 2)
    )
    await store.save_tracking(result("UPS1", Status.DELIVERED, None, at(6, 14)), at(6, 14, 30))
    # UPS2: ETA Nov 6, delivered Nov 6 -> on time.
    await store.save_tracking(
        result("UPS2", Status.IN_TRANSIT, date(2024, 11, 6), at(4, 1)), at(4, 2)
    )
    await store.save_tracking(
        result("UPS2", Status.DELIVERED, date(2024, 11, 6), at(6, 17)), at(6, 18)
    )
    await store.save_tracking(result("FDX3", Status.EXCEPTION, None, at(4, 9)), at(4, 9, 30))
    await store.save_tracking(result("FDX5", Status.IN_TRANSIT, None, at(4, 9)), at(4, 9, 30))
    numbers = {"A1": "UPS1", "A2": "UPS2", "A3": "FDX3", "A5": "FDX5"}
    for order_number, kind, sent in NOTICES:
        number = numbers[order_number]
        carrier = "ups" if number.startswith("UPS") else "fedex"
        (shipment,) = await store.shipments_for_tracking([carrier], number)
        await store.record_triggers({shipment.shipment_id: {kind: TriggerState.SENT}}, sent)


async def test_kpis_match_the_history_counted_by_hand(store: Store) -> None:
    await seed(store)
    kpis = await store.kpis(START, END)
    # Orders shipped in the period: A1, A2, A3, A5 (A4 shipped in October).
    assert kpis.orders_shipped == 4
    # WISMO texts in the period: p1 x2, p2, p3 x2, p5 (p6's help and noise are not).
    assert kpis.wismo_texts == 6
    assert kpis.wismo_per_100_orders == pytest.approx(150.0)
    # Conversations p1, p2, p3, p5; p3 and p5 asked for a person.
    assert (kpis.conversations, kpis.escalated) == (4, 2)
    assert kpis.escalation_rate == pytest.approx(0.5)
    assert kpis.deflection_rate == pytest.approx(0.5)
    # Latencies sorted: 0.1 0.2 0.3 0.4 0.5 1.0; nearest rank p50 = 3rd, p95 = ceil(5.7) = 6th.
    assert kpis.answer_p50_s == pytest.approx(0.3)
    assert kpis.answer_p95_s == pytest.approx(1.0)
    notices = {n.kind: (n.sent, n.customers, n.texted_after) for n in kpis.notices}
    assert notices == {
        "shipped": (4, 4, 3),  # p5 texted after 53 h only
        "exception": (1, 1, 1),
        "stalled": (1, 1, 1),
        "delivered": (2, 2, 1),  # p1 within 47 h; p2 never
    }
    assert (kpis.stall_apologies, kpis.stall_customers, kpis.stall_followed_by_agent) == (1, 1, 1)
    carriers = {
        c.carrier: (c.shipments, c.delivered, c.with_eta, c.late, c.exceptions)
        for c in kpis.carriers
    }
    assert carriers == {"fedex": (2, 0, 0, 0, 1), "ups": (2, 2, 2, 1, 0)}
    ups = next(c for c in kpis.carriers if c.carrier == "ups")
    assert ups.late_share == pytest.approx(0.5)
    assert dict(kpis.daily_texts) == {
        "2024-11-02": 2, "2024-11-03": 1, "2024-11-04": 2, "2024-11-06": 1
    }  # fmt: skip


async def test_an_empty_period_has_no_rates(store: Store) -> None:
    await seed(store)
    kpis = await store.kpis(at(1, 0, 0, 1), at(2, 0, 0, 1))
    assert (kpis.orders_shipped, kpis.wismo_texts, kpis.conversations) == (0, 0, 0)
    assert kpis.wismo_per_100_orders is None
    assert kpis.deflection_rate is None
    assert kpis.answer_p50_s is None
    assert kpis.notices == () and kpis.carriers == ()


async def test_ops_snapshot_counts_the_outbox_and_escalations(store: Store) -> None:
    now = at(10, 12)
    for index, (state, age_h) in enumerate(
        [(OutboxState.QUEUED, 3), (OutboxState.DEFERRED, 5), (OutboxState.SENT, 9)]
    ):
        await store.add_outbox(
            key=f"k{index}", phone=PHONES[1], channel="sms", body="hi", order_number="A1",
            state=state, at=now - timedelta(hours=age_h),
        )  # fmt: skip
    await store.add_escalation(
        channel="sms", phone=PHONES[1], order_number="A1", verified=True, language="en", at=now
    )
    notices = await store.order_notices("A1")
    assert [n.key for n in notices] == ["k0", "k1", "k2"]  # newest first
    assert await store.order_notices("A9") == []
    snapshot = await store.ops_snapshot(now)
    assert snapshot.outbox_by_state == {"queued": 1, "deferred": 1, "sent": 1}
    assert snapshot.outbox_depth == 2
    assert snapshot.outbox_oldest_age_s == pytest.approx(5 * 3600)
    assert (snapshot.escalations_open, snapshot.handoffs_dead) == (1, 0)
