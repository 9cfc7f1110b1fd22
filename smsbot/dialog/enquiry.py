"""Answers about orders and parcels: order numbers (several in one text), a postal code, a
tracking number, "where is my order?", MORE. Who may see what is `Access`'s to say; the
words, `replies`'. What does not fit one text is left for MORE (`Session.more`).

Until a sender may see an order, everything they are told depends only on what they typed
and their own state, never on whether the order exists.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from smsbot.channels.inbound import Kind
from smsbot.config import Settings
from smsbot.dialog.access import Access, Gate
from smsbot.dialog.menu import Menus
from smsbot.dialog.session import Reply, Turn
from smsbot.dialog.told import ToldWindows
from smsbot.eta.window import Estimator
from smsbot.lookup.gateway import CarrierGateway
from smsbot.lookup.registry import Registry
from smsbot.orders.model import Order, Shipment
from smsbot.orders.number import OrderNumbers
from smsbot.store import Continuation, Store
from smsbot.view.link import TrackingLinks
from smsbot.view.order import OrderView
from smsbot.view.package import Failure, PackageStatus
from smsbot.wording import replies
from smsbot.wording.link import with_link
from smsbot.wording.replies import Wording
from smsbot.wording.segments import segment_count, truncate


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
        #: An order number in the merchant's own shape, for hints ("like SO-1001").
        self.example = OrderNumbers(settings.bot.order_number_pattern).example()
        self._menus = Menus(settings.bot, store, lookup)

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

    async def order_numbers(self, turn: Turn, numbers: Sequence[str], intent: str) -> Reply:
        """Order numbers the sender typed (one or several in one text), or chose from a menu."""
        return await self._gated(turn, lambda: self._orders(turn, numbers, intent))

    async def _orders(
        self,
        turn: Turn,
        numbers: Sequence[str],
        intent: str,
        *,
        package_at: int = 0,
        granted: str | None = None,
    ) -> Reply:
        """`numbers` answered in one text within the segment budget, the first from its
        package `package_at` (`granted`: an order the sender has just proved they may see);
        what does not fit is left for MORE, in order.

        The caller's gate counted the first number; each further one counts a lookup of its
        own, so one text looks up no more orders than texting them one by one would.
        """
        parts: list[str] = []
        seen: list[Order] = []
        views: list[OrderView | None] = []
        changes: dict[str, Any] = {"pending_order": None, "more": Continuation()}
        limited = False
        more = replies.more_prompt(turn.wording(self._bot))
        for index, number in enumerate(numbers):
            rest = tuple(numbers[index + 1 :])
            if index and (notice := await self._counted(turn)) is not None:
                parts.extend(notice)  # the limit's notice ends the text; MORE keeps the rest
                changes["more"], limited = Continuation(orders=(number, *rest)), True
                break
            order = await self._order(turn, number)
            visible = order is not None and (number == granted or await self._may_see(turn, order))
            if order is None or not visible:
                # From here on, only `number` (as typed) and the sender's own state may show.
                wording = turn.wording(self._bot)
                asks = self._access.asks_postal_code  # one at a time; the rest come after it
                say = replies.ask_postal_code if asks else replies.order_not_found
                part, left, view = say(number, wording), None, None
            else:
                if not seen:  # "Reply MORE" in the language of the orders answered
                    more = replies.more_prompt(turn.wording(self._bot, order))
                start = package_at if index == 0 else 0
                part, left, view = await self._status(turn, order, start, more if rest else "")
            wording = turn.wording(self._bot)
            tail = f" {more}" if rest and left is None else ""
            if parts and segment_count(" ".join([*parts, part]) + tail) > wording.max_segments:
                parts.append(more)  # room for it was kept when the last part went in
                changes["more"] = Continuation(orders=(number, *rest))
                break
            parts.append(part)
            if visible and order is not None:
                seen.append(order)
                views.append(view)
            elif self._access.asks_postal_code:
                changes.update(pending_order=number, more=Continuation(orders=rest))
                intent = "verify"
                break
            if left is not None:  # the order's own packages were cut: they come first
                changes["more"] = Continuation(orders=(number, *rest), package_at=left)
                break
        text = " ".join(parts)
        budget = turn.wording(self._bot).max_segments
        # A question, or the limit's notice, ends the text: no "Reply MORE" after either.
        cut = changes["more"] and not changes["pending_order"] and not limited
        if cut and (not text.endswith(more) or segment_count(text) > budget):
            text = truncate(text.removesuffix(more).rstrip(), budget, suffix=more)
        if seen:
            changes["last_order"] = seen[-1].number
            if len(parts) == 1 and views[0] is not None:
                wording = turn.wording(self._bot, seen[0])
                text = await self._linked(text, views[0], turn, wording)
        return turn.reply(text, intent, **changes)

    async def _counted(self, turn: Turn) -> list[str] | None:
        """Count one more lookup in this text: None when allowed, else what to end with."""
        gate = await self._access.gate(turn.key, turn.now)
        if gate is Gate.OPEN:
            return None
        limited = gate is Gate.LIMITED
        return [replies.lookup_limited(turn.wording(self._bot))] if limited else []

    async def _status(
        self, turn: Turn, order: Order, start: int, tail: str
    ) -> tuple[str, int | None, OrderView | None]:
        """An order the sender may see, from package `start`, leaving room for `tail`: the
        text, the first package left out (None: none), and its view (None: not shipped)."""
        wording = turn.wording(self._bot, order)
        if order.cancelled_at is not None:
            return replies.order_cancelled(order.number, wording), None, None
        if not order.shipments:
            load, window = self._told.unshipped(order, wording.today)
            return replies.not_shipped(order.number, load, window, wording), None, None
        view = self._told.estimated(await self._track(turn, order), order, wording.today)
        text, left = replies.status_page(view, wording, start, tail=tail)
        await self._told.record(view, wording.today, turn.now)
        return text, left, view

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
        if order is not None and proved:  # then the orders the same text named after it
            numbers = (order.number, *turn.session.more.orders)
            return (await self._orders(turn, numbers, "verified", granted=pending)).redacted()
        if intent.kind is Kind.ORDER_NUMBER and intent.value:
            own = await self._store.get_order(intent.value)
            if own is not None and await self._may_see(turn, own):  # another order of theirs
                return await self.order_numbers(turn, intent.numbers, "order_number")
        wrong = await self._access.wrong_postal_code(sender=sender, key=turn.key, now=turn.now)
        wording = turn.wording(self._bot)
        if wrong.locked_out:
            text = replies.locked_out(self._bot.lockout_s, wording)
            return turn.reply(text, "locked_out", pending_order=None).redacted()
        text = replies.wrong_postal_code(pending, wrong.tries_left, wording)
        return turn.reply(text, "verify").redacted()

    async def more(self, turn: Turn) -> Reply:
        """MORE: the rest of what was cut (a menu, packages, orders), in order; with nothing
        cut, the latest events of the order last answered."""
        session = turn.session
        if session.more.menu_at and session.menu:
            return await self._menus.page(turn, session.more.menu_at)
        if session.more.orders:
            more = session.more
            return await self._gated(
                turn, lambda: self._orders(turn, more.orders, "more", package_at=more.package_at)
            )
        number = session.last_order
        order = await self._order(turn, number) if number else None
        if order is None or not await self._may_see(turn, order):
            text = replies.more_without_order(turn.wording(self._bot), self.example)
            return turn.reply(text, "more")
        return await self._gated(turn, lambda: self._history(turn, order))

    def not_listed(self, turn: Turn, choice: int) -> Reply:
        """A bare number that is not one of the open menu's choices."""
        return self._menus.not_listed(turn, choice)

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
                return await self._orders(turn, (order.number,), "tracking_number")
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
        """The sender's orders still on their way, by their phone number: one is answered,
        several get a menu."""
        found = await self._menus.on_their_way(turn.message.sender)
        if len(found) == 1:
            return await self._orders(turn, (found[0][0],), Kind.QUESTION.value)
        if found:
            return self._menus.first_page(turn, found)
        text = replies.ask_order_number(turn.wording(self._bot), self.example)
        return turn.reply(text, Kind.QUESTION.value)
