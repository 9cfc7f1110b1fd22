"""What the console works with, handed in by `web` (the console never reaches into the
running services itself): settings, the store, and the carrier gateway's `track`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from smsbot.config import Settings
from smsbot.orders.model import Shipment
from smsbot.store import Store
from smsbot.view.package import PackageStatus

Track = Callable[[Sequence[Shipment]], Awaitable[list[PackageStatus]]]


@dataclass(frozen=True)
class Console:
    settings: Settings
    store: Store
    track: Track  # the carrier gateway's: cached answers first, one call per number
    clock: Callable[[], datetime]
