"""What the tracking page shows, in words: built from `OrderView` and the page wording.

Everything here is a plain value the template prints (Jinja escapes it). Nothing here holds
a phone number, an e-mail or a street: the view has none, and only the first name is used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from smsbot.eta.window import HandlingLoad
from smsbot.page.gazetteer import Gazetteer, Place
from smsbot.tracking import CARRIER_LOCAL, Status
from smsbot.view.estimate import usual
from smsbot.view.order import LegView, OrderView
from smsbot.wording.calendar import age, arrival, format_day, format_time
from smsbot.wording.context import Wording
from smsbot.wording.estimate import window as estimate_window
from smsbot.wording.page import page_say

#: Statuses whose card gets the exception banner even without a delay reason.
BANNERS = {
    Status.DELIVERY_ATTEMPTED: "banner_attempted",
    Status.RETURNING: "banner_returning",
    Status.EXCEPTION: "banner_problem",
}


@dataclass(frozen=True)
class Scan:
    """One line of a card's timeline."""

    when: str  # "Thu Nov 26, 2:14 PM CST"
    iso: str  # for <time datetime=...>
    text: str
    place: str | None
    located: Place | None


@dataclass(frozen=True)
class Card:
    """One leg of the order as the page shows it."""

    index: int  # 0-based position in the order's legs
    title: str
    carrier: str
    carrier_key: str
    tracking_number: str
    status: str
    family: str  # CSS class: transit, delivered, attention, waiting
    lines: tuple[str, ...]  # ETA, place, the carrier's words, stale notice
    banner: str | None
    step: str | None
    scans: tuple[Scan, ...]
    unproven: bool
    tracking_url: str | None = None
    places: tuple[Place, ...] = field(default=())
    unplaced: tuple[str, ...] = field(default=())


def family(status: Status | None) -> str:
    """The colour family of a status, for the card's accent and the browser tests."""
    if status is Status.DELIVERED:
        return "delivered"
    if status in (Status.EXCEPTION, Status.DELIVERY_ATTEMPTED, Status.RETURNING):
        return "attention"
    if status in (Status.IN_TRANSIT, Status.OUT_FOR_DELIVERY, Status.AVAILABLE_FOR_PICKUP):
        return "transit"
    return "waiting"


def summary(view: OrderView, w: Wording) -> str:
    """The order in one sentence: "2 of 3 packages delivered; 1 arriving Thu Nov 26"."""
    code, outbound = w.language, view.outbound
    if not view.legs:
        return page_say(code, "summary_nothing")
    if not outbound:
        return page_say(code, "summary_returns_only")
    count, done = len(outbound), view.delivered_count
    if count == 1:
        [leg] = outbound
        if leg.status is Status.DELIVERED:
            when = leg.delivered_at
            if when is None:
                return page_say(code, "summary_one_delivered_undated")
            return page_say(code, "summary_one_delivered", when=format_day(local(when, w), w))
        status = status_name(leg, w)
        if leg.eta is not None:
            key = "summary_one_expected" if leg.eta.estimated else "summary_one_arriving"
            return page_say(code, key, status=status, when=arrival(leg.eta, w))
        return page_say(code, "summary_one", status=status)
    if done == count:
        return page_say(code, "summary_all_delivered", count=count)
    parts = [page_say(code, "summary_many", done=done, count=count)]
    if view.eta is not None:
        parts.append(
            page_say(code, "summary_many_arriving", open=count - done, when=arrival(view.eta, w))
        )
    if view.exception is not None:
        parts.append(page_say(code, "summary_attention"))
    return "; ".join(parts) + "."


def status_name(leg: LegView, w: Wording) -> str:
    """The status as a word ("In transit"); the carrier's own words for an unknown one."""
    if leg.status is None:
        return w.table.statuses[Status.PENDING]
    if leg.status is Status.UNKNOWN and leg.note:
        return leg.note
    return w.table.statuses[leg.status]


def local(moment: datetime, w: Wording, zone: ZoneInfo | None = None) -> datetime:
    """`moment` on the clock of `zone` (the scan's place), else the merchant's; a carrier's
    offset-less local time as given."""
    if moment.tzname() == CARRIER_LOCAL.tzname(None):
        return moment
    return moment.astimezone(zone or w.timezone)


def scan_time(moment: datetime, w: Wording, zone: ZoneInfo | None) -> str:
    """ "Thu Nov 26, 2:14 PM CST"; a carrier-local time says "local time" instead."""
    shown = local(moment, w, zone)
    local_w = Wording(w.language, zone or w.timezone, w.now, w.max_segments)
    text = f"{format_day(shown.date(), w)}, {format_time(shown, local_w)}"
    if moment.tzname() == CARRIER_LOCAL.tzname(None):
        return f"{text} ({page_say(w.language, 'local_time')})"
    return f"{text} {shown.tzname()}"


