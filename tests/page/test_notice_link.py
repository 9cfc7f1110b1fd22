"""Proactive texts carry the order's link as `[links] mode` says (issue 17)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

from smsbot.lookup.gateway import CarrierGateway
from smsbot.lookup.registry import Registry
from smsbot.store import open_store
from smsbot.tracking import Eta, Status
from smsbot.watch.watcher import Watcher
from smsbot.wording.segments import segment_count
from tests.conftest import SettingsFactory
from tests.test_watcher import (
    LABEL,
    START,
    UPS1,
    Clock,
    FakeAlerts,
    FakeCarrier,
    FakeOutbox,
    event,
    order,
    result,
)

SHIPPED = "Order 1001 has shipped with UPS, arriving Thu Nov 27. Text 1001 for updates."


async def shipped_notice(make_settings: SettingsFactory, tmp_path: Path, **links: object) -> str:
    settings = make_settings(links=links, bot={"max_segments": 1})
    store = await open_store(tmp_path / f"{links.get('mode')}.db")
    try:
        clock = Clock()
        ups = FakeCarrier("ups", "UPS")
        registry = Registry({"ups": ups}, {"ups": "test"})
        outbox = FakeOutbox()
        gateway = CarrierGateway(registry, store, settings.tracking, clock)
        watcher = Watcher(settings, store, gateway, outbox, FakeAlerts(), clock=clock)
        await store.upsert_orders([order("1001", ("ups", UPS1))])
        scanned = event(0, Status.IN_TRANSIT, "Columbus, OH", at=START)
        ups.results[UPS1] = result(
            "ups", UPS1, Status.IN_TRANSIT, LABEL, scanned, eta=Eta(date(2025, 11, 27))
        )
        await watcher.run_once()
        [body] = outbox.bodies()
        if "/t/" in body:  # the link opens the same order
            token = body.rsplit("/t/", 1)[-1]
            link = await store.resolve_link(token, START + timedelta(days=1))
            assert link is not None and link.order_number == "1001"
        return body
    finally:
        await store.close()


async def test_the_notice_ends_with_the_link_when_it_fits(
    make_settings: SettingsFactory, tmp_path: Path
) -> None:
    body = await shipped_notice(make_settings, tmp_path, mode="fit")
    assert segment_count(SHIPPED) == 1
    assert re.fullmatch(
        re.escape(SHIPPED) + r" Details: https://bot\.example\.com/t/[0-9A-Za-z]{13}", body
    ), body
    assert len(body) <= 160 and segment_count(body) == 1


async def test_a_long_base_url_does_not_fit_one_segment(
    make_settings: SettingsFactory, tmp_path: Path
) -> None:
    base = "https://tracking.a-rather-long-shop-domain-name.example.com"
    body = await shipped_notice(make_settings, tmp_path, mode="fit", public_url=base)
    assert body == SHIPPED  # with the link it would be two segments
    assert segment_count(f"{SHIPPED} Details: {base}/t/AAAAAAAAAAAAA") == 2
    forced = await shipped_notice(make_settings, tmp_path, mode="always", public_url=base)
    assert forced.startswith(SHIPPED + f" Details: {base}/t/")
    assert segment_count(forced) == 2


async def test_never_means_never(make_settings: SettingsFactory, tmp_path: Path) -> None:
    assert await shipped_notice(make_settings, tmp_path, mode="never") == SHIPPED
