"""The SQLite schema as numbered migrations: migration N brings a database to
`user_version` N.

Append new migrations; never edit or reorder one that has shipped (a database that ran it
would not run it again). Each migration is a tuple of statements run in one transaction.
"""

from __future__ import annotations

#: Migration 1: orders, shipments, the tracking cache, the message log and opt-outs (core).
V1: tuple[str, ...] = (
    """CREATE TABLE orders (
        id INTEGER PRIMARY KEY, number TEXT NOT NULL UNIQUE, phone TEXT, phone_key TEXT,
        email TEXT, postal_code TEXT, name TEXT, locale TEXT,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL)""",
    "CREATE INDEX orders_phone_key ON orders (phone_key)",
    """CREATE TABLE shipments (
        id INTEGER PRIMARY KEY,
        order_id INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
        carrier TEXT NOT NULL, tracking_number TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('outbound', 'return')), shipped_at TEXT,
        last_status TEXT, last_eta TEXT, last_event_at TEXT, checked_at TEXT,
        UNIQUE (order_id, carrier, tracking_number, kind))""",
    # Serves orders_for_tracking and the (carrier, number) update in save_tracking.
    "CREATE INDEX shipments_tracking ON shipments (tracking_number, carrier)",
    """CREATE TABLE tracking_cache (
        carrier TEXT NOT NULL, number TEXT NOT NULL, result_json TEXT NOT NULL,
        checked_at TEXT NOT NULL, PRIMARY KEY (carrier, number))""",
    """CREATE TABLE messages (
        sid TEXT PRIMARY KEY, channel TEXT NOT NULL, sender_masked TEXT NOT NULL,
        body TEXT NOT NULL, intent TEXT, reply TEXT, replied INTEGER NOT NULL DEFAULT 0,
        latency_ms REAL, received_at TEXT NOT NULL)""",
    "CREATE INDEX messages_received_at ON messages (received_at)",
    """CREATE TABLE opt_outs (
        phone_key TEXT PRIMARY KEY, channel TEXT NOT NULL, opted_out INTEGER NOT NULL,
        updated_at TEXT NOT NULL)""",
)

#: Migration 2: conversation state (sessions, verification, rate windows), and the
#: sender's key on the message log.
V2: tuple[str, ...] = (
    """CREATE TABLE sessions (
        channel TEXT NOT NULL, sender_key TEXT NOT NULL, language TEXT, menu TEXT,
        pending_order TEXT, last_order TEXT, expires_at TEXT NOT NULL, hint_at TEXT,
        PRIMARY KEY (channel, sender_key))""",
    """CREATE TABLE verify_attempts (
        sender_key TEXT PRIMARY KEY, attempts INTEGER NOT NULL, first_at TEXT NOT NULL,
        locked_until TEXT)""",
    """CREATE TABLE verified_orders (
        sender_key TEXT NOT NULL, order_number TEXT NOT NULL, expires_at TEXT NOT NULL,
        PRIMARY KEY (sender_key, order_number))""",
    """CREATE TABLE rate_windows (
        sender_key TEXT NOT NULL, kind TEXT NOT NULL, started_at TEXT NOT NULL,
        hits INTEGER NOT NULL, noticed INTEGER NOT NULL, PRIMARY KEY (sender_key, kind))""",
    # The message log keeps senders masked; escalations need "this sender's last messages".
    "ALTER TABLE messages ADD COLUMN phone_key TEXT",
    "CREATE INDEX messages_phone_key ON messages (phone_key, received_at)",
)

