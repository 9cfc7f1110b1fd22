"""The shop inbox: webhooks are stored raw first (`accept`), then processed (`process`)
right after the answer and by a background loop (`run`) that picks up whatever a crash or
a failure left PENDING.

Processing closes each event: DONE (applied, or outdated: `note` says which order), IGNORED
(a topic smsbot does not act on: logged once per topic), FLAGGED (malformed JSON or fields:
kept with the reason, listed by `smsbot check`; or applied with a problem, such as a phone
that does not parse). A fulfillment or return whose order was never seen is FLAGGED as
waiting for it (`smsbot.store.shop_orders`) and processed again when the order arrives.
A store failure, or a return that cannot be fetched now, leaves the event PENDING for the
next round; an event that keeps failing is flagged after MAX_ATTEMPTS.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from smsbot.config import Settings
from smsbot.lookup.detect import carriers_for
from smsbot.orders.number import OrderNumbers
from smsbot.orders.sources import SourceError, Sourcing
from smsbot.shops import shopify, shopify_returns, woocommerce
from smsbot.shops.shopify import Applied
from smsbot.store import InboxEvent, InboxState, Store

log = logging.getLogger("smsbot.shops")

#: How often the background loop looks for PENDING events.
POLL_S = 30.0
#: Reads of one event before it is flagged (a bug or a store that refuses it).
MAX_ATTEMPTS = 5

_ignored_topics: set[tuple[str, str]] = set()


def _utc_now() -> datetime:
    return datetime.now(UTC)


def sourcing(settings: Settings, source: str) -> Sourcing:
    """How `source` ("shopify", "woocommerce") reads orders under these settings."""
    names = settings.shopify.carriers if source == "shopify" else settings.woocommerce.carriers
    return Sourcing(
        OrderNumbers(settings.bot.order_number_pattern),
        settings.bot.default_region,
        carriers_for,
        names,
    )


@dataclass(frozen=True)
class _Outcome:
    state: InboxState
    note: str | None
    waiting_for: str | None = None  # the shop's order id the event waits for
    released: tuple[int, ...] = ()  # events that waited for the order this one brought


class ShopInbox:
    """Stores and processes shop webhooks. `http` fetches returns from Shopify's Admin API
    (a client of its own per fetch when None)."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        clock: Callable[[], datetime] = _utc_now,
        *,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self._store = store
        self._settings = settings
        self._clock = clock
        self._http = http

    async def accept(
        self, source: str, event_id: str, topic: str, shop: str, body: bytes
    ) -> int | None:
        """Store a verified webhook; its inbox id, or None for a replay."""
        return await self._store.add_inbox(
            source=source,
            event_id=event_id,
            topic=topic,
            shop=shop,
            body=body,
            received_at=self._clock(),
        )

    async def process_id(self, event_id: int) -> None:
        """Process one stored event now (after the webhook's answer); never raises."""
        try:
            event = await self._store.inbox_event(event_id)
            if event is not None and event.state is InboxState.PENDING:
                await self.process(event)
        except Exception:  # the loop will retry it
            log.exception("inbox event %s: processing failed; will retry", event_id)

    async def process(self, event: InboxEvent, *, again: bool = False) -> InboxState:
        """Apply one event and close it (or park it waiting for its order); the state it
        was closed in. Events it released (they waited for its order) are processed next.
        An event whose order arrived while it was found missing is processed once more
        (`again`); should that still not settle it, it stays PENDING for the loop."""
        outcome = await self._apply(event)
        state, note = outcome.state, outcome.note
        if outcome.waiting_for is not None:
            note = f"waiting for {event.source} order {outcome.waiting_for}, not seen yet"
            log.info("%s webhook %s (%s): %s", event.source, event.event_id, event.topic, note)
            parked = await self._store.wait_for_order(
                event.id, event.source, outcome.waiting_for, at=self._clock(), note=note
            )
            if not parked and not again:  # its order arrived meanwhile: apply it now
                return await self.process(event, again=True)
            return InboxState.FLAGGED if parked else InboxState.PENDING
        if state is InboxState.FLAGGED:
            log.warning(
                "%s webhook %s (%s, shop %s) flagged: %s",
                event.source,
                event.event_id,
                event.topic,
                event.shop,
                note,
            )
        await self._store.finish_inbox(event.id, state, at=self._clock(), note=note)
        for released in outcome.released:
            await self.process_id(released)
        return state

    async def _apply(self, event: InboxEvent) -> _Outcome:
        topic, source = event.topic, event.source
        known = shopify.TOPICS if source == "shopify" else woocommerce.TOPICS
        if topic not in known:
            if (source, topic) not in _ignored_topics:
                _ignored_topics.add((source, topic))
                log.info("%s topic %r is not acted on; ignoring it", source, topic)
            return _Outcome(InboxState.IGNORED, f"topic {topic!r} is not acted on")
        try:
            data = json.loads(event.body)
        except (ValueError, UnicodeDecodeError) as exc:
            return _Outcome(InboxState.FLAGGED, f"the body is not JSON ({exc})")
        try:
            applied = await self._applied(source, topic, data)
        except SourceError as exc:
            resource = data.get("id") if isinstance(data, dict) else None
            return _Outcome(InboxState.FLAGGED, f"{source} id {resource}: {exc}")
        if applied.waiting_for is not None:
            return _Outcome(InboxState.FLAGGED, None, waiting_for=applied.waiting_for)
        released = applied.released
        if not applied.current:
            note = f"order {applied.number}: outdated (a newer one was seen)"
            return _Outcome(InboxState.IGNORED, note, released=released)
        if applied.notes:
            return _Outcome(InboxState.FLAGGED, "; ".join(applied.notes), released=released)
        return _Outcome(InboxState.DONE, f"order {applied.number}", released=released)

    async def _applied(self, source: str, topic: str, data: object) -> Applied:
        """Apply one parsed event of a known topic; raises SourceError when unreadable,
        `shopify_returns.RetryLater` when a return cannot be fetched now."""
        rules = sourcing(self._settings, source)
        if source == "woocommerce":
            meta = self._settings.woocommerce.tracking_meta_key
            return await woocommerce.apply(
                self._store, topic, data, rules, self._clock(), meta_key=meta
            )
        if topic not in shopify.RETURN_TOPICS:
            return await shopify.apply(self._store, topic, data, rules, self._clock())
        settings = self._settings.shopify
        if self._http is not None:
            return await shopify_returns.apply_event(
                self._store, settings, self._http, topic, data, rules, self._clock()
            )
        async with httpx.AsyncClient() as http:
            return await shopify_returns.apply_event(
                self._store, settings, http, topic, data, rules, self._clock()
            )

    async def drain(self, limit: int = 100) -> int:
        """Process the PENDING events (one batch); how many were processed."""
        done = 0
        for event in await self._store.pending_inbox(limit):
            if event.attempts > MAX_ATTEMPTS:
                note = f"gave up after {MAX_ATTEMPTS} attempts"
                await self._store.finish_inbox(
                    event.id, InboxState.FLAGGED, at=self._clock(), note=note
                )
                log.error("%s webhook %s: %s", event.source, event.event_id, note)
                continue
            try:
                await self.process(event)
                done += 1
            except Exception:  # the store failed mid-way: the event stays pending
                log.exception("%s webhook %s: processing failed", event.source, event.event_id)
        return done

    async def run(self, stop: asyncio.Event, *, every_s: float = POLL_S) -> None:
        """Drain at once, then every `every_s`, until `stop` is set; errors are logged."""
        while not stop.is_set():
            try:
                await self.drain()
            except Exception:
                log.exception("could not read the shop inbox")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=every_s)
