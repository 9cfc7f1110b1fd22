"""Business-day arithmetic and the holiday calendar."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from smsbot.eta.calendar import SUNDAY_ONLY, BusinessCalendar, calendar_for


def test_weekends_are_not_business_days() -> None:
    calendar = calendar_for("US")
    friday, tuesday = date(2025, 3, 7), date(2025, 3, 11)
    assert calendar.count(friday, tuesday) == 2  # Monday and Tuesday
    assert calendar.add(friday, 1) == date(2025, 3, 10)
    assert calendar.add(friday, 0) == friday
    assert calendar.count(tuesday, friday) == -2


def test_public_holidays_are_not_business_days() -> None:
    us = calendar_for("US")
    thanksgiving = date(2025, 11, 27)
    assert not us.is_business_day(thanksgiving)
    assert us.add(date(2025, 11, 26), 1) == date(2025, 11, 28)  # Wednesday -> Friday
    assert us.count(date(2025, 12, 24), date(2025, 12, 26)) == 1  # Christmas skipped
    de = calendar_for("DE")
    assert not de.is_business_day(date(2025, 10, 3))  # German Unity Day
    assert us.is_business_day(date(2025, 10, 3))


def test_a_saturday_carrier_counts_saturdays() -> None:
    sundays_off = calendar_for("US", SUNDAY_ONLY)
    friday = date(2025, 3, 7)
    assert sundays_off.add(friday, 1) == date(2025, 3, 8)
    assert sundays_off.count(friday, date(2025, 3, 10)) == 2


def test_an_unknown_country_has_weekends_only() -> None:
    calendar = BusinessCalendar("ZZ")
    assert calendar.count(date(2025, 12, 24), date(2025, 12, 26)) == 2


@pytest.mark.parametrize("start", [date(2001, 5, 4), date(2025, 12, 30), date(2040, 2, 28)])
def test_add_and_count_agree_far_from_today(start: date) -> None:
    calendar = BusinessCalendar("US")
    for days in range(0, 40, 3):
        end = calendar.add(start, days)
        assert calendar.count(start, end) == days
        if days:
            assert calendar.is_business_day(end)
            assert calendar.count(start, end - timedelta(days=1)) == days - 1