#: Migration 3: the outbox and merchant alerts.
V3: tuple[str, ...] = (
    """CREATE TABLE outbox (
        id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE,
        phone TEXT NOT NULL, phone_key TEXT NOT NULL,
        channel TEXT NOT NULL CHECK (channel IN ('sms', 'whatsapp')),
        body TEXT NOT NULL, order_number TEXT,
        state TEXT NOT NULL CHECK (state IN ('queued', 'deferred', 'sending', 'sent',
            'delivered', 'undelivered', 'failed', 'suppressed')),
        defer_reason TEXT, attempts INTEGER NOT NULL DEFAULT 0,
        not_before TEXT NOT NULL, lease_until TEXT, attempt_started_at TEXT,
        sid TEXT UNIQUE, twilio_status TEXT, status_rank INTEGER NOT NULL DEFAULT 0,
        error_code INTEGER, error_message TEXT,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL, sent_at TEXT)""",
    "CREATE INDEX outbox_due ON outbox (state, not_before)",
    "CREATE INDEX outbox_recipient ON outbox (phone_key, attempt_started_at)",
    """CREATE TABLE alerts (
        id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,
        order_number TEXT NOT NULL, carrier TEXT NOT NULL, tracking_number TEXT NOT NULL,
        status TEXT NOT NULL, phone_masked TEXT NOT NULL, detail TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'local')),
        attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at TEXT NOT NULL,
        last_error TEXT, created_at TEXT NOT NULL, delivered_at TEXT)""",
    "CREATE INDEX alerts_due ON alerts (state, next_attempt_at)",
)

#: Migration 4: the watcher's memory, beside `shipments` (never altered).
V4: tuple[str, ...] = (
    """CREATE TABLE watch_state (
        shipment_id INTEGER PRIMARY KEY REFERENCES shipments (id) ON DELETE CASCADE,
        next_check_at TEXT NOT NULL, closed INTEGER NOT NULL DEFAULT 0,
        failures INTEGER NOT NULL DEFAULT 0, last_error TEXT,
        first_scan_at TEXT, last_scan_at TEXT, updated_at TEXT NOT NULL)""",
    # "Which shipments are due?" for shipments the watcher has seen before.
    "CREATE INDEX watch_state_due ON watch_state (closed, next_check_at)",
    """CREATE TABLE watch_triggers (
        shipment_id INTEGER NOT NULL REFERENCES shipments (id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('scheduled', 'sent', 'absorbed', 'skipped')),
        due_at TEXT, done_at TEXT,
        PRIMARY KEY (shipment_id, kind))""",
    # Deferred triggers (the delivery check-in) that have come due.
    "CREATE INDEX watch_triggers_due ON watch_triggers (state, due_at)",
)

#: Migration 5: events out of order (issue 13): status callbacks that came before their
#: message's SID, retries of scheduled triggers, and the last hand-off to a person per sender.
V5: tuple[str, ...] = (
    """CREATE TABLE early_callbacks (
        id INTEGER PRIMARY KEY, sid TEXT NOT NULL, state TEXT NOT NULL,
        twilio_status TEXT NOT NULL, rank INTEGER NOT NULL, error_code INTEGER,
        received_at TEXT NOT NULL)""",
    "CREATE INDEX early_callbacks_sid ON early_callbacks (sid)",
    "CREATE INDEX early_callbacks_received ON early_callbacks (received_at)",
    "ALTER TABLE watch_triggers ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0",
    """CREATE TABLE handoff_cooldowns (
        sender_key TEXT PRIMARY KEY, handed_at TEXT NOT NULL)""",
    "CREATE INDEX handoff_cooldowns_handed_at ON handoff_cooldowns (handed_at)",
)

#: Migration 6 (issue 16): the shop webhook inbox, the shops' clock per resource, and order
#: cancellation, beside `orders` (never altered).
V6: tuple[str, ...] = (
    """CREATE TABLE inbox (
        id INTEGER PRIMARY KEY, source TEXT NOT NULL, event_id TEXT NOT NULL,
        topic TEXT NOT NULL, shop TEXT NOT NULL, body BLOB NOT NULL,
        received_at TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'ignored', 'flagged')),
        attempts INTEGER NOT NULL DEFAULT 0, note TEXT, finished_at TEXT,
        UNIQUE (source, event_id))""",
    "CREATE INDEX inbox_state ON inbox (state, id)",
    """CREATE TABLE source_versions (
        resource TEXT PRIMARY KEY, updated_at TEXT NOT NULL, tracking TEXT NOT NULL)""",
    """CREATE TABLE order_cancellations (
        order_id INTEGER PRIMARY KEY REFERENCES orders (id) ON DELETE CASCADE,
        cancelled_at TEXT NOT NULL)""",
)

