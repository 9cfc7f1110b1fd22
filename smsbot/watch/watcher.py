"""The shipment watcher: refresh open shipments on a schedule and text customers first.

A pass walks the due shipments in pages of whole orders (memory stays bounded however many
are watched), asks each carrier in modest batches (its adapter keeps the request budget),
and acts on what it learns: customer notices through the outbox, merchant alerts through
the alerts queue. Every trigger is enqueued under an idempotency key
(`watch:<shipment id>:<trigger>`) and recorded right after, so a restart at any point sends
nothing twice (the outbox refuses a key it has seen) and loses nothing (an unrecorded
trigger is found again on the next check).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol

from smsbot.config import Settings
from smsbot.errors import CarrierError, CarrierRateLimited
from smsbot.lookup.registry import Registry
from smsbot.store import CheckOutcome, Store, TriggerState, WatchedShipment
from smsbot.tracking import FINAL_STATUSES, Status, TrackingResult
from smsbot.wording.notices import (
    EXCEPTION_STATUSES,
    PRIORITY,
    Credit,
    News,
    Trigger,
    checkin_notice,
    language_of,
    order_notice,
)
from smsbot.wording.replies import Wording

log = logging.getLogger("smsbot.watch.watcher")

Clock = Callable[[], datetime]

#: Numbers per carrier call. FedEx takes 30 per request; the others are asked one number
#: per request inside the adapter, so a batch is how many calls run at once at most.
BATCH_SIZES: dict[str, int] = {"fedex": 30}
DEFAULT_BATCH = 10
PAGE_SIZE = 200  # shipments read from the store at once
#: Checks in one pass. New shipments are all due at once; this cap spreads the first pass
#: over several (every `watch.poll_interval_s`), and the jitter keeps them spread after.
MAX_CHECKS_PER_PASS = 2000
JITTER = 0.1  # each order's refresh interval is stretched or shrunk by up to 10 %
RETRY_BASE = timedelta(minutes=5)  # first retry after a failed check; doubles per failure
RETRY_MAX = timedelta(hours=6)
NO_ADAPTER_RETRY = timedelta(hours=24)  # a carrier nobody serves: look again tomorrow
RATE_LIMIT_DEFAULT_S = 60.0  # a 429 without Retry-After
FRESH_NEWS = timedelta(hours=48)  # a delivery older than this is not news any more
STOP_GRACE_S = 10.0  # how long `serve` waits for a pass to end at shutdown

#: Statuses that are not a carrier scan: the label exists, nothing moved yet.
PRE_SCAN = frozenset({Status.PENDING, Status.LABEL_CREATED, Status.UNKNOWN})


class MessageQueue(Protocol):
    """The outbox, as the watcher uses it (`smsbot.outbox.Outbox`)."""

    async def enqueue(
        self, *, to: str, channel: str, body: str, key: str, order_number: str | None = None
    ) -> bool: ...

    async def send_due(self) -> int: ...


class AlertQueue(Protocol):
    """The merchant alerts, as the watcher uses them (`smsbot.alerts.Alerts`)."""

    async def raise_alert(
        self,
        *,
        key: str,
        kind: str,
        order_number: str,
        carrier: str,
        tracking_number: str,
        status: str,
        phone: str | None,
        detail: str,
    ) -> bool: ...

    async def deliver_due(self) -> int: ...


@dataclass
class PassSummary:
    """What one pass (or one push) did; printed by `smsbot watch --once`."""

    checked: int = 0  # shipments with a fresh answer (from the carrier or the cache)
    from_cache: int = 0  # ...of which the answer came from the tracking cache
    messages: int = 0  # customer messages queued
    alerts: int = 0  # merchant alerts raised
    failures: int = 0  # shipments whose carrier call failed (retried with backoff)
    postponed: int = 0  # shipments not asked: their carrier is paused or not served

    def __str__(self) -> str:
        return (
            f"{self.checked} shipments checked ({self.from_cache} from the cache), "
            f"{self.messages} messages queued, {self.alerts} alerts, "
            f"{self.failures} failures, {self.postponed} postponed"
        )


@dataclass
class Verdict:
    """What one fresh answer means for one shipment."""

    shipment: WatchedShipment
    result: TrackingResult
    tell: Trigger | None = None  # the customer news to send
    done: dict[str, TriggerState] = field(default_factory=dict)  # trigger -> state to record
    alerts: list[Trigger] = field(default_factory=list)
    checkin_at: datetime | None = None
    first_scan_at: datetime | None = None
    last_scan_at: datetime | None = None


class Watcher:
    """Watches open shipments; `run_once()` is one pass, `run(stop)` loops until `stop`."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        registry: Registry,
        outbox: MessageQueue,
        alerts: AlertQueue,
        *,
        clock: Clock,
        max_checks: int = MAX_CHECKS_PER_PASS,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self._settings = settings
        self._watch = settings.watch
        self._store = store
        self._registry = registry
        self._outbox = outbox
        self._alerts = alerts
        self._clock = clock
        self._max_checks = max_checks
        self._page_size = page_size
        # Per carrier, in memory: when it may be called again, and its failures in a row.
        self._carrier_until: dict[str, datetime] = {}
        self._carrier_failures: dict[str, int] = {}
        self._unserved: set[str] = set()

    # Passes

    async def run(self, stop: asyncio.Event) -> None:
        """Pass after pass every `watch.poll_interval_s`, until `stop` is set.

        Also sends what the outbox and the alerts have due. A failed pass is logged and
        retried at the next interval; it never ends the loop.
        """
        log.info("watcher started (a pass every %.0f s)", self._watch.poll_interval_s)
        while not stop.is_set():
            try:
                summary = await self.run_once(stop)
                if summary.checked or summary.failures:
                    log.info("watch pass: %s", summary)
                await self._outbox.send_due()
                await self._alerts.deliver_due()
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
            await self._check_page(page, now, summary)
            after = page[-1].order_id
        await self._deferred(summary)
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
                cached = await self._store.cached_tracking(carrier, result.number)
                if cached is not None and _older(result, cached.result):
                    # Pushes arrive late and out of order: never go back in time.
                    log.info("%s: ignored a push older than what we know", carrier)
                    shipments = [s for s in shipments if s.carrier != carrier]
                    continue
                await self._store.save_tracking(replace(result, carrier=carrier), now)
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
        numbers = list(dict.fromkeys(s.tracking_number for s in shipments))
        postponed: dict[str, datetime] = {}
        failed: dict[str, str] = {}
        try:
            wanted = []
            for number in numbers:
                cached = await self._store.cached_tracking(carrier, number)
                if cached is not None and self._fresh(cached.result, cached.checked_at, now):
                    answers[number] = cached.result
                    summary.from_cache += 1
                else:
                    wanted.append(number)
            size = BATCH_SIZES.get(carrier, DEFAULT_BATCH)
            for start in range(0, len(wanted), size):
                await self._ask_batch(
                    carrier, wanted[start : start + size], now, answers, postponed, failed
                )
        except Exception:  # an adapter or store bug: log it, retry these later
            log.exception("watching %s failed", carrier)
            failed.update((n, "internal error") for n in numbers if n not in answers)
        for shipment in shipments:
            number = shipment.tracking_number
            if number in answers:
                continue
            if number in postponed:
                summary.postponed += 1
                outcomes.append(
                    CheckOutcome(
                        shipment.shipment_id, postponed[number], failures=shipment.failures
                    )
                )
                continue
            summary.failures += 1
            failures = shipment.failures + 1
            outcomes.append(
                CheckOutcome(
                    shipment.shipment_id,
                    now + _backoff(failures),
                    failures=failures,
                    last_error=failed.get(number, "no answer"),
                )
            )

    async def _ask_batch(
        self,
        carrier: str,
        batch: Sequence[str],
        now: datetime,
        answers: dict[str, TrackingResult],
        postponed: dict[str, datetime],
        failed: dict[str, str],
    ) -> None:
        until = self._carrier_until.get(carrier)
        if until is not None and until > now:
            postponed.update(dict.fromkeys(batch, until))
            return
        try:
            results = await self._registry.track(carrier, batch)
        except CarrierRateLimited as exc:
            wait = RATE_LIMIT_DEFAULT_S if exc.retry_after is None else exc.retry_after
            self._carrier_until[carrier] = now + timedelta(seconds=wait)
            postponed.update(dict.fromkeys(batch, self._carrier_until[carrier]))
            log.warning("%s is rate-limiting us; pausing it for %.0f s", carrier, wait)
            return
        except KeyError:
            if carrier not in self._unserved:
                self._unserved.add(carrier)
                log.warning(
                    "no adapter serves carrier %r (enable [carriers.%s] or route it in "
                    "[routing]); its shipments are looked at again daily",
                    carrier,
                    carrier,
                )
            postponed.update(dict.fromkeys(batch, now + NO_ADAPTER_RETRY))
            return
        except CarrierError as exc:
            self._carrier_failed(carrier, now, str(exc))
            failed.update(dict.fromkeys(batch, str(exc)))
            return
        self._carrier_failures.pop(carrier, None)
        self._carrier_until.pop(carrier, None)
        for number in batch:
            result = results.get(number)
            if result is None:
                failed[number] = "the adapter gave no result for it"
                continue
            result = result if result.carrier == carrier else replace(result, carrier=carrier)
            await self._store.save_tracking(result, now)
            answers[number] = result

    def _carrier_failed(self, carrier: str, now: datetime, error: str) -> None:
        """Back off the whole carrier: 5 min after a failed call, doubling up to 6 h."""
        count = self._carrier_failures.get(carrier, 0) + 1
        self._carrier_failures[carrier] = count
        self._carrier_until[carrier] = now + _backoff(count)
        log.warning("%s failed (%s); not asking it again for %s", carrier, error, _backoff(count))

    def _fresh(self, result: TrackingResult, checked_at: datetime, now: datetime) -> bool:
        """Whether a cached answer is recent enough to act on without asking again."""
        tracking = self._settings.tracking
        final = result.status in FINAL_STATUSES
        ttl = tracking.delivered_cache_ttl_s if final else tracking.cache_ttl_s
        return now - checked_at < timedelta(seconds=ttl)

    def _next_check(self, shipment: WatchedShipment, status: Status, now: datetime) -> datetime:
        minutes = self._watch.refresh_minutes.get(status.value)
        if minutes is None:
            minutes = self._watch.refresh_minutes.get("unknown", 360.0)
        # The same stretch for every shipment of an order keeps them due together.
        spread = ((shipment.order_id * 2654435761) % 2**32) / 2**32
        return now + timedelta(minutes=minutes * (1 + JITTER * (2 * spread - 1)))

    # Triggers

    def _judge(self, shipment: WatchedShipment, result: TrackingResult, now: datetime) -> Verdict:
        """Which triggers a fresh answer fires for a shipment (nothing is sent here)."""
        watch = self._watch
        verdict = Verdict(shipment, result)
        scans = [event for event in result.events if event.status not in PRE_SCAN]
        if scans:
            verdict.first_scan_at = scans[0].time
            # After a first real scan, an event with a code the adapter does not map is
            # still the carrier touching the parcel: it counts against "stalled".
            since_first = [e for e in result.events if e.time >= scans[0].time]
            verdict.last_scan_at = since_first[-1].time
        scanned = result.problem is None and (bool(scans) or result.status not in PRE_SCAN)
        # A parcel scanned before stays scanned when the carrier briefly forgets it.
        was_scanned = shipment.first_scan_at is not None or "shipped" in shipment.fired
        news: list[Trigger] = []
        if result.problem is None:
            status = result.status
            if status is Status.DELIVERED:
                news.append(Trigger.DELIVERED)
            elif status in EXCEPTION_STATUSES or (
                status is Status.IN_TRANSIT and result.delay_reason is not None
            ):
                news.append(Trigger.EXCEPTION)
            elif status in (Status.OUT_FOR_DELIVERY, Status.AVAILABLE_FOR_PICKUP):
                news.append(Trigger.OUT_FOR_DELIVERY)
            elif status is Status.IN_TRANSIT and self._stalled(verdict.last_scan_at, now):
                news.append(Trigger.STALLED)
            if scanned:
                news.append(Trigger.SHIPPED)
        fresh = sorted((t for t in news if t.value not in shipment.fired), key=PRIORITY.index)
        if fresh:
            # One message per shipment per pass: the rest is said by it (or no longer news).
            verdict.tell = fresh[0]
            verdict.done.update((t.value, TriggerState.ABSORBED) for t in fresh[1:])
        delivered_now = verdict.tell is Trigger.DELIVERED
        if delivered_now and self._old_delivery(result, now):
            verdict.done[Trigger.DELIVERED.value] = TriggerState.SKIPPED
            verdict.tell, delivered_now = None, False
        if verdict.tell is not None and not shipment.phone:
            verdict.done[verdict.tell.value] = TriggerState.SKIPPED
            verdict.tell = None
        label_age = now - self._label_time(shipment, result)
        if (
            not scanned
            and not was_scanned
            and Trigger.LABEL_NOT_SCANNED.value not in shipment.fired
            and label_age >= timedelta(hours=watch.label_scan_alert_h)
        ):
            verdict.alerts.append(Trigger.LABEL_NOT_SCANNED)
        proof_expected = shipment.carrier in watch.proof_carriers
        if delivered_now and proof_expected and not result.proof_of_delivery:
            verdict.alerts.append(Trigger.NO_PROOF)
            if watch.delivery_checkin and shipment.phone:
                delivered = result.delivered_at or now
                later = delivered + timedelta(hours=watch.delivery_checkin_after_h)
                verdict.checkin_at = max(later, now)
        return verdict

    def _stalled(self, last_scan_at: datetime | None, now: datetime) -> bool:
        if last_scan_at is None:
            return False
        return now - last_scan_at >= timedelta(hours=self._watch.stall_after_h)

    @staticmethod
    def _old_delivery(result: TrackingResult, now: datetime) -> bool:
        moment = result.delivered_at or (result.last_event.time if result.last_event else None)
        return moment is not None and now - moment > FRESH_NEWS

    @staticmethod
    def _label_time(shipment: WatchedShipment, result: TrackingResult) -> datetime:
        """When the label was made: the ship date, else the label event, else the order."""
        if shipment.shipped_at is not None:
            return shipment.shipped_at
        labels = [e.time for e in result.events if e.status is Status.LABEL_CREATED]
        return labels[0] if labels else shipment.order_created_at

    async def _act(
        self,
        checked: Sequence[tuple[WatchedShipment, TrackingResult]],
        now: datetime,
        summary: PassSummary,
    ) -> list[CheckOutcome]:
        """Judge fresh answers, send what they fire order by order; the next checks."""
        by_order: dict[int, list[Verdict]] = defaultdict(list)
        outcomes = []
        for shipment, result in checked:
            summary.checked += 1
            verdict = self._judge(shipment, result, now)
            by_order[shipment.order_id].append(verdict)
            outcomes.append(
                CheckOutcome(
                    shipment.shipment_id,
                    self._next_check(shipment, result.status, now),
                    closed=result.status in FINAL_STATUSES,
                    first_scan_at=verdict.first_scan_at,
                    last_scan_at=verdict.last_scan_at,
                )
            )
        for verdicts in by_order.values():
            await self._tell(verdicts, now, summary)
        return outcomes

    async def _tell(self, verdicts: Sequence[Verdict], now: datetime, summary: PassSummary) -> None:
        """One order: its customer message (merged), its alerts, then the record of both."""
        telling = [v for v in verdicts if v.tell is not None]
        if telling:
            # Ties go to the lowest shipment id, so a pass repeated after a crash picks the
            # same lead, hence the same outbox key, and sends nothing twice.
            lead = min(telling, key=lambda v: (PRIORITY.index(v.tell), v.shipment.shipment_id))
            order = lead.shipment
            news = [
                News(
                    v.tell,
                    v.result,
                    self._registry.display_name(v.shipment.carrier),
                    v.last_scan_at,
                )
                for v in telling
                if v.tell is not None
            ]
            body = order_notice(order.order_number, news, self._wording(order, now), self._credit())
            key = f"watch:{order.shipment_id}:{lead.tell}"
            state = await self._enqueue(order, body, key)
            if state is None:
                summary.failures += 1
                return  # nothing recorded: the next check finds the same triggers again
            summary.messages += state == "queued"
            for v in telling:
                v.done[str(v.tell)] = (
                    TriggerState.SKIPPED if state == "skipped" else TriggerState.SENT
                )
        for verdict in verdicts:
            for kind in verdict.alerts:
                try:
                    summary.alerts += await self._raise(verdict, kind)
                except Exception:  # not recorded: raised again at the next check
                    log.exception(
                        "could not raise the %s alert of order %s",
                        kind,
                        verdict.shipment.order_number,
                    )
                    summary.failures += 1
                    continue
                verdict.done[kind.value] = TriggerState.SENT
        done = {v.shipment.shipment_id: v.done for v in verdicts if v.done}
        later = {
            v.shipment.shipment_id: {Trigger.CHECKIN.value: v.checkin_at}
            for v in verdicts
            if v.checkin_at is not None
        }
        if done or later:
            await self._store.record_triggers(done, now, scheduled=later)

    async def _raise(self, verdict: Verdict, kind: Trigger) -> bool:
        shipment, result = verdict.shipment, verdict.result
        if kind is Trigger.LABEL_NOT_SCANNED:
            detail = f"label created but no carrier scan after {self._watch.label_scan_alert_h:g} h"
        else:
            detail = "delivered without a photo or signature"
        return await self._alerts.raise_alert(
            key=f"watch:{shipment.shipment_id}:{kind}",
            kind=kind.value,
            order_number=shipment.order_number,
            carrier=shipment.carrier,
            tracking_number=shipment.tracking_number,
            status=result.status.value,
            phone=shipment.phone,
            detail=detail,
        )

    async def _deferred(self, summary: PassSummary) -> None:
        """Send the scheduled triggers that have come due (the delivery check-in)."""
        while True:
            now = self._clock()
            due = await self._store.due_triggers(now, limit=self._page_size)
            if not due:
                return
            for shipment, kind in due:
                state = await self._send_deferred(shipment, kind, now)
                if state is None:
                    return  # the outbox failed; the rest waits for the next pass
                summary.messages += state == "queued"
                recorded = TriggerState.SKIPPED if state == "skipped" else TriggerState.SENT
                await self._store.record_triggers({shipment.shipment_id: {kind: recorded}}, now)

    async def _send_deferred(
        self, shipment: WatchedShipment, kind: str, now: datetime
    ) -> str | None:
        cached = await self._store.cached_tracking(shipment.carrier, shipment.tracking_number)
        if kind != Trigger.CHECKIN.value or not shipment.phone or cached is None:
            return "skipped"
        carrier = self._registry.display_name(shipment.carrier)
        body = checkin_notice(
            shipment.order_number, cached.result, carrier, self._wording(shipment, now)
        )
        return await self._enqueue(shipment, body, f"watch:{shipment.shipment_id}:{kind}")

    async def _enqueue(self, shipment: WatchedShipment, body: str, key: str) -> str | None:
        """Queue one notice: "queued" (now), "sent" (the outbox knew `key`: queued before, or
        the number opted out), "skipped" (not a number we can text), or None (the outbox
        failed; try again later)."""
        try:
            queued = await self._outbox.enqueue(
                to=shipment.phone or "",
                channel="sms",
                body=body,
                key=key,
                order_number=shipment.order_number,
            )
        except ValueError:  # not an E.164 number (its text would show it: not logged)
            log.warning("not texting order %s: the outbox refused its phone", shipment.order_number)
            return "skipped"
        except Exception:
            log.exception("could not queue %s for order %s", key, shipment.order_number)
            return None
        if not queued:
            log.debug("%s was queued before (or the number opted out)", key)
            return "sent"
        return "queued"

    def _wording(self, shipment: WatchedShipment, now: datetime) -> Wording:
        bot = self._settings.bot
        language = language_of(shipment.locale, bot.language)
        return Wording(language, bot.timezone, now, bot.max_segments)

    def _credit(self) -> Credit:
        return Credit(self._watch.credit_code, self._watch.credit_offer)


