"""KPIs and scrape-time gauges from SQLite (read-only; definitions in `smsbot.store.kpis`).

Counting happens in SQL where it is a plain count; the 48-hour follow-ups are matched in
Python over the period's notices and texts (bounded by the period), which keeps the SQL
portable and the rule in one readable place.
"""

from __future__ import annotations

import sqlite3
from bisect import bisect_right
from collections import defaultdict
from dataclasses import replace
from datetime import datetime

from smsbot.store.kpis import (
    ALERT_KINDS,
    FOLLOW_UP,
    NOT_WISMO,
    CarrierKpi,
    Kpis,
    NoticeKpi,
    OpsSnapshot,
    nearest_rank,
)
from smsbot.store.records import WAITING, OutboxMessage
from smsbot.store.sqlite.connection import SqliteBase, fetch_all, fetch_one
from smsbot.store.sqlite.outbox import _OUTBOX_COLUMNS, _outbox_row
from smsbot.store.times import parse_utc, utc_text

_NOT_WISMO = ", ".join(f"'{intent}'" for intent in NOT_WISMO)  # constants, not input
_ALERTS = ", ".join(f"'{kind}'" for kind in ALERT_KINDS)
_WAITING = ", ".join(f"'{state.value}'" for state in WAITING)


class KpiStore(SqliteBase):
    """`kpis(start, end)` and `ops_snapshot(now)`."""

    async def kpis(self, start: datetime, end: datetime) -> Kpis:
        """The KPIs of [start, end) as `smsbot.store.kpis` defines them."""
        period = (utc_text(start, "start"), utc_text(end, "end"))
        # Texts up to FOLLOW_UP after the period still answer "did they text after a notice".
        late_end = utc_text(end + FOLLOW_UP, "end")

        def work(connection: sqlite3.Connection) -> Kpis:
            shipped = fetch_one(
                connection,
                """SELECT count(DISTINCT order_id) FROM shipments
                   WHERE kind = 'outbound' AND shipped_at >= ? AND shipped_at < ?""",
                period,
            )[0]
            texts = fetch_all(
                connection,
                f"""SELECT phone_key, intent, latency_ms, received_at FROM messages
                    WHERE received_at >= ? AND received_at < ? AND intent IS NOT NULL
                      AND intent NOT IN ({_NOT_WISMO})""",  # noqa: S608  # constants
                period,
            )
            notices = fetch_all(
                connection,
                f"""SELECT t.kind, o.phone_key, t.done_at FROM watch_triggers AS t
                    JOIN shipments AS s ON s.id = t.shipment_id
                    JOIN orders AS o ON o.id = s.order_id
                    WHERE t.state = 'sent' AND t.done_at >= ? AND t.done_at < ?
                      AND t.kind NOT IN ({_ALERTS})""",  # noqa: S608  # constants
                period,
            )
            later = fetch_all(
                connection,
                """SELECT phone_key, intent, received_at FROM messages
                   WHERE received_at >= ? AND received_at < ? AND phone_key IS NOT NULL""",
                (period[0], late_end),
            )
            carriers = fetch_all(
                connection,
                """SELECT s.carrier, count(*),
                          sum(CASE WHEN s.last_status = 'delivered' THEN 1 ELSE 0 END),
                          sum(CASE WHEN s.last_status = 'delivered' AND f.eta IS NOT NULL
                              THEN 1 ELSE 0 END),
                          sum(CASE WHEN s.last_status = 'delivered' AND f.eta IS NOT NULL
                              AND substr(s.last_event_at, 1, 10) > substr(f.eta, 1, 10)
                              THEN 1 ELSE 0 END),
                          sum(CASE WHEN s.last_status IN ('exception', 'returning') OR EXISTS (
                              SELECT 1 FROM watch_triggers AS t
                              WHERE t.shipment_id = s.id AND t.kind = 'exception')
                              THEN 1 ELSE 0 END)
                   FROM shipments AS s LEFT JOIN shipment_first_eta AS f ON f.shipment_id = s.id
                   WHERE s.kind = 'outbound' AND s.shipped_at >= ? AND s.shipped_at < ?
                   GROUP BY s.carrier ORDER BY s.carrier""",
                period,
            )
            views = fetch_one(
                connection,
                """SELECT count(*), coalesce(sum(CASE WHEN v.views > 0 THEN 1 ELSE 0 END), 0),
                          coalesce(sum(v.views), 0)
                   FROM shipments AS s JOIN orders AS o ON o.id = s.order_id
                   LEFT JOIN link_views AS v
                     ON v.order_number = o.number AND v.tracking_number = s.tracking_number
                   WHERE s.kind = 'outbound' AND s.shipped_at >= ? AND s.shipped_at < ?""",
                period,
            )
            csat_sent = fetch_one(
                connection,
                "SELECT count(*) FROM csat_surveys WHERE sent_at >= ? AND sent_at < ?",
                period,
            )[0]
            answers = fetch_one(
                connection,
                """SELECT count(*), coalesce(sum(score), 0),
                          coalesce(sum(CASE WHEN score >= 4 THEN 1 ELSE 0 END), 0)
                   FROM csat_surveys WHERE answered_at >= ? AND answered_at < ?""",
                period,
            )
            found = _kpis(start, end, int(shipped), texts, notices, later, carriers)
            return replace(
                found,
                shipments=views[0],
                viewed_shipments=views[1],
                page_views=views[2],
                csat_sent=csat_sent,
                csat_answers=answers[0],
                csat_score_sum=answers[1],
                csat_satisfied=answers[2],
            )

        return await self._run(work)

    async def order_notices(self, order_number: str, limit: int = 50) -> list[OutboxMessage]:
        """The outbox messages about one order, newest first."""
        rows = await self._fetch(
            f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE order_number = ? "  # noqa: S608
            "ORDER BY created_at DESC, id DESC LIMIT ?",
            (order_number, limit),
        )
        return [_outbox_row(row) for row in rows]

    async def ops_snapshot(self, now: datetime) -> OpsSnapshot:
        """Outbox by state, depth and oldest waiting age, open escalations, dead hand-offs."""

        def work(connection: sqlite3.Connection) -> OpsSnapshot:
            states = fetch_all(connection, "SELECT state, count(*) FROM outbox GROUP BY state", ())
            waiting_sql = f"SELECT min(created_at) FROM outbox WHERE state IN ({_WAITING})"  # noqa: S608
            oldest = fetch_one(connection, waiting_sql)[0]
            open_count = fetch_one(
                connection, "SELECT count(*) FROM escalations WHERE handled_at IS NULL"
            )[0]
            dead = fetch_one(connection, "SELECT count(*) FROM handoffs WHERE state = 'dead'")[0]
            by_state = {str(state): int(count) for state, count in states}
            waiting = sum(by_state.get(state.value, 0) for state in WAITING)
            age = 0.0 if oldest is None else max(0.0, (now - parse_utc(oldest)).total_seconds())
            return OpsSnapshot(by_state, waiting, age, int(open_count), int(dead))

        return await self._run(work)


