"""Tracking-page engagement in the KPIs: the seeded week of test_kpis plus page views, the
expected figures counted by hand next to the views that produce them."""

from __future__ import annotations

import pytest

from smsbot.store import Store
from tests.store.test_kpis import END, START, at, seed


async def test_page_views_per_shipment_and_share_viewed(store: Store) -> None:
    await seed(store)
    # A1/UPS1 viewed 3 times, A3/FDX3 once; A2/UPS2 and A5/FDX5 never.
    for _ in range(3):
        await store.count_views("A1", ["UPS1"], at(3, 12))
    await store.count_views("A3", ["FDX3"], at(5, 12))
    # A4/FDX4 shipped in October: its views are not this period's.
    await store.count_views("A4", ["FDX4"], at(5, 12))
    # A view of a tracking number the order does not ship under counts for no shipment.
    await store.count_views("A2", ["NOT-A2"], at(5, 12))
    kpis = await store.kpis(START, END)
    # Outbound shipments shipped in the period: UPS1, UPS2, FDX3, FDX5.
    assert (kpis.shipments, kpis.viewed_shipments, kpis.page_views) == (4, 2, 4)
    assert kpis.views_per_shipment == pytest.approx(4 / 4)
    assert kpis.viewed_share == pytest.approx(2 / 4)


async def test_no_views_and_no_shipments(store: Store) -> None:
    await seed(store)
    kpis = await store.kpis(START, END)
    assert (kpis.shipments, kpis.viewed_shipments, kpis.page_views) == (4, 0, 0)
    assert kpis.views_per_shipment == 0 and kpis.viewed_share == 0
    empty = await store.kpis(at(1, 0, 0, 1), at(2, 0, 0, 1))
    assert empty.shipments == 0
    assert empty.views_per_shipment is None and empty.viewed_share is None
