"""When a recipient may be texted: their time zones, quiet hours and local day.

A number's zones come from phonenumbers (`+1 212…` → New York, `+44 20…` → London). Some
numbers map to several zones (UK mobiles: London and the Channel Islands; Australian and
Russian mobiles: the whole country). Then a message waits until it is outside quiet hours
in *every* candidate zone, so nobody is texted at night; when the zones are so far apart
that no such time exists within two days (zones spread around the globe), the recipient's
primary zone alone decides. The primary zone (also the one
that draws the "day" of the daily cap) is the only candidate, else `bot.timezone` when it
is a candidate, else the first candidate in phonenumbers' (alphabetical) order. A number
phonenumbers cannot place uses `bot.timezone`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as number_zones

from smsbot.phones import strip_channel

#: How far ahead a common waking hour of several zones is looked for.
_HORIZON = timedelta(days=2)


@dataclass(frozen=True)
class RecipientZones:
    """The zones a number may be in; `primary` is one of `candidates`."""

    primary: ZoneInfo
    candidates: tuple[ZoneInfo, ...]


def recipient_zones(phone: str, fallback: ZoneInfo) -> RecipientZones:
    """The time zones of `phone` (E.164, `whatsapp:` prefix allowed); `fallback` if unknown."""
    try:
        number = phonenumbers.parse(strip_channel(phone), None)
        names = number_zones.time_zones_for_number(number)
    except phonenumbers.NumberParseException:
        names = ()
    zones: list[ZoneInfo] = []
    for name in names:
        try:
            zones.append(ZoneInfo(name))
        except (ZoneInfoNotFoundError, ValueError):  # "Etc/Unknown", or no tzdata for it
            continue
    if not zones:
        return RecipientZones(fallback, (fallback,))
    primary = fallback if len(zones) > 1 and fallback in zones else zones[0]
    return RecipientZones(primary, tuple(zones))


def _quiet_end(moment: datetime, zone: ZoneInfo, quiet: tuple[time, time]) -> datetime | None:
    """When the quiet period around `moment` ends in `zone`; None if `moment` is not in one."""
    start, end = quiet
    local = moment.astimezone(zone)
    now = local.time().replace(tzinfo=None)
    if start < end:  # a daytime span, e.g. 12:00-14:00
        inside = start <= now < end
        end_day = local.date()
    else:  # wraps midnight, e.g. 21:00-08:00
        inside = now >= start or now < end
        end_day = local.date() + timedelta(days=1) if now >= start else local.date()
    if not inside:
        return None
    # A wall time in a DST gap still maps to one instant (fold=0); close enough for a text.
    return datetime.combine(end_day, end, tzinfo=zone)


def quiet_until(
    moment: datetime, zones: RecipientZones, quiet: tuple[time, time] | None
) -> datetime | None:
    """The earliest instant ≥ `moment` outside quiet hours (see the module docstring);
    None when `moment` itself is fine."""
    if quiet is None:
        return None
    for group in (zones.candidates, (zones.primary,)):
        candidate = moment
        # Moving to the end of the quiet span that holds `candidate` never skips a good
        # instant (everything before that end is quiet in that zone), so this finds the
        # earliest instant that is quiet nowhere, if there is one within the horizon.
        while candidate - moment <= _HORIZON:
            ends = [_quiet_end(candidate, zone, quiet) for zone in group]
            later = [end for end in ends if end is not None]
            if not later:
                return None if candidate == moment else candidate
            candidate = max(later)
    return candidate  # not reached: one zone always leaves its quiet hours within a day


def local_day(moment: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The recipient's calendar day around `moment`, as [start, end) instants."""
    today: date = moment.astimezone(zone).date()
    start = datetime.combine(today, time(0), tzinfo=zone)
    end = datetime.combine(today + timedelta(days=1), time(0), tzinfo=zone)
    return start, end