def _kpis(
    start: datetime,
    end: datetime,
    shipped: int,
    texts: list[tuple[str | None, str, float | None, str]],
    notices: list[tuple[str, str | None, str]],
    later: list[tuple[str | None, str | None, str]],
    carriers: list[tuple[str, int, int | None, int | None, int | None, int | None]],
) -> Kpis:
    senders = {key for key, _, _, _ in texts if key}
    escalated = {key for key, intent, _, _ in texts if key and intent == "escalation"}
    latencies = [ms / 1000 for _, _, ms, _ in texts if ms is not None]
    daily: dict[str, int] = defaultdict(int)
    for *_, received in texts:
        daily[received[:10]] += 1
    # Per phone: the times of their texts (any intent), and of their AGENT requests, sorted.
    texted: dict[str, list[datetime]] = defaultdict(list)
    agents: dict[str, list[datetime]] = defaultdict(list)
    for key, intent, received in sorted(later, key=lambda row: row[2]):
        if key is None:
            continue
        texted[key].append(parse_utc(received))
        if intent == "escalation":
            agents[key].append(parse_utc(received))
    by_kind: dict[str, list[tuple[str | None, datetime]]] = defaultdict(list)
    for kind, key, done in notices:
        by_kind[kind].append((key, parse_utc(done)))
    notice_kpis = []
    stall = (0, 0, 0)
    for kind, sent in sorted(by_kind.items()):
        customers = {key for key, _ in sent if key}
        after = {key for key, at in sent if key and _within(texted.get(key, []), at)}
        notice_kpis.append(NoticeKpi(kind, len(sent), len(customers), len(after)))
        if kind == "stalled":
            asked = {key for key, at in sent if key and _within(agents.get(key, []), at)}
            stall = (len(sent), len(customers), len(asked))
    return Kpis(
        start=start,
        end=end,
        orders_shipped=shipped,
        wismo_texts=len(texts),
        conversations=len(senders),
        escalated=len(escalated),
        answer_p50_s=nearest_rank(latencies, 50),
        answer_p95_s=nearest_rank(latencies, 95),
        notices=tuple(notice_kpis),
        stall_apologies=stall[0],
        stall_customers=stall[1],
        stall_followed_by_agent=stall[2],
        carriers=tuple(
            CarrierKpi(name, int(n), int(d or 0), int(late or 0), int(eta or 0), int(exc or 0))
            for name, n, d, eta, late, exc in carriers
        ),
        daily_texts=tuple(sorted(daily.items())),
    )


def _within(times: list[datetime], after: datetime) -> bool:
    """Whether one of the sorted `times` falls in (after, after + FOLLOW_UP]."""
    index = bisect_right(times, after)
    return index < len(times) and times[index] <= after + FOLLOW_UP