def _backoff(failures: int) -> timedelta:
    """5 min after the first failure, doubling, at most 6 h."""
    doublings: int = max(0, min(failures - 1, 16))
    return min(RETRY_MAX, RETRY_BASE * (1 << doublings))


@asynccontextmanager
async def watching(watcher: Watcher | None) -> AsyncIterator[None]:
    """Run `watcher` in the background while the block runs (`serve` with watch.enabled).

    On exit the loop is asked to stop and given `STOP_GRACE_S` to end its page; then it is
    cancelled, which is safe: a pass can stop anywhere without losing or repeating a trigger.
    """
    if watcher is None:
        yield
        return
    stop = asyncio.Event()
    task = asyncio.create_task(watcher.run(stop), name="smsbot-watcher")
    try:
        yield
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, timeout=STOP_GRACE_S)
        except TimeoutError:
            log.warning("the watcher did not stop in %.0f s; cancelled it", STOP_GRACE_S)


def _older(pushed: TrackingResult, known: TrackingResult) -> bool:
    """Whether a pushed result says less than the one we have (an older or earlier state)."""
    if known.status in FINAL_STATUSES and pushed.status not in FINAL_STATUSES:
        return True
    if pushed.last_event is None or known.last_event is None:
        return pushed.last_event is None and known.last_event is not None
    return pushed.last_event.time < known.last_event.time
