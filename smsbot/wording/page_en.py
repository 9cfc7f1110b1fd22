"""English: every sentence of the tracking page and its e-mail (issue 17), as data.

Not sent by SMS, so not limited to GSM-7. Templates are filled with `str.format`; the page
escapes every value.
"""

from __future__ import annotations

PAGE_EN: dict[str, str] = {
    "lang_name": "English",
    "title": "Order {order}",
    "greeting": "Hi {name}, here is where your order is.",
    "greeting_anonymous": "Here is where your order is.",
    "summary_nothing": "Nothing has shipped yet.",
    "summary_returns_only": "Your return is on its way back to us.",
    "summary_one_delivered": "Delivered {when}.",
    "summary_one_delivered_undated": "Delivered.",
    "summary_all_delivered": "All {count} packages delivered.",
    "summary_one": "{status}.",
    "summary_one_arriving": "{status}, arriving {when}.",
    "summary_one_expected": "{status}, expected around {when}.",
    "summary_many": "{done} of {count} packages delivered",
    "summary_many_arriving": "{open} arriving {when}",
    "summary_attention": "one needs your attention",
    "package_of": "Package {n} of {count}",
    "return": "Return",
    "tracking_number": "Tracking number",
    "status": "Status",
    "arriving": "Arriving {when}",
    "expected": "Expected around {when}",
    "was_expected": "Was expected {when}",
    "delivered_on": "Delivered {when}",
    "left_at": "Left at: {place}",
    "last_seen": "Last seen: {place}",
    "banner_delay": "Delayed by {reason}",
    "banner_new_eta": "new ETA {when}",
    "banner_attempted": "The carrier tried to deliver it and could not.",
    "banner_returning": "It is going back to the sender.",
    "banner_problem": "The carrier reports a delivery problem.",
    "carrier_says": "{carrier} says: {text}",
    "stale": "{carrier} isn't answering right now. Last update {age}.",
    "stale_no_age": "{carrier} isn't answering right now.",
    "no_answer": "{carrier} has no tracking updates yet.",
    "no_adapter": "We can't track this carrier here yet.",
    "timeline": "Scan history",
    "timeline_empty": "No scans yet.",
    "local_time": "local time",
    "map": "Journey map",
    "map_label": "Map of the places this package was scanned",
    "unplaced": "Not on the map: {places}",
    "faq": "Questions",
    "faq_updates_q": "When does tracking update?",
    "faq_updates_a": "Each time the carrier scans the package: usually when it leaves or "
    "reaches a facility. A day without a scan is normal while it travels between cities.",
    "faq_location_q": "What does the location mean?",
    "faq_location_a": "It is the carrier's facility or truck that last scanned the package, "
    "not your address. The final scan is near you on the day of delivery.",
    "faq_stuck_q": "What if it looks stuck?",
    "faq_stuck_a": "Give it two working days after the last scan. If nothing changes, text us "
    "your order number and we will ask the carrier for you.",
    "actions": "Need help?",
    "text_us": "Text us about this order",
    "text_body": "Order {order}",
    "talk_to_person": "Talk to a person",
    "not_received": "Not received?",
    "not_received_hint": "Marked delivered without a photo or signature. If it is not there, "
    "tell us and we will look into it.",
    "not_received_button": "Tell the shop it has not arrived",
    "not_received_sent": "Thanks, the shop has been told. They will contact you.",
    "carrier_link": "Track on the {carrier} site",
    "updated": "Updated {when}",
    "not_found_title": "Link not found",
    "not_found": "This tracking link is not valid any more. Text us your order number "
    "to get the latest.",
    "too_many_title": "Too many requests",
    "too_many": "Please wait a minute and try again.",
    "footer": "Tracking by {brand}",
}
