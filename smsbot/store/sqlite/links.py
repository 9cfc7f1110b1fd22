"""Tracking links and page views (schema: the links migration).

`links` holds every token ever issued (revoked ones stay, so an old token never comes back);
`link_views` one counter per order and tracking number.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime

from smsbot.errors import StoreValueError
from smsbot.store.links import TrackingLink
from smsbot.store.sqlite.connection import SqliteBase, change, change_many, fetch_all, fetch_one
from smsbot.store.times import parse_utc, time_or_none, utc_or_none, utc_text

_LIVE = "SELECT token, order_number, created_at, expires_at, revoked_at FROM links"


class LinkStore(SqliteBase):
    """Issue, resolve, expire and revoke links; count page views."""

    async def issue_link(
        self, order_number: str, token: str, now: datetime, *, expires_at: datetime | None
    ) -> TrackingLink:
        if not token or not order_number:
            raise StoreValueError("a link needs a token and an order number")
        at, until = utc_text(now, "now"), utc_or_none(expires_at, "expires_at")

        def work(connection: sqlite3.Connection) -> TrackingLink:
            row = fetch_one(
                connection,
                f"{_LIVE} WHERE order_number = ? AND revoked_at IS NULL",
                (order_number,),
            )
            if row is None:
                change(
                    connection,
                    "INSERT INTO links (token, order_number, created_at, expires_at) "
                    "VALUES (?, ?, ?, ?)",
                    (token, order_number, at, until),
                )
                return TrackingLink(token, order_number, now, expires_at)
            if row[3] != until:
                change(
                    connection, "UPDATE links SET expires_at = ? WHERE token = ?", (until, row[0])
                )
            return TrackingLink(row[0], order_number, parse_utc(row[2]), expires_at)

        return await self._run(work, write=True)

    async def resolve_link(self, token: str, now: datetime) -> TrackingLink | None:
        rows = await self._fetch(
            f"{_LIVE} WHERE token = ? AND revoked_at IS NULL "
            "AND (expires_at IS NULL OR expires_at > ?)",
            (token, utc_text(now, "now")),
        )
        if not rows:
            return None
        token, number, created, expires, _ = rows[0]
        return TrackingLink(token, number, parse_utc(created), time_or_none(expires))

    async def expire_link(self, token: str, expires_at: datetime | None) -> None:
        until = utc_or_none(expires_at, "expires_at")
        await self._change("UPDATE links SET expires_at = ? WHERE token = ?", (until, token))

    async def revoke_links(self, order_number: str, now: datetime) -> int:
        return await self._change(
            "UPDATE links SET revoked_at = ? WHERE order_number = ? AND revoked_at IS NULL",
            (utc_text(now, "now"), order_number),
        )

    async def count_views(
        self, order_number: str, tracking_numbers: Sequence[str], now: datetime
    ) -> None:
        at = utc_text(now, "now")
        rows = [(order_number, number, at) for number in dict.fromkeys(tracking_numbers)]
        if not rows:
            return

        def work(connection: sqlite3.Connection) -> None:
            change_many(
                connection,
                "INSERT INTO link_views (order_number, tracking_number, views, last_at) "
                "VALUES (?, ?, 1, ?) ON CONFLICT (order_number, tracking_number) "
                "DO UPDATE SET views = link_views.views + 1, last_at = excluded.last_at",
                rows,
            )

        await self._run(work, write=True)

    async def link_views(self, order_number: str) -> dict[str, int]:
        rows = await self._run(
            lambda connection: fetch_all(
                connection,
                "SELECT tracking_number, views FROM link_views WHERE order_number = ? "
                "ORDER BY tracking_number",
                (order_number,),
            )
        )
        return {str(number): int(views) for number, views in rows}

    async def link_order(self, token: str) -> str | None:
        rows = await self._fetch("SELECT order_number FROM links WHERE token = ?", (token,))
        return str(rows[0][0]) if rows else None

    async def unsubscribe_email(self, address: str, at: datetime) -> bool:
        return bool(
            await self._change(
                "INSERT INTO email_opt_outs (address, opted_out_at) VALUES (?, ?) "
                "ON CONFLICT (address) DO NOTHING",
                (_address(address), utc_text(at, "at")),
            )
        )

    async def email_unsubscribed(self, address: str) -> bool:
        rows = await self._fetch(
            "SELECT 1 FROM email_opt_outs WHERE address = ?", (_address(address),)
        )
        return bool(rows)


def _address(address: str) -> str:
    cleaned = address.strip().lower()
    if "@" not in cleaned:
        raise StoreValueError("not an e-mail address")
    return cleaned
