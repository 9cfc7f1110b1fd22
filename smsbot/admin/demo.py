"""`smsbot serve --demo`'s console: a demo user and two weeks of made-up history, so the
dashboard, the queue and /metrics have something to show on the first start.

Every number is a fictional 555-01xx number; orders are `H3001`... (the demo carrier says
"not found" for their parcels, as a real carrier would for an unknown number; their cached
results come from here).
"""

from __future__ import annotations

import hashlib
import random
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from smsbot.admin.auth import hash_password
from smsbot.config import AdminSettings, MetricsSettings, Secret, Settings, TokenDigest
from smsbot.eta.simulate import demo_history
from smsbot.orders.model import Order, Shipment
from smsbot.results import Eta, Event, Status, TrackingResult
from smsbot.store import OutboxState, Store, TriggerState

USER = "demo"
HISTORY_DAYS = 14
ORDERS = 24


@dataclass(frozen=True)
class DemoAccess:
    """What `serve --demo` prints: the console login and the /metrics token."""

    password: str
    metrics_token: str


def demo_console(settings: Settings) -> tuple[Settings, DemoAccess]:
    """`settings` with the console on (plain-HTTP cookies: the demo runs on localhost) and
    /metrics behind a fresh token; and the credentials to print."""
    access = DemoAccess(secrets.token_urlsafe(12), secrets.token_urlsafe(24))
    digest = TokenDigest(hashlib.sha256(access.metrics_token.encode("utf-8")).digest())
    return (
        replace(
            settings,
            admin=AdminSettings(secret_key=Secret(secrets.token_urlsafe(32)), secure_cookie=False),
            metrics=MetricsSettings(token=digest),
        ),
        access,
    )


async def seed_history(store: Store, now: datetime, access: DemoAccess) -> None:
    """The demo user, orders shipped over the last two weeks, their texts, notices,
    deliveries (some late) and escalations (one handled)."""
    await store.save_admin_user(USER, hash_password(access.password), now)
    await store.import_deliveries(demo_history(now))  # learned ETA windows (issue 19)
    pick = random.Random(18)  # the same history at every start
    orders = []
    for index in range(ORDERS):
        shipped = now - timedelta(days=pick.uniform(1, HISTORY_DAYS), hours=pick.uniform(0, 8))
        carrier = "demo"
        shipment = Shipment(carrier, f"DEMOH{3001 + index}", shipped_at=shipped)
        phone = f"+1202555{100 + index:04d}"
        orders.append(Order(f"H{3001 + index}", phone, shipments=(shipment,)))
    await store.upsert_orders(orders, now=now - timedelta(days=HISTORY_DAYS))
    sid = 0
    for order in orders:
        (shipment,) = order.shipments
        shipped = shipment.shipped_at or now
        eta = (shipped + timedelta(days=3)).date()
        status = Status.IN_TRANSIT
        events = (Event(shipped + timedelta(hours=6), status, "Departed facility"),)
        first = TrackingResult(
            "demo", shipment.tracking_number, status, events=events, eta=Eta(eta)
        )
        await store.save_tracking(first, shipped + timedelta(hours=7))
        arrived = shipped + timedelta(days=pick.choice((2, 3, 3, 4, 5)))
        if arrived < now:
            done = Event(arrived, Status.DELIVERED, "Delivered")
            result = TrackingResult(
                "demo", shipment.tracking_number, Status.DELIVERED, events=(*events, done)
            )
            await store.save_tracking(result, arrived)
        (watched,) = await store.shipments_for_tracking(["demo"], shipment.tracking_number)
        kinds = [("shipped", shipped + timedelta(hours=8))]
        if arrived < now:
            kinds.append(("delivered", arrived + timedelta(minutes=5)))
        elif pick.random() < 0.3:
            kinds.append(("stalled", now - timedelta(hours=pick.uniform(2, 30))))
        for kind, at in kinds:
            await store.record_triggers({watched.shipment_id: {kind: TriggerState.SENT}}, at)
            await store.add_outbox(
                key=f"demo:{order.number}:{kind}", phone=order.phone or "", channel="sms",
                body=f"Demo Shop: order {order.number} — {kind.replace('_', ' ')}.",
                order_number=order.number, state=OutboxState.DELIVERED, at=at,
            )  # fmt: skip
        for _ in range(pick.choice((0, 1, 1, 2, 3))):
            sid += 1
            at = shipped + timedelta(hours=pick.uniform(2, 90))
            if at >= now:
                continue
            intent = pick.choice(("order_number", "order_number", "question", "more"))
            body = {"question": "where is my package??", "more": "MORE"}.get(intent, order.number)
            await _text(store, sid, order.phone or "", at, body, intent, pick.uniform(150, 1900))
    for index, order in enumerate(orders[:3]):
        sid += 1
        at = now - timedelta(hours=3 + 20 * index)
        await _text(store, sid, order.phone or "", at, "AGENT", "escalation", 240.0)
        escalation = await store.add_escalation(
            channel="sms", phone=order.phone or "", order_number=order.number,
            verified=True, language="en", at=at,
        )  # fmt: skip
        if index == 2:
            await store.mark_handled(escalation, by=USER, at=at + timedelta(hours=1))


async def _text(
    store: Store, sid: int, phone: str, at: datetime, body: str, intent: str, ms: float
) -> None:
    message = f"SMdemo{sid:026d}"
    await store.claim_tagged(message, phone, channel="sms", sender=phone, body=body, received_at=at)
    await store.finish_message(message, intent=intent, reply="(demo reply)", latency_ms=ms)
