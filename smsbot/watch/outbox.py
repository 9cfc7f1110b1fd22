"""The outbox: durable outbound messages, sent through Twilio when it is polite to.

A message is enqueued once per idempotency key and moves through these states:

    queued ──► sending ──► sent ──► delivered | undelivered | failed   (status callbacks)
      ▲  │        │  └───► failed       Twilio refused it (4xx, its error code kept)
      │  │        └──────► queued       429, 5xx or no connection: retried with backoff
      │  ├─► deferred ──► (queued again when due)   quiet hours, daily cap
      │  └─► suppressed                 the recipient opted out (checked at enqueue and send)

Nothing is sent to an opted-out number; Twilio's 21610 records the opt-out. Quiet hours
and the daily cap are judged in the recipient's time zone (`smsbot.watch.quiet`).

Kill-safety, and the one ambiguous case. A sender claims a message by moving it to
"sending" with a lease, in one conditional UPDATE (so two processes never both send it),
then POSTs it, then records the SID. Messages go in batches (`smsbot.watch.outbox_send`):
one transaction claims a batch, its POSTs run a few at a time, one records the outcomes.
A process killed before the POST, or during it, or
before recording the SID, leaves the message in "sending"; once its lease has run out, the
next `send_due` *reconciles* it instead of resending it blindly, because Twilio has no
idempotency key: it reads the account's Messages list for that recipient and looks for the
same body created since the attempt began. Found → recorded as sent with that SID (nothing
duplicated). Not found → Twilio never created it, so it is queued again (nothing lost). A
request that timed out after it left is treated the same way. If Twilio cannot be asked
for RECONCILE_GIVE_UP, the message is marked failed, not resent: for that last, truly
ambiguous case we choose at most once, since a duplicate text annoys a customer while a
missing one only leaves them where they were before the watcher existed.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from smsbot.channels.twilio_post import FormPoster
from smsbot.channels.twilio_rest import TwilioError, TwilioRest
from smsbot.channels.twilio_titles import error_text
from smsbot.config import Settings
from smsbot.errors import MessageRejected
from smsbot.phones import mask, strip_channel
from smsbot.store import MAX_BODY, WAITING, OutboxMessage, OutboxState, Store, StoreError
from smsbot.watch.callbacks import record_status
from smsbot.watch.outbox_send import BATCH, BatchSender, backoff
from smsbot.watch.outbox_send import LEASE as LEASE  # the timings, where callers look
from smsbot.watch.outbox_send import MAX_ATTEMPTS as MAX_ATTEMPTS
from smsbot.watch.outbox_send import RECHECK_AFTER as RECHECK_AFTER

log = logging.getLogger("smsbot.watch.outbox")

CHANNELS = ("sms", "whatsapp")
#: The state a send moves from: only the process holding the claim moves the row on.
SENDING = (OutboxState.SENDING,)
#: How long an ambiguous message is reconciled before it is given up (not resent).
RECONCILE_GIVE_UP = timedelta(hours=24)
#: How often `run` looks for due messages.
POLL_S = 5.0

_E164 = re.compile(r"\+[1-9]\d{6,14}\Z")


class Outbox:
    """Queue messages durably and send them when due (see the module docstring)."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        http: httpx.AsyncClient,
        clock: Callable[[], datetime],
        *,
        rng: random.Random | None = None,
        poster: FormPoster | None = None,
    ) -> None:
        """`poster` carries Twilio's create POSTs (default: over `http`; `open_services`
        gives an aiohttp one, see `smsbot.channels.twilio_post`)."""
        self._settings = settings
        self._store = store
        self._clock = clock
        self._rng = rng or random.Random()
        self.twilio = TwilioRest(settings, http, poster)
        self._batches = BatchSender(settings, store, self.twilio, clock, self._rng)
        self._warned = False
        # One round at a time in this process (the watcher's loop and `run` share the
        # outbox), so two rounds never reconcile the same stale message together.
        self._round = asyncio.Lock()
        self._queued = asyncio.Event()  # set by enqueue: `run` sends at once, not at its poll

    async def enqueue(
        self,
        *,
        to: str,
        channel: str,
        body: str,
        key: str,
        order_number: str | None = None,
        supersedes: Sequence[str] = (),
    ) -> bool:
        """Queue one message to `to` (E.164) on channel "sms" or "whatsapp".

        `key` is an idempotency key ("watch:<shipment id>:shipped"): a key enqueued before is
        never queued again (returns False). Nothing is queued for an opted-out number: the
        message is recorded as suppressed and False returned. Raises `MessageRejected` for a
        bad channel, number, key or body. Messages under the keys in `supersedes` that still
        wait (quiet hours, the daily cap) are dropped once this one is stored: their news is
        stale (no "out for delivery" in the morning about a parcel delivered at dawn).
        """
        phone = strip_channel(to)
        if channel not in CHANNELS:
            raise MessageRejected(f"channel must be one of {', '.join(CHANNELS)}, not {channel!r}")
        if not _E164.match(phone):
            raise MessageRejected(
                f"recipient must be an E.164 number like +15005550006, not {to!r}"
            )
        if not key:
            raise MessageRejected("an idempotency key is required")
        if not body.strip() or len(body) > MAX_BODY:
            raise MessageRejected(f"body must have 1 to {MAX_BODY} characters, not {len(body)}")
        opted_out = await self._store.is_opted_out(phone)
        added = await self._store.add_outbox(
            key=key,
            phone=phone,
            channel=channel,
            body=body,
            order_number=order_number,
            state=OutboxState.SUPPRESSED if opted_out else OutboxState.QUEUED,
            at=self._clock(),
        )
        if added and supersedes:
            dropped = await self._store.supersede_outbox(supersedes, by=key, at=self._clock())
            if dropped:
                log.info("%s replaces %d waiting message(s) to %s", key, dropped, mask(phone))
        if added and opted_out:
            log.info("not queueing %s to %s: opted out", key, mask(phone))
        if added and not opted_out:
            self._queued.set()
        return added and not opted_out

    async def send_due(self) -> int:
        """Send every queued message that is due now (quiet hours, daily cap, backoff
        respected); returns how many were sent.

        Messages left "sending" by a dead sender are reconciled first. Without a usable
        Twilio configuration nothing is sent (and messages wait): logged once, when the
        first message waits. Rounds in
        one process take turns; other processes are kept apart by the claim (see above).
        """
        async with self._round:
            return await self._send_round()

    async def _send_round(self) -> int:
        problem = self.twilio.problem()
        now = self._clock()
        if problem is not None:
            # A bot that only answers texts never sends: said only once something waits.
            if not self._warned and await self._store.due_outbox(now, limit=1):
                log.error("outbound messages wait in the outbox: %s", problem)
                self._warned = True
            return 0
        await self._reconcile(now)
        # Batch after batch, until a batch is short or nothing moves. The next batch is
        # read, claimed and started while the last one's POSTs are in flight (its rows are
        # "sending" by then, so never read twice; the POST slots are shared, so at most
        # CONCURRENCY are out): the slots stay full across batches instead of draining at
        # each batch's end and waiting for its store calls (issue 20). At most two batches.
        sent = 0
        running: list[asyncio.Task[int]] = []
        try:
            while True:
                due = await self._store.due_outbox(now, limit=BATCH)
                claimed = await self._batches.claim(due, now) if due else None
                if claimed is not None and claimed.messages:
                    running.append(asyncio.create_task(self._batches.deliver(claimed)))
                if len(running) > 1:
                    sent += await running[0]  # popped once done: a cancel here reaches it
                    running.pop(0)
                if claimed is None or len(due) < BATCH or not claimed.moved:
                    break
            while running:
                sent += await running[0]
                running.pop(0)
        finally:
            for task in running:  # cancelled, or the store failed: stop those POSTs too
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
        return sent

    async def run(self, stop: asyncio.Event) -> None:
        """Call `send_due` every POLL_S seconds, and as soon as something is enqueued, until
        `stop` is set; errors are logged."""
        while not stop.is_set():
            self._queued.clear()
            try:
                await self.send_due()
            except Exception:  # a bad row or a store hiccup must not stop the sender
                log.exception("the outbox could not send")
            await _first_of(stop, self._queued, seconds=POLL_S)

    async def record_status(
        self, *, sid: str, status: str, error_code: int | None, to: str | None
    ) -> bool:
        """Apply one Twilio status callback (`smsbot.watch.callbacks.record_status`)."""
        return await record_status(
            self._store, self._clock(), sid=sid, status=status, error_code=error_code, to=to
        )

    async def recent(self, limit: int = 50) -> list[OutboxMessage]:
        """The newest messages of the outbox, newest first (for `smsbot outbox`)."""
        return await self._store.recent_outbox(limit)

    async def _mark_sent(self, message: OutboxMessage, sid: str, status: str, at: datetime) -> bool:
        moved = await self._store.move_outbox(
            message.id, SENDING, at, state=OutboxState.SENT, sid=sid, twilio_status=status,
            status_rank=1, lease_until=None, sent_at=at, error_message=None,
        )  # fmt: skip
        if moved:  # status callbacks that came before the SID was known
            await self._store.apply_early_deliveries(sid, at)
        return moved

    async def _reconcile(self, now: datetime) -> None:
        """Settle messages left "sending" past their lease (see the module docstring)."""
        for message in await self._store.stale_outbox(now):
            # Other processes may find the same stale message: only the one whose
            # conditional update moves its lease on reconciles it (issue 15). Without this,
            # two could both find it missing at Twilio and queue it again, and the second
            # "queue again" could hit the new attempt of the first: a double send.
            if not await self._store.take_stale_outbox(
                message.id, now=now, lease_until=now + LEASE
            ):
                continue
            started = message.attempt_started_at or message.created_at
            try:
                found = await self.twilio.find_message(
                    phone=message.phone, channel=message.channel, body=message.body, since=started
                )
            except TwilioError as exc:
                if now - started >= RECONCILE_GIVE_UP:
                    log.warning("%s to %s: cannot tell whether Twilio got it; not resending",
                                message.key, mask(message.phone))  # fmt: skip
                    await self._store.move_outbox(
                        message.id, SENDING, now, state=OutboxState.FAILED, lease_until=None,
                        error_message=f"unconfirmed, not resent: {exc}"[:500],
                    )  # fmt: skip
                else:
                    await self._store.move_outbox(
                        message.id, SENDING, now, error_message=str(exc)[:500],
                        lease_until=now + backoff(message.attempts, self._rng),
                    )  # fmt: skip
                continue
            if found is not None:
                log.info("%s to %s: Twilio has it as %s", message.key, mask(message.phone),
                         found.sid)  # fmt: skip
                try:
                    await self._mark_sent(message, found.sid, found.status, now)
                except StoreError:  # that SID is another message's: same text, same person
                    await self._store.move_outbox(
                        message.id, SENDING, now, state=OutboxState.FAILED, lease_until=None,
                        error_message=f"unconfirmed, not resent: {found.sid} is another's",
                    )  # fmt: skip
            else:
                log.info("%s to %s: Twilio never got it; queued again",
                         message.key, mask(message.phone))  # fmt: skip
                await self._store.move_outbox(
                    message.id, SENDING, now, state=OutboxState.QUEUED, not_before=now,
                    lease_until=None, error_message="an attempt was interrupted; sent again",
                )  # fmt: skip


async def _first_of(*events: asyncio.Event, seconds: float) -> None:
    """Wait until one of `events` is set, or `seconds` have passed."""
    waits = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()


#: Times in `smsbot outbox` and `smsbot alerts`: the merchant's zone, labelled ("EST").
SHOWN_TIME = "%Y-%m-%d %H:%M %Z"


def describe(message: OutboxMessage, zone: ZoneInfo) -> str:
    """One line for `smsbot outbox` (never the body: it may carry personal details)."""
    when = message.created_at.astimezone(zone).strftime(SHOWN_TIME)
    state: str = message.state
    if state in WAITING and message.not_before > message.created_at:
        until = message.not_before.astimezone(zone).strftime(SHOWN_TIME)
        state += f" until {until}" + (f" ({message.defer_reason})" if message.defer_reason else "")
    if message.error_code is not None or (message.error_message and state != "sent"):
        state += f" [{error_text(message.error_code, message.error_message)}]"
    order = f"order {message.order_number}  " if message.order_number else ""
    sid = f"  {message.sid}" if message.sid else ""
    return f"{when}  {message.channel:<8} {mask(message.phone)}  {order}{message.key}  {state}{sid}"
