"""Issue 14, item 3: `check --live` shows where the account's numbers send messages, and
`connect-twilio NUMBER` points one at the bot, against a fake of Twilio's REST API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from smsbot.cli import main
from tests.faketwilio import ACCOUNT_SID, AUTH_TOKEN, serve_app
from tests.setup.fake_twilio_account import FakeAccount, create_app, phone_number

SITE = "https://bot.shop.test"
MAIN = "+14155550100"
OTHER = "+14155550111"


@pytest.fixture
def account() -> FakeAccount:
    return FakeAccount(
        numbers=[
            phone_number(MAIN, "PN" + "a" * 32, sms_url="https://demo.twilio.com/welcome/sms/"),
            phone_number(OTHER, "PN" + "b" * 32, sms_url=SITE + "/sms"),
        ]
    )


@pytest.fixture
def api(account: FakeAccount) -> Iterator[str]:
    with serve_app(create_app(account), "fake-twilio-account") as url:
        yield url


def _config(tmp_path: Path, api: str, token: str = AUTH_TOKEN, extra: str = "") -> Path:
    path = tmp_path / "smsbot.toml"
    path.write_text(
        f'[server]\npublic_url = "{SITE}"\n'
        f'[twilio]\naccount_sid = "{ACCOUNT_SID}"\nauth_token = "{token}"\n'
        f'api_base_url = "{api}"\n{extra}\n'
        f"[store]\npath = {str(tmp_path / 'smsbot.db')!r}\n[carriers.demo]\n",
        encoding="utf-8",
    )
    return path


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_connect_sets_the_sms_webhook_and_is_idempotent(
    tmp_path: Path, api: str, account: FakeAccount
) -> None:
    config = str(_config(tmp_path, api))
    code, out, err = _run("connect-twilio", "(415) 555-0100", "--config", config)
    assert code == 0, err
    assert f"{MAIN}: incoming messages now POST to {SITE}/sms" in out
    assert "was: https://demo.twilio.com/welcome/sms/" in out
    assert account.updates() == [{"SmsUrl": f"{SITE}/sms", "SmsMethod": "POST"}]
    number = account.number(MAIN)
    assert (number["sms_url"], number["sms_method"]) == (f"{SITE}/sms", "POST")
    assert number["status_callback"] == ""  # the voice callback is not ours to set

    code, out, _ = _run("connect-twilio", MAIN, "--config", config)
    assert code == 0
    assert "already POST to" in out and "unchanged" in out
    assert len(account.updates()) == 1


def test_connect_refuses_a_number_not_on_the_account(tmp_path: Path, api: str) -> None:
    code, _, err = _run("connect-twilio", "+12125550199", "--config", str(_config(tmp_path, api)))
    assert code == 2
    line = err.strip()
    assert "+12125550199 is not a number of Twilio account" in line
    assert MAIN in line and OTHER in line


def test_bad_credentials_are_one_line_naming_the_keys(tmp_path: Path, api: str) -> None:
    config = str(_config(tmp_path, api, token="f" * 32))
    for args in (["connect-twilio", MAIN], ["check", "--live"]):
        code, _, err = _run(*args, "--config", config)
        assert code == 2
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        assert "HTTP 401, error 20003: Authenticate" in lines[0]
        assert "twilio.account_sid and twilio.auth_token" in lines[0]
        assert "f" * 32 not in lines[0]


def test_a_twiml_app_is_replaced_only_when_asked(
    tmp_path: Path, api: str, account: FakeAccount
) -> None:
    account.number(MAIN)["sms_application_sid"] = "AP" + "c" * 32
    config = str(_config(tmp_path, api))
    code, _, err = _run("connect-twilio", MAIN, "--config", config)
    assert code == 2 and "--replace-app" in err
    assert account.updates() == []
    code, _, err = _run("connect-twilio", MAIN, "--config", config, "--replace-app")
    assert code == 0, err
    assert account.updates()[0]["SmsApplicationSid"] == ""
    assert account.number(MAIN)["sms_application_sid"] == ""


def test_check_live_shows_each_webhook_next_to_the_expected_one(
    tmp_path: Path, api: str, account: FakeAccount
) -> None:
    # More numbers than one page holds: the listing follows next_page_uri.
    extra = [phone_number(f"+1415555{n:04d}", f"PN{n:032x}") for n in range(200, 260)]
    account.numbers.extend(extra)
    config = str(_config(tmp_path, api, extra=f'from_number = "{MAIN}"'))
    code, out, err = _run("check", "--live", "--config", config)
    assert code == 2
    assert f'twilio account {ACCOUNT_SID} ("Pat\'s Shop", Full, active): credentials OK' in out
    assert (
        f"number {MAIN}: SMS webhook POST https://demo.twilio.com/welcome/sms/: expected "
        f"{SITE}/sms; run: smsbot connect-twilio {MAIN}"
    ) in out
    assert f"number {OTHER}: SMS webhook POST {SITE}/sms: OK" in out
    assert "number +14155550259: SMS webhook (none): no webhook is set" in out
    assert "1 Twilio setting failed the check" in err
    assert "configuration OK" not in out
    assert AUTH_TOKEN not in out + err
    assert sum(1 for method, _, _ in account.requests if method == "GET") == 3  # 1 + 2 pages

    assert _run("connect-twilio", MAIN, "--config", config)[0] == 0
    code, out, err = _run("check", "--live", "--config", config)
    assert code == 0, err
    assert out.strip().endswith("configuration OK")
    assert account.updates() == [{"SmsUrl": f"{SITE}/sms", "SmsMethod": "POST"}]


@pytest.mark.parametrize(
    ("url", "hint"),
    [
        (SITE + "/sms/sms", "/sms twice"),
        (SITE, "the path /sms is missing"),
        (SITE + "/sms/", "no trailing slash"),
    ],
)
def test_check_live_names_the_usual_slips(
    tmp_path: Path, api: str, account: FakeAccount, url: str, hint: str
) -> None:
    account.number(MAIN)["sms_url"] = url
    config = str(_config(tmp_path, api, extra=f'from_number = "{MAIN}"'))
    code, out, _ = _run("check", "--live", "--config", config)
    assert code == 2
    assert hint in out


def test_check_live_flags_a_sender_that_is_not_the_accounts(tmp_path: Path, api: str) -> None:
    config = str(_config(tmp_path, api, extra='from_number = "+12125550142"'))
    code, out, _ = _run("check", "--live", "--config", config)
    assert code == 2
    assert "twilio.from_number +12125550142 is not a number of this account" in out


def test_check_without_live_does_not_call_twilio(
    tmp_path: Path, api: str, account: FakeAccount
) -> None:
    code, _, err = _run("check", "--config", str(_config(tmp_path, api)))
    assert code == 0, err
    assert account.requests == []


def test_a_number_that_cannot_receive_sms_is_refused(
    tmp_path: Path, api: str, account: FakeAccount
) -> None:
    account.number(MAIN)["capabilities"]["sms"] = False
    code, _, err = _run("connect-twilio", MAIN, "--config", str(_config(tmp_path, api)))
    assert code == 2 and f"{MAIN} cannot receive SMS" in err
    assert account.updates() == []


def test_check_live_says_where_a_messaging_service_sends_messages(tmp_path: Path, api: str) -> None:
    service = "MG" + "d" * 32
    config = str(_config(tmp_path, api, extra=f'messaging_service_sid = "{service}"'))
    code, out, err = _run("check", "--live", "--config", config)
    assert code == 0, err  # OTHER points at the bot; no from_number to hold to account
    assert f"messaging service {service}: if its Integration" in out
    assert f"its Request URL must be {SITE}/sms" in out
