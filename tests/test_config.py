"""Configuration: typed, validated, secrets hidden, errors that name file and key."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Any

import pytest

from smsbot.config import Secret, config_path, load_settings, settings_from_mapping
from smsbot.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "smsbot.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_issue_keys_work_as_written(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[server]
public_url = "https://bot.example.com"

[twilio]
account_sid = "AC123"
auth_token = "tok"
validate_signature = true

[store]
path = "smsbot.db"

[bot]
brand = "Acme Outfitters"
support_contact = "help@acme.example"
timezone = "America/New_York"
language = "en"
default_region = "US"

[tracking]
reply_deadline_s = 5.0
cache_ttl_s = 600

[carriers.demo]
""",
    )
    settings = load_settings(path, environ={})
    assert settings.server.public_url == "https://bot.example.com"
    assert settings.twilio.auth_token == Secret("tok")
    assert settings.bot.timezone.key == "America/New_York"
    assert settings.tracking.cache_ttl_s == 600.0
    assert dict(settings.carriers) == {"demo": {}}


def test_example_config_is_valid() -> None:
    settings = load_settings(EXAMPLE, environ={})
    assert settings.bot.brand
    assert "demo" in settings.carriers


def test_secret_never_shows(tmp_path: Path) -> None:
    path = write(tmp_path, '[twilio]\nauth_token = "hunter2-very-secret"\n')
    settings = load_settings(path, environ={})
    assert "hunter2" not in repr(settings)
    assert "hunter2" not in str(settings.twilio)
    assert settings.twilio.auth_token is not None
    assert settings.twilio.auth_token.reveal() == "hunter2-very-secret"


