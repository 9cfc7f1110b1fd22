"""The tracking page's fixtures: the app with the demo orders and a helper that texts an
order number and follows the link in the reply."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from starlette.testclient import TestClient

from smsbot.config import Settings
from tests.conftest import PUBLIC_URL, SettingsFactory, post_sms, reply_text, sms_form

LINK = re.compile(re.escape(PUBLIC_URL) + r"/t/([0-9A-Za-z]{13})\b")

Texter = Callable[[str], str]


@pytest.fixture
def page_settings(make_settings: SettingsFactory) -> Settings:
    """Links and the page on; replies may be long enough to carry them."""
    return make_settings(
        links={"mode": "always"},
        twilio={"from_number": "+12025550100"},
        bot={"verify": "phone"},
    )


@pytest.fixture
def page_client(page_settings: Settings) -> Iterator[TestClient]:
    from smsbot.orders.demo import DEMO_ORDERS
    from smsbot.web.app import create_app

    with TestClient(create_app(page_settings, seed_orders=DEMO_ORDERS), base_url=PUBLIC_URL) as c:
        yield c


def link_texter(client: TestClient) -> Texter:
    """Text `number` from the demo phone to `client`; the token of the link in the reply."""

    def text(number: str) -> str:
        reply = reply_text(post_sms(client, sms_form(number))) or ""
        found = LINK.search(reply)
        assert found, reply
        return found.group(1)

    return text


@pytest.fixture
def token_of(page_client: TestClient) -> Texter:
    """Text `number` from the demo phone; the token of the link in the reply."""
    return link_texter(page_client)


def store_call(client: TestClient, method: str, *args: object) -> object:
    """Call the running app's store method `method` on the app's own loop."""
    portal = client.portal
    assert portal is not None
    store = client.app.state.services.store  # type: ignore[attr-defined]
    return portal.call(getattr(store, method), *args)
