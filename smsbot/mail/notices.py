"""`EmailNotices`: a watcher notice for an order with an e-mail address and no mobile number.

Unsubscribed addresses get nothing (like STOP). Every e-mail carries the order's tracking
link and the unsubscribe link, so e-mail needs a public URL (`links.public_url` or
`server.public_url`); without one it stays off and says so once.
"""

from __future__ import annotations

import logging
from datetime import datetime

from smsbot.config import Settings
from smsbot.mail.compose import compose
from smsbot.mail.sender import EmailSender
from smsbot.store.api import Store
from smsbot.view.link import TrackingLinks, link_base
from smsbot.wording.languages import code_of
from smsbot.wording.page import page_say

log = logging.getLogger("smsbot.mail")
FAQ = ("updates", "location", "stuck")


class EmailNotices:
    """Sends notices by e-mail when `[email]` is configured."""

    def __init__(self, settings: Settings, store: Store, sender: EmailSender | None = None) -> None:
        self._settings = settings
        self._store = store
        self._links = TrackingLinks(settings, store)
        self.enabled = settings.email.enabled and link_base(settings) is not None
        if settings.email.enabled and not self.enabled:
            log.warning("[email] is set but no public URL is: e-mail notices are off")
        self._sender = sender or (EmailSender(settings.email) if self.enabled else None)

    async def notify(self, order_number: str, text: str, now: datetime) -> bool:
        """E-mail notice `text` to the order's address: True if sent, False when there is
        no address, it unsubscribed, or there is no link. SMTP errors propagate."""
        order = await self._store.get_order(order_number)
        if not self.enabled or self._sender is None or order is None or not order.email:
            return False
        if await self._store.email_unsubscribed(order.email):
            return False
        url = await self._links.url_for_order(order_number, now, texting=False)
        if url is None:
            return False
        bot = self._settings.bot
        language = code_of(order.locale) or code_of(bot.language) or "en"
        own = self._settings.page.faq.get(language, {})
        faq = [
            (page_say(language, f"faq_{k}_q"), own.get(k) or page_say(language, f"faq_{k}_a"))
            for k in FAQ
        ]
        message = compose(
            sender=self._settings.email.from_address or "",
            to=order.email,
            order_number=order_number,
            text=text,
            language=language,
            brand=bot.brand,
            url=url,
            unsubscribe_url=f"{url}/unsubscribe",
            faq=faq,
        )
        await self._sender.send(message)
        log.info("e-mailed a notice about order %s", order_number)
        return True
