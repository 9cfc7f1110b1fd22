"""The watcher with events in an odd order (issue 13): triggers that fail on their own,
newer news that replaces a waiting notice, the credit in each language, and return legs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from smsbot.config.loader import settings_from_mapping
from smsbot.errors import ConfigError
from smsbot.orders.model import Leg, Order, Shipment
from smsbot.store import TriggerState
from smsbot.tracking import Status, TrackingResult
from tests.conftest import SettingsFactory
from tests.test_watcher import FEDEX1, PHONE, START, UPS1, UPS2, Rig, event, later, order, result
from tests.test_watcher import rig as rig  # the fixture

RETURN = "1ZRETURN0000000001"


def delivered_without_proof(number: str, hours_ago: float = 0) -> TrackingResult:
    return result(
        "ups",
        number,
        Status.DELIVERED,
        event(hours_ago, Status.DELIVERED, at=START),
        delivered_at=START - timedelta(hours=hours_ago),
    )


# Item 9: triggers never wait on each other


async def test_a_stuck_checkin_does_not_hold_back_later_ones(
    make_settings: SettingsFactory, rig: Rig
) -> None:
    rig.settings = make_settings(watch={"delivery_checkin": True, "delivery_checkin_after_h": 3})
    rig.watcher = rig.make_watcher()
    await rig.store.upsert_orders([order("1002", ("ups", UPS2))])
    rig.ups.results[UPS1] = delivered_without_proof(UPS1, hours_ago=1)  # its check-in is due first
    rig.ups.results[UPS2] = delivered_without_proof(UPS2)
    await rig.watcher.run_once()
    rig.outbox.broken.add("watch:1:checkin")  # 1001's check-in cannot be queued
    await later(rig, 3.5)
    assert "watch:2:checkin" in list(rig.keys())  # 1002's went ahead all the same
    assert "watch:1:checkin" not in list(rig.keys())
    assert (await rig.store.trigger_states(1))["checkin"] is TriggerState.SCHEDULED
    rig.outbox.broken.clear()
    await later(rig, 0.05)
    assert "watch:1:checkin" not in list(rig.keys())  # backing off: 5 minutes, then doubling
    await later(rig, 0.1)
    assert rig.keys().count("watch:1:checkin") == 1
    assert (await rig.store.trigger_states(1))["checkin"] is TriggerState.SENT


async def test_a_checkin_that_keeps_failing_is_given_up(
    make_settings: SettingsFactory, rig: Rig
) -> None:
    rig.settings = make_settings(watch={"delivery_checkin": True, "delivery_checkin_after_h": 3})
    rig.watcher = rig.make_watcher()
    rig.ups.results[UPS1] = delivered_without_proof(UPS1)
    await rig.watcher.run_once()
    rig.outbox.broken.add("watch:1:checkin")
    for _ in range(12):
        await later(rig, 6.5)
    assert (await rig.store.trigger_states(1))["checkin"] is TriggerState.SKIPPED
    rig.outbox.broken.clear()
    await later(rig, 24)
    assert "watch:1:checkin" not in list(rig.keys())


async def test_a_notice_the_outbox_refuses_holds_back_no_alert_and_is_retried(
    rig: Rig,
) -> None:
    rig.ups.results[UPS1] = delivered_without_proof(UPS1)
    rig.outbox.broken.add("watch:1:delivered")
    summary = await rig.watcher.run_once()
    assert summary.failures == 1 and rig.keys() == []
    assert [a["kind"] for a in rig.alerts.raised] == ["delivered_without_proof"]
    rig.outbox.broken.clear()
    await later(rig, 6.5)  # delivered, yet not closed: the notice is fired again
    assert rig.keys() == ["watch:1:delivered"]
    assert len(rig.alerts.raised) == 1


# Item 14: a newer notice replaces the ones still waiting


async def test_a_newer_notice_names_the_shipments_older_ones_as_superseded(rig: Rig) -> None:
    await rig.store.upsert_orders([order("1002", ("ups", UPS2), ("fedex", FEDEX1))])
    rig.ups.results[UPS2] = result("ups", UPS2, Status.IN_TRANSIT, event(1, Status.IN_TRANSIT))
    rig.fedex.results[FEDEX1] = result(
        "fedex", FEDEX1, Status.OUT_FOR_DELIVERY, event(1, Status.OUT_FOR_DELIVERY)
    )
    await rig.watcher.run_once()
    key, stale = rig.outbox.superseded[-1]
    assert key == "watch:3:out_for_delivery"
    assert {"watch:2:shipped", "watch:3:shipped", "watch:3:checkin"} <= set(stale)
    assert not any(k.startswith("watch:1:") for k in stale)  # another order's news stays


# Item 15: the credit offer in the customer's language


async def test_the_stall_credit_offer_in_spanish(make_settings: SettingsFactory, rig: Rig) -> None:
    rig.settings = make_settings(
        watch={
            "credit_code": "SORRY10",
            "credit_offer": "10% off your next order",
            "credit_offers": {"es": "10% de descuento en tu siguiente pedido"},
        }
    )
    rig.watcher = rig.make_watcher()
    await rig.store.upsert_orders([order("1001", ("ups", UPS1), locale="es-MX")])
    rig.ups.results[UPS1] = result("ups", UPS1, Status.IN_TRANSIT, event(1, Status.IN_TRANSIT))
    await rig.watcher.run_once()
    for _ in range(12):
        await later(rig, 3.5)
    body = rig.outbox.bodies()[-1]
    assert body.startswith("Pedido 1001: lo sentimos")
    assert body.endswith("Usa SORRY10 para 10% de descuento en tu siguiente pedido.")
    assert "off" not in body


async def test_without_a_spanish_offer_the_plain_code_never_english(rig: Rig) -> None:
    await rig.store.upsert_orders([order("1001", ("ups", UPS1), locale="es")])
    rig.ups.results[UPS1] = result("ups", UPS1, Status.IN_TRANSIT, event(1, Status.IN_TRANSIT))
    await rig.watcher.run_once()
    for _ in range(12):
        await later(rig, 3.5)
    body = rig.outbox.bodies()[-1]
    assert body.endswith("Usa SORRY10 en tu siguiente pedido.")
    assert "off your next order" not in body


# Item 16: return legs


def with_return(number: str = "1001", locale: str | None = None) -> Order:
    return Order(
        number,
        PHONE,
        locale=locale,
        shipments=(Shipment("ups", RETURN, Leg.RETURN, START),),
    )


async def test_a_return_is_watched_from_scan_to_received(rig: Rig) -> None:
    await rig.store.upsert_orders([with_return("1009")])
    rig.ups.results[RETURN] = result(
        "ups", RETURN, Status.LABEL_CREATED, event(1, Status.LABEL_CREATED)
    )
    await rig.watcher.run_once()
    assert rig.keys() == []  # a return label alone is no news, and no merchant alert
    for _ in range(10):
        await later(rig, 6.5)
    assert not any(a["key"].startswith("watch:2:") for a in rig.alerts.raised)  # type: ignore[union-attr]
    scanned = event(0, Status.IN_TRANSIT, "Austin, TX", at=rig.clock.now)
    rig.ups.results[RETURN] = result("ups", RETURN, Status.IN_TRANSIT, scanned)
    await later(rig, 6.5)
    assert rig.keys() == ["watch:2:return_shipped"]
    assert rig.outbox.bodies()[0] == (
        "Order 1009: Your return is on its way to us with UPS. We'll text you when it arrives."
    )
    back = rig.clock.now + timedelta(hours=20)
    rig.ups.results[RETURN] = result(
        "ups", RETURN, Status.DELIVERED, scanned, event(0, Status.DELIVERED, at=back),
        delivered_at=back,
    )  # fmt: skip
    await later(rig, 20)
    assert rig.keys()[1:] == ["watch:2:return_received"]
    assert rig.outbox.bodies()[1] == "Order 1009: We received your return. Thank you!"
    assert not any(a["key"].startswith("watch:2:") for a in rig.alerts.raised)  # type: ignore[union-attr]
    calls = sum(RETURN in call for call in rig.ups.calls)
    await later(rig, 48)
    assert sum(RETURN in call for call in rig.ups.calls) == calls  # received: not watched


async def test_a_stalled_return_is_said_once_without_a_credit(rig: Rig) -> None:
    await rig.store.upsert_orders([with_return("1009", locale="es-MX")])
    scanned = event(1, Status.IN_TRANSIT, "Austin, TX")
    rig.ups.results[RETURN] = result("ups", RETURN, Status.IN_TRANSIT, scanned)
    await rig.watcher.run_once()
    for _ in range(14):
        await later(rig, 3.5)
    assert rig.keys() == ["watch:2:return_shipped", "watch:2:return_stalled"]
    body = rig.outbox.bodies()[1]
    assert body.startswith("Pedido 1009: el paquete que nos devuelves no tiene novedades de UPS")
    assert "SORRY10" not in body


async def test_a_pushed_return_delivery_fires_at_once(rig: Rig) -> None:
    await rig.store.upsert_orders([with_return("1009")])
    pushed = result("ups", RETURN, Status.DELIVERED, event(0, Status.DELIVERED), delivered_at=START)
    summary = await rig.watcher.apply([pushed])
    assert summary.checked == 1
    assert rig.keys() == ["watch:2:return_received"]


# The new settings (watch.credit_offers, escalation.cooldown_s)


def test_credit_offers_and_cooldown_are_read_and_checked() -> None:
    settings = settings_from_mapping(
        {
            "watch": {"credit_offers": {"es": " 10% de descuento "}},
            "escalation": {"cooldown_s": 600},
        }
    )
    assert settings.watch.credit_offers == {"es": "10% de descuento"}
    assert settings.escalation.cooldown_s == 600.0
    assert settings_from_mapping({}).escalation.cooldown_s == 4 * 3600
    bad: list[tuple[dict[str, Any], str]] = [
        ({"watch": {"credit_offers": {"spanish": "x"}}}, "watch.credit_offers.spanish"),
        ({"watch": {"credit_offers": {"es": 10}}}, "watch.credit_offers.es"),
        ({"watch": {"credit_offers": "es"}}, "watch.credit_offers"),
        ({"escalation": {"cooldown_s": 0}}, "escalation.cooldown_s"),
    ]
    for data, key in bad:
        with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
            settings_from_mapping(data)
