"""E-mail notices against a real SMTP server on 127.0.0.1 (aiosmtpd) that requires
STARTTLS, with a certificate from a test CA (trustme) given as `email.ca_file`."""

from __future__ import annotations

import email
import email.policy
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from starlette.testclient import TestClient

from smsbot.config import settings_from_mapping
from smsbot.errors import ConfigError
from smsbot.lookup.gateway import CarrierGateway
from smsbot.lookup.registry import Registry
from smsbot.mail.compose import compose
from smsbot.orders.model import Order, Shipment
from smsbot.store import open_store
from smsbot.tracking import Eta, Status
from smsbot.watch.watcher import Watcher
from tests.conftest import PUBLIC_URL, SettingsFactory
from tests.page.conftest import LINK, Texter, store_call
from tests.test_end_to_end import free_port
from tests.test_watcher import (
    LABEL,
    START,
    UPS1,
    Clock,
    FakeAlerts,
    FakeCarrier,
    FakeOutbox,
    event,
    result,
)

SHIPPED = "Order 1001 has shipped with UPS, arriving Thu Nov 27. Text 1001 for updates."


@dataclass
class Inbox:
    """What the SMTP server received, and whether each came over TLS."""

    messages: list[tuple[EmailMessage, bool]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((parsed, session.ssl is not None))
        return "250 OK"


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[tuple[Inbox, int, Path]]:
    """An SMTP server that refuses mail before STARTTLS: (inbox, port, CA file)."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    inbox, port = Inbox(), free_port()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True
    )
    controller.start()
    try:
        yield inbox, port, ca_file
    finally:
        controller.stop()


async def notice_by_email(
    make_settings: SettingsFactory, smtp: tuple[Inbox, int, Path], *, unsubscribed: bool = False
) -> FakeOutbox:
    _, port, ca_file = smtp
    settings = make_settings(
        email={"host": "127.0.0.1", "port": port, "from_address": "Acme <ship@acme.example>",
               "ca_file": str(ca_file), "timeout_s": 5},
    )  # fmt: skip
    store = await open_store(":memory:")
    try:
        clock = Clock()
        ups = FakeCarrier("ups", "UPS")
        outbox = FakeOutbox()
        gateway = CarrierGateway(
            Registry({"ups": ups}, {"ups": "test"}), store, settings.tracking, clock
        )
        watcher = Watcher(settings, store, gateway, outbox, FakeAlerts(), clock=clock)
        order = Order("1001", None, email="ana@example.com", name="Ana Ruiz",
                      shipments=(Shipment("ups", UPS1, shipped_at=START),))  # fmt: skip
        await store.upsert_orders([order])
        if unsubscribed:
            await store.unsubscribe_email("ANA@example.com", START)
        scanned = event(0, Status.IN_TRANSIT, "Columbus, OH", at=START)
        ups.results[UPS1] = result(
            "ups", UPS1, Status.IN_TRANSIT, LABEL, scanned, eta=Eta(date(2025, 11, 27))
        )
        await watcher.run_once()
        await watcher.run_once()  # recorded: nothing twice
        return outbox
    finally:
        await store.close()


async def test_a_notice_without_a_phone_goes_by_email_over_starttls(
    make_settings: SettingsFactory, smtp: tuple[Inbox, int, Path]
) -> None:
    outbox = await notice_by_email(make_settings, smtp)
    inbox = smtp[0]
    assert outbox.sent == []
    [(message, over_tls)] = inbox.messages
    assert over_tls
    assert message["To"] == "ana@example.com" and message["From"] == "Acme <ship@acme.example>"
    assert message["Subject"] == "Order 1001: shipping update"
    unsubscribe = message["List-Unsubscribe"]
    assert unsubscribe.startswith(f"<{PUBLIC_URL}/t/") and unsubscribe.endswith("/unsubscribe>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    plain, markup = text.get_content(), html.get_content()
    link = LINK.search(plain)
    assert link and SHIPPED in plain and "When does tracking update?" in plain
    assert f'href="{PUBLIC_URL}/t/{link.group(1)}"' in markup
    assert '<meta name="color-scheme" content="light dark">' in markup
    assert "<script" not in markup and "Ana Ruiz" not in markup


async def test_an_unsubscribed_address_gets_nothing(
    make_settings: SettingsFactory, smtp: tuple[Inbox, int, Path]
) -> None:
    outbox = await notice_by_email(make_settings, smtp, unsubscribed=True)
    assert smtp[0].messages == [] and outbox.sent == []


def test_the_unsubscribe_link_is_honoured_like_stop(
    page_client: TestClient, token_of: Texter
) -> None:
    token = token_of("1001")  # demo orders have e-mail addresses
    shown = page_client.get(f"/t/{token}/unsubscribe")
    assert shown.status_code == 200 and "<form" in shown.text  # a GET changes nothing
    assert store_call(page_client, "email_unsubscribed", "customer1001@demo.example") is False
    store_call(page_client, "revoke_links", "1001", START)  # still works after revocation
    done = page_client.post(f"/t/{token}/unsubscribe", data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "no more e-mails" in done.text
    assert store_call(page_client, "email_unsubscribed", "customer1001@demo.example") is True
    assert page_client.post("/t/ZZZZZZZZZZZZZ/unsubscribe").status_code == 404


def test_compose_in_spanish() -> None:
    message = compose(
        sender="ship@acme.example", to="ana@example.com", order_number="1001",
        text="Pedido 1001: en camino.", language="es", brand="Acme",
        url="https://t.example/t/AAAAAAAAAAAAA",
        unsubscribe_url="https://t.example/t/AAAAAAAAAAAAA/unsubscribe",
        faq=[("¿Cuándo?", "Pronto.")],
    )  # fmt: skip
    assert message["Subject"] == "Pedido 1001: novedades del envío"
    plain = message.get_body(("plain",))
    assert plain is not None
    assert "Ver todo el recorrido: https://t.example/t/AAAAAAAAAAAAA" in plain.get_content()


def test_email_config() -> None:
    with pytest.raises(ConfigError, match=r"email\.from_address: is required"):
        settings_from_mapping({"email": {"host": "smtp.example.com"}})
    with pytest.raises(ConfigError, match=r"email\.from_address: must be an e-mail address"):
        settings_from_mapping({"email": {"host": "smtp.example.com", "from_address": "acme"}})
    settings = settings_from_mapping(
        {"email": {"host": "smtp.example.com", "from_address": "a@acme.example"}},
        environ={"SMSBOT_EMAIL_PASSWORD": "pw-7f3k9q"},
    )
    assert settings.email.enabled and settings.email.port == 587 and settings.email.starttls
    assert settings.email.password is not None and settings.email.password.reveal() == "pw-7f3k9q"
    assert "pw-7f3k9q" not in repr(settings)
    assert not settings_from_mapping({}).email.enabled
