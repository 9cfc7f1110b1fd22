"""Carriers named in an order file that no adapter serves, or that look like typos (issue 14).

The order file's reader accepts any carrier name (an adapter may come from elsewhere);
`import-orders` then checks each shipment's carrier against the enabled adapters and
`[routing]`, the way the bot will ask them:

- served: imported, nothing to say;
- a typo, i.e. a name smsbot does not know that is close to one it does ("fedexx"): a bad
  row, like any other ("did you mean 'fedex'?"); with --skip-invalid its order is left out
  and the rest imported, without it nothing is imported. A typo stored would never be
  tracked, and re-importing the corrected row would add a second shipment beside it;
- any other carrier no adapter serves (a real carrier without an adapter, "ontrac", or a
  name of the merchant's own): imported, with a warning naming the row: the bot answers
  such an order with its other packages and says this one cannot be tracked online, and
  it is tracked from the moment an adapter or a `[routing]` aggregator serves the carrier.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from smsbot.cli.carrier_names import KNOWN_CARRIERS, closest
from smsbot.errors import RowProblem
from smsbot.orders.file import OrderFile


@dataclass(frozen=True)
class CarrierReview:
    """An order file with typo'd carriers moved to its problems, and the warnings."""

    parsed: OrderFile
    warnings: tuple[str, ...]


def review_carriers(
    parsed: OrderFile, serves: Callable[[str], bool], *, json: bool, config: str
) -> CarrierReview:
    """Check every shipment's carrier of `parsed` with `serves` (see the module's rules).

    `json` says how rows are named ("order #3" or "line 3"); `config` is the settings file
    the warnings point at."""
    problems = list(parsed.problems)
    warnings: list[tuple[str, str]] = []  # (order number, warning)
    typos: set[str] = set()
    for (number, carrier, tracking), line in parsed.lines.items():
        if serves(carrier):
            continue
        where = f"order #{line}" if json else f"line {line}"
        match = None if carrier in KNOWN_CARRIERS else closest(carrier)
        if match is not None:
            label = f"order #{line}: " if json else ""
            reason = f"carrier {carrier!r} is no carrier smsbot knows; did you mean {match!r}?"
            problems.append(RowProblem(line, f"{label}{reason} (order {number})"))
            typos.add(number)
            continue
        warnings.append(
            (
                number,
                f"{where}: carrier {carrier!r} ({tracking}, order {number}) has no adapter in "
                f"{config}; imported: it is tracked once [carriers.{carrier}] or a [routing] "
                "aggregator serves it",
            )
        )
    said = tuple(text for number, text in warnings if number not in typos)
    if not typos:
        return CarrierReview(parsed, said)
    kept = tuple(order for order in parsed.orders if order.number not in typos)
    lines = {key: line for key, line in parsed.lines.items() if key[0] not in typos}
    problems.sort(key=lambda problem: problem.line)
    reviewed = replace(parsed, orders=kept, problems=tuple(problems), lines=lines)
    return CarrierReview(reviewed, said)
