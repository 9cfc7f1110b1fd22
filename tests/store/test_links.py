"""The links concern of the store contract: one live token per order, expiry, revocation,
page views (issue 17)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from smsbot.store import Store, StoreValueError, TrackingLink
from tests.store.conftest import NOW

LATER = NOW + timedelta(days=1)


async def test_one_live_link_per_order_is_reused(store: Store) -> None:
    first = await store.issue_link("1001", "tokenAAAAAAAA1", NOW, expires_at=None)
    again = await store.issue_link("1001", "tokenBBBBBBBB2", LATER, expires_at=None)
    assert first.token == again.token == "tokenAAAAAAAA1"
    other = await store.issue_link("1002", "tokenCCCCCCCC3", NOW, expires_at=None)
    assert other.token == "tokenCCCCCCCC3"
    found = await store.resolve_link("tokenAAAAAAAA1", LATER)
    assert found == TrackingLink("tokenAAAAAAAA1", "1001", NOW)
    assert await store.resolve_link("tokenBBBBBBBB2", LATER) is None


async def test_concurrent_issues_agree(store: Store) -> None:
    links = await asyncio.gather(
        *(store.issue_link("1001", f"token{n:09d}", NOW, expires_at=None) for n in range(8))
    )
    assert len({link.token for link in links}) == 1


async def test_an_expired_link_resolves_like_an_unknown_one(store: Store) -> None:
    link = await store.issue_link("1001", "tokenAAAAAAAA1", NOW, expires_at=LATER)
    assert link.expires_at == LATER and link.live(NOW) and not link.live(LATER)
    assert await store.resolve_link(link.token, NOW) == link
    assert await store.resolve_link(link.token, LATER) is None
    await store.expire_link(link.token, None)  # a new shipment: open again
    reopened = await store.resolve_link(link.token, LATER + timedelta(days=5))
    assert reopened is not None and reopened.expires_at is None
    reissued = await store.issue_link("1001", "tokenZZZZZZZZ9", NOW, expires_at=NOW)
    assert reissued.token == link.token and not reissued.live(NOW)
    assert await store.resolve_link(link.token, NOW) is None


async def test_revoked_links_stay_dead_and_a_new_token_follows(store: Store) -> None:
    await store.issue_link("1001", "tokenAAAAAAAA1", NOW, expires_at=None)
    assert await store.revoke_links("1001", LATER) == 1
    assert await store.revoke_links("1001", LATER) == 0
    assert await store.resolve_link("tokenAAAAAAAA1", LATER) is None
    assert await store.link_order("tokenAAAAAAAA1") == "1001"  # for unsubscribing
    assert await store.link_order("tokenZZZZZZZZ0") is None
    fresh = await store.issue_link("1001", "tokenBBBBBBBB2", LATER, expires_at=None)
    assert fresh.token == "tokenBBBBBBBB2"
    assert await store.resolve_link("tokenAAAAAAAA1", LATER) is None
    fresh_found = await store.resolve_link("tokenBBBBBBBB2", LATER)
    assert fresh_found is not None and fresh_found.order_number == "1001"


async def test_page_views_are_counted_per_shipment(store: Store) -> None:
    assert await store.link_views("1001") == {}
    await store.count_views("1001", ["1Z1", "1Z2"], NOW)
    await store.count_views("1001", ["1Z1", "1Z1"], LATER)  # one view counts once
    await store.count_views("1001", [], LATER)
    assert await store.link_views("1001") == {"1Z1": 2, "1Z2": 1}


async def test_bad_values_are_refused(store: Store) -> None:
    with pytest.raises(StoreValueError):
        await store.issue_link("1001", "", NOW, expires_at=None)
    with pytest.raises(StoreValueError):
        await store.issue_link("1001", "tokenAAAAAAAA1", NOW.replace(tzinfo=None), expires_at=None)


def test_live_is_a_pure_decision() -> None:
    link = TrackingLink("t", "1001", NOW, expires_at=LATER, revoked_at=None)
    assert link.live(NOW)
    assert not TrackingLink("t", "1001", NOW, revoked_at=NOW).live(NOW)


async def test_unsubscribed_addresses_stay_unsubscribed(store: Store) -> None:
    assert not await store.email_unsubscribed("ana@example.com")
    assert await store.unsubscribe_email(" Ana@Example.com ", NOW)
    assert not await store.unsubscribe_email("ana@example.com", LATER)
    assert await store.email_unsubscribed("ANA@example.com")
    assert not await store.email_unsubscribed("bob@example.com")
    with pytest.raises(StoreValueError):
        await store.unsubscribe_email("not an address", NOW)
