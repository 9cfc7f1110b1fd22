"""A reply to the CSAT survey (issue 18): a lone 1-5 from a sender with a pending survey.

Only a text that is exactly one digit 1-5 costs a store read (`pending_survey`); every other
text, and every text while `[csat] enabled = false`, goes its usual way with no extra trip.
With no pending survey the digit is read as before (an order number, a menu choice). A
score at or below `csat.low_score` is kept as a merchant alert: the alerts sender delivers
it to `alerts.webhook_url` (or it waits for `smsbot alerts`), like the watcher's.
"""

from __future__ import annotations

import logging

from smsbot.config import Settings
from smsbot.dialog.session import Reply, Turn
from smsbot.phones import mask
from smsbot.store import AlertState, Store
from smsbot.wording.context import say

log = logging.getLogger("smsbot.dialog")

SCORES = frozenset("12345")
#: The intent a survey answer is logged under (not a WISMO text: see store.kpis NOT_WISMO).
INTENT = "csat"


class SurveyAnswers:
    """Records survey answers; built only when the survey is on."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self._settings = settings
        self._store = store

    async def answer(self, turn: Turn) -> Reply | None:
        """The thanks for a survey answer, recorded; None when `turn` is not one."""
        body = turn.message.body.strip()
        if body not in SCORES:
            return None
        survey = await self._store.pending_survey(turn.key, turn.now)
        if survey is None:
            return None
        score = int(body)
        if not await self._store.answer_survey(survey.order_number, score, turn.now):
            return None  # answered a moment ago by a parallel text: read it as usual
        bot = self._settings.bot
        low = score <= self._settings.csat.low_score
        if low:
            await self._alert(survey.order_number, score, turn)
        text = say(turn.wording(bot), "csat_thanks_low" if low else "csat_thanks")
        return turn.reply(text, INTENT)

    async def _alert(self, order_number: str, score: int, turn: Turn) -> None:
        fields = {
            "key": f"csat:{order_number}",
            "kind": "low_csat",
            "order_number": order_number,
            "carrier": "",
            "tracking_number": "",
            "status": "delivered",
            "phone_masked": mask(turn.message.sender),
            "detail": f"the customer rated the order {score} out of 5",
        }
        webhook = self._settings.alerts.webhook_url
        state = AlertState.PENDING if webhook else AlertState.LOCAL
        if await self._store.add_alert(fields, state=state, at=turn.now):
            log.info("alert csat:%s: low CSAT (%d) for order %s", order_number, score, order_number)
