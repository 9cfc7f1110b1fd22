"""What can be said about one shipment now: the carrier's answer, or why there is none.

The carrier gateway (`smsbot.lookup`) produces these; the order view and the wording read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from smsbot.orders.model import Shipment
from smsbot.tracking import TrackingResult


class Failure(StrEnum):
    """Why a carrier could not tell us about a parcel right now."""

    TIMEOUT = "timeout"  # no answer inside the carrier's timeout or the reply deadline
    UNAVAILABLE = "unavailable"  # connection failure or 5xx
    RATE_LIMITED = "rate_limited"  # 429, or still paused after one
    AUTH = "auth"  # credentials refused: the merchant must fix the configuration
    BAD_RESPONSE = "bad_response"  # a payload we could not read
    NO_ADAPTER = "no_adapter"  # the shipment names a carrier that is not enabled


@dataclass(frozen=True)
class PackageStatus:
    """What we can say about one shipment now.

    `result` is the carrier's answer: fresh, from the cache, or (when `failure` is set) the
    last known one, `None` if we never had one. `checked_at` is when `result` was fetched.
    """

    shipment: Shipment
    display_name: str  # the carrier as replies name it: "UPS"
    result: TrackingResult | None
    checked_at: datetime | None
    failure: Failure | None = None

    @property
    def stale(self) -> bool:
        """True when the carrier failed now and `result` is an older answer."""
        return self.failure is not None and self.result is not None
