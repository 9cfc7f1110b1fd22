"""The [eta] section (issue 19): how delivery windows are learned and when none is told."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from smsbot.config.settings import EtaSettings
from smsbot.config.table import Table

_COUNTRY = re.compile(r"[A-Z]{2}\Z")


def read_eta(table: Table, env: Mapping[str, str]) -> EtaSettings:
    """`EtaSettings` from [eta]; a clear ConfigError for a value that cannot work."""
    country = table.get("country", str, "US").strip().upper()
    if not _COUNTRY.match(country):
        raise table.error("country", f"must be a two-letter country code, not {country!r}")
    return EtaSettings(
        country=country,
        quantiles=_quantiles(table),
        min_samples=table.count("min_samples", 30, low=1, high=100_000),
        default_days=_default_days(table),
        history_days=table.count("history_days", 180, low=7, high=3 * 365),
        refresh_s=table.positive("refresh_s", 600.0, high=7 * 86400.0),
        saturday_carriers=tuple(
            name.lower() for name in table.strings("saturday_carriers", ("usps",))
        ),
        early_share=table.positive("early_share", 0.25, high=1.0),
        load_days=table.count("load_days", 14, low=1, high=365),
        half_life_days=_half_life(table),
    )


def _half_life(table: Table) -> float | None:
    """`half_life_days`: 0 weighs every delivery alike; else 1 day to 3 years."""
    value = table.get("half_life_days", float, 30.0)
    if value == 0:
        return None
    if not math.isfinite(value) or not 1 <= value <= 3 * 365:
        raise table.error(
            "half_life_days", f"must be 0 (no decay) or 1 to 1095 days, not {value!r}"
        )
    return float(value)


def _quantiles(table: Table) -> tuple[float, float]:
    table.used.add("quantiles")
    value = table.values.get("quantiles", [0.1, 0.9])
    numbers = (
        [float(v) for v in value if isinstance(v, int | float) and not isinstance(v, bool)]
        if isinstance(value, list)
        else []
    )
    if len(numbers) != 2 or len(value) != 2 or not all(math.isfinite(n) for n in numbers):
        raise table.error("quantiles", f"must be two numbers [low, high], not {value!r}")
    low, high = numbers
    if not 0 < low < high < 1:
        raise table.error(
            "quantiles", f"must be 0 < low < high < 1, e.g. [0.1, 0.9], not {value!r}"
        )
    return low, high


def _default_days(table: Table) -> tuple[int, int] | None:
    table.used.add("default_days")
    value = table.values.get("default_days")
    if value is None:
        return None
    ok = (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        and 0 <= value[0] <= value[1] <= 60
    )
    if not ok:
        raise table.error(
            "default_days", f"must be [earliest, latest] business days (0-60), not {value!r}"
        )
    return int(value[0]), int(value[1])
