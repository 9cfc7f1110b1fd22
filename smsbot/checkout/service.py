"""The checkout ETA's answers: one JSON body per query and day, cached for `cache_ttl_s`.

The estimator answers from memory; the cache spares it and the JSON encoding for the many
identical requests a busy product page makes (one per visitor), so the cached path is a
dictionary lookup. The table is bounded: the oldest answers go first.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from smsbot.checkout.query import EtaQuery
from smsbot.config.checkout import CheckoutSettings
from smsbot.eta.window import Estimate, Estimator
from smsbot.view.order import estimate_dict
from smsbot.wording.context import Wording
from smsbot.wording.estimate import checkout
from smsbot.wording.replies import LANGUAGES

MAX_ANSWERS = 10_000


@dataclass(frozen=True)
class Answer:
    """One cached answer: the JSON body and its entity tag."""

    body: bytes
    etag: str
    expires: float  # on the monotonic clock


class CheckoutEta:
    """`answer(query)`: the window for a checkout query, as the API's JSON."""

    def __init__(
        self,
        estimator: Estimator | None,
        settings: CheckoutSettings,
        timezone: ZoneInfo,
        clock: Callable[[], datetime],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._estimator = estimator
        self.settings = settings
        self._timezone = timezone
        self._clock = clock
        self._monotonic = monotonic
        self._answers: OrderedDict[tuple[Any, ...], Answer] = OrderedDict()

    def answer(self, query: EtaQuery) -> Answer:
        """The answer to `query` today (the merchant's day), from the cache when fresh."""
        now = self._clock()
        key = (*query.key, now.astimezone(self._timezone).date())
        found = self._answers.get(key)
        tick = self._monotonic()
        if found is not None and found.expires > tick:
            return found
        body = json.dumps(self._document(query, now), separators=(",", ":")).encode()
        etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
        fresh = Answer(body, etag, tick + self.settings.cache_ttl_s)
        self._answers[key] = fresh
        self._answers.move_to_end(key)
        while len(self._answers) > MAX_ANSWERS:
            self._answers.popitem(last=False)
        return fresh

    def _document(self, query: EtaQuery, now: datetime) -> dict[str, Any]:
        today = now.astimezone(self._timezone).date()
        estimate = None
        if self._estimator is not None:
            estimate = self._estimator.estimate(query.lane, today=today)
        window = estimate_dict(estimate)  # dates, business days; its basis told apart
        return {
            "country": query.country,
            "postal_code": query.postal_code,
            "carrier": query.carrier,
            "service": query.service,
            "estimate": estimate is not None,  # the window is learned, never promised
            "window": window,
            "sentence": None if estimate is None else self._sentences(estimate, now),
            "basis": None if window is None else window.pop("basis"),
            "today": today.isoformat(),
        }

    def _sentences(self, estimate: Estimate, now: datetime) -> dict[str, str]:
        return {code: checkout(estimate, Wording(code, self._timezone, now)) for code in LANGUAGES}
