"""The one order-number rule: every order number that imports is found by text; one that
could not be is refused at import with the reason."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smsbot.channels.inbound import Kind, parse_inbound
from smsbot.config import DEFAULT_ORDER_PATTERN
from smsbot.orders.file import OrderFile, parse_csv
from smsbot.orders.model import Order, Shipment
from smsbot.orders.number import DEFAULT_ORDER_NUMBERS, OrderNumbers, normalize_order_number
from smsbot.store import open_store
from tests.conftest import OWNER, SettingsFactory
from tests.test_conversation import chatting

HEADER = "order_number,phone,email,postal_code,name,carrier,tracking_number"
UNDERSCORES = r"#?\b(?=[A-Za-z_-]*\d)[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*\b"


def imported(numbers: list[str], rule: OrderNumbers = DEFAULT_ORDER_NUMBERS) -> OrderFile:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER.split(","))
    for number in numbers:
        writer.writerow([number, OWNER, "", "11201", "", "", ""])
    return parse_csv(
        out.getvalue(), source="t.csv", default_region="US", detect=lambda _: [], order_numbers=rule
    )


def texted(body: str, pattern: re.Pattern[str]) -> str | None:
    """The order number `parse_inbound` reads in `body`, or None."""
    message = parse_inbound(
        {"From": OWNER, "Body": body, "MessageSid": "SM1"},
        default_region="US",
        order_pattern=pattern,
    )
    intent = message.intent
    return intent.value if intent.kind is Kind.ORDER_NUMBER else None


def test_an_underscore_number_is_refused_with_the_reason_under_the_default_pattern() -> None:
    parsed = imported(["A_1001"])
    assert parsed.orders == ()
    [problem] = parsed.problems
    assert problem.line == 2
    assert "order number 'A_1001' could never be looked up by text" in problem.reason
    assert "bot.order_number_pattern" in problem.reason


def test_numbers_the_pattern_reads_otherwise_are_refused() -> None:
    parsed = imported(["-1001", "1Z999AA10123456784", "ABC"])
    reasons = [problem.reason for problem in parsed.problems]
    assert parsed.orders == ()
    assert "reads it as '1001'" in reasons[0]
    assert "reads as a ups tracking number" in reasons[1]
    assert "finds no order number" in reasons[2]


def test_a_shape_the_store_cannot_keep_keeps_its_old_reason() -> None:
    [problem] = imported(["10 01"]).problems
    assert problem.reason == "order number '10 01' must be 1-40 letters, digits, '-' or '_'"


async def test_an_underscore_number_imports_and_is_found_when_the_pattern_allows_it(
    make_settings: SettingsFactory,
) -> None:
    rule = OrderNumbers(re.compile(UNDERSCORES))
    parsed = imported(["a_1001"], rule)
    assert [order.number for order in parsed.orders] == ["A_1001"]
    order = Order("A_1001", OWNER, postal_code="11201", shipments=(Shipment("demo", "DEMO1001"),))
    bot_settings = make_settings(bot={"order_number_pattern": UNDERSCORES})
    async with chatting(bot_settings, (order,)) as chat:
        reply = await chat.says("a_1001")
    assert reply.startswith("Order A_1001: In transit with "), reply


NUMBERS = st.one_of(
    st.text(alphabet="#-_ .0123456789ABCZabcz", min_size=1, max_size=14),
    st.from_regex(r"#?[A-Za-z]{0,3}[-_]?[0-9]{1,22}(-[0-9]{1,4})?", fullmatch=True),
    st.sampled_from(["1Z999AA10123456784", "9400111206206406260787", "SO-2024-00077"]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(numbers=st.lists(NUMBERS, min_size=1, max_size=8))
def test_every_order_number_that_imports_is_found_by_text(numbers: list[str]) -> None:
    pattern = re.compile(DEFAULT_ORDER_PATTERN)
    parsed = imported(numbers)
    stored = {order.number for order in parsed.orders}
    refused = {problem.line for problem in parsed.problems}
    for line, raw in enumerate(numbers, start=2):
        number = normalize_order_number(raw)
        assert (number in stored) != (line in refused), raw  # one or the other, never both
        if line in refused:
            [problem] = [p for p in parsed.problems if p.line == line]
            assert repr(raw.strip()) in problem.reason or "blank" in problem.reason
    for number in stored:
        assert texted(number, pattern) == number
        assert texted(f"where is order {number}?", pattern) == number
        assert texted(number.lower(), pattern) == number

    async def look_up() -> list[Order | None]:
        with tempfile.TemporaryDirectory() as folder:
            store = await open_store(Path(folder) / "bot.db")
            try:
                await store.upsert_orders(parsed.orders)
                return [await store.get_order(texted(n, pattern) or "") for n in stored]
            finally:
                await store.close()

    assert all(found is not None for found in asyncio.run(look_up()))