def card(
    index: int, leg: LegView, position: int, count: int, w: Wording, places: Gazetteer
) -> Card:
    """The card of `leg` (`position` of `count` outbound legs; returns have their own title)."""
    code = w.language
    title = (
        page_say(code, "return")
        if leg.kind.value == "return"
        else (page_say(code, "package_of", n=position, count=count))
    )
    lines: list[str] = []
    eta = leg.eta
    if leg.status is Status.DELIVERED and leg.delivered_at is not None:
        when = local(leg.delivered_at, w)
        lines.append(
            page_say(
                code, "delivered_on", when=f"{format_day(when.date(), w)}, {format_time(when, w)}"
            )
        )
    elif eta is not None and leg.status is not Status.DELIVERED:
        key = "expected" if eta.estimated else "arriving"
        if (eta.latest or eta.earliest) < w.today:
            key = "was_expected"
        lines.append(page_say(code, key, when=arrival(eta, w)))
    window = usual(leg, w.today)
    if window is not None:  # the learned window, marked as an estimate (issue 19)
        lines.append(page_say(code, "usual", when=estimate_window(window, w)))
    if leg.place:
        key = "left_at" if leg.status is Status.DELIVERED else "last_seen"
        lines.append(page_say(code, key, place=leg.place))
    if leg.note and leg.status is not Status.UNKNOWN:
        lines.append(page_say(code, "carrier_says", carrier=leg.carrier_name, text=leg.note))
    if leg.failure is not None:
        if leg.failure.value == "no_adapter":
            lines.append(page_say(code, "no_adapter"))
        else:
            ago = age(leg.checked_at, w)
            key = "stale" if ago and leg.result is not None else "stale_no_age"
            lines.append(page_say(code, key, carrier=leg.carrier_name, age=ago or ""))
    elif leg.result is None or leg.result.problem is not None:
        lines.append(page_say(code, "no_answer", carrier=leg.carrier_name))
    banner = None
    if leg.delay is not None:
        banner = page_say(code, "banner_delay", reason=w.table.delays[leg.delay])
        if eta is not None:
            banner += " \u2013 " + page_say(code, "banner_new_eta", when=arrival(eta, w))
    elif leg.status in BANNERS:
        banner = page_say(code, BANNERS[leg.status])
    step = None
    if leg.next_step is not None:
        template = w.table.steps.get(leg.next_step)
        step = template.format(carrier=leg.carrier_name) if template else None
    scans: list[Scan] = []
    located: list[Place] = []
    unplaced: list[str] = []
    for event in reversed(leg.events):
        place = places.find(event.location) if event.location else None
        if event.location:
            if place is not None:
                if place not in located:
                    located.append(place)
            elif event.location not in unplaced:
                unplaced.append(event.location)
        zone = ZoneInfo(place.timezone) if place is not None and place.timezone else None
        scans.append(
            Scan(
                scan_time(event.time, w, zone),
                event.time.isoformat(),
                event.description,
                event.location,
                place,
            )
        )
    return Card(
        index=index,
        title=title,
        carrier=leg.carrier_name,
        carrier_key=leg.carrier,
        tracking_number=leg.tracking_number,
        status=status_name(leg, w),
        family=family(leg.status),
        lines=tuple(lines),
        banner=banner,
        step=step,
        scans=tuple(scans),
        unproven=leg.unproven,
        places=tuple(reversed(located)),
        unplaced=tuple(unplaced),
    )


def cards(view: OrderView, w: Wording, places: Gazetteer) -> tuple[Card, ...]:
    """One card per leg: outbound legs numbered "Package n of m", returns after them."""
    count = len(view.outbound)
    made: list[Card] = []
    position = 0
    for index, leg in enumerate(view.legs):
        if leg.kind.value == "outbound":
            position += 1
        made.append(card(index, leg, position, count, w, places))
    return tuple(made)


def busy_note(view: OrderView, load: HandlingLoad | None, language: str) -> str | None:
    """The handling-load banner ("High order volume: ships in 2 business days") for an
    order nothing of which the carrier has yet; None when the shop is not busy."""
    waiting = (Status.PENDING, Status.LABEL_CREATED, None)
    if load is None or not load.high or any(leg.status not in waiting for leg in view.outbound):
        return None
    days = max(1, math.ceil(load.expected_days))
    return page_say(language, "busy_one" if days == 1 else "busy", days=days)
