"""The shop inbox: webhooks are stored raw first (`accept`), then processed (`process`)
right after the answer and by a background loop (`run`) that picks up whatever a crash or
a failure left PENDING.

Processing closes each event: DONE (applied, or outdated: `note` says which order), IGNORED
(a topic smsbot does not act on: logged once per topic), FLAGGED (malformed JSON or fields:
kept with the reason, listed by `smsbot check`; or applied with a problem, such as a phone
that does not parse). A store failure leaves the event PENDING for the next round; an
event that keeps failing is flagged after MAX_ATTEMPTS.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from smsbot.config import Settings
from smsbot.lookup.detect import carriers_for
from smsbot.orders.number import OrderNumbers
from smsbot.orders.sources import SourceError, Sourcing
from smsbot.shops import shopify, woocommerce
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


class ShopInbox:
    """Stores and processes shop webhooks."""

    def __init__(
        self, store: Store, settings: Settings, clock: Callable[[], datetime] = _utc_now
    ) -> None:
        self._store = store
        self._settings = settings
        self._clock = clock

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

    async def process(self, event: InboxEvent) -> InboxState:
        """Apply one event and close it; the state it was closed in."""
        state, note = await self._apply(event)
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
        return state

    async def _apply(self, event: InboxEvent) -> tuple[InboxState, str | None]:
        topic, source = event.topic, event.source
        known = shopify.TOPICS if source == "shopify" else woocommerce.TOPICS
        if topic not in known:
            if (source, topic) not in _ignored_topics:
                _ignored_topics.add((source, topic))
                log.info("%s topic %r is not acted on; ignoring it", source, topic)
            return InboxState.IGNORED, f"topic {topic!r} is not acted on"
        try:
            data = json.loads(event.body)
        except (ValueError, UnicodeDecodeError) as exc:
            return InboxState.FLAGGED, f"the body is not JSON ({exc})"
        rules = sourcing(self._settings, source)
        try:
            if source == "shopify":
                applied = await shopify.apply(self._store, topic, data, rules, self._clock())
            else:
                meta = self._settings.woocommerce.tracking_meta_key
                applied = await woocommerce.apply(
                    self._store, topic, data, rules, self._clock(), meta_key=meta
                )
        except SourceError as exc:
            resource = data.get("id") if isinstance(data, dict) else None
            return InboxState.FLAGGED, f"{source} id {resource}: {exc}"
        if not applied.current:
            return InboxState.IGNORED, f"order {applied.number}: outdated (a newer one was seen)"
        if applied.notes:
            return InboxState.FLAGGED, "; ".join(applied.notes)
        return InboxState.DONE, f"order {applied.number}"

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
