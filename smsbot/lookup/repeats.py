"""Repeated carrier warnings, one line per interval: a carrier that is down for an hour
must not write one WARNING per text (thousands of lines that hide everything else).

`RepeatedWarnings` is a logging filter the gateway puts on the lookup loggers while it
runs. A WARNING whose first argument names a carrier is let through once per carrier and
message per `INTERVAL_S`; the ones held back in between are counted, and the next one let
through says how many ("... (49 more like this in the last 60 s)"). Other records pass.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

#: One line per carrier and kind of warning per this many seconds.
INTERVAL_S = 60.0
#: The loggers whose warnings name a carrier first ("ups: no answer within 4.0 s").
LOGGERS = ("smsbot.lookup.flights", "smsbot.lookup.pauses", "smsbot.lookup.gateway")


class RepeatedWarnings(logging.Filter):
    """Let one WARNING per (logger, carrier, message) through per interval; count the rest."""

    def __init__(self, seconds: Callable[[], float], interval_s: float = INTERVAL_S) -> None:
        super().__init__()
        self._seconds = seconds
        self._interval_s = interval_s
        # (logger, carrier, message template) -> (when one was last let through, held back)
        self._seen: dict[tuple[str, str, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if record.levelno != logging.WARNING or not isinstance(args, tuple) or not args:
            return True
        key = (record.name, str(args[0]), str(record.msg))
        now = self._seconds()
        last, held = self._seen.get(key, (None, 0))
        if last is not None and now - last < self._interval_s:
            self._seen[key] = (last, held + 1)
            return False
        self._seen[key] = (now, 0)
        if held and last is not None:
            record.msg = f"{record.msg} (%d more like this in the last %.0f s)"
            record.args = (*args, held, now - last)
        return True

    def install(self) -> None:
        """Put this filter on the lookup loggers (`LOGGERS`)."""
        for name in LOGGERS:
            logging.getLogger(name).addFilter(self)

    def remove(self) -> None:
        """Take it off again; idempotent."""
        for name in LOGGERS:
            logging.getLogger(name).removeFilter(self)