#: Migration 7: tracking links and page views (issue 17).
V7: tuple[str, ...] = (
    """CREATE TABLE links (
        token TEXT PRIMARY KEY, order_number TEXT NOT NULL, created_at TEXT NOT NULL,
        expires_at TEXT, revoked_at TEXT)""",
    # At most one live (unrevoked) link per order, kept by the database itself.
    "CREATE UNIQUE INDEX links_live ON links (order_number) WHERE revoked_at IS NULL",
    """CREATE TABLE link_views (
        order_number TEXT NOT NULL, tracking_number TEXT NOT NULL,
        views INTEGER NOT NULL, last_at TEXT NOT NULL,
        PRIMARY KEY (order_number, tracking_number))""",
    # E-mail addresses that unsubscribed (List-Unsubscribe or the page): like STOP.
    """CREATE TABLE email_opt_outs (
        address TEXT PRIMARY KEY, opted_out_at TEXT NOT NULL)""",
)

#: Migration 8 (issue 18): escalations and their hand-offs, console users, and the first
#: ETA each shipment had (recorded by a trigger, so every writer of `last_eta` feeds it).
V8: tuple[str, ...] = (
    """CREATE TABLE escalations (
        id INTEGER PRIMARY KEY, created_at TEXT NOT NULL, channel TEXT NOT NULL,
        phone TEXT NOT NULL, phone_key TEXT NOT NULL, order_number TEXT,
        verified INTEGER NOT NULL, language TEXT NOT NULL, handled_at TEXT, handled_by TEXT)""",
    "CREATE INDEX escalations_open ON escalations (handled_at, created_at)",
    """CREATE TABLE handoffs (
        id INTEGER PRIMARY KEY,
        escalation_id INTEGER NOT NULL REFERENCES escalations (id) ON DELETE CASCADE,
        target TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
        attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at TEXT NOT NULL, last_error TEXT,
        external_ref TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
        UNIQUE (escalation_id, target))""",
    "CREATE INDEX handoffs_due ON handoffs (state, next_attempt_at)",
    """CREATE TABLE admin_users (
        name TEXT PRIMARY KEY, password_hash TEXT NOT NULL,
        failures INTEGER NOT NULL DEFAULT 0, locked_until TEXT,
        session_epoch INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL)""",
    """CREATE TABLE shipment_first_eta (
        shipment_id INTEGER PRIMARY KEY REFERENCES shipments (id) ON DELETE CASCADE,
        eta TEXT NOT NULL)""",
    """CREATE TRIGGER shipments_first_eta AFTER UPDATE OF last_eta ON shipments
        WHEN NEW.last_eta IS NOT NULL
        BEGIN INSERT OR IGNORE INTO shipment_first_eta VALUES (NEW.id, NEW.last_eta); END""",
    "CREATE INDEX messages_intent ON messages (intent, received_at)",
)

#: Migration 9: a claimed message's lease (issue 21): past it, a retry of the same MessageSid
#: takes the unfinished message over. NULL (claimed before this migration) counts as ended.
V9: tuple[str, ...] = ("ALTER TABLE messages ADD COLUMN lease_until TEXT",)

#: Migration 10: CSAT surveys (issue 18), one per order; the pending lookup is by sender.
V10: tuple[str, ...] = (
    """CREATE TABLE csat_surveys (
        order_number TEXT PRIMARY KEY, phone_key TEXT NOT NULL,
        sent_at TEXT NOT NULL, expires_at TEXT NOT NULL,
        score INTEGER CHECK (score BETWEEN 1 AND 5), answered_at TEXT)""",
    "CREATE INDEX csat_pending ON csat_surveys (phone_key, score, expires_at)",
    "CREATE INDEX csat_answered ON csat_surveys (answered_at)",
)

