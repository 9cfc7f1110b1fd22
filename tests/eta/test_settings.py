"""[eta]: defaults, every key read, and clear errors for values that cannot work."""

from __future__ import annotations

import pytest

from smsbot.config import EtaSettings, settings_from_mapping
from smsbot.errors import ConfigError


def test_defaults_and_every_key() -> None:
    assert settings_from_mapping({}).eta == EtaSettings()
    table = {
        "country": "de",
        "quantiles": [0.05, 0.95],
        "min_samples": 50,
        "default_days": [2, 5],
        "history_days": 90,
        "refresh_s": 60,
        "saturday_carriers": ["USPS", "dhl"],
        "early_share": 0.3,
        "load_days": 7,
        "half_life_days": 30,
    }
    eta = settings_from_mapping({"eta": table}).eta
    assert eta == EtaSettings(
        "DE", (0.05, 0.95), 50, (2, 5), 90, 60.0, ("usps", "dhl"), 0.3, 7, 30.0
    )
    # 0 turns recency off: every delivery weighs alike.
    assert settings_from_mapping({"eta": {"half_life_days": 0}}).eta.half_life_days is None


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("quantiles", [0.9, 0.1], "0 < low < high < 1"),
        ("quantiles", [0.1], "two numbers"),
        ("quantiles", [0.1, "x"], "two numbers"),
        ("default_days", [5, 2], "business days"),
        ("default_days", [1, 99], "business days"),
        ("country", "USA", "two-letter"),
        ("min_samples", 0, "between 1"),
        ("early_share", 2.0, "between 0 and 1"),
        ("half_life_days", 0.5, "0 \\(no decay\\) or 1 to 1095"),
        ("half_life_days", 5000, "1 to 1095"),
        ("half_life_days", "long", "must be a number"),
        ("windows", 1, "unknown key"),
    ],
)
def test_bad_values_name_the_key(key: str, value: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as raised:
        settings_from_mapping({"eta": {key: value}})
    assert f"eta.{key}" in str(raised.value)
