"""The background work of a running bot: senders, maintenance and (optionally) the watcher.

`smsbot serve` runs it beside the HTTP routes, `smsbot watch` runs it alone:

- the outbox sender: messages queued by carrier pushes, the watcher or anything else are
  sent whether or not the watcher runs in this process;
- the alerts sender: merchant alerts whose first POST failed are retried;
- maintenance (`smsbot.maintenance`): expired conversation state is deleted now and then,
  off the request path;
- the ETA model (`smsbot.eta`): new deliveries are learned every `eta.refresh_s`;
- the inbound spool's replay (`smsbot.spool`): texts that arrived while the store was
  unavailable go through the pipeline once it is back;
- the watcher's polling loop, when asked for (`watch.enabled`, or `smsbot watch`);
- the shop inbox (`smsbot.shops.inbox`), when Shopify or WooCommerce webhooks are set up;
- the helpdesk hand-offs (`smsbot.handoff`), when `[escalation.*]` targets are set up:
  escalations are delivered by `smsbot watch` as well as by `smsbot serve`.

Several processes on one database may all run this. The outbox claims a message with one
conditional UPDATE (queued/deferred → sending, with a lease) before its POST, so two
senders never both send it; alerts are claimed the same way (their next attempt moves to
the lease's end in the claiming transaction); maintenance only deletes expired rows.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from smsbot.handoff.sender import HandoffSender
from smsbot.handoff.targets import build_targets
from smsbot.services import Clock, Services, utc_now
from smsbot.shops.inbox import ShopInbox

log = logging.getLogger("smsbot.background")

#: How long the tasks get to finish their round at shutdown before they are cancelled.
STOP_GRACE_S = 10.0

Loop = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


@asynccontextmanager
async def running(loops: dict[str, Loop], *, grace_s: float = STOP_GRACE_S) -> AsyncIterator[None]:
    """Run each named loop as a task while the block runs; stop them all on exit.

    On exit the loops are asked to stop and given `grace_s` to end their round; then
    the rest is cancelled, which is safe: every loop here can stop anywhere without losing
    or repeating work (claims and leases settle it at the next start).
    """
    stop = asyncio.Event()
    tasks = [asyncio.create_task(loop(stop), name=f"smsbot-{name}") for name, loop in loops.items()]
    try:
        yield
    finally:
        stop.set()
        if tasks:
            _done, late = await asyncio.wait(tasks, timeout=grace_s)
            for task in late:
                log.warning(
                    "%s did not stop in %.0f s; cancelled it", task.get_name(), STOP_GRACE_S
                )
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


@asynccontextmanager
async def background(bot: Services, *, watch: bool, clock: Clock = utc_now) -> AsyncIterator[None]:
    """Run the bot's background work while the block runs; `watch` adds the watcher's polls.
    `clock` dates the hand-offs' attempts (the other loops carry their own)."""
    loops: dict[str, Loop] = {
        "outbox": bot.outbox.run,
        "alerts": bot.alerts.run,
        "maintenance": bot.maintenance.run,
        "eta": bot.eta.run,  # the learned delivery windows (issue 19)
        "spool": bot.spool_replay.run,  # texts the store could not take (issue 15)
    }
    if watch:
        loops["watcher"] = bot.watcher.run
    if bot.settings.shopify.webhook_secret or bot.settings.woocommerce.webhook_secret:
        # Shop webhooks left pending by a crash or a store failure (issue 16).
        loops["shop-inbox"] = ShopInbox(bot.store, bot.settings, http=bot.http).run
    targets = build_targets(bot.settings.escalation.targets)
    if targets:  # escalations into the merchant's helpdesks (issue 18)
        loops["handoffs"] = HandoffSender(bot.store, bot.http, targets, clock).run
    async with running(loops):
        yield
