"""Order files: a merchant's CSV or JSON export read into validated `Order` values.

Bad rows come back as `RowProblem`s; only a file that cannot be read as a whole raises.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from smsbot.errors import OrderFileError, RowProblem
from smsbot.orders.model import Leg, Order, Shipment
from smsbot.orders.number import DEFAULT_ORDER_NUMBERS, OrderNumbers, normalize_order_number
from smsbot.phones import to_e164

Detect = Callable[[str], list[str]]

REQUIRED_COLUMNS = (
    "order_number",
    "phone",
    "email",
    "postal_code",
    "name",
    "carrier",
    "tracking_number",
)
OPTIONAL_COLUMNS = ("kind", "shipped_at", "locale")
ORDER_KEYS = ("order_number", "phone", "email", "postal_code", "name", "locale")
SHIPMENT_KEYS = ("carrier", "tracking_number", "kind", "shipped_at")

CARRIER = re.compile(r"[a-z][a-z0-9_]*")
TRACKING = re.compile(r"[A-Za-z0-9 -]+")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
LOCALE = re.compile(r"([A-Za-z]{2})(?:[-_]([A-Za-z]{2}))?")
BOM = "\ufeff"


@dataclass(frozen=True)
class OrderFile:
    """What an order file holds.

    `orders` are the valid orders in order of first appearance, each with the shipments of
    all its rows. An order with any bad row is left out whole, so importing with bad rows
    skipped never stores half an order. `problems` names every bad row: for CSV by its
    physical line (header = line 1), for JSON by the 1-based position of the order in the
    list (the reason then starts "order #3: "). `rows` counts data rows (CSV, blank rows
    not counted) or list entries (JSON). `lines` says where each kept shipment came from:
    (order number, carrier, tracking number) -> its line (CSV) or position (JSON).
    """

    orders: tuple[Order, ...]
    problems: tuple[RowProblem, ...]
    rows: int
    lines: Mapping[tuple[str, str, str], int] = field(default_factory=dict)


def read_orders(
    path: Path,
    *,
    default_region: str,
    detect: Detect,
    order_numbers: OrderNumbers = DEFAULT_ORDER_NUMBERS,
) -> OrderFile:
    """Read `path` as CSV or JSON by its extension, as UTF-8 with or without a BOM.

    Raises `OrderFileError` only when the file as a whole cannot be read; see `parse_csv`
    and `parse_json` for the rest of the contract.
    """
    source = str(path)
    parsers = {".csv": parse_csv, ".json": parse_json}
    parse = parsers.get(path.suffix.lower())
    if parse is None:
        reason = f"cannot tell CSV from JSON by the name {path.name!r}: use .csv or .json"
        raise OrderFileError(source, [RowProblem(0, reason)])
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise OrderFileError(source, [RowProblem(0, "file not found")]) from None
    except OSError as exc:
        problem = RowProblem(0, f"cannot read the file: {exc.strerror or exc}")
        raise OrderFileError(source, [problem]) from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        reason = f"not UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
        raise OrderFileError(source, [RowProblem(line, reason)]) from exc
    return parse(
        text,
        source=source,
        default_region=default_region,
        detect=detect,
        order_numbers=order_numbers,
    )


def parse_csv(
    text: str,
    *,
    source: str,
    default_region: str,
    detect: Detect,
    order_numbers: OrderNumbers = DEFAULT_ORDER_NUMBERS,
) -> OrderFile:
    """Orders from CSV text: one row per shipment, rows of one order merged.

    The header must name the `REQUIRED_COLUMNS` (any order, any case); `OPTIONAL_COLUMNS`
    may follow and other columns are ignored. Phones become E.164 read in `default_region`;
    a blank carrier is filled in by `detect(tracking_number)` when it names exactly one;
    `shipped_at` is made aware, in UTC (a value without an offset is taken as UTC). An order
    number must pass `order_numbers` (`bot.order_number_pattern`): whatever imports can be
    looked up by text, and a number that could not be is a problem that says why.
    """
    reader = csv.reader(io.StringIO(text.removeprefix(BOM), newline=""), strict=True)
    try:
        header = next(reader, [])
    except csv.Error as exc:
        raise OrderFileError(source, [RowProblem(1, f"not valid CSV: {exc}")]) from exc
    columns = _columns(header, source)
    merger = _Merger(default_region, detect, order_numbers, where=lambda line: f"line {line}")
    rows = 0
    start = reader.line_num + 1  # a quoted newline makes a row span lines; name its first
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            rows += 1
            # Extra blank cells are spreadsheet padding; extra values mean shifted columns.
            if len(cells) < len(header) or any(cell.strip() for cell in cells[len(header) :]):
                reason = f"{len(cells)} fields but the header has {len(header)}"
                merger.problems.append(RowProblem(line, reason + " (an unquoted comma?)"))
                continue
            fields = {name: cells[index].strip() for name, index in columns.items()}
            merger.add(line, "", fields, [("", fields)], [])
    except csv.Error as exc:
        raise OrderFileError(source, [RowProblem(start, f"not valid CSV: {exc}")]) from exc
    return merger.result(rows)


def parse_json(
    text: str,
    *,
    source: str,
    default_region: str,
    detect: Detect,
    order_numbers: OrderNumbers = DEFAULT_ORDER_NUMBERS,
) -> OrderFile:
    """Orders from a JSON list of objects with the CSV's fields and a `shipments` list.

    Validation is the same as `parse_csv`'s; a problem's line is the order's 1-based
    position in the list (a JSON syntax error names its real line). Values may be strings,
    integers or null; unknown keys are ignored.
    """
    try:
        data = json.loads(text.removeprefix(BOM))
    except json.JSONDecodeError as exc:
        reason = f"not valid JSON: {exc.msg} (column {exc.colno})"
        raise OrderFileError(source, [RowProblem(exc.lineno, reason)]) from exc
    if not isinstance(data, list):
        reason = f"expected a JSON list of orders, found {_json_type(data)}"
        raise OrderFileError(source, [RowProblem(0, reason)])
    merger = _Merger(default_region, detect, order_numbers, where=lambda index: f"order #{index}")
    for index, item in enumerate(data, start=1):
        label = f"order #{index}: "
        if not isinstance(item, dict):
            reason = f"{label}expected an object, found {_json_type(item)}"
            merger.problems.append(RowProblem(index, reason))
            continue
        errors: list[str] = []
        fields = {key: _json_text(item, key, "", errors) for key in ORDER_KEYS}
        shipments: list[tuple[str, Mapping[str, str]]] = []
        listed = item.get("shipments", [])
        if listed is None:
            listed = []
        elif not isinstance(listed, list):
            errors.append(f"shipments must be a list, found {_json_type(listed)}")
            listed = []
        for number, entry in enumerate(listed, start=1):
            prefix = f"shipment {number}: "
            if not isinstance(entry, dict):
                errors.append(f"{prefix}expected an object, found {_json_type(entry)}")
                continue
            values = {key: _json_text(entry, key, prefix, errors) for key in SHIPMENT_KEYS}
            shipments.append((prefix, values))
        merger.add(index, label, fields, shipments, errors)
    return merger.result(len(data))


@dataclass
class _Draft:
    """An order being assembled from its rows; `lines` remembers which row set what."""

    values: dict[str, str | None] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    shipments: dict[tuple[str, str], tuple[Shipment, int]] = field(default_factory=dict)
    bad: bool = False

    def order(self, number: str) -> Order:
        get, shipments = self.values.get, tuple(item for item, _line in self.shipments.values())
        contact = get("phone"), get("email"), get("postal_code"), get("name"), get("locale")
        return Order(number, *contact, shipments=shipments)


class _Merger:
    """Validates rows one at a time and merges the rows of each order."""

    def __init__(
        self,
        region: str,
        detect: Detect,
        order_numbers: OrderNumbers,
        where: Callable[[int], str],
    ) -> None:
        self.region = region
        self.order_numbers = order_numbers
        self.detect = detect
        self.where = where
        self.drafts: dict[str, _Draft] = {}
        self.problems: list[RowProblem] = []

    def add(
        self,
        line: int,
        label: str,
        fields: Mapping[str, str],
        shipments: Sequence[tuple[str, Mapping[str, str]]],
        errors: list[str],
    ) -> None:
        number = _order_number(fields.get("order_number", ""), self.order_numbers, errors)
        values = _order_values(fields, self.region, errors)
        parsed = [_shipment(entry, prefix, self.detect, errors) for prefix, entry in shipments]
        if number is not None:
            draft = self.drafts.setdefault(number, _Draft())
            for key, value in values.items():
                if value is None:  # a blank cell repeats nothing and contradicts nothing
                    continue
                if draft.values.get(key, value) != value:
                    where = self.where(draft.lines[key])
                    errors.append(f"order {number}: {key} differs from {where}")
                elif key not in draft.values:
                    draft.values[key], draft.lines[key] = value, line
            for shipment in filter(None, parsed):
                seen = (shipment.carrier, shipment.tracking_number)
                if seen in draft.shipments:
                    where = self.where(draft.shipments[seen][1])
                    errors.append(f"order {number}: {seen[0]} {seen[1]} is already on {where}")
                else:
                    draft.shipments[seen] = (shipment, line)
            draft.bad = draft.bad or bool(errors)
        if errors:
            self.problems.append(RowProblem(line, label + "; ".join(errors)))

    def result(self, rows: int) -> OrderFile:
        kept = {number: draft for number, draft in self.drafts.items() if not draft.bad}
        orders = tuple(draft.order(number) for number, draft in kept.items())
        lines = {
            (number, *key): line
            for number, draft in kept.items()
            for key, (_shipment, line) in draft.shipments.items()
        }
        return OrderFile(orders, tuple(self.problems), rows, lines)


def _columns(header: Sequence[str], source: str) -> dict[str, int]:
    """Where each known column is; the file is unreadable without the required ones."""
    names = [name.strip().lower() for name in header]
    columns: dict[str, int] = {}
    for index, name in enumerate(names):
        if name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS:
            if name in columns:
                raise OrderFileError(source, [RowProblem(1, f"column {name!r} appears twice")])
            columns[name] = index
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        reason = (
            f"header lacks {', '.join(missing)}; "
            f"the first line must name {','.join(REQUIRED_COLUMNS)}"
        )
        raise OrderFileError(source, [RowProblem(1, reason)])
    return columns


def _order_number(raw: str, rule: OrderNumbers, errors: list[str]) -> str | None:
    if not raw:
        errors.append("order_number is blank")
        return None
    problem = rule.problem(raw)
    if problem is not None:
        errors.append(problem)
        return None
    return normalize_order_number(raw)


def _order_values(
    fields: Mapping[str, str], region: str, errors: list[str]
) -> dict[str, str | None]:
    """The order's normalized contact fields, in column order; a field in error is left out."""
    values: dict[str, str | None] = {}
    phone, email, locale = (fields.get(key, "") for key in ("phone", "email", "locale"))
    e164 = to_e164(phone, region) if phone else None
    if phone and e164 is None:
        errors.append(f"phone {phone!r} is not a valid phone number")
    else:
        values["phone"] = e164
    if email and not EMAIL.fullmatch(email):
        errors.append(f"email {email!r} is not an e-mail address")
    else:
        values["email"] = email or None
    values["postal_code"] = fields.get("postal_code") or None
    values["name"] = fields.get("name") or None
    if match := LOCALE.fullmatch(locale):
        language, country = match.groups()
        values["locale"] = language.lower() + (f"-{country.upper()}" if country else "")
    elif locale:
        errors.append(f"locale {locale!r} must look like 'es' or 'es-MX'")
    else:
        values["locale"] = None
    return values


