"""Answers about orders and parcels: an order number, its postal code, a tracking number,
"where is my order?", MORE. Who may see what is `Access`'s to say; the words, `replies`'.

Until a sender may see an order, everything they are told depends only on what they typed
and their own state, never on whether the order exists.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from smsbot.channels.inbound import Kind
from smsbot.config import Settings
from smsbot.dialog.access import Access, Gate
from smsbot.dialog.session import Reply, Turn
from smsbot.dialog.told import ToldWindows
from smsbot.eta.window import Estimator
from smsbot.lookup.gateway import CarrierGateway
from smsbot.lookup.registry import Registry
from smsbot.orders.model import Order, Shipment
from smsbot.store import Store
from smsbot.view.link import TrackingLinks
from smsbot.view.order import OrderView
from smsbot.view.package import Failure, PackageStatus
from smsbot.wording import replies
from smsbot.wording.link import with_link
from smsbot.wording.replies import Wording


class Enquiries:
    """Looks orders and parcels up for a sender, within the access rules and limits."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        lookup: CarrierGateway,
        registry: Registry,
        access: Access,
        eta: Estimator | None = None,
    ) -> None:
        self._bot = settings.bot
        self._told = ToldWindows(store, eta, settings.eta.country)
        self._store = store
        self._lookup = lookup
        self._registry = registry
        self._access = access
        self._links = TrackingLinks(settings, store)

    async def _may_see(self, turn: Turn, order: Order) -> bool:
        known = turn.known_order(order.number)
        verified = known.verified if known is not None else None
        grant = await self._access.grant(
            order, sender=turn.message.sender, key=turn.key, now=turn.now, verified=verified
        )
        return grant is not None

    async def _order(self, turn: Turn, number: str) -> Order | None:
        """The order `number`: as read with the claim when it was, else from the store."""
        known = turn.known_order(number)
        return known.order if known is not None else await self._store.get_order(number)

    async def _track(self, turn: Turn, order: Order) -> OrderView:
        """The order's packages, from the cache rows read with the claim where there are."""
        known = turn.known_order(order.number)
        cached = known.tracking if known is not None else None
        return OrderView.of(order, await self._lookup.track(order.shipments, known=cached))

    async def _gated(self, turn: Turn, lookup: Callable[[], Awaitable[Reply]]) -> Reply:
        """Run `lookup` unless the sender is locked out or over the lookups-per-hour limit.

        A locked-out sender gets silence, the same for every order; one over the limit gets
        one notice, then silence until the window ends.
        """
        gate = await self._access.gate(turn.key, turn.now, turn.known)
        if gate is Gate.LOCKED_OUT:
            return turn.reply(None, "locked_out")
        if gate is Gate.LIMITED:
            return turn.reply(replies.lookup_limited(turn.wording(self._bot)), "lookup_limited")
        if gate is Gate.LIMITED_SILENT:
            return turn.reply(None, "lookup_limited")
        return await lookup()

    async def order_number(self, turn: Turn, number: str, intent: str) -> Reply:
        """An order number the sender typed (or chose from a menu)."""
        return await self._gated(turn, lambda: self._order_number(turn, number, intent))

    async def _order_number(self, turn: Turn, number: str, intent: str) -> Reply:
        order = await self._order(turn, number)
        if order is not None and await self._may_see(turn, order):
            return await self._order_status(turn, order, intent)
        # From here on, only `number` (as typed) and the sender's own state may show.
        wording = turn.wording(self._bot)
        if self._access.asks_postal_code:
            return turn.reply(
                replies.ask_postal_code(number, wording), "verify", pending_order=number
            )
        return turn.reply(replies.order_not_found(number, wording), intent)

    async def postal_code(self, turn: Turn, pending: str, answer: str) -> Reply:
        """An answer to "what is the delivery postal code of order `pending`?"."""
        intent, sender = turn.message.intent, turn.message.sender
        if await self._access.locked_out(turn.key, turn.now, turn.known):
            return turn.reply(None, "locked_out").redacted()
        if intent.value == pending:  # the order number again: ask again, no attempt used
            return turn.reply(replies.ask_postal_code(pending, turn.wording(self._bot)), "verify")
        order = await self._order(turn, pending)
        proved = await self._access.prove_postal_code(
            order, answer, sender=sender, key=turn.key, now=turn.now
        )
        if order is not None and proved:
            return (await self._order_status(turn, order, "verified")).redacted()
        if intent.kind is Kind.ORDER_NUMBER and intent.value:
            own = await self._store.get_order(intent.value)
            if own is not None and await self._may_see(turn, own):  # another order of theirs
                return await self.order_number(turn, own.number, "order_number")
        wrong = await self._access.wrong_postal_code(sender=sender, key=turn.key, now=turn.now)
        wording = turn.wording(self._bot)
        if wrong.locked_out:
            text = replies.locked_out(self._bot.lockout_s, wording)
            return turn.reply(text, "locked_out", pending_order=None).redacted()
        text = replies.wrong_postal_code(pending, wrong.tries_left, wording)
        return turn.reply(text, "verify").redacted()

    async def _order_status(self, turn: Turn, order: Order, intent: str) -> Reply:
        """The status of an order the sender may see; MORE and menus continue from it."""
        wording = turn.wording(self._bot, order)
        seen = {"pending_order": None, "last_order": order.number}
        if order.cancelled_at is not None:
            return turn.reply(replies.order_cancelled(order.number, wording), intent, **seen)
        if not order.shipments:
            load, window = self._told.unshipped(order, wording.today)
            text = replies.not_shipped(order.number, load, window, wording)
            return turn.reply(text, intent, **seen)
        view = self._told.estimated(await self._track(turn, order), order, wording.today)
        text = await self._linked(replies.status_reply(view, wording), view, turn, wording)
        await self._told.record(view, wording.today, turn.now)
        return turn.reply(text, intent, **seen)

    async def more(self, turn: Turn) -> Reply:
        """MORE: the latest events of the order last answered."""
        number = turn.session.last_order
        order = await self._order(turn, number) if number else None
        if order is None or not await self._may_see(turn, order):
            return turn.reply(replies.more_without_order(turn.wording(self._bot)), "more")
        return await self._gated(turn, lambda: self._history(turn, order))

    async def _history(self, turn: Turn, order: Order) -> Reply:
        wording = turn.wording(self._bot, order)
        if not order.shipments:
            return turn.reply(replies.no_shipments(order.number, wording), "more")
        view = await self._track(turn, order)
        text = await self._linked(replies.history_reply(view, wording), view, turn, wording)
        return turn.reply(text, "more")

    async def _linked(self, text: str, view: OrderView, turn: Turn, wording: Wording) -> str:
        """`text` with the order's tracking link, as `[links] mode` says (issue 17)."""
        return with_link(text, await self._links.url(view, turn.now), self._links.mode, wording)

    async def tracking_number(self, turn: Turn, number: str) -> Reply:
        """A tracking number the sender typed."""
        return await self._gated(turn, lambda: self._tracking_number(turn, number))

    async def _tracking_number(self, turn: Turn, number: str) -> Reply:
        """Carrier status only, unless the number belongs to an order the sender may see."""
        wording = turn.wording(self._bot)
        for order in await self._store.orders_for_tracking(number):
            if await self._may_see(turn, order):
                return await self._order_status(turn, order, "tracking_number")
        readings: dict[str, str] = {}  # carrier -> number to ask it (no USPS routing prefix)
        for match in turn.message.intent.tracking:
            readings.setdefault(match.carrier, match.trackable)
        carriers = list(readings)
        enabled = [name for name in carriers if self._registry.serves(name)]
        if len(enabled) > 1:
            # Several carriers may own it: ask them all at once and answer from the likeliest
            # (detection's order) that knows the number; when none does, ask the sender.
            packages = await self._lookup.track([Shipment(c, readings[c]) for c in enabled])
            known = [p for p in packages if p.result is not None and not p.result.problem]
            if known:
                text = replies.tracking_status(number, known[0], wording)
                return turn.reply(text, "tracking_number")
            names = [self._registry.display_name(name) for name in enabled]
            return turn.reply(replies.ask_carrier(number, names, wording), "tracking_number")
        if not enabled:
            if not carriers:
                return turn.reply(replies.tracking_unknown(number, wording), "tracking_number")
            shipment = Shipment(carriers[0], readings[carriers[0]])
            name = replies.carrier_display_name(carriers[0])
            package = PackageStatus(shipment, name, None, None, Failure.NO_ADAPTER)
            text = replies.tracking_status(number, package, wording)
            return turn.reply(text, "tracking_number")
        [package] = await self._lookup.track([Shipment(enabled[0], readings[enabled[0]])])
        return turn.reply(replies.tracking_status(number, package, wording), "tracking_number")

    async def question(self, turn: Turn) -> Reply:
        """ "Where is my order?" without a number."""
        return await self._gated(turn, lambda: self._question(turn))

    async def _question(self, turn: Turn) -> Reply:
        """The sender's open orders, by their phone number."""
        sender = turn.message.sender
        found = await self._store.open_orders(sender) if sender else []
        if len(found) == 1:
            order = await self._store.get_order(found[0][0])
            if order is not None:
                return await self._order_status(turn, order, Kind.QUESTION.value)
        wording = turn.wording(self._bot)
        if len(found) > 1:
            text, listed = replies.open_orders_menu(found, wording)
            menu = tuple(number for number, _ in found[:listed])
            return turn.reply(text, "menu", menu=menu)
        return turn.reply(replies.ask_order_number(wording), Kind.QUESTION.value)
