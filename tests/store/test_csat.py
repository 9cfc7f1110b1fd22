"""The CSAT concern through the Protocol: once per order, pending per sender until answered
or expired, the first answer stands; the KPIs count sent surveys and answers by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from smsbot.errors import StoreValueError
from smsbot.store import Store

T0 = datetime(2024, 11, 4, 10, tzinfo=UTC)
WINDOW = timedelta(hours=72)


async def test_a_survey_is_opened_once_and_answered_once(store: Store) -> None:
    assert await store.open_survey("1001", "k1", T0, T0 + WINDOW)
    assert not await store.open_survey("1001", "k1", T0 + timedelta(hours=1), T0 + 2 * WINDOW)
    pending = await store.pending_survey("k1", T0 + timedelta(hours=1))
    assert pending is not None and pending.order_number == "1001"
    assert await store.pending_survey("k2", T0) is None  # another sender has none
    assert await store.answer_survey("1001", 4, T0 + timedelta(hours=2))
    assert not await store.answer_survey("1001", 1, T0 + timedelta(hours=3))  # first stands
    assert await store.pending_survey("k1", T0 + timedelta(hours=3)) is None
    with pytest.raises(StoreValueError):
        await store.answer_survey("1001", 6, T0)


async def test_a_survey_expires_and_the_newest_is_pending(store: Store) -> None:
    await store.open_survey("1001", "k1", T0, T0 + WINDOW)
    await store.open_survey("1002", "k1", T0 + timedelta(hours=5), T0 + WINDOW)
    pending = await store.pending_survey("k1", T0 + timedelta(hours=6))
    assert pending is not None and pending.order_number == "1002"
    assert await store.pending_survey("k1", T0 + WINDOW) is None


async def test_csat_in_the_kpis(store: Store) -> None:
    # Sent in the period: 1001, 1002, 1003; 1004 the week before (answered in the period).
    for number, sent in (("1001", T0), ("1002", T0), ("1003", T0), ("1004", T0 - 7 * WINDOW)):
        await store.open_survey(number, f"k{number}", sent, sent + WINDOW)
    await store.answer_survey("1001", 5, T0 + timedelta(hours=1))
    await store.answer_survey("1002", 2, T0 + timedelta(hours=1))
    await store.answer_survey("1004", 4, T0 + timedelta(hours=1))
    kpis = await store.kpis(T0 - timedelta(days=1), T0 + timedelta(days=1))
    # Answers in the period: 5, 2, 4 -> mean 11/3; 4 or 5: two of three.
    assert (kpis.csat_sent, kpis.csat_answers) == (3, 3)
    assert kpis.csat_mean == pytest.approx(11 / 3)
    assert kpis.csat_share == pytest.approx(2 / 3)
    empty = await store.kpis(T0 - 30 * WINDOW, T0 - 29 * WINDOW)
    assert empty.csat_mean is None and empty.csat_share is None
