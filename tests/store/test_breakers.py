"""The carrier breakers concern through the Protocol: failures counted in a row, the open
period set by the caller's policy, one probe for one caller, a good answer closes it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from smsbot.store import Store, open_store

T0 = datetime(2024, 11, 4, 10, tzinfo=UTC)
OPEN = timedelta(seconds=30)


def policy(failures: int) -> timedelta | None:
    """Opens at the third failure in a row, for 30 s per failure past the second."""
    return None if failures < 3 else OPEN * (failures - 2)


async def test_failures_count_up_and_open_the_breaker_at_the_threshold(store: Store) -> None:
    assert await store.breaker_states() == {}
    first = await store.breaker_failed("ups", T0, policy)
    assert (first.failures, first.open_until) == (1, None)
    await store.breaker_failed("ups", T0, policy)
    opened = await store.breaker_failed("ups", T0, policy)
    assert (opened.failures, opened.open_until, opened.probe_until) == (3, T0 + OPEN, None)
    await store.breaker_failed("fedex", T0, policy)  # another carrier counts on its own
    states = await store.breaker_states()
    assert states["ups"] == opened and states["fedex"].failures == 1


async def test_one_probe_once_the_open_period_is_over(store: Store) -> None:
    for _ in range(3):
        await store.breaker_failed("ups", T0, policy)
    probe_until = T0 + timedelta(minutes=5)
    assert not await store.take_breaker_probe("ups", T0 + OPEN / 2, probe_until)  # still open
    assert not await store.take_breaker_probe("dhl", T0 + OPEN, probe_until)  # no breaker
    assert await store.take_breaker_probe("ups", T0 + OPEN, probe_until)
    assert not await store.take_breaker_probe("ups", T0 + OPEN, probe_until)  # one at a time
    state = (await store.breaker_states())["ups"]
    assert state.probe_until == probe_until
    # A probe never heard of (its process died): after its `until` another may go.
    assert await store.take_breaker_probe("ups", probe_until, probe_until + OPEN)
    # The probe failed: open for longer, and the probe is over.
    again = await store.breaker_failed("ups", probe_until, policy)
    assert again.failures == 4 and again.probe_until is None
    assert again.open_until == probe_until + 2 * OPEN


async def test_a_good_answer_closes_the_breaker_and_resets_the_count(store: Store) -> None:
    assert await store.breaker_answered("ups") is None
    for _ in range(3):
        await store.breaker_failed("ups", T0, policy)
    closed = await store.breaker_answered("ups")
    assert closed is not None and closed.open_until == T0 + OPEN
    assert await store.breaker_states() == {}
    assert (await store.breaker_failed("ups", T0, policy)).failures == 1


async def test_two_processes_share_the_breaker_and_only_one_takes_the_probe(store_url: str) -> None:
    async with await open_store(store_url) as one, await open_store(store_url) as two:
        await one.breaker_failed("ups", T0, policy)
        await two.breaker_failed("ups", T0, policy)
        opened = await one.breaker_failed("ups", T0, policy)
        assert opened.failures == 3 and (await two.breaker_states())["ups"] == opened
        later = T0 + OPEN
        taken = await asyncio.gather(
            *(each.take_breaker_probe("ups", later, later + OPEN) for each in (one, two, one, two))
        )
        assert sorted(taken) == [False, False, False, True]
