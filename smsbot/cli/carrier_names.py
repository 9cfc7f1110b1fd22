"""Carrier names in the configuration that no adapter serves, or that look like typos.

`[carriers.fedexx]` and `[routing] carriers = { upss = ... }` are accepted by the loader
(any lower-case name may be an adapter from elsewhere); `check` and `serve` call
`check_carrier_names` so a typo ends in one line naming the key and the closest known name.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from importlib.metadata import entry_points

from smsbot.config import Settings
from smsbot.errors import ConfigError
from smsbot.lookup.registry import BUILTIN, ENTRY_POINT_GROUP
from smsbot.wording.carriers import CARRIER_NAMES

#: Every carrier smsbot knows by name: its adapters and the carriers people name.
KNOWN_CARRIERS: tuple[str, ...] = tuple(dict.fromkeys((*BUILTIN, *CARRIER_NAMES)))


def closest(name: str, known: Iterable[str] = KNOWN_CARRIERS) -> str | None:
    """The known carrier `name` is most likely a typo of, or None."""
    found = difflib.get_close_matches(name, list(known), n=1, cutoff=0.7)
    return found[0] if found else None


def hint(name: str, known: Iterable[str] = KNOWN_CARRIERS) -> str:
    """ "; did you mean 'ups'?" when a known carrier is close to `name`, else ""."""
    match = closest(name, known)
    return f"; did you mean {match!r}?" if match else ""


def check_carrier_names(settings: Settings) -> None:
    """Raise `ConfigError` for a `[carriers.<name>]` table no adapter serves, or a
    `[routing]` carrier that is a near miss of a known one."""
    installed = {point.name for point in entry_points(group=ENTRY_POINT_GROUP)}
    for name, table in settings.carriers.items():
        if name in BUILTIN or name in installed or "module" in table:
            continue
        raise ConfigError(
            f"no adapter is called {name!r}{hint(name, BUILTIN)} (built-in: "
            f'{", ".join(BUILTIN)}; an adapter from elsewhere needs module = "pkg.module")',
            source=settings.source,
            key=f"carriers.{name}",
        )
    for name in settings.routing.carriers:
        if name == "*" or name in KNOWN_CARRIERS:
            continue
        match = closest(name)
        if match is not None:
            raise ConfigError(
                f"{name!r} is no carrier smsbot knows; did you mean {match!r}?",
                source=settings.source,
                key=f"routing.carriers.{name}",
            )
    for name in settings.budgets.per_hour:
        if name in settings.carriers or name in BUILTIN or name in installed:
            continue
        # A budget no carrier uses is never counted: the quota it was meant to keep is not kept.
        raise ConfigError(
            f"no carrier is called {name!r}{hint(name)}: this budget would never be counted",
            source=settings.source,
            key=f"budgets.{name}",
        )
