"""Send what verdicts fire: one customer notice per order, merchant alerts, then the record.

Every trigger is enqueued under an idempotency key (`watch:<shipment id>:<trigger>`) and
recorded right after, so a restart at any point sends nothing twice (the outbox refuses a
key it has seen) and loses nothing (an unrecorded trigger is found again on the next check).

Triggers never wait on each other: a customer notice the outbox cannot take does not hold
back the order's merchant alerts, and a scheduled trigger (the check-in) that fails is
retried later on its own while the ones due after it go ahead. A new notice drops the
shipments' older notices still waiting in the outbox (quiet hours): they are stale news.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date, datetime
from enum import StrEnum

from smsbot.config import Settings
from smsbot.errors import MessageRejected
from smsbot.eta.told import ToldLog
from smsbot.eta.window import Estimate, Estimator, Lane
from smsbot.lookup.pauses import backoff
from smsbot.mail.notices import EmailNotices
from smsbot.metrics.instruments import triggers_recorded
from smsbot.store import Store, TriggerState, WatchedShipment
from smsbot.view.estimate import first_scan, worth_telling
from smsbot.view.link import TrackingLinks
from smsbot.watch.csat import Surveys
from smsbot.watch.queues import AlertQueue, MessageQueue
from smsbot.watch.summary import PassSummary
from smsbot.watch.verdicts import Verdict
from smsbot.wording.languages import code_of
from smsbot.wording.link import with_link
from smsbot.wording.notices import (
    CUSTOMER_TRIGGERS,
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

#: Failed attempts at a scheduled trigger before it is given up (about 16 h of back-off).
TRIGGER_ATTEMPTS = 8
#: Scheduled triggers handled in one pass at most (the rest wait for the next pass).
DEFERRED_PER_PASS = 2000


class Enqueued(StrEnum):
    """What the outbox did with one notice."""

    QUEUED = "queued"  # stored now, to be sent
    KNOWN = "sent"  # the outbox knew the key: queued before, or the number opted out
    SKIPPED = "skipped"  # not a number we can text


def recorded(state: Enqueued) -> TriggerState:
    """The trigger state to record for a notice the outbox took as `state`."""
    return TriggerState.SKIPPED if state is Enqueued.SKIPPED else TriggerState.SENT


class Dispatcher:
    """Turns verdicts into outbox messages and alerts, and records the triggers."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        outbox: MessageQueue,
        alerts: AlertQueue,
        display_name: Callable[[str], str],
        eta: Estimator | None = None,
    ) -> None:
        self._settings = settings
        self._eta = eta  # learned windows for "shipped" (issue 19)
        self._watch = settings.watch
        self._store = store
        self._outbox = outbox
        self._alerts = alerts
        self._display_name = display_name
        self._links = TrackingLinks(settings, store)
        self._email = EmailNotices(settings, store)
        self._surveys = Surveys(settings, store, outbox)  # [csat] (issue 18)
        self._told = ToldLog(store)  # the windows notices tell (issue 19)

    def _estimate(self, verdict: Verdict, today: date) -> Estimate | None:
        """The learned transit window of a parcel just shipped; None for other news."""
        if self._eta is None or verdict.tell is not Trigger.SHIPPED:
            return None
        shipment = verdict.shipment
        lane = Lane(
            carrier=shipment.carrier,
            destination_country=self._settings.eta.country,
            destination_postal_code=shipment.postal_code,
        )
        scanned = first_scan(verdict.result) or shipment.first_scan_at
        return self._eta.estimate(lane, first_scan_at=scanned, today=today)

    async def _record_told(
        self, news: Sequence[News], verdicts: Sequence[Verdict], today: date, now: datetime
    ) -> None:
        """Keep each window a notice told (the first told per parcel stands)."""
        for item, verdict in zip(news, verdicts, strict=True):
            window = worth_telling(item.result.eta, item.estimate, today)
            if window is not None:
                shipment = verdict.shipment
                told = [(shipment.carrier, shipment.tracking_number, window)]
                await self._told.keep(shipment.order_number, told, now)

    async def tell(self, verdicts: Sequence[Verdict], now: datetime, summary: PassSummary) -> bool:
        """One order: its customer message (merged), its alerts, then the record of both.

        False when the customer message could not be queued: it is not recorded, so the
        next check fires it again (the alerts and the check-in go ahead regardless)."""
        queued = True
        telling = [v for v in verdicts if v.tell is not None]
        if telling:
            # Ties go to the lowest shipment id, so a pass repeated after a crash picks the
            # same lead, hence the same outbox key, and sends nothing twice.
            lead = min(telling, key=lambda v: (PRIORITY.index(v.tell), v.shipment.shipment_id))
            order = lead.shipment
            wording = self._wording(order, now)
            news = [
                News(
                    v.tell,
                    v.result,
                    self._display_name(v.shipment.carrier),
                    v.last_scan_at,
                    self._estimate(v, wording.today),
                )
                for v in telling
                if v.tell is not None
            ]
            notice = order_notice(order.order_number, news, wording, self._credit())
            url = await self._links.url_for_order(order.order_number, now)  # issue 17
            body = with_link(notice, url, self._links.mode, wording)
            key = f"watch:{order.shipment_id}:{lead.tell}"
            stale = [
                f"watch:{v.shipment.shipment_id}:{kind}"
                for v in telling
                for kind in CUSTOMER_TRIGGERS
            ]
            if not order.phone and self._email.enabled:  # e-mail instead (issue 17)
                state = await self._email_notice(order, notice, now)
            else:
                state = await self._enqueue(order, body, key, supersedes=stale)
            if state is None:  # nothing recorded: the next check finds the same triggers
                summary.failures += 1
                queued = False
            else:
                await self._record_told(news, telling, wording.today, now)
                summary.messages += state is Enqueued.QUEUED
                if state is Enqueued.QUEUED and lead.tell is Trigger.DELIVERED:
                    await self._surveys.ask(order, wording, now)
                for v in telling:
                    v.done[str(v.tell)] = recorded(state)
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
            triggers_recorded(done)  # /metrics
        return queued

    async def deferred(
        self, clock: Callable[[], datetime], page: int, summary: PassSummary
    ) -> None:
        """Send the scheduled triggers that have come due (the delivery check-in).

        Each on its own: one that fails is moved out (5 min, doubling) and, after
        TRIGGER_ATTEMPTS, given up as skipped; the others are sent meanwhile."""
        handled = 0
        while handled < DEFERRED_PER_PASS:
            now = clock()
            due = await self._store.due_triggers(now, limit=page)
            if not due:
                return
            for shipment, kind in due:
                handled += 1
                try:
                    state = await self._send_deferred(shipment, kind, now)
                except Exception:  # a bad cached result, a wording bug: this trigger only
                    log.exception("the %s of order %s failed", kind, shipment.order_number)
                    state = None
                if state is None:
                    summary.failures += 1
                    await self._postpone(shipment, kind, now)
                    continue
                summary.messages += state is Enqueued.QUEUED
                await self._store.record_triggers(
                    {shipment.shipment_id: {kind: recorded(state)}}, now
                )
                triggers_recorded({shipment.shipment_id: {kind: recorded(state)}})  # /metrics

    async def _postpone(self, shipment: WatchedShipment, kind: str, now: datetime) -> None:
        attempts = await self._store.postpone_trigger(shipment.shipment_id, kind, now, backoff)
        if attempts >= TRIGGER_ATTEMPTS:
            log.warning("giving up the %s of order %s", kind, shipment.order_number)
            await self._store.record_triggers(
                {shipment.shipment_id: {kind: TriggerState.SKIPPED}}, now
            )

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

    async def _send_deferred(
        self, shipment: WatchedShipment, kind: str, now: datetime
    ) -> Enqueued | None:
        cached = await self._store.cached_tracking(shipment.carrier, shipment.tracking_number)
        if kind != Trigger.CHECKIN.value or not shipment.phone or cached is None:
            return Enqueued.SKIPPED
        carrier = self._display_name(shipment.carrier)
        body = checkin_notice(
            shipment.order_number, cached.result, carrier, self._wording(shipment, now)
        )
        return await self._enqueue(shipment, body, f"watch:{shipment.shipment_id}:{kind}")

    async def _email_notice(
        self, shipment: WatchedShipment, notice: str, now: datetime
    ) -> Enqueued | None:
        """E-mail a notice to an order without a mobile number; None when SMTP failed (the
        next check tries again)."""
        try:
            sent = await self._email.notify(shipment.order_number, notice, now)
        except Exception:
            log.exception("could not e-mail the notice of order %s", shipment.order_number)
            return None
        return Enqueued.QUEUED if sent else Enqueued.SKIPPED

    async def _enqueue(
        self, shipment: WatchedShipment, body: str, key: str, supersedes: Sequence[str] = ()
    ) -> Enqueued | None:
        """Queue one notice; None when the outbox failed (try again later)."""
        try:
            queued = await self._outbox.enqueue(
                to=shipment.phone or "",
                channel="sms",
                body=body,
                key=key,
                order_number=shipment.order_number,
                supersedes=supersedes,
            )
        except MessageRejected:  # not an E.164 number (its text would show it: not logged)
            log.warning("not texting order %s: the outbox refused its phone", shipment.order_number)
            return Enqueued.SKIPPED
        except Exception:
            log.exception("could not queue %s for order %s", key, shipment.order_number)
            return None
        if not queued:
            log.debug("%s was queued before (or the number opted out)", key)
            return Enqueued.KNOWN
        return Enqueued.QUEUED

    def _wording(self, shipment: WatchedShipment, now: datetime) -> Wording:
        bot = self._settings.bot
        language = language_of(shipment.locale, bot.language)
        return Wording(language, bot.timezone, now, bot.max_segments)

    def _credit(self) -> Credit:
        language = code_of(self._settings.bot.language) or "en"
        offers = self._watch.credit_offers
        return Credit(self._watch.credit_code, self._watch.credit_offer, language, offers)
