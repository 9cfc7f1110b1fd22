"""The store contract: what MORE continues (`Session.more`) is kept with the session, by
both ways of saving one, and expires with it (issue 14)."""

from __future__ import annotations

from datetime import timedelta

from smsbot.store import Continuation, Session, Store
from tests.store.conftest import NOW
from tests.store.test_turns import KEY, end, start


async def test_a_cut_reply_is_remembered_by_save_session(store: Store) -> None:
    more = Continuation(orders=("1001", "1002"), package_at=9)
    saved = Session(last_order="1001", more=more)

    await store.save_session("sms", KEY, saved, NOW, ttl_s=600)

    assert (await store.session("sms", KEY, NOW)).more == more
    assert (await store.session("sms", KEY, NOW + timedelta(seconds=600))).more == Continuation()


async def test_a_cut_menu_is_remembered_by_close_turn_and_cleared_again(store: Store) -> None:
    await store.open_turn(start(), NOW)
    menu = Session(menu=tuple(str(n) for n in range(30)), more=Continuation(menu_at=8))
    await store.close_turn(end(session=menu, channel="sms", key=KEY, now=NOW, ttl_s=600))
    assert await store.session("sms", KEY, NOW) == menu

    await store.close_turn(end("", session=Session(), channel="sms", key=KEY, now=NOW, ttl_s=600))
    assert not (await store.session("sms", KEY, NOW)).more
