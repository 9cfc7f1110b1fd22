"""The console's pages: dashboard, escalation queue and detail, order view, carrier health.

Phones are masked everywhere but on the escalation detail, where the agent must text the
customer back. Every figure on the dashboard comes from `report.rows`, the same list
`smsbot report` prints.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from smsbot.admin.auth import Session
from smsbot.admin.charts import bar_chart, hbar_chart
from smsbot.admin.context import Console
from smsbot.admin.report import parse_since, period, rows
from smsbot.admin.templating import render
from smsbot.eta.calibration import calibration
from smsbot.metrics.instruments import carrier_health
from smsbot.store import HandoffState, phone_key
from smsbot.view.order import OrderView
from smsbot.wording import replies
from smsbot.wording.replies import Wording

PERIODS = ("7d", "30d", "90d")
TRANSCRIPT = 30


async def dashboard(request: Request, console: Console, session: Session) -> Response:
    since = request.query_params.get("since", "30d")
    if since not in PERIODS:
        since = "30d"
    start, end = period(parse_since(since), console.clock())
    kpis = await console.store.kpis(start, end)
    calibrated = await calibration(console.store, console.settings.eta, start, end)
    titles = (
        "WISMO texts per day",
        "Customers who still texted within 48 h of a notice, by notice",
        "Deliveries later than the first ETA, by carrier",
    )
    charts = [
        (titles[0], bar_chart([(d, float(n)) for d, n in kpis.daily_texts], title=titles[0])),
        (
            titles[1],
            hbar_chart(
                [(n.kind, n.texted_share or 0.0) for n in kpis.notices],
                title=titles[1],
                percent=True,
            ),
        ),
        (
            titles[2],
            hbar_chart(
                [(c.carrier, c.late_share or 0.0) for c in kpis.carriers],
                title=titles[2],
                percent=True,
            ),
        ),
    ]
    return render(
        "dashboard.html", user=session.user, csrf=session.csrf, since=since, periods=PERIODS,
        kpis=kpis, rows=rows(kpis, calibrated), charts=charts,
    )  # fmt: skip


async def escalations(request: Request, console: Console, session: Session) -> Response:
    store = console.store
    return render(
        "escalations.html", user=session.user, csrf=session.csrf,
        waiting=await store.escalations(open_only=True),
        recent=[e for e in await store.escalations(open_only=False, limit=50) if e.handled],
        dead=await store.handoffs(state=HandoffState.DEAD),
    )  # fmt: skip


async def escalation(request: Request, console: Console, session: Session) -> Response:
    store = console.store
    found = await store.escalation(int(request.path_params["id"]))
    if found is None:
        return render("error.html", 404, user=session.user, csrf=session.csrf,
                      message="No such escalation.")  # fmt: skip
    order = await store.get_order(found.order_number) if found.order_number else None
    view = None
    if order is not None:
        view = OrderView.of(order, await console.track(order.shipments))
    return render(
        "escalation.html", user=session.user, csrf=session.csrf, escalation=found,
        transcript=await store.sender_messages(found.phone_key, TRANSCRIPT),
        view=view, summary=_summary(view, console),
        handoffs=await store.handoffs(escalation_id=found.id),
    )  # fmt: skip


async def handled(request: Request, console: Console, session: Session) -> Response:
    escalation_id = int(request.path_params["id"])
    await console.store.mark_handled(escalation_id, by=session.user, at=console.clock())
    return RedirectResponse("/admin/escalations", status_code=303)


async def order(request: Request, console: Console, session: Session) -> Response:
    number = request.query_params.get("number", "").strip().lstrip("#")[:64]
    context: dict[str, object] = {"user": session.user, "csrf": session.csrf, "number": number}
    if not number:
        return render("order.html", 200, **context, order=None, searched=False)
    store = console.store
    found = await store.get_order(number)
    if found is None:
        return render("order.html", 404, **context, order=None, searched=True)
    view = OrderView.of(found, await console.track(found.shipments))
    key = phone_key(found.phone)
    return render(
        "order.html", 200, **context, order=found, searched=True, view=view,
        summary=_summary(view, console),
        log=await store.sender_messages(key, TRANSCRIPT) if key else [],
        notices=await store.order_notices(found.number),
    )  # fmt: skip


async def carriers(request: Request, console: Console, session: Session) -> Response:
    start, end = period(timedelta(days=7), console.clock())
    kpis = await console.store.kpis(start, end)
    health = carrier_health()
    names = sorted(set(health) | {c.carrier for c in kpis.carriers})
    table: list[dict[str, Any]] = []
    for name in names:
        calls = health.get(name, {})
        total = sum(v for k, v in calls.items() if k != "seconds")
        failed = total - calls.get("ok", 0.0)
        kpi = next((c for c in kpis.carriers if c.carrier == name), None)
        table.append({
            "carrier": name, "calls": int(total),
            "error_rate": failed / total if total else None,
            "seconds": calls.get("seconds"),
            "late": kpi.late_share if kpi else None,
            "exceptions": kpi.exception_share if kpi else None,
        })  # fmt: skip
    chart = hbar_chart(
        [(row["carrier"], float(row["error_rate"] or 0.0)) for row in table],
        title="Carrier call error rate since this process started",
        percent=True,
    )
    return render("carriers.html", user=session.user, csrf=session.csrf, table=table, chart=chart)


def _summary(view: OrderView | None, console: Console) -> str | None:
    """The sentence the customer would get for this order now (the one order view)."""
    if view is None:
        return None
    bot = console.settings.bot
    language = (view.locale or bot.language)[:2]
    if language not in replies.LANGUAGES:
        language = bot.language
    wording = Wording(language, bot.timezone, console.clock(), bot.max_segments)
    return replies.status_reply(view, wording)
