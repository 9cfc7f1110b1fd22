"""Where a message goes, decided from the message and the session alone: one pure function.

`route_of` is the conversation's routing; `plan_of` says what that route will read from the
store, so the store can read it in the same transaction as the claim and the session
(`smsbot.store.turns`). Both are pure and quick: the store calls `plan_of` on its own thread,
between reading the session and the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from smsbot.channels.inbound import Inbound, Kind
from smsbot.store import NO_LOOKUP, Lookup, Session


class Step(StrEnum):
    """The step that answers a message."""

    OPT = "opt"  # STOP / START: recorded with the claim
    HELP = "help"
    AGENT = "agent"
    MORE = "more"
    POSTAL_CODE = "postal_code"  # an answer to "what is the delivery postal code?"
    ORDER = "order"  # an order number typed, or chosen from a menu
    TRACKING = "tracking"
    QUESTION = "question"
    NOT_LISTED = "not_listed"  # a bare number beyond the open menu
    HINT = "hint"


@dataclass(frozen=True)
class Route:
    """A step, and the order or tracking number it is about (with how it was given)."""

    step: Step
    number: str | None = None
    intent: str = ""
    numbers: tuple[str, ...] = ()  # every order number of the text, `number` first


def route_of(message: Inbound, session: Session, *, asks_postal_code: bool) -> Route:
    """The route of `message` in `session` (the conversation's routing rules, in order)."""
    intent = message.intent
    kind = intent.kind
    if kind in (Kind.OPT_OUT, Kind.OPT_IN):
        return Route(Step.OPT)
    if kind is Kind.HELP:
        return Route(Step.HELP)
    if kind is Kind.AGENT:
        return Route(Step.AGENT)
    if kind is Kind.MORE:  # what was cut comes first
        return Route(Step.MORE, next(iter(session.more.orders), session.last_order))
    if (
        session.pending_order
        and message.postal
        and kind in (Kind.ORDER_NUMBER, Kind.NOISE)
        and asks_postal_code
    ):
        return Route(Step.POSTAL_CODE, session.pending_order)
    if message.choice is not None and session.menu:
        if 1 <= message.choice <= len(session.menu):
            chosen = session.menu[message.choice - 1]
            return Route(Step.ORDER, chosen, "menu_choice", (chosen,))
        return Route(Step.NOT_LISTED)
    if kind is Kind.ORDER_NUMBER and intent.value:
        return Route(Step.ORDER, intent.value, "order_number", intent.numbers or (intent.value,))
    if kind is Kind.TRACKING_NUMBER and intent.value:
        return Route(Step.TRACKING, intent.value)
    if kind is Kind.QUESTION:
        return Route(Step.QUESTION)
    return Route(Step.HINT)


def plan_of(route: Route) -> Lookup:
    """What `route` reads first: the order it is about, and whether it counts a lookup.

    Counted up front only where the route counts one before anything else (an order or
    tracking number, the question); MORE counts only for an order the sender may see, so
    it asks the store itself.
    """
    match route.step:
        case Step.ORDER:
            return Lookup(order=route.number, count=True)
        case Step.TRACKING | Step.QUESTION:
            return Lookup(count=True)
        case Step.MORE | Step.POSTAL_CODE:
            return Lookup(order=route.number)
    return NO_LOOKUP