def _shipment(
    fields: Mapping[str, str], prefix: str, detect: Detect, errors: list[str]
) -> Shipment | None:
    """The row's shipment, or None when it has none or is in error."""
    carrier, raw = fields.get("carrier", "").lower(), fields.get("tracking_number", "")
    kind_text, shipped_text = fields.get("kind", "").lower(), fields.get("shipped_at", "")
    if not carrier and not raw:
        if kind_text or shipped_text:
            errors.append(f"{prefix}kind and shipped_at need a carrier and tracking_number")
        return None
    before = len(errors)
    tracking = re.sub(r"[ -]", "", raw).upper()
    if not raw:
        errors.append(f"{prefix}tracking_number is blank but carrier is {carrier!r}")
    elif not TRACKING.fullmatch(raw) or not 6 <= len(tracking) <= 40:
        rule = "must be 6-40 letters and digits (spaces and dashes allowed)"
        errors.append(f"{prefix}tracking number {raw!r} {rule}")
    elif not carrier:
        candidates = list(dict.fromkeys(detect(tracking)))
        blank = f"{prefix}carrier is blank and"
        if not candidates:
            number = f"tracking number {raw!r}"
            errors.append(f"{blank} could not be detected from {number}; fill in the carrier")
        elif len(candidates) > 1:
            several = f"matches several carriers ({', '.join(candidates)})"
            errors.append(f"{blank} tracking number {raw!r} {several}; fill in the carrier")
        else:
            carrier = candidates[0]
    if carrier and not CARRIER.fullmatch(carrier):
        errors.append(f"{prefix}carrier {carrier!r} must be a name like 'ups' or 'fedex'")
    try:
        kind = Leg(kind_text or Leg.OUTBOUND)
    except ValueError:
        kind = Leg.OUTBOUND
        errors.append(f"{prefix}kind {kind_text!r} must be outbound or return")
    shipped_at = _shipped_at(shipped_text, prefix, errors)
    if len(errors) > before:
        return None
    return Shipment(carrier=carrier, tracking_number=tracking, kind=kind, shipped_at=shipped_at)


def _shipped_at(raw: str, prefix: str, errors: list[str]) -> datetime | None:
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        errors.append(f"{prefix}shipped_at {raw!r} is not an ISO date or date-time")
        return None
    # Comparing naive with aware datetimes raises, so every time leaves here aware.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _json_text(item: Mapping[str, object], key: str, prefix: str, errors: list[str]) -> str:
    """A JSON value as the CSV cell it would have been; numbers are fine, bool is not."""
    value = item.get(key)
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    errors.append(f"{prefix}{key} must be a string, found {_json_type(value)}")
    return ""


def _json_type(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "true/false"}
    return names.get(type(value), "a number" if isinstance(value, int | float) else "null")