#: Migration 11 (issue 16): shop order ids -> our order numbers, and the inbox events that
#: wait for an order not seen yet (see `smsbot.store.shop_orders`).
V11: tuple[str, ...] = (
    """CREATE TABLE shop_orders (
        source TEXT NOT NULL, shop_order_id TEXT NOT NULL, number TEXT NOT NULL,
        PRIMARY KEY (source, shop_order_id))""",
    """CREATE TABLE inbox_waits (
        inbox_id INTEGER PRIMARY KEY REFERENCES inbox (id) ON DELETE CASCADE,
        source TEXT NOT NULL, shop_order_id TEXT NOT NULL)""",
    "CREATE INDEX inbox_waits_order ON inbox_waits (source, shop_order_id)",
    "CREATE INDEX inbox_finished ON inbox (state, finished_at)",
)

#: Migration 12 (issue 19): delivered shipments the ETA model learns from, one per carrier
#: and number, read in id order by the model's refresh; and the first window told per
#: shipment, checked against its delivery by the calibration report.
V12: tuple[str, ...] = (
    """CREATE TABLE eta_deliveries (
        id INTEGER PRIMARY KEY, carrier TEXT NOT NULL, tracking_number TEXT NOT NULL,
        order_number TEXT, service TEXT, origin TEXT, destination_country TEXT,
        destination_region TEXT, destination_postal_code TEXT, ordered_at TEXT,
        first_scan_at TEXT, delivered_at TEXT NOT NULL, carrier_eta TEXT,
        UNIQUE (carrier, tracking_number))""",
    """CREATE TABLE eta_told (
        id INTEGER PRIMARY KEY, order_number TEXT NOT NULL, carrier TEXT NOT NULL,
        tracking_number TEXT NOT NULL, stage TEXT NOT NULL, earliest TEXT NOT NULL,
        latest TEXT NOT NULL, low_days INTEGER NOT NULL, high_days INTEGER NOT NULL,
        rung TEXT NOT NULL, label TEXT NOT NULL, told_at TEXT NOT NULL,
        UNIQUE (order_number, carrier, tracking_number))""",
    "CREATE INDEX eta_told_at ON eta_told (told_at)",
)

#: Migration 13: each carrier's circuit breaker, shared by every process (issue 20); a row
#: exists while the carrier has failed since its last good answer.
V13: tuple[str, ...] = (
    """CREATE TABLE carrier_breakers (
        carrier TEXT PRIMARY KEY, failures INTEGER NOT NULL,
        open_until TEXT, probe_until TEXT, updated_at TEXT NOT NULL)""",
)

#: Migration 14: what MORE continues in a conversation (issue 14): JSON, NULL for nothing.
V14: tuple[str, ...] = ("ALTER TABLE sessions ADD COLUMN continuation TEXT",)

#: Migration 15 (issue 15): claims shared by many processes: which watcher checks an order
#: now (a lease), and each carrier's requests per hour, counted for every process at once.
V15: tuple[str, ...] = (
    """CREATE TABLE watch_claims (
        order_id INTEGER PRIMARY KEY, owner TEXT NOT NULL, lease_until TEXT NOT NULL)""",
    "CREATE INDEX watch_claims_lease ON watch_claims (lease_until)",
    """CREATE TABLE carrier_budgets (
        carrier TEXT NOT NULL, window_start TEXT NOT NULL, used INTEGER NOT NULL,
        PRIMARY KEY (carrier, window_start))""",
    # Reconciling looks for stale "sending" messages by lease.
    "CREATE INDEX outbox_lease ON outbox (state, lease_until)",
)

#: Every migration, in order: `MIGRATIONS[i]` brings a database to version i + 1.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    V1,
    V2,
    V3,
    V4,
    V5,
    V6,
    V7,
    V8,
    V9,
    V10,
    V11,
    V12,
    V13,
    V14,
    V15,
)
