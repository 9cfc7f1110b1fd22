"""Order files: CSV and JSON parsing, validation of every row, merging, unreadable files."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from smsbot.errors import OrderFileError, RowProblem
from smsbot.orders.file import OrderFile, parse_csv, parse_json, read_orders
from smsbot.orders.model import Leg, Order, Shipment

HEADER = "order_number,phone,email,postal_code,name,carrier,tracking_number"
UPS = "1Z999AA10123456784"
TRACKING_RULE = "must be 6-40 letters and digits (spaces and dashes allowed)"


def fake_detect(tracking_number: str) -> list[str]:
    """Stands in for smsbot.lookup.detect: 1Z… is UPS, 12 digits is ambiguous, the rest unknown."""
    if tracking_number.startswith("1Z"):
        return ["ups"]
    if tracking_number.isdigit() and len(tracking_number) == 12:
        return ["fedex", "usps", "fedex"]
    return []


def csv_orders(text: str) -> OrderFile:
    return parse_csv(text, source="test.csv", default_region="US", detect=fake_detect)


def json_orders(data: object) -> OrderFile:
    text = json.dumps(data)
    return parse_json(text, source="test.json", default_region="US", detect=fake_detect)


def read(path: Path) -> OrderFile:
    return read_orders(path, default_region="US", detect=fake_detect)


def file_problems(path: Path) -> tuple[RowProblem, ...]:
    with pytest.raises(OrderFileError) as caught:
        read(path)
    assert caught.value.source == str(path)
    return caught.value.problems


def test_good_csv() -> None:
    text = (
        " Tracking_Number ,CARRIER,name,postal_code,email,phone,order_number,kind,shipped_at,"
        "locale,gift_note\n"
        "1z 999 aa1 0123456784,UPS,Ann Lee,94107,ann@example.com,(415) 555-2671,#a-1001,,"
        "2024-05-01,es_mx,ribbon\n"
        "123-456-789-012,fedex,Bo,,,,1002,return,2024-05-02T10:00:00+02:00,en,\n"
        ",,,,,+44 20 7946 0958,1003,,,,\n"
    )
    result = csv_orders(text)
    assert result.problems == ()
    assert result.rows == 3
    assert result.orders == (
        Order(
            number="A-1001",
            phone="+14155552671",
            email="ann@example.com",
            postal_code="94107",
            name="Ann Lee",
            locale="es-MX",
            shipments=(Shipment("ups", UPS, Leg.OUTBOUND, datetime(2024, 5, 1, tzinfo=UTC)),),
        ),
        Order(
            number="1002",
            phone=None,
            name="Bo",
            locale="en",
            shipments=(
                Shipment("fedex", "123456789012", Leg.RETURN, datetime(2024, 5, 2, 8, tzinfo=UTC)),
            ),
        ),
        Order(number="1003", phone="+442079460958"),
    )


def test_every_kind_of_bad_row_is_reported_with_its_line() -> None:
    rows = [
        f"{HEADER},kind,shipped_at,locale",  # line 1
        ",,,,,,,,,",  # 2: blank rows are skipped, not counted
        f",4155552671,,,,ups,{UPS},,,",  # 3
        f"10 01,,,,,ups,{UPS},,,",  # 4
        f"{'9' * 41},,,,,ups,{UPS},,,",  # 5
        f"1004,555,,,,ups,{UPS},,,",  # 6
        f"1005,,ann.example.com,,,ups,{UPS},,,",  # 7
        f"1006,,,,,U.P.S.,{UPS},,,",  # 8
        "1007,,,,,ups,,,,",  # 9
        "1008,,,,,ups,1Z_999,,,",  # 10
        "1009,,,,,ups,12345,,,",  # 11
        "1010,,,,,,9400111899223197428490,,,",  # 12
        "1011,,,,,,123456789012,,,",  # 13
        f"1012,,,,,ups,{UPS},sideways,,",  # 14
        f"1013,,,,,ups,{UPS},,01/05/2024,",  # 15
        f"1014,,,,,ups,{UPS},,,spanish",  # 16
        "1015,,,,,,,return,,",  # 17
        "1016,4155552671,a@example.com,94107,Ann,,,,,es",  # 18
        "1016,2025550143,b@example.com,10001,Bob,,,,,en",  # 19
        f"1017,,,,,ups,{UPS},,,",  # 20
        "1017,,,,,ups,1z999aa1-0123456784,return,,",  # 21
        "1018,,,,,ups,1Z1,,,",  # 22
        "1018,,,,,,,,,",  # 23: a good row of a bad order
        "1019,,,,,,,,,",  # 24: the only good order
        "1020,,,,,ups",  # 25
        f"1021,,,,,ups,{UPS},,,,,Smith,John",  # 26
    ]
    result = csv_orders("\n".join(rows) + "\n")
    assert result.rows == 24
    assert [order.number for order in result.orders] == ["1019"]
    assert [(problem.line, problem.reason) for problem in result.problems] == [
        (3, "order_number is blank"),
        (4, "order number '10 01' must be 1-40 letters, digits, '-' or '_'"),
        (5, f"order number '{'9' * 41}' must be 1-40 letters, digits, '-' or '_'"),
        (6, "phone '555' is not a valid phone number"),
        (7, "email 'ann.example.com' is not an e-mail address"),
        (8, "carrier 'u.p.s.' must be a name like 'ups' or 'fedex'"),
        (9, "tracking_number is blank but carrier is 'ups'"),
        (10, f"tracking number '1Z_999' {TRACKING_RULE}"),
        (11, f"tracking number '12345' {TRACKING_RULE}"),
        (
            12,
            "carrier is blank and could not be detected from tracking number "
            "'9400111899223197428490'; fill in the carrier",
        ),
        (
            13,
            "carrier is blank and tracking number '123456789012' matches several carriers "
            "(fedex, usps); fill in the carrier",
        ),
        (14, "kind 'sideways' must be outbound or return"),
        (15, "shipped_at '01/05/2024' is not an ISO date or date-time"),
        (16, "locale 'spanish' must look like 'es' or 'es-MX'"),
        (17, "kind and shipped_at need a carrier and tracking_number"),
        (
            19,
            "order 1016: phone differs from line 18; order 1016: email differs from line 18; "
            "order 1016: postal_code differs from line 18; order 1016: name differs from "
            "line 18; order 1016: locale differs from line 18",
        ),
        (21, f"order 1017: ups {UPS} is already on line 20"),
        (22, f"tracking number '1Z1' {TRACKING_RULE}"),
        (25, "6 fields but the header has 10 (an unquoted comma?)"),
        (26, "13 fields but the header has 10 (an unquoted comma?)"),
    ]


def test_one_row_can_have_several_problems() -> None:
    result = csv_orders(f"{HEADER}\n,555,nope,,,,12345\n")
    assert result.problems == (
        RowProblem(
            2,
            "order_number is blank; phone '555' is not a valid phone number; "
            "email 'nope' is not an e-mail address; tracking number '12345' must be 6-40 "
            "letters and digits (spaces and dashes allowed)",
        ),
    )


def test_rows_of_one_order_are_merged() -> None:
    text = (
        f"{HEADER},kind\n"
        f"1001,4155552671,ann@example.com,94107,Ann,ups,{UPS},\n"
        "2000,,,,,,,\n"
        # Blank contact cells repeat nothing and contradict nothing.
        "#1001,,,,,fedex,123456789012,return\n"
        "1001,+1 415 555 2671,,94107,,,,\n"
    )
    result = csv_orders(text)
    assert result.problems == ()
    assert result.rows == 4
    assert result.orders == (
        Order(
            number="1001",
            phone="+14155552671",
            email="ann@example.com",
            postal_code="94107",
            name="Ann",
            shipments=(
                Shipment("ups", UPS),
                Shipment("fedex", "123456789012", Leg.RETURN),
            ),
        ),
        Order(number="2000", phone=None),
    )


def test_blank_carrier_with_one_candidate_is_detected() -> None:
    result = csv_orders(f"{HEADER}\n1001,,,,,,1z999aa1 0123456784\n")
    assert result.problems == ()
    assert result.orders[0].shipments == (Shipment("ups", UPS),)


def test_quoted_newline_keeps_physical_line_numbers() -> None:
    text = f'{HEADER}\n1001,,,,"Ann\nLee",ups,{UPS}\n1002,555,,,,,\n'
    result = csv_orders(text)
    assert result.rows == 2
    assert result.orders[0].name == "Ann\nLee"
    assert result.problems == (RowProblem(4, "phone '555' is not a valid phone number"),)


def test_unterminated_quote_makes_the_file_unreadable() -> None:
    with pytest.raises(OrderFileError) as caught:
        csv_orders(f'{HEADER}\n1001,,,,,,\n1002,,,,"Ann,ups,{UPS}\n1003,,,,,,\n')
    assert caught.value.problems == (RowProblem(3, "not valid CSV: unexpected end of data"),)


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (
            "order_number,phone,name,carrier",
            f"header lacks email, postal_code, tracking_number; the first line must name {HEADER}",
        ),
        (f"{HEADER},Phone", "column 'phone' appears twice"),
        ("", f"header lacks {HEADER.replace(',', ', ')}; the first line must name {HEADER}"),
    ],
)
def test_bad_header_makes_the_file_unreadable(header: str, reason: str) -> None:
    with pytest.raises(OrderFileError) as caught:
        csv_orders(f"{header}\n1001,,,,,,\n")
    assert caught.value.problems == (RowProblem(1, reason),)


def test_good_json() -> None:
    data = [
        {
            "order_number": 1001,
            "phone": "(415) 555-2671",
            "email": "ann@example.com",
            "postal_code": "94107",
            "name": "Ann",
            "locale": "es",
            "shipments": [
                {"carrier": "UPS", "tracking_number": UPS, "shipped_at": "2024-05-01T12:00:00Z"},
                {"tracking_number": "123 456 789 012", "carrier": "usps", "kind": "return"},
            ],
            "tags": ["ignored"],
        },
        {"order_number": "1002", "phone": None, "shipments": []},
        {"order_number": "1003", "shipments": None},
    ]
    result = json_orders(data)
    assert result.problems == ()
    assert result.rows == 3
    assert result.orders == (
        Order(
            number="1001",
            phone="+14155552671",
            email="ann@example.com",
            postal_code="94107",
            name="Ann",
            locale="es",
            shipments=(
                Shipment("ups", UPS, shipped_at=datetime(2024, 5, 1, 12, tzinfo=UTC)),
                Shipment("usps", "123456789012", Leg.RETURN),
            ),
        ),
        Order(number="1002", phone=None),
        Order(number="1003", phone=None),
    )


def test_bad_json_orders_are_named_by_position() -> None:
    data: list[object] = [
        {"order_number": "1001", "phone": "4155552671", "shipments": [{"tracking_number": UPS}]},
        "1002",
        {"order_number": "1003", "phone": ["4155552671"], "shipments": {"carrier": "ups"}},
        {
            "order_number": "1004",
            "shipments": [{"carrier": "ups"}, 7, {"tracking_number": "ABC123DEF"}],
        },
        {"order_number": "1001", "phone": "2025550143", "shipments": [{"tracking_number": UPS}]},
        {"order_number": "1005", "shipments": [{"carrier": "ups", "tracking_number": UPS}] * 2},
        {"order_number": True},
    ]
    result = json_orders(data)
    assert result.rows == 7
    assert result.orders == ()
    assert [(problem.line, problem.reason) for problem in result.problems] == [
        (2, "order #2: expected an object, found a string"),
        (
            3,
            "order #3: phone must be a string, found a list; "
            "shipments must be a list, found an object",
        ),
        (
            4,
            "order #4: shipment 2: expected an object, found a number; "
            "shipment 1: tracking_number is blank but carrier is 'ups'; "
            "shipment 3: carrier is blank and could not be detected from tracking number "
            "'ABC123DEF'; fill in the carrier",
        ),
        (
            5,
            "order #5: order 1001: phone differs from order #1; "
            f"order 1001: ups {UPS} is already on order #1",
        ),
        (6, f"order #6: order 1005: ups {UPS} is already on order #6"),
        (7, "order #7: order_number must be a string, found true/false; order_number is blank"),
    ]


def test_json_that_is_not_a_list_of_orders_is_unreadable() -> None:
    with pytest.raises(OrderFileError) as caught:
        json_orders({"orders": []})
    assert caught.value.problems == (
        RowProblem(0, "expected a JSON list of orders, found an object"),
    )


def test_read_csv_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "orders.CSV"
    path.write_bytes(f"{HEADER}\n1001,,,,Zoë,ups,{UPS}\n".encode("utf-8-sig"))
    result = read(path)
    assert result.problems == ()
    assert result.orders == (Order("1001", None, name="Zoë", shipments=(Shipment("ups", UPS),)),)


def test_read_json_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "orders.json"
    path.write_bytes(json.dumps([{"order_number": "1001"}]).encode("utf-8-sig"))
    assert read(path).orders == (Order("1001", None),)


def test_read_orders_reports_unreadable_files(tmp_path: Path) -> None:
    advice = "use .csv or .json"
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(f"{HEADER}\n1001,,,,Zoë,,\n".encode("latin-1"))
    assert file_problems(latin1) == (
        RowProblem(2, "not UTF-8 (byte 0xeb); save the file as UTF-8"),
    )

    assert file_problems(tmp_path / "missing.csv") == (RowProblem(0, "file not found"),)

    assert file_problems(tmp_path) == (
        RowProblem(0, f"cannot tell CSV from JSON by the name {tmp_path.name!r}: {advice}"),
    )

    text = tmp_path / "orders.txt"
    text.write_text(f"{HEADER}\n", encoding="utf-8")
    assert file_problems(text) == (
        RowProblem(0, f"cannot tell CSV from JSON by the name 'orders.txt': {advice}"),
    )

    broken = tmp_path / "broken.json"
    broken.write_text('[\n  {"order_number": "1001",}\n]\n', encoding="utf-8")
    assert file_problems(broken) == (
        RowProblem(
            2, "not valid JSON: Expecting property name enclosed in double quotes (column 27)"
        ),
    )

    directory = tmp_path / "folder.csv"
    directory.mkdir()
    (reason,) = (problem.reason for problem in file_problems(directory))
    assert reason.startswith("cannot read the file: ")
