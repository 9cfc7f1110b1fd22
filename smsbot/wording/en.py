"""English: every sentence smsbot says, as data. Merchants may edit it; keep it GSM-7."""

from __future__ import annotations

from smsbot.tracking import DelayReason, Status
from smsbot.view.step import NextStep
from smsbot.wording.table import Language

ENGLISH = Language(
    code="en",
    replies={
        "order": "Order {order}: {body}",
        "order_return": "Order {order}: {body}",
        "tracking": "Tracking {number}: {body}",
        "order_many": "Order {order}, {count} packages: {items}",
        "item": "{n}) {carrier}: {phrase}.",
        "item_return": "{n}) Your return ({carrier}): {phrase}.",
        "more": "Reply MORE for the rest.",
        "in_transit": "{status} with {carrier}{eta}.",
        "out_for_delivery": "{status} with {carrier} {when}.",
        "delivered": "{status} {when}{where}.",
        "delivered_undated": "{status}{where}.",
        "pickup": "{status} from {carrier}{at}.",
        "attempted": "{status} by {carrier}.",
        "attempted_next": "Next try {when}.",
        "attempted_hint": "Check the notice they left, or contact {carrier} to reschedule.",
        "label_created": "{status}, waiting for {carrier} to pick it up.",
        "pending": "{status} from {carrier}.",
        "not_found": "{carrier} has no tracking updates yet.",
        "invalid_number": "{carrier} doesn't recognize this tracking number.",
        "returning": "{status} with {carrier}. Reply HELP if you didn't expect this.",
        "exception": "{status} with {carrier}{near}.",
        "exception_hint": "Contact {carrier} or reply HELP.",
        "carrier_says": "{carrier} says: {text}.",
        "unknown_blank": "No clear update from {carrier} yet.",
        "delayed": "Delayed by {reason}{near}.",
        "new_eta": "New ETA {when}.",
        "sorry": "Sorry!",
        "failed": "{carrier} isn't answering right now, so we can't see the latest update. "
        "Try again in a few minutes.",
        "failed_stale": "{carrier} isn't answering right now. Last update ({age}): {phrase}.",
        "failed_stale_no_age": "{carrier} isn't answering right now. Last update: {phrase}.",
        "no_adapter": "We can't track this carrier yet.",
        # compact phrases: one package in a list, or the last update of a stale one
        "c_status_when": "{status} {when}",
        "c_delayed": "Delayed by {reason}{eta}",
        "c_failed": "Not answering right now, try again soon",
        "c_stale": "Not answering right now; last update ({age}): {phrase}",
        "c_stale_no_age": "Not answering right now; last update: {phrase}",
        "c_no_adapter": "Can't track this carrier yet",
        "c_invalid": "Tracking number not recognized",
        # fragments
        "eta": ", arriving {when}",
        "eta_estimated": ", expected around {when}",
        "eta_past": ", was expected {when}",
        "eta_short": ", ETA {when}",
        "eta_short_estimated": ", ETA around {when}",
        "new_eta_short": ", new ETA {when}",
        "next_try_short": ", next try {when}",
        "near": " near {place}",
        "at": " at {place}",
        "where": " ({place})",
        # days, times, ages, lists
        "today": "today",
        "tomorrow": "tomorrow",
        "on_day": "{day}",
        "day_time": "{day}, {time}",
        "window": "{day}, {start}-{end}",
        "window_from": "{day}, after {start}",
        "window_until": "{day}, by {end}",
        "range": "{first}-{last}",
        "by": "by {day}",
        "day": "{weekday} {month} {d}",
        "day_year": "{weekday} {month} {d}, {year}",
        "time": "{h12}:{mm} {ampm}",
        "am": "AM",
        "pm": "PM",
        "age_minutes": "{n} min ago",
        "age_hours": "{n} h ago",
        "age_day": "1 day ago",
        "age_days": "{n} days ago",
        "or": "{rest} or {last}",
        # conversation
        "order_not_found": "We couldn't find order {order} for this number. "
        "Check the number, or reply HELP.",
        "no_shipments": "Order {order} hasn't shipped yet. Check back soon, or reply HELP.",
        "ask_order_number": "Please text your order number{example} and we'll look it up.",
        "tracking_unknown": "We couldn't match {number} to a carrier. "
        "Check it, or text your order number instead.",
        "ask_carrier": "Which carrier is {number}: {carriers}? Reply with the name.",
        "ask_carrier_any": "Which carrier is {number}? Reply with the name.",
        "help": "{brand}: Text your order number{example} or a tracking number to see "
        "where it is. Help: {contact}. Reply STOP to opt out.",
        "usage_hint": "Text your order number{example} to get its status.",
        "opted_out": "You're unsubscribed and won't get more messages. Reply START to rejoin.",
        "opted_in": "You're subscribed again. Text your order number any time.",
        "rate_limited": "You've sent a lot of messages. Please wait a few minutes and try again.",
        "unavailable": "Sorry, something went wrong on our side. "
        "Please try again in a few minutes.",
        # verification, limits, menus, MORE, a person
        "ask_postal_code": "To protect your privacy, please reply with the delivery ZIP or "
        "postal code of order {order}.",
        "wrong_postal_code": "That doesn't match order {order}. Please reply with its delivery "
        "ZIP or postal code. Tries left: {left}.",
        "locked_out": "Too many wrong answers. For security, order lookups from this number "
        "are paused for {minutes} min. Reply HELP for support.",
        "lookup_limited": "You've checked a lot of orders. Please try again in an hour.",
        "menu": "You have {count} open orders. Reply {choices}.",
        "menu_item": "{n} for #{order}",
        "menu_item_many": "{n} for #{order} ({packages} packages)",
        "menu_join": ", ",
        "history": "Order {order} updates: {items}",
        "history_package": "{n}) {carrier}: {events}",
        "history_event": "{when}, {place}: {text}.",
        "history_event_noplace": "{when}: {text}.",
        "history_when": "{day} {time}",
        "history_none": "{phrase}.",
        "more_without_order": "Text your order number first{example}, then MORE for its "
        "latest updates.",
        "escalated": "Thanks! A person from {brand} will text you back soon.",
        "escalation_unavailable": "To reach a person, please contact {contact}.",
        "escalation_pending": "We've already passed your message to the {brand} team. "
        "They will text you soon.",
        # orders that flow in live (issue 16)
        "order_cancelled": "Order {order} was cancelled, so it won't ship. Questions? Reply HELP.",
        # the tracking link, appended to a text about an order (issue 17)
        "link": " Details: {url}",
        # the optional CSAT survey after delivery (issue 18)
        "csat_question": "Order {order} was delivered. How did we do? Reply 1-5 (5 = great).",
        "csat_thanks": "Thanks for your rating!",
        "csat_thanks_low": "Thanks for telling us. Sorry it was not better: reply AGENT to "
        "reach a person.",
        # a conversation with no dead ends (issue 14)
        "example": " (like {number})",
        "return_leg": "Your return ({carrier}): {phrase}.",
        "r_label_created": "label created, not yet dropped off",
        "r_in_transit": "on its way back to us",
        "r_delivered": "back with us",
        "menu_more": "You have {count} open orders. Reply {choices}. Reply MORE for the rest.",
        "menu_not_listed": "{choice} isn't on the list. Reply a number from 1 to {last}, "
        "or text your order number.",
        "order_return_unanswered": "Order {order}, your return: {body}",
        # learned windows, told as estimates (issue 19)
        "usual": ", usually arrives {when} (estimate)",
        "usual_beside": " (usually {when}, our estimate)",
        "usual_sentence": " Usually arrives {when} (estimate).",
        "c_usual": ", usually {when} (est.)",
        "busy": " High order volume: ships in {days} business days.",
        "busy_one": " High order volume: ships in 1 business day.",
        "no_shipments_usual": "Order {order} hasn't shipped yet.{busy}{usual} Check back soon, "
        "or reply HELP.",
        "checkout": "Order now, arrives {when}",
    },
    notices={
        "shipped": "Order {order} has shipped with {carrier}{eta}. Text {order} for updates.",
        "out_for_delivery": "Order {order} is out for delivery with {carrier} {when}.",
        "pickup": "Order {order} is ready for pickup from {carrier}{at}.",
        "delayed": "Order {order}: Delayed by {reason}{near}.{eta} {action}",
        "problem": "Order {order}: Delivery problem with {carrier}{near}. {action}",
        "attempted": "Order {order}: {carrier} tried to deliver it but couldn't. {action}",
        "returning": "Order {order} is being returned to us by {carrier}. "
        "Reply HELP if you didn't expect this.",
        "stalled": "Order {order}: Sorry, no new scan from {carrier} since {day}{reason}.{near} "
        "We're on it.{credit}",
        "delivered": "Order {order}: Delivered by {carrier} {when}{where}.",
        "checkin": "Order {order}: {carrier} shows it delivered {day}. If you can't find it, "
        "reply AGENT and we'll help.",
        "also": "Also {carrier}: {phrase}.",
        # fragments
        "eta": ", arriving {when}",
        "eta_estimated": ", expected around {when}",
        "new_eta": " New ETA {when}.",
        "near": " near {place}",
        "at": " at {place}",
        "where": " ({place})",
        "last_seen": " Last seen near {place}.",
        "stall_reason": " ({reason})",
        "credit": " Use {code} for {offer}.",
        "credit_plain": " Use code {code} on your next order.",
        "carrier_says": "{carrier} says: {text}.",
        "contact": "Contact {carrier} or reply HELP.",
        # compact phrases for "Also"
        "c_shipped": "shipped{eta}",
        "c_eta": ", ETA {when}",
        "c_out_for_delivery": "out for delivery today",
        "c_pickup": "ready for pickup",
        "c_delayed": "delayed by {reason}",
        "c_problem": "delivery problem",
        "c_stalled": "no new scan since {day}",
        "c_delivered": "delivered{where}",
        # return legs (the customer sends an item back)
        "return_shipped": "Order {order}: Your return is on its way to us with {carrier}. "
        "We'll text you when it arrives.",
        "return_stalled": "Order {order}: Your return has had no new scan from {carrier} "
        "since {day}. We're keeping an eye on it.",
        "return_received": "Order {order}: We received your return. Thank you!",
        "c_return_shipped": "your return is on its way",
        "c_return_stalled": "your return has had no new scan since {day}",
        "c_return_received": "we received your return",
        # learned windows, told as estimates (issue 19)
        "usual": ", usually arriving {when} (estimate)",
        "usual_beside": " (usually {when}, our estimate)",
        "c_usual": ", usually {when}",
    },
    statuses={
        Status.PENDING: "No tracking updates yet",
        Status.LABEL_CREATED: "Label created",
        Status.IN_TRANSIT: "In transit",
        Status.OUT_FOR_DELIVERY: "Out for delivery",
        Status.AVAILABLE_FOR_PICKUP: "Ready for pickup",
        Status.DELIVERY_ATTEMPTED: "Delivery attempted",
        Status.DELIVERED: "Delivered",
        Status.EXCEPTION: "Delivery problem",
        Status.RETURNING: "Returning to sender",
        Status.UNKNOWN: "No clear update yet",  # replies show the carrier's text when given
    },
    delays={
        DelayReason.WEATHER: "severe weather",
        DelayReason.CUSTOMS: "a customs hold",
        DelayReason.ADDRESS: "an address problem",
        DelayReason.RECIPIENT_UNAVAILABLE: "no one being available to receive it",
        DelayReason.REFUSED: "being refused",
        DelayReason.DAMAGED: "damage",
        DelayReason.LOST: "the carrier losing track of it",
        DelayReason.HELD_FOR_PAYMENT: "unpaid duties or fees",
        DelayReason.CARRIER_DELAY: "a carrier delay",
        DelayReason.HOLIDAY: "a holiday",
        DelayReason.SECURITY: "a security check",
        DelayReason.OTHER: "a problem",
    },
    steps={
        NextStep.FIX_ADDRESS: "Contact {carrier} to fix the address.",
        NextStep.PAY_FEES: "Pay the fees to {carrier} to release it.",
        NextStep.ARRANGE_DELIVERY: "Contact {carrier} to reschedule or pick it up.",
    },
    weekdays=("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    months=("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
)