def test_secret_from_environment(tmp_path: Path) -> None:
    path = write(tmp_path, "[twilio]\n")
    settings = load_settings(path, environ={"SMSBOT_TWILIO_AUTH_TOKEN": "from-env"})
    assert settings.twilio.auth_token == Secret("from-env")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[bot]\nlanguge = "en"\n', "bot.languge"),
        ('[bot]\ntimezone = "Mars/Olympus"\n', "bot.timezone"),
        ('[bot]\nlanguage = "fr"\n', "bot.language"),
        ("[tracking]\nreply_deadline_s = 20\n", "tracking.reply_deadline_s"),
        ('[tracking]\ncache_ttl_s = "ten"\n', "tracking.cache_ttl_s"),
        ("[tracking]\ncache_ttl_s = -1\n", "tracking.cache_ttl_s"),
        ('[twilio]\nvalidate_signature = "no"\n', "twilio.validate_signature"),
        ('[server]\npublic_url = "bot.example.com"\n', "server.public_url"),
        ('[bot]\norder_number_pattern = "(["\n', "bot.order_number_pattern"),
        ('[bot]\ndefault_region = "XX"\n', "bot.default_region"),
        ("[carriers.Bad-Name]\n", "carriers.Bad-Name"),
        ("[sever]\nport = 1\n", "sever"),
    ],
)
def test_errors_name_file_and_key(tmp_path: Path, text: str, key: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert caught.value.key == key
    assert str(caught.value).startswith(f"{path}: {key}: ")
    assert "\n" not in str(caught.value)


def test_bad_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write(tmp_path, "[bot\n"), environ={})
    with pytest.raises(ConfigError, match="file not found"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_config_path_precedence() -> None:
    assert config_path("a.toml", {"SMSBOT_CONFIG": "b.toml"}) == Path("a.toml")
    assert config_path(None, {"SMSBOT_CONFIG": "b.toml"}) == Path("b.toml")
    assert config_path(None, {}) == Path("smsbot.toml")


def test_defaults_without_sections() -> None:
    settings = settings_from_mapping({})
    assert settings.tracking.reply_deadline_s == 5.0
    assert settings.bot.verify == "phone_or_postal_code"
    assert settings.twilio.validate_signature is True


def test_watch_quiet_hours_and_refresh() -> None:
    watch = settings_from_mapping(
        {"watch": {"quiet_hours": "22:30-7:00", "refresh_minutes": {"in_transit": 90}}}
    ).watch
    assert watch.quiet_hours == (time(22, 30), time(7, 0))
    assert watch.refresh_minutes["in_transit"] == 90.0
    assert watch.refresh_minutes["out_for_delivery"] == 30.0
    assert settings_from_mapping({"watch": {"quiet_hours": ""}}).watch.quiet_hours is None
    assert settings_from_mapping({}).watch.quiet_hours == (time(21, 0), time(8, 0))


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"watch": {"quiet_hours": "9pm-8am"}}, "watch.quiet_hours"),
        ({"watch": {"quiet_hours": "08:00-08:00"}}, "watch.quiet_hours"),
        ({"watch": {"refresh_minutes": {"in_transt": 5}}}, "watch.refresh_minutes.in_transt"),
        ({"watch": {"refresh_minutes": {"in_transit": 0}}}, "watch.refresh_minutes.in_transit"),
        ({"watch": {"proof_carriers": "ups"}}, "watch.proof_carriers"),
        ({"twilio": {"from_number": "555-0100"}}, "twilio.from_number"),
        ({"twilio": {"messaging_service_sid": "AB123"}}, "twilio.messaging_service_sid"),
        ({"twilio": {"api_base_url": "api.twilio.com"}}, "twilio.api_base_url"),
        ({"escalation": {"webhook_url": "ftp://x"}}, "escalation.webhook_url"),
        ({"bot": {"max_verify_attempts": 0}}, "bot.max_verify_attempts"),
        ({"bot": {"verify": "postal"}}, "bot.verify"),
        ({"routing": {"default": "easypost"}}, "routing.default"),
        ({"routing": {"carriers": {"ontrac": "shippo"}}}, "routing.carriers.ontrac"),
        ({"routing": {"carriers": {"OnTrac": "shippo"}}}, "routing.carriers.OnTrac"),
    ],
)
def test_new_sections_name_the_bad_key(data: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        settings_from_mapping(data, source="smsbot.toml")
    assert caught.value.key == key


def test_routing_to_a_configured_aggregator() -> None:
    settings = settings_from_mapping(
        {
            "carriers": {"easypost": {}, "shippo": {}},
            "routing": {"default": "easypost", "carriers": {"*": "shippo", "ontrac": "easypost"}},
        }
    )
    assert settings.routing.default == "easypost"
    assert settings.routing.carriers == {"*": "shippo", "ontrac": "easypost"}


def test_webhook_tokens_come_from_the_environment() -> None:
    settings = settings_from_mapping(
        {"escalation": {"webhook_url": "https://desk.example/hook"}},
        environ={"SMSBOT_ESCALATION_TOKEN": "s3cr3t-e", "SMSBOT_ALERTS_TOKEN": "s3cr3t-a"},
    )
    assert settings.escalation.token is not None
    assert settings.escalation.token.reveal() == "s3cr3t-e"
    assert settings.alerts.token is not None
    assert "s3cr3t" not in repr(settings)


def test_store_url_defaults_to_the_sqlite_path() -> None:
    assert settings_from_mapping({}).store.url == "sqlite:///smsbot.db"
    store = settings_from_mapping({"store": {"path": "/srv/bot.db"}}).store
    assert (store.path, store.url) == ("/srv/bot.db", "sqlite:////srv/bot.db")


def test_store_url_names_the_sqlite_file() -> None:
    store = settings_from_mapping({"store": {"url": "sqlite:///data/bot.db"}}).store
    assert (store.path, store.url, store.shown) == (
        "data/bot.db",
        "sqlite:///data/bot.db",
        "data/bot.db",
    )


def test_store_url_and_path_together_are_an_error() -> None:
    with pytest.raises(ConfigError, match=r"store\.url.*store\.url or store\.path, not both"):
        settings_from_mapping({"store": {"url": "sqlite:///a.db", "path": "b.db"}})


@pytest.mark.parametrize(
    "url",
    ["smsbot.db", "sqlite://", "://x", "postgresql://u:hunter2@", "postgresql://u:hunter2@[x"],
)
def test_a_bad_store_url_is_named_without_its_password(url: str) -> None:
    with pytest.raises(ConfigError, match=r"store\.url") as raised:
        settings_from_mapping({"store": {"url": url}})
    assert "hunter2" not in str(raised.value)


def test_a_store_url_password_is_never_shown() -> None:
    url = "postgresql://bot:hunter2@db.example:5432/smsbot"
    store = settings_from_mapping({"store": {"url": url}}).store
    assert store.url == url and store.path == ""
    assert store.shown == "postgresql://bot:***@db.example:5432/smsbot"
    assert "hunter2" not in repr(store) and "hunter2" not in repr(
        settings_from_mapping({"store": {"url": url}})
    )


def test_smsbot_store_url_overrides_the_configured_store() -> None:
    url = "postgresql://bot:hunter2@db.example:5432/smsbot"
    for configured in ({"path": "x.db"}, {"url": "sqlite:///y.db"}, {}):
        store = settings_from_mapping(
            {"store": configured}, environ={"SMSBOT_STORE_URL": url}
        ).store
        assert (store.url, store.path) == (url, "")
        assert "hunter2" not in store.shown


def test_store_pool_size() -> None:
    assert settings_from_mapping({}).store.pool_size == 10
    assert settings_from_mapping({"store": {"pool_size": 4}}).store.pool_size == 4
    for bad in (0, 101, "4"):
        with pytest.raises(ConfigError, match=r"store\.pool_size"):
            settings_from_mapping({"store": {"pool_size": bad}})
