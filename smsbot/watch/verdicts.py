"""What a fresh answer means for one watched shipment: the triggers it fires, and when to look
again. Pure: nothing is sent or stored here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from smsbot.config import WatchSettings
from smsbot.lookup.pauses import backoff
from smsbot.store import TriggerState, WatchedShipment
from smsbot.tracking import Status, TrackingResult, is_carrier_local
from smsbot.wording.notices import EXCEPTION_STATUSES, PRIORITY, Trigger

JITTER = 0.1  # each order's refresh interval is stretched or shrunk by up to 10 %
FRESH_NEWS = timedelta(hours=48)  # a delivery older than this is not news any more
LATEST_OFFSET = timedelta(hours=12)  # the most negative UTC offset in use (UTC-12)

#: Statuses that are not a carrier scan: the label exists, nothing moved yet.
PRE_SCAN = frozenset({Status.PENDING, Status.LABEL_CREATED, Status.UNKNOWN})


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


def judge(
    shipment: WatchedShipment,
    result: TrackingResult,
    now: datetime,
    watch: WatchSettings,
    *,
    by_email: bool = False,
) -> Verdict:
    """Which triggers a fresh answer fires for a shipment (`by_email`: an order without a
    phone may still be told, by e-mail)."""
    verdict = Verdict(shipment, result)
    scans = [event for event in result.events if event.status not in PRE_SCAN]
    if scans:
        verdict.first_scan_at = scans[0].time
        # After a first real scan, an event with a code the adapter does not map is
        # still the carrier touching the parcel: it counts against "stalled".
        since_first = [e for e in result.events if e.time >= scans[0].time]
        verdict.last_scan_at = since_first[-1].time
    scanned = result.problem is None and (bool(scans) or result.status not in PRE_SCAN)
    if shipment.is_return:
        return _judge_return(verdict, scanned, now, watch)
    # A parcel scanned before stays scanned when the carrier briefly forgets it.
    was_scanned = shipment.first_scan_at is not None or Trigger.SHIPPED.value in shipment.fired
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
        elif status is Status.IN_TRANSIT and _stalled(verdict.last_scan_at, now, watch):
            news.append(Trigger.STALLED)
        if scanned:
            news.append(Trigger.SHIPPED)
    fresh = sorted((t for t in news if t.value not in shipment.fired), key=PRIORITY.index)
    if fresh:
        # One message per shipment per pass: the rest is said by it (or no longer news).
        verdict.tell = fresh[0]
        verdict.done.update((t.value, TriggerState.ABSORBED) for t in fresh[1:])
    delivered_now = verdict.tell is Trigger.DELIVERED
    if delivered_now and _old_delivery(result, now):
        verdict.done[Trigger.DELIVERED.value] = TriggerState.SKIPPED
        verdict.tell, delivered_now = None, False
    if verdict.tell is not None and not shipment.phone and not by_email:
        verdict.done[verdict.tell.value] = TriggerState.SKIPPED
        verdict.tell = None
    label_age = now - _label_time(shipment, result)
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


def _judge_return(verdict: Verdict, scanned: bool, now: datetime, watch: WatchSettings) -> Verdict:
    """A return leg's news: on its way, stalled, received. No merchant alert (a label the
    customer has not dropped off yet is theirs to use) and no check-in."""
    shipment, result = verdict.shipment, verdict.result
    news: list[Trigger] = []
    if result.problem is None:
        if result.status is Status.DELIVERED:
            news.append(Trigger.RETURN_RECEIVED)
        elif result.status is Status.IN_TRANSIT and _stalled(verdict.last_scan_at, now, watch):
            news.append(Trigger.RETURN_STALLED)
        if scanned:
            news.append(Trigger.RETURN_SHIPPED)
    fresh = sorted((t for t in news if t.value not in shipment.fired), key=PRIORITY.index)
    if fresh:
        verdict.tell = fresh[0]
        verdict.done.update((t.value, TriggerState.ABSORBED) for t in fresh[1:])
    if verdict.tell is Trigger.RETURN_RECEIVED and _old_delivery(result, now):
        verdict.done[Trigger.RETURN_RECEIVED.value] = TriggerState.SKIPPED
        verdict.tell = None
    if verdict.tell is not None and not shipment.phone:
        verdict.done[verdict.tell.value] = TriggerState.SKIPPED
        verdict.tell = None
    return verdict


def next_check(
    shipment: WatchedShipment, status: Status, now: datetime, watch: WatchSettings
) -> datetime:
    """When to look at a shipment again after a fresh answer with `status`."""
    minutes = watch.refresh_minutes.get(status.value)
    if minutes is None:
        minutes = watch.refresh_minutes.get("unknown", 360.0)
    # The same stretch for every shipment of an order keeps them due together.
    spread = ((shipment.order_id * 2654435761) % 2**32) / 2**32
    return now + timedelta(minutes=minutes * (1 + JITTER * (2 * spread - 1)))


def retry_at(failures: int, now: datetime) -> datetime:
    """When to try a shipment again after `failures` failed checks in a row (the same
    back-off as a failing carrier's: 5 min, doubling, at most 6 h)."""
    return now + backoff(failures)


def latest_instant(moment: datetime) -> datetime:
    """The latest instant `moment` can be. A scan placed in its zone (or given with an
    offset) is one instant; a carrier-local wall clock whose zone could not be resolved may
    be anywhere from UTC-12 to UTC+14, so it is at most 12 hours after the same wall clock
    read as UTC. Using the latest instant means "stalled" and "old news" are never decided
    early on a time we cannot place."""
    if is_carrier_local(moment) and moment.replace(tzinfo=None) < datetime.max - LATEST_OFFSET:
        return moment.replace(tzinfo=UTC) + LATEST_OFFSET
    return moment


def _stalled(last_scan_at: datetime | None, now: datetime, watch: WatchSettings) -> bool:
    if last_scan_at is None:
        return False
    return now - latest_instant(last_scan_at) >= timedelta(hours=watch.stall_after_h)


def _old_delivery(result: TrackingResult, now: datetime) -> bool:
    moment = result.delivered_at or (result.last_event.time if result.last_event else None)
    return moment is not None and now - latest_instant(moment) > FRESH_NEWS


def _label_time(shipment: WatchedShipment, result: TrackingResult) -> datetime:
    """When the label was made: the ship date, else the label event, else the order."""
    if shipment.shipped_at is not None:
        return shipment.shipped_at
    labels = [e.time for e in result.events if e.status is Status.LABEL_CREATED]
    return labels[0] if labels else shipment.order_created_at
