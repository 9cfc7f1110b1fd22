"""Outbox claims and outcomes in batches (the contract is `smsbot.store.outbox_batch`).

Each call is one trip to the worker and one IMMEDIATE transaction, begun and committed
inside it with nothing that can pause in between (issue 20). The claims run one
conditional UPDATE each, in order, inside that transaction, so a message claimed earlier
in the batch counts toward its recipient's daily cap for the next one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from functools import partial

from smsbot.store.outbox_batch import ClaimedBatch, OutboxClaim, OutboxHold, OutboxOutcome
from smsbot.store.records import OutboxState
from smsbot.store.sqlite.connection import SqliteBase, change, fetch_all
from smsbot.store.sqlite.outbox import (
    _OUTBOX_COLUMNS,
    CLAIM_UPDATE,
    _outbox_row,
    move_statement,
)
from smsbot.store.sqlite.sequencing import apply_early
from smsbot.store.times import utc_text

_WAITING = "state IN ('queued', 'deferred')"
_HOLD = f"""UPDATE outbox SET state = 'deferred', not_before = ?, defer_reason = ?,
    updated_at = ? WHERE id = ? AND {_WAITING}"""  # noqa: S608  # constant text
_SUPPRESS = f"""UPDATE outbox SET state = 'suppressed', updated_at = ?1
    WHERE id = ?2 AND {_WAITING} AND EXISTS (SELECT 1 FROM opt_outs AS x
        WHERE x.phone_key = outbox.phone_key AND x.opted_out = 1)"""  # noqa: S608
_COUNT = """SELECT count(*) >= ?4 FROM outbox AS o
    WHERE o.phone_key = (SELECT phone_key FROM outbox WHERE id = ?1)
    AND o.state IN ('sending', 'sent', 'delivered', 'undelivered')
    AND o.attempt_started_at >= ?2 AND o.attempt_started_at < ?3"""


def _claim(
    connection: sqlite3.Connection,
    claims: Sequence[OutboxClaim],
    holds: Sequence[tuple[object, ...]],
    now: str,
    lease: str,
    cap: int,
) -> ClaimedBatch:
    batch = ClaimedBatch()
    for values in holds:
        if change(connection, _SUPPRESS, (values[2], values[3])) == 1:
            batch.suppressed.append(int(str(values[3])))
        elif change(connection, _HOLD, values) == 1:
            batch.held.append(int(str(values[3])))
    taken: list[int] = []
    for claim in claims:
        start, end = utc_text(claim.day[0], "day start"), utc_text(claim.day[1], "day end")
        if change(connection, _SUPPRESS, (now, claim.message_id)) == 1:
            batch.suppressed.append(claim.message_id)
        elif change(connection, CLAIM_UPDATE, (now, lease, claim.message_id, start, end, cap)):
            taken.append(claim.message_id)
        elif fetch_all(connection, _COUNT, (claim.message_id, start, end, cap))[0][0]:
            until = utc_text(claim.over_cap_until, "over_cap_until")
            if change(connection, _HOLD, (until, "daily_cap", now, claim.message_id)) == 1:
                batch.over_cap.append(claim.message_id)
    if taken:
        marks = ", ".join("?" for _ in taken)
        rows = fetch_all(
            connection,
            f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE id IN ({marks}) ORDER BY id",  # noqa: S608
            taken,
        )
        order = {message_id: index for index, message_id in enumerate(taken)}
        batch.claimed.extend(sorted(map(_outbox_row, rows), key=lambda row: order[row.id]))
    return batch


def _finish(
    connection: sqlite3.Connection, outcomes: Sequence[OutboxOutcome], at: str
) -> list[int]:
    moved: list[int] = []
    for outcome in outcomes:
        sql, params = move_statement(
            outcome.message_id, (OutboxState.SENDING,), at, outcome.changes
        )
        if change(connection, sql, params) != 1:
            continue
        moved.append(outcome.message_id)
        sid = outcome.changes.get("sid")
        if isinstance(sid, str) and outcome.changes.get("state") == OutboxState.SENT:
            apply_early(connection, sid, at)  # callbacks that came before the SID was known
    return moved


class OutboxBatchSqlite(SqliteBase):
    """See `smsbot.store.outbox_batch.OutboxBatchStore`."""

    async def claim_outbox_batch(
        self,
        claims: Sequence[OutboxClaim],
        holds: Sequence[OutboxHold],
        *,
        now: datetime,
        lease_until: datetime,
        daily_cap: int,
    ) -> ClaimedBatch:
        now_text = utc_text(now, "now")
        hold_values = [
            (utc_text(hold.until, "until"), hold.reason, now_text, hold.message_id)
            for hold in holds
        ]
        if not claims and not hold_values:
            return ClaimedBatch()
        work = partial(
            _claim,
            claims=claims,
            holds=hold_values,
            now=now_text,
            lease=utc_text(lease_until, "lease_until"),
            cap=daily_cap,
        )
        return await self._run(work, write=True)

    async def finish_outbox_batch(
        self, outcomes: Sequence[OutboxOutcome], at: datetime
    ) -> list[int]:
        if not outcomes:
            return []
        return await self._run(
            partial(_finish, outcomes=outcomes, at=utc_text(at, "at")), write=True
        )
