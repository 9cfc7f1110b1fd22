"""The KPIs of a period as rows, and as text, CSV, JSON or HTML: one list of figures for
`smsbot report` and the console's dashboard."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from jinja2 import Environment

from smsbot.eta.calibration import Calibration
from smsbot.store import Kpis

FORMATS = ("text", "csv", "json", "html")
_SPAN = re.compile(r"(\d+)\s*([dhw])\Z")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


def parse_since(text: str) -> timedelta:
    """ "30d", "12h", "2w" -> a timedelta; ValueError for anything else."""
    found = _SPAN.match(text.strip().lower())
    if found is None or int(found.group(1)) == 0:
        raise ValueError(f"{text!r} is not a period like 30d, 12h or 2w")
    return int(found.group(1)) * _UNITS[found.group(2)]


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def _seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f} s"


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def rows(kpis: Kpis, calibration: Calibration | None = None) -> list[tuple[str, str]]:
    """(figure, value) in reading order; the same strings everywhere they are shown.
    With `calibration`, the ETA windows told and how they held (issue 19) at the end."""
    found = [
        ("Orders shipped", str(kpis.orders_shipped)),
        ("WISMO texts", str(kpis.wismo_texts)),
        ("WISMO texts per 100 orders shipped", _number(kpis.wismo_per_100_orders)),
        ("Conversations", str(kpis.conversations)),
        ("Answered without a person (deflection)", _percent(kpis.deflection_rate)),
        ("Escalation rate", _percent(kpis.escalation_rate)),
        ("Time to answer p50", _seconds(kpis.answer_p50_s)),
        ("Time to answer p95", _seconds(kpis.answer_p95_s)),
    ]
    for notice in kpis.notices:
        found.append((f"Notices sent: {notice.kind}", str(notice.sent)))
        found.append((f"Still texted within 48 h: {notice.kind}", _percent(notice.texted_share)))
    found.append(("Stall apologies", str(kpis.stall_apologies)))
    found.append(("Stall apologies followed by AGENT", _percent(kpis.stall_agent_share)))
    for carrier in kpis.carriers:
        found.append((f"Shipments: {carrier.carrier}", str(carrier.shipments)))
        found.append((f"Late vs first ETA: {carrier.carrier}", _percent(carrier.late_share)))
        found.append((f"Exception rate: {carrier.carrier}", _percent(carrier.exception_share)))
    found.append(("Tracking-page views per shipment", _number(kpis.views_per_shipment)))
    found.append(("Shipments whose page was viewed", _percent(kpis.viewed_share)))
    found.append(("CSAT surveys sent", str(kpis.csat_sent)))
    found.append(("CSAT answers", str(kpis.csat_answers)))
    found.append(("CSAT mean score (1-5)", _number(kpis.csat_mean)))
    found.append(("CSAT (answers 4 or 5)", _percent(kpis.csat_share)))
    if calibration is not None:
        found += calibration_rows(calibration)
    return found


def calibration_rows(calibration: Calibration) -> list[tuple[str, str]]:
    """Per carrier and lane: windows told, the share delivered inside, the median width."""
    found = []
    for lane in calibration.lanes:
        name = (
            lane.label if lane.label.startswith(lane.carrier) else f"{lane.carrier}: {lane.label}"
        )
        found.append((f"ETA windows told: {name}", str(lane.told)))
        found.append((f"Delivered inside the window: {name}", _percent(lane.inside_share)))
        width = "n/a" if lane.median_width is None else f"{lane.median_width:g} business days"
        found.append((f"Median window width: {name}", width))
    found.append(("ETA history rows excluded", str(calibration.excluded_total)))
    for reason, count in calibration.excluded.items():
        found.append((f"ETA history rows excluded: {reason}", str(count)))
    return found


def calibration_data(calibration: Calibration) -> dict[str, Any]:
    return {
        "lanes": [
            {"carrier": lane.carrier, "label": lane.label, "told": lane.told,
             "delivered": lane.delivered, "inside": lane.inside,
             "inside_share": lane.inside_share, "median_width_business_days": lane.median_width}
            for lane in calibration.lanes
        ],
        "excluded": calibration.excluded_total,
        "excluded_by_reason": calibration.excluded,
    }  # fmt: skip


def as_data(kpis: Kpis, calibration: Calibration | None = None) -> dict[str, Any]:
    """The raw figures (rates as fractions, None when undefined) for JSON."""
    data = {
        "start": kpis.start.isoformat(),
        "end": kpis.end.isoformat(),
        "orders_shipped": kpis.orders_shipped,
        "wismo_texts": kpis.wismo_texts,
        "wismo_per_100_orders": kpis.wismo_per_100_orders,
        "conversations": kpis.conversations,
        "escalated": kpis.escalated,
        "deflection_rate": kpis.deflection_rate,
        "escalation_rate": kpis.escalation_rate,
        "answer_p50_s": kpis.answer_p50_s,
        "answer_p95_s": kpis.answer_p95_s,
        "notices": [
            {"kind": n.kind, "sent": n.sent, "customers": n.customers,
             "texted_within_48h": n.texted_after, "texted_share": n.texted_share}
            for n in kpis.notices
        ],
        "stall_apologies": kpis.stall_apologies,
        "stall_followed_by_agent_share": kpis.stall_agent_share,
        "carriers": [
            {"carrier": c.carrier, "shipments": c.shipments, "delivered": c.delivered,
             "late": c.late, "late_share": c.late_share, "exceptions": c.exceptions,
             "exception_share": c.exception_share}
            for c in kpis.carriers
        ],
        "tracking_page": {"shipments": kpis.shipments, "viewed": kpis.viewed_shipments,
                          "views": kpis.page_views, "views_per_shipment": kpis.views_per_shipment,
                          "viewed_share": kpis.viewed_share},
        "csat": {"sent": kpis.csat_sent, "answers": kpis.csat_answers,
                 "mean_score": kpis.csat_mean, "satisfied_share": kpis.csat_share},
    }  # fmt: skip
    if calibration is not None:
        data["eta_calibration"] = calibration_data(calibration)
    return data


def _title(kpis: Kpis) -> str:
    return f"WISMO report {kpis.start:%Y-%m-%d %H:%M} to {kpis.end:%Y-%m-%d %H:%M} UTC"


def as_text(kpis: Kpis, calibration: Calibration | None = None) -> str:
    shown = rows(kpis, calibration)
    width = max(len(name) for name, _ in shown)
    lines = [_title(kpis), ""] + [f"{name:<{width}}  {value}" for name, value in shown]
    return "\n".join(lines) + "\n"


def as_csv(kpis: Kpis, calibration: Calibration | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["figure", "value"])
    writer.writerows(rows(kpis, calibration))
    return out.getvalue()


def as_json(kpis: Kpis, calibration: Calibration | None = None) -> str:
    return json.dumps(as_data(kpis, calibration), indent=2) + "\n"


_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><h1>{{ title }}</h1><table>
{% for name, value in rows %}<tr><th scope="row">{{ name }}</th><td>{{ value }}</td></tr>
{% endfor %}</table></body></html>
"""


def as_html(kpis: Kpis, calibration: Calibration | None = None) -> str:
    template = Environment(autoescape=True).from_string(_HTML)
    return template.render(title=_title(kpis), rows=rows(kpis, calibration)) + "\n"


RENDERERS: dict[str, Callable[[Kpis, Calibration | None], str]] = {
    "text": as_text,
    "csv": as_csv,
    "json": as_json,
    "html": as_html,
}


def period(since: timedelta, now: datetime) -> tuple[datetime, datetime]:
    """[now - since, now)."""
    return now - since, now
