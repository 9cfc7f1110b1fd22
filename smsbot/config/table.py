"""One TOML table being read: typed getters whose errors name the file and the key."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, TypeVar

import httpx

from smsbot.config.settings import Secret
from smsbot.errors import ConfigError

T = TypeVar("T")


class Table:
    """One TOML table being read: typed getters whose errors name file and key."""

    def __init__(self, source: str, name: str, values: Mapping[str, Any]) -> None:
        self.source = source
        self.name = name
        self.values = values
        self.used: set[str] = set()

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(message, source=self.source, key=f"{self.name}.{key}")

    def get(self, key: str, kind: type[T], default: T) -> T:
        self.used.add(key)
        value = self.values.get(key, default)
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise self.error(key, f"must be {kind_name(kind)}, not {value!r}")
        return value

    def optional_str(self, key: str) -> str | None:
        self.used.add(key)
        value = self.values.get(key)
        if value is not None and not isinstance(value, str):
            raise self.error(key, f"must be a string, not {value!r}")
        return value or None

    def positive(self, key: str, default: float, *, high: float) -> float:
        """A number in (0, `high`]. TOML reads `nan` and `inf` as floats: both are refused
        here, as is anything past `high` (a TTL of 1e300 s overflows every datetime)."""
        value = self.get(key, float, default)
        if not math.isfinite(value) or not 0 < value <= high:
            raise self.error(
                key, f"must be a number between 0 and {high:g} (above 0), not {value!r}"
            )
        return value

    def count(self, key: str, default: int, *, low: int = 1, high: int = 1_000_000) -> int:
        value = self.get(key, int, default)
        if not low <= value <= high:
            raise self.error(key, f"must be between {low} and {high}, not {value}")
        return value

    def url(self, key: str) -> str | None:
        value = self.optional_str(key)
        if value is not None:
            url = httpx.URL(value)
            if url.scheme not in ("http", "https") or not url.host:
                raise self.error(key, f"must be an http(s) URL, not {value!r}")
        return value

    def secret(self, key: str, env: Mapping[str, str], variable: str) -> Secret | None:
        value = self.optional_str(key) or env.get(variable) or None
        return Secret(value) if value else None

    def strings(self, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        self.used.add(key)
        value = self.values.get(key, list(default))
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.error(key, f"must be a list of strings, not {value!r}")
        return tuple(value)

    def mapping(self, key: str) -> Mapping[str, Any]:
        self.used.add(key)
        value = self.values.get(key, {})
        if not isinstance(value, Mapping):
            raise self.error(key, f"must be a table ({key} = {{ ... }}), not {value!r}")
        return value

    def check_unknown(self) -> None:
        unknown = sorted(set(self.values) - self.used)
        if unknown:
            raise self.error(unknown[0], "unknown key (check the spelling in config.example.toml)")


def kind_name(kind: type) -> str:
    return {str: "a string", bool: "true or false", int: "a whole number", float: "a number"}.get(
        kind, kind.__name__
    )
