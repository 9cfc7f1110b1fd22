"""ETA history in SQLite (schema: the eta migration; contract in `smsbot.store.eta`).

Plain work functions over a connection, so the PostgreSQL backend runs the same SQL.
`capture_delivery` runs inside `save_tracking`'s transaction: every writer of a delivered
result (replies, the watcher, carrier pushes) feeds the history without knowing of it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from smsbot.errors import StoreValueError
from smsbot.results import Event, Status, TrackingResult
from smsbot.store.eta import Delivery, HandlingCounts, ToldOutcome, ToldWindow
from smsbot.store.sqlite.connection import SqliteBase, change, change_many, fetch_one
from smsbot.store.times import parse_utc, time_or_none, utc_or_none, utc_text

_COLUMNS = (
    "carrier, tracking_number, order_number, service, origin, destination_country, "
    "destination_region, destination_postal_code, ordered_at, first_scan_at, delivered_at, "
    "carrier_eta"
)
_INSERT = (
    f"INSERT INTO eta_deliveries ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "  # noqa: S608
    "ON CONFLICT (carrier, tracking_number) DO NOTHING"
)
#: Statuses that are not yet a carrier scan (the label exists, nothing was handed over).
_NOT_SCANNED = frozenset({Status.PENDING, Status.LABEL_CREATED})


def delivery_row(delivery: Delivery) -> tuple[Any, ...]:
    """The parameters of `_INSERT`; StoreValueError for what the store cannot keep."""
    if not delivery.carrier or not delivery.tracking_number:
        raise StoreValueError("a delivery needs a carrier and a tracking number")
    return (
        delivery.carrier,
        delivery.tracking_number,
        delivery.order_number,
        delivery.service,
        _upper(delivery.origin),
        _upper(delivery.destination_country),
        _upper(delivery.destination_region),
        delivery.destination_postal_code,
        utc_or_none(delivery.ordered_at, "ordered_at"),
        utc_or_none(delivery.first_scan_at, "first_scan_at"),
        utc_text(delivery.delivered_at, "delivered_at"),
        None if delivery.carrier_eta is None else delivery.carrier_eta.isoformat(),
    )


def _upper(text: str | None) -> str | None:
    return text.strip().upper() or None if text else None


def region_of(country: str | None, state: str | None) -> str | None:
    """ "US-CA" from a country and a state; the country alone without a state; None
    without a country (a state alone is ambiguous across countries)."""
    if not country:
        return None
    country = country.strip().upper()
    return f"{country}-{state.strip().upper()}" if state and state.strip() else country


def _first_scan(events: Sequence[Event]) -> Event | None:
    scans = [event for event in events if event.status not in _NOT_SCANNED]
    return min(scans, key=lambda event: utc_text(event.time, "event", naive_ok=True), default=None)


def capture_delivery(connection: sqlite3.Connection, result: TrackingResult) -> None:
    """Keep a delivered `result` as history for the outbound shipment it belongs to (the
    first one stored with its carrier and number); nothing for another status, an unknown
    shipment, or one already kept."""
    if result.status is not Status.DELIVERED:
        return
    last = result.last_event
    delivered = result.delivered_at or (None if last is None else last.time)
    if delivered is None:
        return
    scan = _first_scan(result.events)
    place = last if last is not None and last.status is Status.DELIVERED else None
    params = (
        None if scan is None else region_of(scan.country, scan.state),
        None if place is None or not place.country else place.country.strip().upper(),
        None if place is None else region_of(place.country, place.state),
        None if place is None else place.postal_code,
        None if scan is None else utc_text(scan.time, "first scan", naive_ok=True),
        utc_text(delivered, "delivered_at", naive_ok=True),
        result.carrier,
        result.number,
    )
    change(
        connection,
        f"""INSERT INTO eta_deliveries ({_COLUMNS})
            SELECT s.carrier, s.tracking_number, o.number, NULL, ?, ?, ?,
                   coalesce(?, o.postal_code), o.created_at, coalesce(?, s.shipped_at), ?, f.eta
            FROM shipments AS s JOIN orders AS o ON o.id = s.order_id
            LEFT JOIN shipment_first_eta AS f ON f.shipment_id = s.id
            WHERE s.carrier = ? AND s.tracking_number = ? AND s.kind = 'outbound'
            ORDER BY s.id LIMIT 1
            ON CONFLICT (carrier, tracking_number) DO NOTHING""",  # noqa: S608
        params,
    )


def _utc(text: str) -> datetime:
    # `utc_text` wrote it with "+00:00": already aware UTC (a refresh reads 200k rows).
    return datetime.fromisoformat(text)


def _delivery(row: Sequence[Any]) -> Delivery:
    (carrier, number, order, service, origin, country, region, postal) = row[:8]
    ordered, scanned, delivered, eta = row[8:12]
    return Delivery(
        carrier=carrier,
        tracking_number=number,
        order_number=order,
        service=service,
        origin=origin,
        destination_country=country,
        destination_region=region,
        destination_postal_code=postal,
        ordered_at=None if ordered is None else _utc(ordered),
        first_scan_at=None if scanned is None else _utc(scanned),
        delivered_at=_utc(delivered),
        carrier_eta=None if eta is None else date.fromisoformat(eta[:10]),
    )


def _handling_counts(
    connection: sqlite3.Connection, now: str, since: str, opened: str
) -> HandlingCounts:
    waiting = fetch_one(
        connection,
        """SELECT count(*) FROM orders AS o
           WHERE o.created_at >= ? AND o.created_at <= ?
             AND NOT EXISTS (SELECT 1 FROM shipments AS s
                             WHERE s.order_id = o.id AND s.kind = 'outbound')
             AND NOT EXISTS (SELECT 1 FROM order_cancellations AS c WHERE c.order_id = o.id)""",
        (opened, now),
    )
    fulfilled = fetch_one(
        connection,
        """SELECT count(*) FROM (
               SELECT min(coalesce(s.shipped_at, o.created_at)) AS first_at
               FROM orders AS o JOIN shipments AS s ON s.order_id = o.id
               WHERE s.kind = 'outbound' GROUP BY o.id) AS f
           WHERE f.first_at >= ? AND f.first_at <= ?""",
        (since, now),
    )
    return HandlingCounts(int(waiting[0]), int(fulfilled[0]))


class EtaStore(SqliteBase):
    """`record_delivery`, `import_deliveries`, `deliveries`, `record_told`, `told_outcomes`,
    `handling_counts`."""

    async def record_delivery(self, delivery: Delivery) -> bool:
        return await self._change(_INSERT, delivery_row(delivery)) == 1

    async def import_deliveries(self, deliveries: Sequence[Delivery]) -> int:
        rows = [delivery_row(delivery) for delivery in deliveries]

        def work(connection: sqlite3.Connection) -> int:
            before = int(fetch_one(connection, "SELECT count(*) FROM eta_deliveries")[0])
            change_many(connection, _INSERT, rows)
            return int(fetch_one(connection, "SELECT count(*) FROM eta_deliveries")[0]) - before

        return await self._run(work, write=True)

    async def deliveries(
        self, after_id: int = 0, limit: int = 50_000, *, since: datetime | None = None
    ) -> list[tuple[int, Delivery]]:
        start = "" if since is None else utc_text(since, "since")
        rows = await self._fetch(
            f"SELECT id, {_COLUMNS} FROM eta_deliveries "  # noqa: S608
            "WHERE id > ? AND delivered_at >= ? ORDER BY id LIMIT ?",
            (after_id, start, max(limit, 0)),
        )
        return [(int(row[0]), _delivery(row[1:])) for row in rows]

    async def record_told(
        self,
        order_number: str,
        carrier: str,
        tracking_number: str,
        estimate: ToldWindow,
        told_at: datetime,
    ) -> bool:
        if not order_number or not carrier or not tracking_number:
            raise StoreValueError("a told window needs an order, a carrier and a number")
        low, high = estimate.business_days
        values = (
            order_number,
            carrier,
            tracking_number,
            str(estimate.stage),
            estimate.earliest.isoformat(),
            estimate.latest.isoformat(),
            int(low),
            int(high),
            str(estimate.basis.rung),
            estimate.basis.label,
            utc_text(told_at, "told_at"),
        )
        return (
            await self._change(
                """INSERT INTO eta_told (order_number, carrier, tracking_number, stage,
                       earliest, latest, low_days, high_days, rung, label, told_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (order_number, carrier, tracking_number) DO NOTHING""",
                values,
            )
            == 1
        )

    async def told_outcomes(self, since: datetime | None = None) -> list[ToldOutcome]:
        start = "" if since is None else utc_text(since, "since")
        rows = await self._fetch(
            """SELECT t.order_number, t.carrier, t.tracking_number, t.stage, t.earliest,
                      t.latest, t.low_days, t.high_days, t.rung, t.label, t.told_at,
                      d.delivered_at, d.destination_country, d.destination_postal_code
               FROM eta_told AS t LEFT JOIN eta_deliveries AS d
                    ON d.carrier = t.carrier AND d.tracking_number = t.tracking_number
               WHERE t.told_at >= ? ORDER BY t.told_at, t.id""",
            (start,),
        )
        return [
            ToldOutcome(
                order_number=row[0],
                carrier=row[1],
                tracking_number=row[2],
                stage=row[3],
                earliest=date.fromisoformat(row[4]),
                latest=date.fromisoformat(row[5]),
                business_days=(int(row[6]), int(row[7])),
                rung=row[8],
                label=row[9],
                told_at=parse_utc(row[10]),
                delivered_at=time_or_none(row[11]),
                destination_country=row[12],
                destination_postal_code=row[13],
            )
            for row in rows
        ]

    async def handling_counts(
        self, now: datetime, *, since: datetime, open_days: int
    ) -> HandlingCounts:
        stamps = (
            utc_text(now, "now"),
            utc_text(since, "since"),
            utc_text(now - timedelta(days=max(open_days, 0)), "now"),
        )
        return await self._run(lambda connection: _handling_counts(connection, *stamps))
