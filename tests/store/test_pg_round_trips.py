"""PostgreSQL: what a call costs in round trips, and a broken pooled connection.

A connection is not checked when taken from the pool; a call that finds its connection
dead (here: its server process terminated, as a server restart would) checks the pool and
runs again, unless that could repeat an effect. A write is pipelined: statements whose
results the work does not read travel with the next one it does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import psycopg
import pytest

from smsbot.store import Claim, Session
from smsbot.store.postgres import PostgresStore
from tests.pgtest import fresh_url
from tests.store.conftest import NOW
from tests.store.test_turns import KEY, end, start


@pytest.fixture
async def pg() -> AsyncIterator[PostgresStore]:
    store = await PostgresStore.open(fresh_url(), pool_size=3)
    try:
        yield store
    finally:
        await store.close()


def _drop_connections(store: PostgresStore, url: str) -> int:
    """Terminate, from outside the pool, the server processes of all its idle connections
    (as a server restart would); how many."""
    pool: Any = store._pool
    held = [pool.getconn() for _ in range(pool.get_stats()["pool_available"])]
    pids = [connection.info.backend_pid for connection in held]
    for connection in held:
        pool.putconn(connection)
    with psycopg.connect(url, autocommit=True) as killer:
        for pid in pids:
            killer.execute("SELECT pg_terminate_backend(%s)", (pid,))
    return len(pids)


async def test_a_read_on_dropped_connections_runs_again(pg: PostgresStore) -> None:
    await pg.open_turn(start("SM1"), NOW)
    await pg.close_turn(end("SM1", reply="Hi"))
    pool: Any = pg._pool
    url: str = pool.conninfo
    assert _drop_connections(pg, url) >= 1
    reply = await pg.message_reply("SM1")
    assert reply is not None and reply.reply == "Hi"
    assert pg.reconnects == 1  # and the pool checked: the next calls find live connections
    for _ in range(3):
        assert await pg.message_reply("SM1") == reply
    assert pg.reconnects == 1


async def test_a_write_on_a_dropped_connection_runs_again_once(pg: PostgresStore) -> None:
    pool: Any = pg._pool
    url: str = pool.conninfo
    assert _drop_connections(pg, url) >= 1
    first = await pg.open_turn(start("SMa"), NOW)
    assert first.claim is Claim.NEW
    assert pg.reconnects == 1
    again = await pg.open_turn(start("SMa"), NOW + timedelta(seconds=1))
    assert again.claim is Claim.IN_PROGRESS  # the re-run claimed it once


async def test_close_turn_is_one_round_trip_and_a_commit(
    pg: PostgresStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    await pg.open_turn(start("SM1"), NOW)
    syncs = 0
    real = psycopg.Pipeline.sync

    def sync(self: psycopg.Pipeline) -> None:
        nonlocal syncs
        syncs += 1
        real(self)

    monkeypatch.setattr(psycopg.Pipeline, "sync", sync)
    await pg.close_turn(
        end(
            "SM1",
            session=Session(language="es"),
            channel="sms",
            key=KEY,
            now=NOW,
            ttl_s=600,
            redact=True,
        )
    )
    monkeypatch.undo()
    assert syncs == 1  # the session, the redaction and the reply, read at once
    assert (await pg.session("sms", KEY, NOW)).language == "es"
