"""Issue 14, setup: `check` and `serve` stop a new merchant's mistakes with one line."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from smsbot.cli import main
from smsbot.orders.demo import DEMO_ORDERS
from smsbot.web.app import create_app
from tests.conftest import PUBLIC_URL, TOKEN, SettingsFactory, post_sms, reply_text, sms_form

GOOD_SID = "AC" + "0123456789abcdef" * 2
GOOD_TOKEN = "0123456789abcdef" * 2


def _config(tmp_path: Path, server: str, twilio: str, extra: str = "") -> Path:
    store = tmp_path / "data" / "smsbot.db"
    path = tmp_path / "smsbot.toml"
    path.write_text(
        f"[server]\n{server}\n[twilio]\n{twilio}\n[store]\npath = {str(store)!r}\n"
        f"[carriers.demo]\n{extra}",
        encoding="utf-8",
    )
    return path


@pytest.fixture(autouse=True)
def no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """`serve` that got past its checks returns at once instead of serving forever."""
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)


def _good_twilio() -> str:
    return f'account_sid = "{GOOD_SID}"\nauth_token = "{GOOD_TOKEN}"'


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("url", ["https://bot.shop.test/sms", "https://bot.shop.test/?a=1"])
@pytest.mark.parametrize("command", ["check", "serve"])
def test_a_public_url_with_a_path_or_query_is_one_line_with_the_fix(
    tmp_path: Path, url: str, command: str
) -> None:
    config = _config(tmp_path, f'public_url = "{url}"', _good_twilio())
    code, out, err = _run(command, "--config", str(config))
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "server.public_url" in lines[0] and "write 'https://bot.shop.test'" in lines[0]
    assert "configuration OK" not in out


@pytest.mark.parametrize(
    ("twilio", "key"),
    [
        ('account_sid = "ACxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"\nauth_token = "' + GOOD_TOKEN + '"',
         "twilio.account_sid"),
        (f'account_sid = "{GOOD_SID}"\nauth_token = "your-primary-auth-token"',
         "twilio.auth_token"),
        (_good_twilio() + '\nmessaging_service_sid = "MGxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"',
         "twilio.messaging_service_sid"),
        (f'account_sid = "AC123"\nauth_token = "{GOOD_TOKEN}"', "twilio.account_sid"),
        (_good_twilio() + '\nmessaging_service_sid = "MG42"', "twilio.messaging_service_sid"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("command", ["check", "serve"])
def test_example_values_and_misshapen_sids_name_the_key(
    tmp_path: Path, twilio: str, key: str, command: str
) -> None:
    config = _config(tmp_path, 'public_url = "https://bot.shop.test"', twilio)
    code, out, err = _run(command, "--config", str(config))
    assert code == 2, out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and f"{config}: {key}:" in lines[0], err


def test_the_example_public_url_is_refused(tmp_path: Path) -> None:
    config = _config(tmp_path, 'public_url = "https://bot.example.com"', _good_twilio())
    code, _, err = _run("check", "--config", str(config))
    assert code == 2 and "server.public_url" in err and "example value" in err


def test_a_carrier_table_example_value_is_refused(tmp_path: Path) -> None:
    config = _config(
        tmp_path,
        'public_url = "https://bot.shop.test"',
        _good_twilio(),
        '[carriers.ups]\nclient_id = "..."\nclient_secret = "..."\n',
    )
    code, _, err = _run("check", "--config", str(config))
    assert code == 2 and "carriers.ups.client_id" in err, err


def test_a_short_auth_token_is_a_warning(tmp_path: Path) -> None:
    config = _config(tmp_path, 'public_url = "https://bot.shop.test"', 'auth_token = "abc"')
    code, _, err = _run("check", "--config", str(config))
    assert code == 0, err
    assert "twilio.auth_token" in err and "32 hex digits" in err


def test_check_changes_nothing_on_disk_and_says_ok_last(tmp_path: Path) -> None:
    config = _config(tmp_path, 'public_url = "https://bot.shop.test"', _good_twilio())
    before = sorted(tmp_path.rglob("*"))
    code, out, err = _run("check", "--config", str(config))
    assert code == 0, err
    assert sorted(tmp_path.rglob("*")) == before  # no data/ folder, no database file
    assert "does not exist yet" in out
    assert out.strip().splitlines()[-1] == f"{config}: configuration OK"


def test_check_opens_an_existing_store(tmp_path: Path) -> None:
    config = _config(tmp_path, 'public_url = "https://bot.shop.test"', _good_twilio())
    (tmp_path / "data").mkdir()
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "order_number,phone,email,postal_code,name,carrier,tracking_number\n"
        "1001,+12025550123,a@shop.test,11201,Ana,demo,DEMO1001\n"
    )
    code, _, err = _run("import-orders", str(orders), "--config", str(config))
    assert code == 0, err
    code, out, err = _run("check", "--config", str(config))
    assert code == 0, err
    assert "schema v" in out and "1 order" in out and "1 orders" not in out


def test_check_warns_of_stored_shipments_no_adapter_serves(tmp_path: Path) -> None:
    """Issue 14 item 4: orders already in the store naming a carrier nothing serves."""
    config = _config(tmp_path, 'public_url = "https://bot.shop.test"', _good_twilio())
    (tmp_path / "data").mkdir()
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "order_number,phone,email,postal_code,name,carrier,tracking_number\n"
        "1001,+12025550123,a@shop.test,11201,Ana,demo,DEMO1001\n"
        "1002,+12025550123,a@shop.test,11201,Ana,ontrac,C10000000000001\n"
        "1003,+12025550123,a@shop.test,11201,Ana,ontrac,C10000000000002\n"
    )
    code, _, err = _run("import-orders", str(orders), "--config", str(config))
    assert code == 0, err
    code, out, err = _run("check", "--config", str(config))
    assert code == 0, err
    assert "carrier 'ontrac' (on 2 stored shipments): no adapter serves it" in err
    assert "'demo'" not in err
    assert out.rstrip().endswith("configuration OK")


def test_a_failing_check_never_says_ok(tmp_path: Path) -> None:
    config = _config(
        tmp_path, 'public_url = "https://bot.shop.test"', _good_twilio(), "[carriers.upss]\n"
    )
    code, out, err = _run("check", "--config", str(config))
    assert code == 2 and "OK" not in out
    line = err.strip()
    assert line.startswith(f"error: {config}: carriers.upss:") and "did you mean 'ups'" in line


def test_a_routing_typo_suggests_the_carrier(tmp_path: Path) -> None:
    config = _config(
        tmp_path,
        'public_url = "https://bot.shop.test"',
        _good_twilio(),
        '[routing]\ncarriers = { fedexx = "demo" }\n',
    )
    code, _, err = _run("check", "--config", str(config))
    assert code == 2
    assert "routing.carriers.fedexx" in err and "did you mean 'fedex'" in err


def test_a_budget_for_no_carrier_names_the_key(tmp_path: Path) -> None:
    """Issue 15: a budget typo would silently keep no quota; check says so."""
    config = _config(
        tmp_path,
        'public_url = "https://bot.shop.test"',
        _good_twilio(),
        "[budgets]\nuspss = 1000\n",
    )
    code, _, err = _run("check", "--config", str(config))
    assert code == 2
    assert "budgets.uspss" in err and "did you mean 'usps'" in err


def test_the_403_line_names_the_url_the_signature_was_checked_against(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="smsbot.web.twilio_form"):
        response = post_sms(client, sms_form("1001"), signed_url=PUBLIC_URL + "/sms/sms")
    assert response.status_code == 403
    lines = [r.getMessage() for r in caplog.records if "X-Twilio-Signature" in r.getMessage()]
    assert len(lines) == 1 and f"checked against {PUBLIC_URL}/sms " in lines[0]
    assert TOKEN not in lines[0]


def test_the_403_line_shows_query_names_never_values(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="smsbot.web.twilio_form"):
        response = client.post(
            "/sms?secret=hunter2", data=sms_form("1001"), headers={"X-Twilio-Signature": "bad"}
        )
    assert response.status_code == 403
    text = " ".join(r.getMessage() for r in caplog.records)
    assert "/sms?secret=..." in text and "hunter2" not in text


def test_sms_with_a_trailing_slash_is_answered_not_redirected(
    make_settings: SettingsFactory,
) -> None:
    from smsbot.channels.twiml import sign

    app = create_app(make_settings(), seed_orders=DEMO_ORDERS)
    # The server sees an internal address, as behind a proxy; Twilio called the public URL.
    with TestClient(app, base_url="http://127.0.0.1:8080") as client:
        form = sms_form("Where is 1001?")
        header = sign(TOKEN, PUBLIC_URL + "/sms/", form)
        response = client.post(
            "/sms/", data=form, headers={"X-Twilio-Signature": header}, follow_redirects=False
        )
    assert response.status_code == 200, response.headers
    text = reply_text(response)
    assert text is not None and text.startswith("Order 1001")
