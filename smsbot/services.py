"""The running bot: store, HTTP client, adapters, carrier gateway, conversation, outbox,
alerts and watcher, opened together.

`open_services` is the composition root: the ASGI lifespan and the CLI's `chat`, `text` and
`watch` all go through it, so every entry point runs the same pipeline, and each part (the
watcher too) is built in exactly one place.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from starlette.requests import Request

from smsbot import __version__
from smsbot.channels.twilio_post import AiohttpPoster, FormPoster
from smsbot.channels.twiml import SignatureCheck
from smsbot.config import Settings
from smsbot.dialog.conversation import Conversation
from smsbot.errors import ConfigError
from smsbot.eta.learned import LearnedEta
from smsbot.lookup.gateway import CarrierGateway
from smsbot.lookup.registry import Registry, load_registry
from smsbot.maintenance import Maintenance
from smsbot.orders.model import Order
from smsbot.spool.file import InboundSpool, spool_folder
from smsbot.spool.replay import SpoolReplay
from smsbot.store import Store, StoreError, open_store
from smsbot.watch.alerts import Alerts
from smsbot.watch.outbox import Outbox
from smsbot.watch.watcher import Watcher

log = logging.getLogger("smsbot")

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Services:
    settings: Settings
    store: Store
    http: httpx.AsyncClient
    registry: Registry
    gateway: CarrierGateway  # the one way to ask carriers: replies and the watcher
    conversation: Conversation
    signature: SignatureCheck | None  # None when validation is switched off
    outbox: Outbox
    alerts: Alerts
    watcher: Watcher  # acts on carrier pushes always; polls only when something runs it
    maintenance: Maintenance
    eta: LearnedEta  # learned delivery windows (an `Estimator`); `background` refreshes it
    spool: InboundSpool  # texts the store could not take (the webhook appends)
    spool_replay: SpoolReplay  # `background` replays them once the store is back


def signature_check(settings: Settings) -> SignatureCheck | None:
    """The signature checker, or None when `twilio.validate_signature = false`."""
    if not settings.twilio.validate_signature:
        return None
    if settings.twilio.auth_token is None:
        raise ConfigError(
            "is required to check webhook signatures (or set SMSBOT_TWILIO_AUTH_TOKEN)",
            source=settings.source,
            key="twilio.auth_token",
        )
    if settings.server.public_url is None:
        raise ConfigError(
            "is required: the URL Twilio calls, used to check signatures",
            source=settings.source,
            key="server.public_url",
        )
    return SignatureCheck(settings.twilio.auth_token.reveal(), settings.server.public_url)


def warn_if_unsafe(settings: Settings) -> None:
    """Say loudly when a setting switches off a protection (at WARNING: the log line's level
    says so, the text does not repeat it)."""
    if not settings.twilio.validate_signature:
        log.warning(
            "twilio.validate_signature is false: anyone who finds this URL can "
            "text the bot as any number. Use this only for local testing."
        )
    if settings.bot.verify == "none":
        log.warning(
            "bot.verify is 'none': anyone who guesses an order number sees its "
            "status. Use this only for the demo."
        )


def build_registry(settings: Settings, http: httpx.AsyncClient) -> Registry:
    """The adapters of `[carriers.*]` with the routes of `[routing]`."""
    return load_registry(
        settings.carriers,
        http,
        source=settings.source,
        environ=settings.environ,
        routes=settings.routing.carriers,
        default_route=settings.routing.default,
    )


@asynccontextmanager
async def open_services(
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Clock = utc_now,
    seed_orders: tuple[Order, ...] = (),
    check_signatures: bool = True,
) -> AsyncIterator[Services]:
    """Open everything the bot needs, and close it all on exit.

    `transport` replaces the network for tests; `seed_orders` are upserted at start (the demo).
    """
    signature = signature_check(settings) if check_signatures else None
    store = await open_store(settings.store.url, pool_size=settings.store.pool_size)
    try:
        if seed_orders:
            await store.upsert_orders(seed_orders, now=clock())
        headers = {"User-Agent": f"smsbot/{__version__}"}
        async with (
            httpx.AsyncClient(
                transport=transport, headers=headers, timeout=settings.tracking.carrier_timeout_s
            ) as http,
            _poster(transport, headers["User-Agent"]) as poster,
        ):
            registry = build_registry(settings, http)
            gateway = CarrierGateway(
                registry, store, settings.tracking, clock, budgets=settings.budgets.per_hour
            )
            try:
                eta = LearnedEta(settings.eta, store, clock)  # replies tell its windows
                try:
                    # The first model before the first message; `background` keeps it current.
                    await eta.refresh()
                except StoreError:
                    log.exception("the ETA model could not be built; no learned windows yet")
                conversation = Conversation(
                    settings, store, gateway, registry, clock, http=http, eta=eta
                )
                outbox = Outbox(settings, store, http, clock, poster=poster)
                alerts = Alerts(settings, store, http, clock)
                # The one place the watcher is built (serve, watch and the tests share it).
                watcher = Watcher(settings, store, gateway, outbox, alerts, clock=clock, eta=eta)
                spool_mb = settings.store.spool_max_mb
                spool = InboundSpool(spool_folder(settings.store), spool_mb * 1024 * 1024)
                yield Services(
                    settings,
                    store,
                    http,
                    registry,
                    gateway,
                    conversation,
                    signature,
                    outbox,
                    alerts,
                    watcher,
                    Maintenance(store, settings.bot, clock, inbox=settings.inbox),
                    eta,
                    spool,
                    SpoolReplay(spool, conversation, outbox, settings),
                )
            finally:
                # Carrier calls still warming the cache need the client and the store.
                await gateway.close()
    finally:
        await store.close()


@asynccontextmanager
async def _poster(
    transport: httpx.AsyncBaseTransport | None, user_agent: str
) -> AsyncIterator[FormPoster | None]:
    """The outbox's POSTs to Twilio: over aiohttp on the network (about a sixth of httpx's
    CPU a send, see `smsbot.channels.twilio_post`); over the shared client when a test
    replaces the network with `transport` (None: the outbox uses `http`)."""
    if transport is not None:
        yield None
        return
    async with AiohttpPoster(user_agent) as poster:
        yield poster


def services(request: Request) -> Services:
    """The running bot, from a request (the one typed accessor for app state)."""
    found = request.app.state.services
    if not isinstance(found, Services):
        raise RuntimeError("the app was not started through its lifespan")
    return found
