"""The tracking page's work: a token to its order's view, the view to HTML or JSON.

Built once per app (`TrackingPage(services)`); the routes in `routes` call it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from smsbot.eta.told import ToldLog
from smsbot.orders.model import Order
from smsbot.page.carriers import tracking_page
from smsbot.page.gazetteer import gazetteer
from smsbot.page.limits import RateLimiter
from smsbot.page.map import journey_svg
from smsbot.page.model import busy_note, cards, summary
from smsbot.page.render import render
from smsbot.services import Clock, Services
from smsbot.view.estimate import estimated, told
from smsbot.view.link import TrackingLinks, shown_token
from smsbot.view.order import OrderView
from smsbot.wording.calendar import age
from smsbot.wording.context import Wording
from smsbot.wording.page import page_language, page_say

log = logging.getLogger("smsbot.page")

#: The longest token the store is asked about (anything longer is not ours).
MAX_TOKEN = 64
FAQ = ("updates", "location", "stuck")


@dataclass(frozen=True)
class Found:
    """A live link's order and its view now."""

    token: str
    order: Order
    view: OrderView


class TrackingPage:
    """Resolves tokens and renders the page, the JSON and the 404."""

    def __init__(self, running: Services, clock: Clock) -> None:
        self._running = running
        self._settings = running.settings
        self._told = ToldLog(running.store)  # what `smsbot report` calibrates against
        self.clock = clock
        self.links = TrackingLinks(running.settings, running.store)
        self.gazetteer = gazetteer(running.settings.bot.default_region)
        self.limiter = RateLimiter(running.settings.page.rate_limit_per_minute)
        page = running.settings.page
        self._sms_number = page.sms_number or _sms_number(running.settings.twilio.from_number)

    async def find(self, token: str, now: datetime, *, counted: bool = True) -> Found | None:
        """The order of a live link, looked up (from the cache when fresh); None otherwise.
        With `counted`, one page view of each shipment is counted.

        Unknown, expired and revoked tokens take the same path: one store query that
        finds nothing.
        """
        store = self._running.store
        link = await store.resolve_link(token[:MAX_TOKEN], now)
        order = await store.get_order(link.order_number) if link is not None else None
        if link is None or order is None:
            return None
        view = OrderView.of(order, await self._running.gateway.track(order.shipments))
        today = now.astimezone(self._settings.bot.timezone).date()
        country = self._settings.eta.country
        view = estimated(view, self._running.eta, order=order, country=country, today=today)
        expires = self.links.expiry(view)
        if expires != link.expires_at:  # delivered since (or a new shipment): one write
            await store.expire_link(link.token, expires)
        if expires is not None and expires <= now:
            log.info("link %s for order %s has expired", shown_token(token), order.number)
            return None
        if counted:
            await store.count_views(order.number, [leg.tracking_number for leg in view.legs], now)
            told_now = [(leg.carrier, leg.tracking_number, w) for leg, w in told(view, today)]
            await self._told.keep(order.number, told_now, now)
        return Found(token, order, view)

    def language(self, view: OrderView | None, accept: str | None) -> str:
        """The page's language: the order's locale, then the browser's, then the bot's."""
        locale = view.locale if view is not None else None
        return page_language(locale, accept, self._settings.bot.language)

    def wording(self, language: str, now: datetime) -> Wording:
        bot = self._settings.bot
        return Wording(language, bot.timezone, now, bot.max_segments)

    def html(self, found: Found, language: str, now: datetime, *, reported: bool) -> str:
        """The page of `found`."""
        view, w = found.view, self.wording(language, now)
        made = []
        legs = cards(view, w, self.gazetteer)
        svg = journey_svg([card.places for card in legs], label=page_say(language, "map_label"))
        for card in legs:
            made.append({
                **card.__dict__,
                "unplaced_text": page_say(language, "unplaced", places="; ".join(card.unplaced)),
                "tracking_url": tracking_page(card.carrier_key, card.tracking_number),
                "carrier_link": page_say(language, "carrier_link", carrier=card.carrier),
            })  # fmt: skip
        name = view.first_name
        greeting = (
            page_say(language, "greeting", name=name)
            if name
            else page_say(language, "greeting_anonymous")
        )
        checked = [leg.checked_at for leg in view.legs if leg.checked_at is not None]
        return render(
            "page.html",
            lang=language,
            title=page_say(language, "title", order=view.number),
            greeting=greeting,
            summary=summary(view, w),
            busy=busy_note(view, self._running.eta.handling_load(w.today), language),
            cards=made,
            map=Markup(svg) if svg else None,  # noqa: S704 - numbers and escaped names only
            token=found.token,
            reported=reported,
            t=_table(language),
            faq=self.faq(language),
            sms_link=self._sms(language, page_say(language, "text_body", order=view.number)),
            agent_link=self._sms(language, "AGENTE" if language == "es" else "AGENT"),
            updated=page_say(language, "updated", when=age(min(checked), w)) if checked else "",
            footer=page_say(language, "footer", brand=self._settings.bot.brand),
        )

    def missing(self, language: str, *, too_many: bool = False) -> str:
        """The one page for every unknown, expired or revoked link (or too many requests)."""
        key = "too_many" if too_many else "not_found"
        return render(
            "missing.html",
            lang=language,
            title=page_say(language, f"{key}_title"),
            message=page_say(language, key),
            footer=page_say(language, "footer", brand=self._settings.bot.brand),
        )

    def unsubscribe(self, language: str, token: str, *, done: bool) -> str:
        """The unsubscribe page: the question and its button, or that it is done."""
        brand = self._settings.bot.brand
        return render(
            "unsubscribe.html",
            lang=language,
            title=page_say(language, "unsubscribe_title"),
            message=page_say(language, "unsubscribed" if done else "unsubscribe_confirm",
                             brand=brand),
            button=None if done else page_say(language, "unsubscribe_button"),
            token=token,
            footer=page_say(language, "footer", brand=brand),
        )  # fmt: skip

    def faq(self, language: str) -> list[tuple[str, str]]:
        """The micro-FAQ: the wording's questions, the merchant's answers where given."""
        own = self._settings.page.faq.get(language, {})
        return [
            (page_say(language, f"faq_{key}_q"), own.get(key) or page_say(language, f"faq_{key}_a"))
            for key in FAQ
        ]

    def json(self, found: Found) -> dict[str, Any]:
        """The JSON of the page: `OrderView.to_dict()` (no phone, e-mail or street)."""
        return found.view.to_dict()

    def _sms(self, language: str, body: str) -> str | None:
        if self._sms_number is None:
            return None
        # "?&body=" is read by both iOS and Android messaging apps.
        return f"sms:{self._sms_number}?&body={quote(body)}"


def _sms_number(sender: str | None) -> str | None:
    """The number customers text: Twilio's sender, for SMS (not a WhatsApp sender)."""
    if sender and sender.startswith("+"):
        return sender
    return None


def _table(language: str) -> dict[str, str]:
    keys = ("tracking_number", "map", "timeline", "timeline_empty", "not_received",
            "not_received_hint", "not_received_button", "not_received_sent", "actions",
            "text_us", "talk_to_person", "faq")  # fmt: skip
    return {key: page_say(language, key) for key in keys}
