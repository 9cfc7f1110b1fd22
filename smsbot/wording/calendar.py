"""Days, times, arrivals and ages in words: "Thu Nov 26", "2:14 PM", "tomorrow, 2-4 PM"."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from smsbot.tracking import CARRIER_LOCAL, Eta
from smsbot.wording.context import Wording, say

_UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Zulu", "Etc/Zulu", "GMT", "Etc/GMT"})


def wall_clock(moment: datetime, w: Wording) -> datetime:
    """`moment` as the customer should read it: carrier-local and naive times as given."""
    if moment.tzinfo is None or moment.tzname() == CARRIER_LOCAL.tzname(None):
        return moment
    return moment.astimezone(w.timezone)


def place_clock(moment: datetime, w: Wording) -> datetime:
    """`moment` on the clock of the place it belongs to: a delivery or a delivery window is
    read at the recipient's address, so a time that carries its place's zone (an IANA zone
    or a local offset) is shown as given. Only a bare UTC time, which names no place, is
    shown in the merchant's zone; carrier-local and naive times as given.
    """
    if moment.tzinfo is None or moment.tzname() == CARRIER_LOCAL.tzname(None):
        return moment
    zone = moment.tzinfo
    if isinstance(zone, ZoneInfo) and zone.key not in _UTC_NAMES:
        return moment
    if moment.utcoffset() != timedelta(0):
        return moment
    return moment.astimezone(w.timezone)


def local_day(moment: datetime, w: Wording, *, at_place: bool = False) -> date:
    """The day of `moment` as the customer reads it (see `wall_clock`, `place_clock`)."""
    return (place_clock(moment, w) if at_place else wall_clock(moment, w)).date()


def format_day(day: date, w: Wording) -> str:
    """A day as "Thu Nov 26" ("jue 26 nov"); the year only when not this year: "Mon Jan 4, 2027"."""
    table = w.table
    key = "day" if day.year == w.today.year else "day_year"
    weekday, month = table.weekdays[day.weekday()], table.months[day.month - 1]
    return say(w, key, weekday=weekday, month=month, d=day.day, year=day.year)


def format_time(moment: datetime, w: Wording, *, at_place: bool = False) -> str:
    """A time as "2:14 PM" ("14:14") in the merchant's zone; carrier-local (or naive) as
    given. With `at_place`, on the clock of the place it belongs to (`place_clock`)."""
    local = place_clock(moment, w) if at_place else wall_clock(moment, w)
    ampm = say(w, "pm" if local.hour >= 12 else "am")
    h12 = local.hour % 12 or 12
    return say(w, "time", h12=h12, h24=local.hour, mm=f"{local.minute:02d}", ampm=ampm)


def relative_day(day: date, w: Wording, *, on: bool = True) -> str:
    """ "today", "tomorrow", else the day; with `on`, as a sentence says it ("el jue 26 nov")."""
    if day == w.today:
        return say(w, "today")
    if day == w.today + timedelta(days=1):
        return say(w, "tomorrow")
    return say(w, "on_day", day=format_day(day, w)) if on else format_day(day, w)


def arrival(eta: Eta, w: Wording) -> str:
    """The arrival as a reply says it: a day, a time window on a day, or a run of days."""
    if eta.latest is not None and eta.latest > eta.earliest:
        if eta.earliest <= w.today < eta.latest:
            return say(w, "by", day=relative_day(eta.latest, w))
        return say(w, "range", first=format_day(eta.earliest, w), last=format_day(eta.latest, w))
    day = relative_day(eta.earliest, w)
    # A delivery window is the recipient's: shown on their clock (issue 13, item 18).
    start = format_time(eta.window_start, w, at_place=True) if eta.window_start else None
    end = format_time(eta.window_end, w, at_place=True) if eta.window_end else None
    if start and end:
        return say(w, "window", day=day, start=start, end=end)
    if start:
        return say(w, "window_from", day=day, start=start)
    if end:
        return say(w, "window_until", day=day, end=end)
    return day


def arrival_day(eta: Eta, w: Wording) -> str:
    """The arrival as a notice says it: the last day, with the time window when both ends
    are known."""
    day = relative_day(eta.latest or eta.earliest, w, on=False)
    if eta.window_start and eta.window_end:
        start = format_time(eta.window_start, w, at_place=True)
        end = format_time(eta.window_end, w, at_place=True)
        return say(w, "window", day=day, start=start, end=end)
    return day


def eta_fragment(eta: Eta | None, w: Wording, *, short: bool) -> str:
    """ ", arriving Thu Nov 26" (", ETA Thu Nov 26" when `short`), "" without an ETA."""
    if eta is None:
        return ""
    if (eta.latest or eta.earliest) < w.today:
        key = "eta_past"
    elif eta.estimated:
        key = "eta_short_estimated" if short else "eta_estimated"
    else:
        key = "eta_short" if short else "eta"
    return say(w, key, when=arrival(eta, w))


def age(checked_at: datetime | None, w: Wording) -> str | None:
    """How long ago `checked_at` was: "5 min ago", "2 h ago", "3 days ago"."""
    if checked_at is None or checked_at.tzinfo is None:
        return None
    minutes = max(1, int((w.now - checked_at).total_seconds() // 60))
    if minutes < 60:
        return say(w, "age_minutes", n=minutes)
    if minutes < 24 * 60:
        return say(w, "age_hours", n=minutes // 60)
    days = minutes // (24 * 60)
    return say(w, "age_day") if days == 1 else say(w, "age_days", n=days)
