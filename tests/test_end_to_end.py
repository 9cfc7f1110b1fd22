"""The real process: `smsbot import-orders`, then `smsbot serve` on 127.0.0.1, texted with
signed webhooks exactly as Twilio would send them."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from smsbot.channels.twiml import sign
from tests.conftest import sms_form
from tests.pgtest import E2E_BACKENDS, store_table
from tests.served import clean_env, served

TOKEN = "e2e-auth-token"
OWNER = "+12025550123"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def smsbot(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "smsbot", *args],
        cwd=cwd,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        input=stdin,
    )


@pytest.fixture(params=E2E_BACKENDS)
def workdir(tmp_path: Path, request: pytest.FixtureRequest) -> tuple[Path, int]:
    port = free_port()
    (tmp_path / "smsbot.toml").write_text(
        f"""
[server]
public_url = "http://127.0.0.1:{port}"
port = {port}

[twilio]
auth_token = "{TOKEN}"

{store_table(request.param, str(tmp_path / "bot.db"))}
[bot]
brand = "Acme Outfitters"
support_contact = "help@acme.example"
timezone = "America/New_York"

[carriers.demo]
""",
        encoding="utf-8",
    )
    (tmp_path / "orders.csv").write_text(
        "order_number,phone,email,postal_code,name,carrier,tracking_number,kind\n"
        "A-2001,(202) 555-0123,pat@example.com,11201,Pat Lee,demo,DEMO1001,outbound\n"
        "A-2002,(202) 555-0123,pat@example.com,11201,Pat Lee,demo,DEMO1006A,outbound\n"
        "A-2002,(202) 555-0123,pat@example.com,11201,Pat Lee,demo,DEMO1006B,outbound\n",
        encoding="utf-8",
    )
    return tmp_path, port


@pytest.fixture
def server(workdir: tuple[Path, int]) -> Iterator[str]:
    path, port = workdir
    imported = smsbot("import-orders", "orders.csv", cwd=path)
    assert imported.returncode == 0, imported.stderr
    assert "2 orders (2 new, 0 updated), 3 shipments added" in imported.stdout
    with served(path, port, never_logged=(TOKEN, OWNER)) as base:
        yield base


def text(base: str, form: dict[str, str], token: str = TOKEN) -> httpx.Response:
    signature = sign(token, base + "/sms", form)
    return httpx.post(base + "/sms", data=form, headers={"X-Twilio-Signature": signature})


def message(response: httpx.Response) -> str | None:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(response.content)  # noqa: S314  # our own server's TwiML
    found = root.find("Message")
    return None if found is None else found.text


def test_serve_answers_signed_texts(server: str) -> None:
    reply = message(text(server, sms_form("where is order A-2001?", sender=OWNER)))
    assert reply is not None
    assert reply.startswith("Order A-2001: In transit with DemoPost, arriving ")

    reply = message(text(server, sms_form("a-2002", sender=OWNER)))
    assert reply is not None
    assert reply.startswith("Order A-2002, 2 packages: 1) DemoPost: Delivered")

    stranger = message(text(server, sms_form("A-2001", sender="+12025550199")))
    assert stranger is not None and "DemoPost" not in stranger

    assert message(text(server, sms_form("STOP", sender=OWNER))) is None

    forged = text(server, sms_form("A-2001", sender=OWNER), token="not-the-token")
    assert forged.status_code == 403
    unsigned = httpx.post(server + "/sms", data=sms_form("A-2001"))
    assert unsigned.status_code == 403


def test_chat_and_check_read_the_imported_orders(workdir: tuple[Path, int]) -> None:
    path, _ = workdir
    imported = smsbot("import-orders", "orders.csv", cwd=path)
    assert imported.returncode == 0, imported.stderr
    chatted = smsbot("chat", "--from", OWNER, cwd=path, stdin="where is A-2001?\n")
    assert chatted.returncode == 0, chatted.stderr
    assert "Order A-2001: In transit with DemoPost, arriving " in chatted.stdout
    checked = smsbot("check", cwd=path)
    assert checked.returncode == 0, checked.stderr
    assert re.search(r"store .*: schema v\d+, 2 orders", checked.stdout), checked.stdout
    assert checked.stdout.strip().endswith("configuration OK")


def test_import_rejects_bad_rows_whole(workdir: tuple[Path, int]) -> None:
    path, _ = workdir
    (path / "bad.csv").write_text(
        "order_number,phone,email,postal_code,name,carrier,tracking_number\n"
        "3001,(202) 555-0123,a@example.com,11201,Pat,demo,DEMO1001\n"
        "3002,not a phone,a@example.com,11201,Pat,demo,DEMO1002\n"
        ",(202) 555-0123,a@example.com,11201,Pat,demo,DEMO1003\n",
        encoding="utf-8",
    )
    rejected = smsbot("import-orders", "bad.csv", cwd=path)
    assert rejected.returncode == 2
    assert "line 3:" in rejected.stderr and "line 4:" in rejected.stderr
    assert "nothing imported" in rejected.stderr

    skipped = smsbot("import-orders", "bad.csv", "--skip-invalid", cwd=path)
    assert skipped.returncode == 0, skipped.stderr
    assert "1 orders (1 new" in skipped.stdout
    assert "2 bad rows skipped" in skipped.stdout


def test_bad_config_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "smsbot.toml").write_text('[bot]\ntimezone = "Mars/Base"\n', encoding="utf-8")
    result = smsbot("check", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: smsbot.toml: bot.timezone: unknown time zone 'Mars/Base'"
    ]


def test_demo_commands_need_no_config(tmp_path: Path) -> None:
    replied = smsbot("text", "+12025550123", "1002", "--demo", cwd=tmp_path)
    assert replied.returncode == 0, replied.stderr
    text, _, link = replied.stdout.strip().partition(" Details: ")
    assert text == "Order 1002: Out for delivery with DemoPost today."
    assert re.fullmatch(r"http://127\.0\.0\.1:8080/t/[0-9A-Za-z]{13}", link), link  # issue 17
    tracked = smsbot("track", "demo", "DEMO1004", "--demo", cwd=tmp_path)
    assert tracked.returncode == 0, tracked.stderr
    assert "DemoPost DEMO1004: exception" in tracked.stdout
    assert "delay reason: weather" in tracked.stdout
    listed = smsbot("carriers", "--demo", cwd=tmp_path)
    assert "demo" in listed.stdout and "DemoPost" in listed.stdout
