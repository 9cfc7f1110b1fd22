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
    store = await PostgresStore.open(fresh_url(), pool_size=2)
    try:
        yield store
    finally:
        await store.close()


def _terminate_idle(store: PostgresStore) -> int:
    """Terminate the server processes of the store's idle pooled connections."""
    pool: Any = store._pool  # the test reaches under the store on purpose
    pids = []
    for _ in range(pool.get_stats().get("pool_available", 0)):
        connection = pool.getconn()
        pids.append(connection.info.backend_pid)
        pool.putconn(connection)
    killer = pool.getconn()
    try:
        killer.execute("SELECT 1")  # it is one of them: terminated last, by another
        for pid in pids:
            if pid != killer.info.backend_pid:
                killer.execute("SELECT pg_terminate_backend(%s)", (pid,))
    finally:
        pool.putconn(killer)
    return len(pids)


async def test_a_read_after_the_server_dropped_the_connections_runs_again(
    pg: PostgresStore,
) -> None:
    await pg.open_turn(start("SM1"), NOW)
    _terminate_idle(pg)
    before = pg.reconnects
    for _ in range(3):  # whichever connection each call gets
        assert await pg.message_reply("SM1") is not None
    assert pg.reconnects >= before


async def test_a_write_on_a_dropped_connection_runs_again_once(pg: PostgresStore) -> None:
    pool: Any = pg._pool
    connection = pool.getconn()
    other = pool.getconn()
    try:
        other.execute("SELECT pg_terminate_backend(%s)", (connection.info.backend_pid,))
    finally:
        pool.putconn(other)
        pool.putconn(connection)
    # The dead connection is taken first or second: both calls succeed, each claim once.
    first = await pg.open_turn(start("SMa"), NOW)
    second = await pg.open_turn(start("SMb"), NOW)
    assert (first.claim, second.claim) == (Claim.NEW, Claim.NEW)
    assert pg.reconnects == 1
    again = await pg.open_turn(start("SMa"), NOW + timedelta(seconds=1))
    assert again.claim is Claim.IN_PROGRESS  # not claimed twice by the re-run


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
