"""create_app(settings) -> the Starlette app: its routes and its lifespan.

The lifespan opens the services and runs their background work (`smsbot.background`):
the outbox, alerts and helpdesk hand-off senders and maintenance always, the watcher's polls with
`watch.enabled`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Route

from smsbot.admin.app import console_mount
from smsbot.admin.context import Console
from smsbot.api import openapi as api_openapi
from smsbot.api import orders as api_orders
from smsbot.background import background
from smsbot.checkout import routes as checkout_routes
from smsbot.checkout.service import CheckoutEta
from smsbot.config import Settings
from smsbot.orders.model import Order
from smsbot.page import routes as page_routes
from smsbot.page.headers import install_token_filter
from smsbot.page.service import TrackingPage
from smsbot.services import Clock, open_services, utc_now, warn_if_unsafe
from smsbot.store import Store
from smsbot.web import hooks, metrics, shop, sms, status


def create_app(
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Clock = utc_now,
    seed_orders: tuple[Order, ...] = (),
    prepare: Callable[[Store], Awaitable[None]] | None = None,
) -> Starlette:
    """The ASGI app. Nothing is opened until the lifespan starts; then `prepare` (the demo's
    console history) runs on the open store before the first request."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        warn_if_unsafe(settings)
        async with open_services(
            settings, transport=transport, clock=clock, seed_orders=seed_orders
        ) as running:
            if prepare is not None:
                await prepare(running.store)
            app.state.services = running
            app.state.page = page = TrackingPage(running, clock)
            install_token_filter()
            # The gazetteer takes a second to read: off the loop, before the first view.
            warm = asyncio.get_running_loop().run_in_executor(None, page.gazetteer.load)
            # The checkout ETA answers from the learned model (issue 19).
            answers = CheckoutEta(running.eta, settings.checkout, settings.bot.timezone, clock)
            app.state.checkout = checkout_routes.Checkout(answers)
            app.state.console = Console(settings, running.store, running.gateway.track, clock)
            # What is queued is sent whatever watch.enabled says; it decides only the polls.
            async with background(running, watch=settings.watch.enabled, clock=clock):
                yield
            await warm

    routes: list[BaseRoute] = [
        Route("/sms", sms.sms, methods=["POST"]),
        Route("/twilio/status", status.status, methods=["POST"]),
        Route("/healthz", sms.healthz, methods=["GET"]),
        Route("/hooks/{carrier}", hooks.carrier_push, methods=["POST"]),
        Route("/api/orders/{number}", api_orders.order, methods=["GET", "PUT", "PATCH", "DELETE"]),
        Route("/api/openapi.json", api_openapi.openapi, methods=["GET"]),
        Route("/webhooks/shopify", shop.shopify, methods=["POST"]),
        Route("/webhooks/woocommerce", shop.woocommerce, methods=["POST"]),
        *page_routes.ROUTES,  # the tracking page: /t/{token}, its JSON, its stylesheet
        Route("/metrics", metrics.metrics, methods=["GET"]),
        # Twilio does not follow redirects for POSTs: /sms/ is answered, never redirected.
        Route("/sms/", sms.sms, methods=["POST"]),
        *checkout_routes.ROUTES,  # the checkout ETA: /api/eta, /eta.js, /eta/demo (issue 19)
    ]
    if settings.admin.secret_key is not None:  # the console is off without a session key
        routes.append(console_mount())
    return Starlette(routes=routes, lifespan=lifespan)
