"""CSAT surveys in SQLite (schema: the csat migration; contract in `smsbot.store.csat`)."""

from __future__ import annotations

from datetime import datetime

from smsbot.errors import StoreValueError
from smsbot.store.csat import Survey
from smsbot.store.sqlite.connection import SqliteBase
from smsbot.store.times import parse_utc, utc_text


class CsatStore(SqliteBase):
    """`open_survey`, `pending_survey`, `answer_survey`."""

    async def open_survey(
        self, order_number: str, phone_key: str, sent_at: datetime, expires_at: datetime
    ) -> bool:
        if not order_number or not phone_key:
            raise StoreValueError("a survey needs an order number and a phone key")
        return bool(
            await self._change(
                "INSERT INTO csat_surveys (order_number, phone_key, sent_at, expires_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (order_number) DO NOTHING",
                (
                    order_number,
                    phone_key,
                    utc_text(sent_at, "sent_at"),
                    utc_text(expires_at, "expires_at"),
                ),
            )
        )

    async def pending_survey(self, phone_key: str, now: datetime) -> Survey | None:
        rows = await self._fetch(
            "SELECT order_number, phone_key, sent_at, expires_at FROM csat_surveys "
            "WHERE phone_key = ? AND score IS NULL AND expires_at > ? "
            "ORDER BY sent_at DESC LIMIT 1",
            (phone_key, utc_text(now, "now")),
        )
        if not rows:
            return None
        number, key, sent, expires = rows[0]
        return Survey(str(number), str(key), parse_utc(sent), parse_utc(expires))

    async def answer_survey(self, order_number: str, score: int, at: datetime) -> bool:
        if not 1 <= score <= 5:
            raise StoreValueError(f"a score is 1 to 5, not {score}")
        return bool(
            await self._change(
                "UPDATE csat_surveys SET score = ?, answered_at = ? "
                "WHERE order_number = ? AND score IS NULL",
                (score, utc_text(at, "at"), order_number),
            )
        )
