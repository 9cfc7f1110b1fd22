"""The console over HTTP: login, lockout, CSRF, security headers, the escalation queue."""

from __future__ import annotations

import asyncio
import csv
import html
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx2 as httpx  # starlette.testclient speaks httpx2
import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from smsbot.admin.auth import hash_password
from smsbot.cli import main
from smsbot.orders.demo import DEMO_ORDERS, DEMO_PHONE
from smsbot.services import Services
from smsbot.web.app import create_app
from tests.conftest import PUBLIC_URL, SettingsFactory, post_sms, sms_form

SECRET = "console-secret-key-0123456789-abcdefgh"
PASSWORD = "correct horse battery"


@pytest.fixture
def console(make_settings: SettingsFactory) -> Iterator[TestClient]:
    settings = make_settings(admin={"secret_key": SECRET, "max_failures": 3})
    app = create_app(settings, seed_orders=DEMO_ORDERS)
    with TestClient(app, base_url=PUBLIC_URL) as client:
        running: Services = app.state.services
        run_in_app(client, running.store.save_admin_user("ana", hash_password(PASSWORD), now()))
        yield client


def now() -> datetime:
    return datetime.now(UTC)


def run_in_app(client: TestClient, work: object) -> object:
    """Run a coroutine on the app's own loop (the store belongs to it)."""

    async def call() -> object:
        return await work  # type: ignore[misc]

    assert client.portal is not None
    return client.portal.call(call)


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def log_in(client: TestClient, name: str = "ana", password: str = PASSWORD) -> httpx.Response:
    form = client.get("/admin/login")
    return client.post(
        "/admin/login",
        data={"csrf": csrf_of(form), "name": name, "password": password},
        follow_redirects=False,
    )


def test_every_page_needs_a_login(console: TestClient) -> None:
    for path in ("/admin/", "/admin/escalations", "/admin/orders", "/admin/carriers"):
        response = console.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/admin/login"


def test_login_sets_a_strict_cookie_and_shows_the_dashboard(console: TestClient) -> None:
    response = log_in(console)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    for flag in ("HttpOnly", "Secure", "SameSite=lax", "Path=/admin"):
        assert flag.lower() in cookie.lower()
    dashboard = console.get("/admin/")
    assert dashboard.status_code == 200
    assert "<svg" in dashboard.text and "WISMO texts per 100 orders" in dashboard.text
    csp = dashboard.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script" not in csp
    assert "<script" not in dashboard.text


def test_failures_do_not_say_whether_the_user_exists_and_lock_the_account(
    console: TestClient,
) -> None:
    unknown = log_in(console, name="nobody", password="whatever it is")
    wrong = log_in(console, password="not the password")
    assert unknown.status_code == wrong.status_code == 401
    message = re.compile(r'<p class="error" role="alert">([^<]+)</p>')
    assert message.findall(unknown.text) == message.findall(wrong.text)
    log_in(console, password="not the password either")
    log_in(console, password="third wrong password")  # the 3rd failure locks the account
    locked = log_in(console)  # the right password, but locked
    assert locked.status_code == 401
    assert message.findall(locked.text) == message.findall(wrong.text)


def test_a_form_without_its_csrf_token_is_refused(console: TestClient) -> None:
    assert (
        console.post("/admin/login", data={"name": "ana", "password": PASSWORD}).status_code == 403
    )
    log_in(console)
    refused = console.post("/admin/logout", data={}, follow_redirects=False)
    assert refused.status_code == 403
    assert console.get("/admin/", follow_redirects=False).status_code == 200  # still signed in


def test_an_escalation_is_queued_shown_and_marked_handled(console: TestClient) -> None:
    assert post_sms(console, sms_form("1001")).status_code == 200
    assert post_sms(console, sms_form("AGENT")).status_code == 200
    log_in(console)
    queue = console.get("/admin/escalations")
    masked = DEMO_PHONE[:2] + "*" * (len(DEMO_PHONE) - 6) + DEMO_PHONE[-4:]
    assert masked in queue.text and DEMO_PHONE not in queue.text
    link = re.search(r'href="/admin/escalations/(\d+)"', queue.text)
    assert link
    detail = console.get(f"/admin/escalations/{link.group(1)}")
    assert DEMO_PHONE in detail.text  # the agent needs the number here
    assert "AGENT" in detail.text and "1001" in detail.text
    done = console.post(
        f"/admin/escalations/{link.group(1)}/handled",
        data={"csrf": csrf_of(detail)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    after = console.get("/admin/escalations")
    assert "Nobody is waiting for a person." in after.text
    assert "handled by ana" in after.text


def test_order_search_shows_the_order_view_and_masks_the_phone(console: TestClient) -> None:
    post_sms(console, sms_form("where is 1001"))
    log_in(console)
    found = console.get("/admin/orders", params={"number": "1001"})
    assert found.status_code == 200
    assert "Order 1001" in found.text and "where is 1001" in found.text
    assert DEMO_PHONE not in found.text
    missing = console.get("/admin/orders", params={"number": "999999"})
    assert missing.status_code == 404 and "No order 999999" in missing.text


def test_the_console_is_off_without_a_secret_key(client: TestClient) -> None:
    assert client.get("/admin/login").status_code == 404


def test_a_new_password_ends_older_sessions(console: TestClient) -> None:
    log_in(console)
    running: Services = console.app.state.services  # type: ignore[attr-defined]
    run_in_app(
        console, running.store.save_admin_user("ana", hash_password("another long one"), now())
    )
    assert console.get("/admin/", follow_redirects=False).status_code == 303


async def test_hash_password_refuses_short_passwords() -> None:
    with pytest.raises(ValueError, match="at least 12"):
        await asyncio.to_thread(hash_password, "short")


def test_the_dashboard_and_smsbot_report_show_the_same_figures(
    console: TestClient, tmp_path: Path
) -> None:
    for body in ("1001", "where is my order", "AGENT", "HELP", "1003"):
        post_sms(console, sms_form(body))
    log_in(console)
    page = console.get("/admin/", params={"since": "7d"}).text
    shown = dict(
        re.findall(r'<tr><th scope="row">([^<]+)</th><td>([^<]+)</td></tr>', html.unescape(page))
    )
    assert shown["WISMO texts"] == "4" and shown["Escalation rate"] == "100.0%"
    config = tmp_path / "report.toml"
    config.write_text(f'[store]\npath = "{tmp_path / "smsbot.db"}"\n\n[carriers.demo]\n')
    result = CliRunner().invoke(
        main, ["report", "--config", str(config), "--since", "7d", "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    printed = dict(csv.reader(io.StringIO(result.output)))
    del printed["figure"]
    assert printed == shown


def test_an_oversized_or_foreign_form_is_refused_before_it_is_read(console: TestClient) -> None:
    token = csrf_of(console.get("/admin/login"))
    huge = console.post(
        "/admin/login", data={"csrf": token, "name": "ana", "password": "x" * 20_000}
    )
    assert huge.status_code == 413
    as_json = console.post("/admin/login", json={"csrf": token, "name": "ana"})
    assert as_json.status_code == 413
    assert log_in(console).status_code == 303  # the normal form still works
