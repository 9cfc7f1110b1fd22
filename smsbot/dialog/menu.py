"""The menu of a sender's orders ("which order?"): which orders are still on their way, its
pages (MORE continues it), and a choice that is not on it.

Choices keep their number across pages, so "12" means the twelfth order listed, whichever
page showed it; a bare number beyond the menu gets a clear answer, never an order lookup.
"""

from __future__ import annotations

from collections.abc import Sequence

from smsbot.config import BotSettings
from smsbot.dialog.session import Reply, Turn
from smsbot.lookup.gateway import CarrierGateway
from smsbot.store import Continuation, Store
from smsbot.tracking import Status
from smsbot.wording import replies

#: Orders a menu holds at most: a choice is one or two digits.
MENU_MAX = 99


class Menus:
    """Menus of the orders of the sender's phone number."""

    def __init__(self, bot: BotSettings, store: Store, lookup: CarrierGateway) -> None:
        self._bot = bot
        self._store = store
        self._lookup = lookup

    async def on_their_way(self, sender: str | None) -> list[tuple[str, int]]:
        """(number, packages) of the sender's orders still on their way, newest first.

        The store lists the orders whose last status the bot saw was not "delivered" (never
        looked up counts as open); asking the carriers (cached) drops the ones delivered
        since, so a menu's count is what is really still coming. A package whose carrier
        does not answer counts as still on its way.
        """
        if not sender:
            return []
        listed = (await self._store.open_orders(sender))[:MENU_MAX]
        if len(listed) < 2:
            return listed
        # One read of the sender's orders, not one per listed order (this is a reply).
        theirs = {order.number: order for order in await self._store.orders_for_phone(sender)}
        orders = [theirs[number] for number, _ in listed if number in theirs]
        shipments = [shipment for order in orders for shipment in order.shipments]
        packages = iter(await self._lookup.track(shipments))
        coming: list[tuple[str, int]] = []
        for order in orders:
            statuses = [next(packages).result for _ in order.shipments]
            if any(result is None or result.status is not Status.DELIVERED for result in statuses):
                coming.append((order.number, len(order.shipments)))
        return coming

    def first_page(self, turn: Turn, found: Sequence[tuple[str, int]]) -> Reply:
        """The menu of `found` (at least two orders), from its start."""
        return self._page(turn, found, 0, menu=tuple(number for number, _ in found))

    async def page(self, turn: Turn, start: int) -> Reply:
        """MORE on a menu: the session's menu from entry `start` on."""
        counts = dict(await self._store.open_orders(turn.message.sender or ""))
        found = [(number, counts.get(number, 1)) for number in turn.session.menu]
        return self._page(turn, found, start, menu=turn.session.menu)

    def _page(
        self, turn: Turn, found: Sequence[tuple[str, int]], start: int, *, menu: tuple[str, ...]
    ) -> Reply:
        text, end = replies.menu_page(found, turn.wording(self._bot), start)
        more = Continuation(menu_at=end) if end < len(found) else Continuation()
        return turn.reply(text, "menu", menu=menu, more=more, pending_order=None)

    def not_listed(self, turn: Turn, choice: int) -> Reply:
        """A bare number that is not one of the menu's choices."""
        text = replies.menu_not_listed(choice, len(turn.session.menu), turn.wording(self._bot))
        return turn.reply(text, "menu_not_listed")
