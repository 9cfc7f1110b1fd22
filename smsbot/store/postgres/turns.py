"""The message path on PostgreSQL at READ COMMITTED: `open_turn` and `close_turn`.

They run the SQLite mixin's own work functions (`store.sqlite.turns`), in one transaction
each as there, but at READ COMMITTED instead of the other writes' SERIALIZABLE: those abort
and retry on conflicts (and on false ones: predicate locks cover index pages, so two
senders' unrelated turns could abort each other), which the message path needs nowhere.
Every invariant it keeps is held by one statement, which PostgreSQL runs atomically at any
level (a unique key waits for a concurrent insert of the same key to end; an UPDATE or an
upsert's DO UPDATE locks the row and re-checks its condition on the latest version):

- the MessageSid guard: `INSERT ... ON CONFLICT (sid) DO NOTHING` on the primary key; of
  two processes given the same MessageSid one inserts, the other waits for it, inserts
  nothing and reads the committed row (READ COMMITTED reads see what committed before
  the statement began);
- the takeover of an unfinished message: one conditional UPDATE (`replied = 0` and the
  lease run out): of two takers, the second re-checks the lease the first just set;
- the rate windows (messages, lookups): one upsert per hit that computes the count from
  the row it locked (`sqlite.conversation.hit_window`), so no hit is lost or counted twice;
- the opt-out, the session and the message's reply: single-row upserts and updates where
  the last writer wins, as behind SQLite's single writer. (A session was never read and
  written in one transaction: open_turn reads it, close_turn writes it.)

The reads between them (the session, the lock-out, the order, its verification and cached
tracking) are each a fact on their own: a read seeing a row committed a moment after the
previous read is what SQLite's next turn would have seen anyway.

Everything else stays SERIALIZABLE (`postgres.base`): the daily cap in outbox claims (one
UPDATE whose condition counts other rows, which READ COMMITTED would not re-check), the
sequencing, inbox and watch claims, budgets.
"""

from __future__ import annotations

from datetime import datetime

from psycopg import IsolationLevel

from smsbot.store.postgres.base import isolation
from smsbot.store.sqlite.turns import TurnStore
from smsbot.store.turns import TurnEnd, TurnOpening, TurnStart


class PgTurnStore(TurnStore):
    """`TurnStore` whose two transactions run at READ COMMITTED on PostgreSQL."""

    async def open_turn(self, start: TurnStart, now: datetime) -> TurnOpening:
        """See `smsbot.store.turns.TurnStore.open_turn`."""
        with isolation(IsolationLevel.READ_COMMITTED):
            return await super().open_turn(start, now)

    async def close_turn(self, end: TurnEnd) -> None:
        """See `smsbot.store.turns.TurnStore.close_turn`."""
        with isolation(IsolationLevel.READ_COMMITTED):
            await super().close_turn(end)
