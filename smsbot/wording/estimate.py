"""Learned windows in words, always marked as estimates: ", usually arrives Tue Dec 15-Thu
Dec 17 (estimate)", and the handling-load note "High order volume: ships in 2 business days".

Which window a leg tells is `view.estimate.usual`'s to decide; this module only says it.
"""

from __future__ import annotations

import math

from smsbot.eta.window import Estimate, HandlingLoad
from smsbot.view.estimate import usual
from smsbot.view.order import LegView
from smsbot.wording.calendar import format_day
from smsbot.wording.context import Wording, say


def window(estimate: Estimate, w: Wording) -> str:
    """The window's days as dates are worded elsewhere: "Tue Dec 15-Thu Dec 17", or one day."""
    first = format_day(estimate.earliest, w)
    if estimate.latest <= estimate.earliest:
        return say(w, "on_day", day=first)
    return say(w, "range", first=first, last=format_day(estimate.latest, w))


def checkout(estimate: Estimate, w: Wording) -> str:
    """The checkout's sentence: "Order now, arrives Tue Dec 15-Thu Dec 17"."""
    return say(w, "checkout", when=window(estimate, w))


def fragment(leg: LegView, w: Wording, *, short: bool = False) -> str:
    """What a reply adds after the carrier's date (or in its place) for `leg`; "" for none.

    Alone when the carrier gives no date (", usually arrives ... (estimate)"), else beside
    it (" (usually ..., our estimate)"); `short` for a list of packages.
    """
    estimate = usual(leg, w.today)
    if estimate is None:
        return ""
    when = window(estimate, w)
    if short:
        return say(w, "c_usual", when=when)
    return say(w, "usual" if _alone(leg) else "usual_beside", when=when)


def sentence(leg: LegView, w: Wording) -> str:
    """The window as a sentence of its own (" Usually arrives ... (estimate)."); "" for none."""
    estimate = usual(leg, w.today)
    return "" if estimate is None else say(w, "usual_sentence", when=window(estimate, w))


def busy(load: HandlingLoad | None, w: Wording) -> str:
    """ " High order volume: ships in 2 business days." when the load is high; else ""."""
    if load is None or not load.high:
        return ""
    days = max(1, math.ceil(load.expected_days))
    return say(w, "busy_one") if days == 1 else say(w, "busy", days=days)


def _alone(leg: LegView) -> bool:
    """Whether the window replaces the carrier's date (none, or only our own guess)."""
    return leg.eta is None or leg.eta.estimated
