"""A seeded delivery history with known true distributions, for the tests, the demo and
`bench/eta.py`.

What it models, so a learned window can be checked against the truth:
- two warehouses (US-CA, US-NJ) and destinations at ZIP3 level, with transit times that
  grow with distance and differ by carrier and service;
- handling: orders after the 14:00 cut-off or on a non-working day ship a business day
  later, and one in seven waits one more day;
- weekday effects: a parcel first scanned on a Friday takes an extra business day one
  time in three (the weekend line-haul);
- holidays: days are counted in the carrier's business days (US public holidays), so a
  parcel in transit over Thanksgiving arrives a day later in calendar terms;
- a carrier slowdown: fedex takes two more days during `SLOWDOWN` (days 120-150);
- the carrier's own first ETA, usually right but too early on usps;
- optionally, inconsistent rows (delivered before shipped, a future year).

Every random draw comes from `random.Random(seed)`: the same seed gives the same history.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from smsbot.eta.calendar import SUNDAY_ONLY, WEEKEND, calendar_for
from smsbot.store import Delivery

#: (carrier, service): the base transit days for a zone (1: near ... 4: far) and the noise,
#: extra business days with their weights.
SERVICES: dict[tuple[str, str], tuple[tuple[int, int, int, int], tuple[int, ...]]] = {
    ("ups", "ground"): ((1, 2, 3, 4), (0, 0, 0, 0, 1, 1, 2)),
    ("ups", "2day"): ((2, 2, 2, 2), (0, 0, 0, 0, 0, 0, 1)),
    ("fedex", "ground"): ((1, 2, 3, 5), (0, 0, 0, 1, 1, 2)),
    ("usps", "priority"): ((1, 2, 2, 3), (0, 0, 1, 1, 1, 2)),
}
#: Destination ZIP codes by state, with the state's "zone" from each warehouse.
DESTINATIONS: tuple[tuple[str, str, int, int], ...] = (
    # ZIP, state, zone from US-CA, zone from US-NJ
    ("11201", "NY", 4, 1),
    ("10001", "NY", 4, 1),
    ("02139", "MA", 4, 1),
    ("19104", "PA", 4, 1),
    ("30303", "GA", 3, 2),
    ("33130", "FL", 4, 2),
    ("60601", "IL", 3, 2),
    ("75201", "TX", 2, 3),
    ("80202", "CO", 2, 3),
    ("98101", "WA", 1, 4),
    ("94105", "CA", 1, 4),
    ("90012", "CA", 1, 4),
)
ORIGINS = ("US-CA", "US-NJ")
CUTOFF = time(14, 0)
SLOWDOWN = (120, 150)  # days after the start during which fedex is two days slower
SLOWDOWN_DAYS = 2
_ZONES = {"NY": "America/New_York", "MA": "America/New_York", "PA": "America/New_York",
          "GA": "America/New_York", "FL": "America/New_York", "IL": "America/Chicago",
          "TX": "America/Chicago", "CO": "America/Denver", "WA": "America/Los_Angeles",
          "CA": "America/Los_Angeles"}  # fmt: skip


def weekend(carrier: str) -> frozenset[int]:
    return SUNDAY_ONLY if carrier == "usps" else WEEKEND


def transit_distribution(carrier: str, service: str, zone: int) -> dict[int, float]:
    """The true transit time (first scan -> delivered, business days) of a lane outside the
    slowdown and without the Friday effect: {days: probability}."""
    bases, noise = SERVICES[(carrier, service)]
    shares: dict[int, float] = {}
    for extra in noise:
        days = bases[zone - 1] + extra
        shares[days] = shares.get(days, 0.0) + 1 / len(noise)
    return shares


@dataclass(frozen=True)
class Simulator:
    """A year (or `days`) of deliveries starting `start`, `count` of them, seeded."""

    start: date = date(2025, 1, 1)
    days: int = 365
    count: int = 10_000
    seed: int = 19
    inconsistent: float = 0.0  # the share of rows made inconsistent on purpose

    def deliveries(self) -> Iterator[Delivery]:
        """The history, ordered by order date."""
        pick = random.Random(self.seed)
        services = list(SERVICES)
        per_day = self.count / self.days
        made = 0
        for offset in range(self.days):
            today = self.start + timedelta(days=offset)
            for _ in range(round(per_day * (offset + 1)) - made):
                made += 1
                delivery = self._one(pick, services, today, offset, made)
                if self.inconsistent and pick.random() < self.inconsistent:
                    delivery = _spoil(pick, delivery)
                yield delivery

    def _one(
        self,
        pick: random.Random,
        services: list[tuple[str, str]],
        today: date,
        offset: int,
        serial: int,
    ) -> Delivery:
        carrier, service = pick.choice(services)
        postal, state, *zones = pick.choice(DESTINATIONS)
        origin_index = pick.randrange(2)
        zone = zones[origin_index]
        calendar = calendar_for("US", weekend(carrier))
        where = ZoneInfo(_ZONES[state])
        ordered = datetime.combine(today, time(pick.randrange(24), pick.randrange(60)), where)
        # Handling: shipped the same business day before the cut-off, else the next one.
        late = ordered.time() >= CUTOFF or not calendar.is_business_day(today)
        handling = int(late) + (pick.random() < 1 / 7)
        scan_day = calendar.add(today, handling) if handling else today
        bases, noise = SERVICES[(carrier, service)]
        transit = bases[zone - 1] + pick.choice(noise)
        if scan_day.weekday() == 4 and pick.random() < 1 / 3:
            transit += 1  # the weekend line-haul
        if carrier == "fedex" and SLOWDOWN[0] <= offset < SLOWDOWN[1]:
            transit += SLOWDOWN_DAYS
        delivered_day = calendar.add(scan_day, transit)
        scanned = datetime.combine(scan_day, time(18, pick.randrange(60)), where)
        delivered = datetime.combine(delivered_day, time(pick.randrange(9, 20), 0), where)
        # The carrier promises a day under its slowest usual case; usps promises the
        # fastest case minus one, so its ETAs are too early more often than not.
        promised = bases[zone - 1] + (-1 if carrier == "usps" else max(noise) - 1)
        return Delivery(
            carrier=carrier,
            tracking_number=f"SIM{self.seed}-{serial:07d}",
            order_number=f"S{serial}",
            service=service,
            origin=ORIGINS[origin_index],
            destination_country="US",
            destination_region=f"US-{state}",
            destination_postal_code=postal,
            ordered_at=ordered.astimezone(UTC),
            first_scan_at=scanned.astimezone(UTC),
            delivered_at=delivered.astimezone(UTC),
            carrier_eta=calendar.add(scan_day, max(promised, 1)),
        )


def _spoil(pick: random.Random, delivery: Delivery) -> Delivery:
    """An inconsistent copy of `delivery`: delivered before its first scan, or a future year."""
    if pick.random() < 0.5 and delivery.first_scan_at is not None:
        return replace(delivery, delivered_at=delivery.first_scan_at - timedelta(days=2))
    return replace(delivery, delivered_at=delivery.delivered_at.replace(year=2099))


def demo_history(now: datetime, count: int = 4_000) -> list[Delivery]:
    """The demo store's history: half a year of simulated deliveries that arrived before
    `now`, plus the ups ground ones again as the `demo` carrier's, so the demo orders'
    replies, page and checkout API answer from learned windows."""
    days = 180
    start = (now - timedelta(days=days + 10)).date()
    simulated = Simulator(start=start, days=days, count=count, seed=1019).deliveries()
    history = [d for d in simulated if d.delivered_at < now]
    demo = [
        replace(d, carrier="demo", tracking_number=f"DEMO-{d.tracking_number}", service=None)
        for d in history
        if (d.carrier, d.service) == ("ups", "ground")
    ]
    return history + demo
