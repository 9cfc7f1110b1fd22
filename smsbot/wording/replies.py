"""Every reply to a customer's text, as whole messages within the segment budget.

The sentences are the language tables (`wording/en.py`, `wording/es.py`); an order's facts
come from its `OrderView`. Our own text stays GSM-7.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from smsbot.eta.window import Estimate, HandlingLoad
from smsbot.orders.model import Leg
from smsbot.view.order import LegView, OrderView
from smsbot.view.package import PackageStatus
from smsbot.wording import leg as legs
from smsbot.wording.calendar import format_day, format_time
from smsbot.wording.carriers import carrier_display_name
from smsbot.wording.context import Wording, say
from smsbot.wording.estimate import busy, window
from smsbot.wording.languages import LANGUAGES as _TABLES
from smsbot.wording.segments import segment_count, to_gsm7, truncate

__all__ = [
    "LANGUAGES",
    "Wording",
    "ask_carrier",
    "ask_order_number",
    "ask_postal_code",
    "carrier_display_name",
    "escalated",
    "escalation_unavailable",
    "format_day",
    "format_time",
    "help_text",
    "history_reply",
    "locked_out",
    "lookup_limited",
    "menu_not_listed",
    "menu_page",
    "more_prompt",
    "more_without_order",
    "no_shipments",
    "not_shipped",
    "open_orders_menu",
    "opted_in",
    "opted_out",
    "order_cancelled",
    "order_history",
    "order_not_found",
    "order_status",
    "rate_limited",
    "status_page",
    "status_reply",
    "tracking_status",
    "tracking_unknown",
    "unavailable",
    "usage_hint",
]

#: The languages replies are said in, by code.
LANGUAGES: tuple[str, ...] = tuple(_TABLES)


def status_reply(view: OrderView, w: Wording) -> str:
    """The status of every leg of an order, within `w.max_segments` segments.

    A long list is cut at a package boundary and ends by offering the rest ("Reply MORE");
    `status_page` says where the rest starts.
    """
    return status_page(view, w)[0]


def status_page(
    view: OrderView, w: Wording, start: int = 0, *, tail: str = ""
) -> tuple[str, int | None]:
    """The legs of an order from leg `start` (0-based) on, as many as fit in the budget:
    the text, and the first leg it leaves out (None: it reached the last one). A text that
    reaches the last leg leaves room for " `tail`" (the caller's "Reply MORE").

    Items keep their place in the whole order ("10) ..."), so pages read as one list.
    """
    order = to_gsm7(view.number)
    if not view.shipped:
        return no_shipments(view.number, w), None
    if len(view.legs) == 1:
        [only] = view.legs
        returned = legs.return_body(only, w)
        if returned is not None:
            text = say(w, "order_return", order=order, body=returned)
            return truncate(text, w.max_segments), None
        key = "order_return_unanswered" if only.kind is Leg.RETURN else "order"
        return legs.fit_one(lambda body: say(w, key, order=order, body=body), only, w), None
    start = min(max(start, 0), len(view.legs) - 1)
    items = [legs.item(n, leg, w) for n, leg in enumerate(view.legs[start:], start + 1)]

    def lead(joined: str) -> str:
        return say(w, "order_many", order=order, count=len(view.legs), items=joined)

    whole = lead(" ".join(items))
    if segment_count(f"{whole} {tail}" if tail else whole) <= w.max_segments:
        return whole, None
    more = more_prompt(w)
    for count in range(len(items) - 1, 0, -1):
        text = lead(" ".join(items[:count])) + " " + more
        if segment_count(text) <= w.max_segments:
            return text, start + count
    return truncate(lead(items[0]), w.max_segments, suffix=more), start + 1


def more_prompt(w: Wording) -> str:
    """ "Reply MORE for the rest.": the end of a text that leaves something out."""
    return say(w, "more")


def order_status(order_number: str, packages: Sequence[PackageStatus], w: Wording) -> str:
    """`status_reply` for order `order_number` with the gateway's `packages`."""
    return status_reply(OrderView.from_packages(order_number, packages), w)


def tracking_status(number: str, package: PackageStatus, w: Wording) -> str:
    """The status of a tracking number the customer texted directly; no order details."""

    def lead(body: str) -> str:
        return say(w, "tracking", number=to_gsm7(number), body=body)

    return legs.fit_one(lead, LegView.of(package), w)


def order_not_found(order_number: str, w: Wording) -> str:
    """The same words whether the order does not exist or is not the sender's."""
    return say(w, "order_not_found", order=to_gsm7(order_number))


def no_shipments(order_number: str, w: Wording) -> str:
    """The order exists (and is the sender's) but nothing has shipped yet."""
    return say(w, "no_shipments", order=to_gsm7(order_number))


def not_shipped(
    order_number: str, load: HandlingLoad | None, estimate: Estimate | None, w: Wording
) -> str:
    """`no_shipments`, with the handling-load note when the shop is busy and the learned
    window from today when there is one (issue 19); exactly `no_shipments` without either."""
    note = busy(load, w)
    usual = say(w, "usual_sentence", when=window(estimate, w)) if estimate is not None else ""
    if estimate is not None and estimate.latest < w.today:
        usual = ""
    if not note and not usual:
        return no_shipments(order_number, w)
    return say(w, "no_shipments_usual", order=to_gsm7(order_number), busy=note, usual=usual)


def ask_order_number(w: Wording, example: str = "1001") -> str:
    """A question without a number, and no open order to answer for."""
    return say(w, "ask_order_number", example=_example(example, w))


def _example(number: str, w: Wording) -> str:
    """ " (like SO-1001)": an order number in the merchant's own format; "" without one."""
    return say(w, "example", number=to_gsm7(number)) if number else ""


def tracking_unknown(number: str, w: Wording) -> str:
    """A tracking number no carrier's format matches."""
    return say(w, "tracking_unknown", number=to_gsm7(number))


def ask_carrier(number: str, carriers: Sequence[str], w: Wording) -> str:
    """A tracking number that several carriers' formats match: ask which one."""
    names = [carrier_display_name(to_gsm7(carrier)) for carrier in carriers]
    if len(names) < 2:
        return say(w, "ask_carrier_any", number=to_gsm7(number))
    listed = say(w, "or", rest=", ".join(names[:-1]), last=names[-1])
    return say(w, "ask_carrier", number=to_gsm7(number), carriers=listed)


def help_text(brand: str, support_contact: str, w: Wording, example: str = "1001") -> str:
    """HELP: who we are, what to text, how to reach a person, how to stop."""
    return say(w, "help", brand=to_gsm7(brand), contact=to_gsm7(support_contact),
               example=_example(example, w))  # fmt: skip


def usage_hint(brand: str, w: Wording, example: str = "1001") -> str:
    """The answer to noise: what to text, with an `example` order number in the merchant's
    format ("" for none). (`brand` is available to edited templates.)"""
    return say(w, "usage_hint", brand=to_gsm7(brand), example=_example(example, w))


def opted_out(w: Wording) -> str:
    """Opt-out confirmation (WhatsApp only; Twilio confirms on SMS)."""
    return say(w, "opted_out")


def opted_in(w: Wording) -> str:
    """Opt-in confirmation (WhatsApp only)."""
    return say(w, "opted_in")


def rate_limited(w: Wording) -> str:
    """The one notice a sender gets when over a rate limit."""
    return say(w, "rate_limited")


def unavailable(w: Wording) -> str:
    """Something failed inside the bot."""
    return say(w, "unavailable")


def ask_postal_code(order_number: str, w: Wording) -> str:
    """The verification question: the same words whether or not the order exists."""
    return say(w, "ask_postal_code", order=to_gsm7(order_number))


def wrong_postal_code(order_number: str, tries_left: int, w: Wording) -> str:
    """A wrong postal code, asked again: the same words whether or not the order exists."""
    return say(w, "wrong_postal_code", order=to_gsm7(order_number), left=tries_left)


def locked_out(lockout_s: float, w: Wording) -> str:
    """The one message a sender gets when too many wrong answers pause their lookups."""
    return say(w, "locked_out", minutes=max(1, math.ceil(lockout_s / 60)))


def lookup_limited(w: Wording) -> str:
    """The one notice a sender gets when over the lookups-per-hour limit."""
    return say(w, "lookup_limited")


def open_orders_menu(orders: Sequence[tuple[str, int]], w: Wording) -> tuple[str, int]:
    """A numbered menu of (order number, packages): the text and how many orders it lists.

    As many orders as fit in `w.max_segments`, at least one.
    """
    text, end = menu_page(orders, w)
    return text, end


def menu_page(orders: Sequence[tuple[str, int]], w: Wording, start: int = 0) -> tuple[str, int]:
    """The menu of (order number, packages) from entry `start` (0-based) on: the text, and
    the entry after the last one listed. Choices keep their number in the whole menu; a
    page that leaves orders out ends "Reply MORE for the rest"."""
    start = min(max(start, 0), max(len(orders) - 1, 0))
    items = [
        say(w, "menu_item_many" if packages > 1 else "menu_item", n=n, order=to_gsm7(number),
           packages=packages)
        for n, (number, packages) in enumerate(orders[start:], start + 1)
    ]  # fmt: skip
    for count in range(len(items), 0, -1):
        choices = say(w, "menu_join").join(items[:count])
        key = "menu" if start + count >= len(orders) else "menu_more"
        text = say(w, key, count=len(orders), choices=choices)
        if segment_count(text) <= w.max_segments or count == 1:
            return truncate(text, w.max_segments), start + count
    return say(w, "menu", count=len(orders), choices=""), start


def menu_not_listed(choice: int, last: int, w: Wording) -> str:
    """A menu choice beyond the menu's `last` entry."""
    return say(w, "menu_not_listed", choice=choice, last=last)


def history_reply(view: OrderView, w: Wording) -> str:
    """MORE: the newest events of each leg, newest first, within `w.max_segments`.

    Every leg gets its newest event before any gets a second one.
    """
    order = to_gsm7(view.number)
    most = max((len(leg.events) for leg in view.legs), default=0)

    def render(count: int) -> str:
        if len(view.legs) == 1:
            return say(w, "history", order=order, items=legs.events(view.legs[0], count, w))
        parts = [
            say(w, "history_package", n=n, carrier=legs.carrier(leg),
                events=legs.events(leg, count, w))
            for n, leg in enumerate(view.legs, 1)
        ]  # fmt: skip
        return say(w, "history", order=order, items=" ".join(parts))

    best = render(1)
    for count in range(2, most + 1):
        text = render(count)
        if segment_count(text) > w.max_segments:
            break
        best = text
    return best if segment_count(best) <= w.max_segments else truncate(best, w.max_segments)


def order_history(order_number: str, packages: Sequence[PackageStatus], w: Wording) -> str:
    """`history_reply` for order `order_number` with the gateway's `packages`."""
    return history_reply(OrderView.from_packages(order_number, packages), w)


def more_without_order(w: Wording, example: str = "1001") -> str:
    """MORE with no recent answer to continue."""
    return say(w, "more_without_order", example=_example(example, w))


def escalated(brand: str, w: Wording) -> str:
    """AGENT: the merchant's helpdesk has the request."""
    return say(w, "escalated", brand=to_gsm7(brand))


def escalation_pending(brand: str, w: Wording) -> str:
    """AGENT again within `escalation.cooldown_s`: the team has it already."""
    return say(w, "escalation_pending", brand=to_gsm7(brand))


def escalation_unavailable(support_contact: str, w: Wording) -> str:
    """AGENT without a working escalation webhook: how to reach a person."""
    return say(w, "escalation_unavailable", contact=to_gsm7(support_contact))


def order_cancelled(order_number: str, w: Wording) -> str:
    """The order exists (and is the sender's) but the shop cancelled it."""
    return say(w, "order_cancelled", order=to_gsm7(order_number))
