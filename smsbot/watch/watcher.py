"""The shipment watcher: refresh open shipments on a schedule and text customers first.

A pass walks the due shipments in pages of whole orders (memory stays bounded however many
are watched), asks the carrier gateway about each carrier's numbers (it keeps the cache,
the batches and the pauses), judges each fresh answer (`verdicts`) and sends what it fires
(`dispatch`): customer notices through the outbox, merchant alerts through the alerts
queue, each under an idempotency key, so a restart sends nothing twice and loses nothing.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections import defaultdict
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import replace
from datetime import datetime, timedelta

from smsbot.config import Settings
from smsbot.eta.window import Estimator
from smsbot.lookup.gateway import CarrierGateway, Failed, Fresh, Postponed
from smsbot.store import CheckOutcome, Store, WatchedShipment
from smsbot.tracking import FINAL_STATUSES, TrackingResult
from smsbot.watch.dispatch import Dispatcher
from smsbot.watch.queues import AlertQueue, MessageQueue
from smsbot.watch.summary import PassSummary
from smsbot.watch.verdicts import Verdict, judge, next_check, retry_at

__all__ = ["AlertQueue", "MessageQueue", "PassSummary", "Watcher"]

log = logging.getLogger("smsbot.watch.watcher")

Clock = Callable[[], datetime]

PAGE_SIZE = 200  # shipments read from the store at once
#: Checks in one pass. New shipments are all due at once; this cap spreads the first pass
#: over several (every `watch.poll_interval_s`), and the jitter keeps them spread after.
MAX_CHECKS_PER_PASS = 2000
#: How long a watcher holds the orders of a page it checks (issue 15): other watchers sharing
#: the store skip them meanwhile; one killed mid-page loses them when this runs out.
CLAIM_LEASE = timedelta(minutes=15)


def watcher_name() -> str:
    """Who claims: host, process and a random part (a restarted process is someone new)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class Watcher:
    """Watches open shipments; `run_once()` is one pass, `run(stop)` loops until `stop`.

    Carriers are asked through `gateway`, the same one replies use, so both share one
    cache, one call per number, and the carriers' pauses.
    """

    def __init__(
        self,
        settings: Settings,
        store: Store,
        gateway: CarrierGateway,
        outbox: MessageQueue,
        alerts: AlertQueue,
        *,
        clock: Clock,
        max_checks: int = MAX_CHECKS_PER_PASS,
        page_size: int = PAGE_SIZE,
        eta: Estimator | None = None,
    ) -> None:
        self._watch = settings.watch
        self._by_email = settings.email.enabled  # orders without a phone get e-mail (issue 17)
        self._store = store
        self._gateway = gateway
        self._outbox = outbox
        self._alerts = alerts
        self._clock = clock
        self._max_checks = max_checks
        self._page_size = page_size
        self._dispatch = Dispatcher(settings, store, outbox, alerts, gateway.display_name, eta)
        self.name = watcher_name()

    # Passes

    async def run(self, stop: asyncio.Event) -> None:
        """Pass after pass every `watch.poll_interval_s`, until `stop` is set.

        The outbox and the alerts are sent by their own loops (`smsbot.background`). A failed
        pass is logged and retried at the next interval; it never ends the loop.
        """
        log.info("watcher started (a pass every %.0f s)", self._watch.poll_interval_s)
        while not stop.is_set():
            try:
                summary = await self.run_once(stop)
                if summary.checked or summary.failures:
                    log.info("watch pass: %s", summary)
            except Exception:
                log.exception("watch pass failed; trying again at the next interval")
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self._watch.poll_interval_s)
        log.info("watcher stopped")

    async def run_once(self, stop: asyncio.Event | None = None) -> PassSummary:
        """One pass over the shipments that are due now (at most `max_checks` of them)."""
        summary = PassSummary()
        after = 0
        while summary.checked + summary.failures + summary.postponed < self._max_checks:
            if stop is not None and stop.is_set():
                break
            now = self._clock()
            cutoff = now - timedelta(days=self._watch.max_age_days)
            page = await self._store.due_shipments(
                now, cutoff, after_order=after, limit=self._page_size
            )
            if not page:
                break
            after = page[-1].order_id
            # Watchers sharing the store split the work by order: check only what we won.
            orders = list(dict.fromkeys(shipment.order_id for shipment in page))
            won = await self._store.claim_orders(
                orders, owner=self.name, now=now, until=now + CLAIM_LEASE
            )
            summary.claimed_elsewhere += len(orders) - len(won)
            if not won:
                continue
            try:
                await self._check_page([s for s in page if s.order_id in won], now, summary)
            finally:
                await self._store.release_orders(list(won), owner=self.name, at=self._clock())
        await self._dispatch.deferred(self._clock, self._page_size, summary)
        return summary

    async def apply(self, results: Sequence[TrackingResult]) -> PassSummary:
        """Act on tracking pushed by a carrier, as if the watcher had just asked for it.

        A result is matched to shipments by number and carrier (an aggregator's result also
        by `service_carrier`); it is cached, and the shipments' next poll moves out.
        """
        now = self._clock()
        summary = PassSummary()
        checked: list[tuple[WatchedShipment, TrackingResult]] = []
        for result in results:
            carriers = [c for c in dict.fromkeys((result.service_carrier, result.carrier)) if c]
            shipments = await self._store.shipments_for_tracking(carriers, result.number)
            for carrier in dict.fromkeys(s.carrier for s in shipments):
                if not await self._gateway.remember(replace(result, carrier=carrier)):
                    shipments = [s for s in shipments if s.carrier != carrier]
            checked.extend((s, replace(result, carrier=s.carrier)) for s in shipments)
        outcomes = await self._act(checked, now, summary)
        await self._store.save_checks(outcomes, now)
        return summary

    # Asking the carriers

    async def _check_page(
        self, page: Sequence[WatchedShipment], now: datetime, summary: PassSummary
    ) -> None:
        by_carrier: dict[str, list[WatchedShipment]] = defaultdict(list)
        for shipment in page:
            by_carrier[shipment.carrier].append(shipment)
        answers: dict[str, dict[str, TrackingResult]] = {}
        outcomes: list[CheckOutcome] = []
        # Carriers are asked side by side: a slow or failing one does not hold up the others.
        async with asyncio.TaskGroup() as group:
            for carrier, shipments in by_carrier.items():
                answers[carrier] = {}
                group.create_task(
                    self._ask(carrier, shipments, now, answers[carrier], outcomes, summary)
                )
        checked = [
            (shipment, answers[shipment.carrier][shipment.tracking_number])
            for shipment in page
            if shipment.tracking_number in answers[shipment.carrier]
        ]
        outcomes.extend(await self._act(checked, now, summary))
        await self._store.save_checks(outcomes, now)

    async def _ask(
        self,
        carrier: str,
        shipments: Sequence[WatchedShipment],
        now: datetime,
        answers: dict[str, TrackingResult],
        outcomes: list[CheckOutcome],
        summary: PassSummary,
    ) -> None:
        """Fill `answers` for `carrier`'s shipments; a shipment without one gets a retry time.

        Never raises: one carrier's trouble must not cancel the others' tasks.
        """
        numbers = [s.tracking_number for s in shipments]
        try:
            refreshed = await self._gateway.refresh(carrier, numbers)
        except Exception:  # a store bug: log it, retry these later
            log.exception("watching %s failed", carrier)
            refreshed = {}
        for shipment in shipments:
            match refreshed.get(shipment.tracking_number):
                case Fresh(result, from_cache):
                    answers[shipment.tracking_number] = result
                    summary.from_cache += from_cache
                case Postponed(until):
                    summary.postponed += 1
                    outcomes.append(
                        CheckOutcome(shipment.shipment_id, until, failures=shipment.failures)
                    )
                case failed:
                    summary.failures += 1
                    failures = shipment.failures + 1
                    error = failed.detail if isinstance(failed, Failed) else "internal error"
                    outcomes.append(
                        CheckOutcome(
                            shipment.shipment_id,
                            retry_at(failures, now),
                            failures=failures,
                            last_error=error,
                        )
                    )

    async def _act(
        self,
        checked: Sequence[tuple[WatchedShipment, TrackingResult]],
        now: datetime,
        summary: PassSummary,
    ) -> list[CheckOutcome]:
        """Judge fresh answers, send what they fire order by order; the next checks."""
        by_order: dict[int, list[Verdict]] = defaultdict(list)
        for shipment, result in checked:
            summary.checked += 1
            verdict = judge(shipment, result, now, self._watch, by_email=self._by_email)
            by_order[shipment.order_id].append(verdict)
        outcomes = []
        for verdicts in by_order.values():
            told = await self._dispatch.tell(verdicts, now, summary)
            for verdict in verdicts:
                shipment, status = verdict.shipment, verdict.result.status
                # A final status whose notice could not be queued stays open, so that the
                # next check fires it again rather than never.
                closed = status in FINAL_STATUSES and (told or verdict.tell is None)
                outcomes.append(
                    CheckOutcome(
                        shipment.shipment_id,
                        next_check(shipment, status, now, self._watch),
                        closed=closed,
                        first_scan_at=verdict.first_scan_at,
                        last_scan_at=verdict.last_scan_at,
                    )
                )
        return outcomes
