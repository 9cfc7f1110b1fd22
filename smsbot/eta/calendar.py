"""Business days: a carrier's working weekdays minus a country's public holidays.

Counting is O(1) and adding O(log n) over a precomputed table of cumulative business
days, so the model converts 200k deliveries in well under a second. Public holidays come
from the `holidays` package; a country it does not know has weekends only.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

import holidays

#: Monday = 0 ... Sunday = 6. Most carriers' ground networks deliver Monday to Friday.
WEEKEND: frozenset[int] = frozenset({5, 6})
SUNDAY_ONLY: frozenset[int] = frozenset({6})


class BusinessCalendar:
    """The business days of one (country, weekend) pair.

    `count(a, b)` is the number of business days d with a < d <= b (negative when b < a):
    a parcel ordered on Friday and delivered on Tuesday took 2 business days.
    """

    def __init__(self, country: str | None, weekend: Iterable[int] = WEEKEND) -> None:
        self.country = (country or "").upper() or None
        self.weekend = frozenset(weekend)
        self._start = date(2000, 1, 1)
        self._cumulative: list[int] = []
        self._holidays: set[date] = set()
        self._cover(date.today().year - 3, date.today().year + 2)

    def _cover(self, first_year: int, last_year: int) -> None:
        first_year = max(first_year, 1971)
        last_year = min(last_year, 9998)
        self._holidays = _holidays(self.country, first_year, last_year)
        self._start = date(first_year, 1, 1)
        end = date(last_year, 12, 31)
        total, cumulative, day = 0, [], self._start
        one = timedelta(days=1)
        while day <= end:
            total += self.is_business_day(day)
            cumulative.append(total)
            day += one
        self._cumulative = cumulative

    def is_business_day(self, day: date) -> bool:
        """False on the carrier's non-working weekdays and on public holidays."""
        return day.weekday() not in self.weekend and day not in self._holidays

    def _index(self, *days: date) -> list[int]:
        """The table positions of `days`, widening the table first when one is outside it
        (rare: the model only asks about sane years)."""
        start, size = self._start, len(self._cumulative)
        positions = [(day - start).days for day in days]
        if all(0 <= position < size for position in positions):
            return positions
        last_year = start.year + size // 366
        first = min(min(day.year for day in days), start.year) - 1
        self._cover(first, max(max(day.year for day in days), last_year) + 1)
        return [(day - self._start).days for day in days]

    def count(self, start: date, end: date) -> int:
        """Business days after `start` up to and including `end`."""
        # The model's hot path (three calls per delivery): the common case inline.
        cumulative, origin = self._cumulative, self._start
        first, last = (start - origin).days, (end - origin).days
        if not (0 <= first < len(cumulative) and 0 <= last < len(cumulative)):
            first, last = self._index(start, end)
            cumulative = self._cumulative
        return cumulative[last] - cumulative[first]

    def add(self, start: date, days: int) -> date:
        """The `days`-th business day after `start`; `start` itself for 0."""
        if days <= 0:
            return start
        # Every week has a business day unless all are weekend; 2 weeks per day is ample.
        base, _ = self._index(start, start + timedelta(days=14 * days + 30))
        target = self._cumulative[base] + days
        found = bisect_left(self._cumulative, target, lo=base + 1)
        return self._start + timedelta(days=found)


def _holidays(country: str | None, first_year: int, last_year: int) -> set[date]:
    if country is None:
        return set()
    try:
        table = holidays.country_holidays(country, years=range(first_year, last_year + 1))
    except NotImplementedError:  # a country the package does not know: weekends only
        return set()
    return set(table.keys())


@lru_cache(maxsize=256)
def calendar_for(country: str | None, weekend: frozenset[int] = WEEKEND) -> BusinessCalendar:
    """The shared calendar of this country and weekend (building one takes a few ms)."""
    return BusinessCalendar(country, weekend)
