"""The SQLite backend: one database file (or `:memory:`), one connection, one worker thread.

`SqliteStore` implements `smsbot.store.api.Store`; open it with `await SqliteStore.open(path)`
(it migrates, see `migrations`), or through `smsbot.store.open_store(url)`.
"""

from __future__ import annotations

from smsbot.store.sqlite.breakers import BreakerSqlite
from smsbot.store.sqlite.claims import ClaimStore
from smsbot.store.sqlite.conversation import ConversationStore
from smsbot.store.sqlite.core import CoreStore
from smsbot.store.sqlite.csat import CsatStore
from smsbot.store.sqlite.escalations import EscalationStore
from smsbot.store.sqlite.eta import EtaStore
from smsbot.store.sqlite.inbox import InboxStore
from smsbot.store.sqlite.kpis import KpiStore
from smsbot.store.sqlite.links import LinkStore
from smsbot.store.sqlite.migrations import MIGRATIONS
from smsbot.store.sqlite.outbox import OutboxStore
from smsbot.store.sqlite.outbox_batch import OutboxBatchSqlite
from smsbot.store.sqlite.sequencing import SequencingStore
from smsbot.store.sqlite.shop_orders import ShopOrderStore
from smsbot.store.sqlite.turns import TurnStore
from smsbot.store.sqlite.watch import WatchStore

__all__ = ["MIGRATIONS", "SqliteStore"]


class SqliteStore(
    ShopOrderStore,
    EtaStore,
    BreakerSqlite,
    ClaimStore,
    OutboxBatchSqlite,
    CsatStore,
    TurnStore,
    KpiStore,
    EscalationStore,
    LinkStore,
    InboxStore,
    SequencingStore,
    WatchStore,
    OutboxStore,
    ConversationStore,
    CoreStore,
):
    """The SQLite store: the concern mixins over one `SqliteBase`."""
