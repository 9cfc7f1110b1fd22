"""Configuration: typed, validated, secrets hidden, errors that name file and key."""

from __future__ import annotations

from pathlib import Path

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
    assert settings.bot.verify == "phone"
    assert settings.twilio.validate_signature is True
