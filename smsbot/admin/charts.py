"""Charts as inline SVG, drawn on the server: no script, no font or file from elsewhere.

Each function returns markup whose every text is escaped; the page embeds it as is. Bars
carry a <title> (a tooltip without script) and the figures stay in a table beside the chart
for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH = 600
BAR_GAP = 4


def bar_chart(points: Sequence[tuple[str, float]], *, title: str, unit: str = "") -> Markup:
    """Vertical bars, one per (label, value), scaled to the largest value."""
    height, top, bottom = 220, 16, 40
    if not points:
        return _empty(title)
    peak = max(value for _, value in points) or 1.0
    slot = WIDTH / len(points)
    bars = []
    for index, (label, value) in enumerate(points):
        h = (height - top - bottom) * value / peak
        x = index * slot + BAR_GAP / 2
        y = height - bottom - h
        bars.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{max(1.0, slot - BAR_GAP):.1f}" '
            f'height="{h:.1f}"><title>{escape(label)}: {value:g}{escape(unit)}</title></rect>'
        )
        if len(points) <= 12 or index % max(1, len(points) // 6) == 0:
            bars.append(
                f'<text x="{x + slot / 2:.1f}" y="{height - bottom + 16}" '
                f'text-anchor="middle">{escape(label[-5:])}</text>'
            )
    bars.append(f'<text x="0" y="12">max {peak:g}{escape(unit)}</text>')
    return _svg(title, height, "".join(bars))


def hbar_chart(points: Sequence[tuple[str, float]], *, title: str, percent: bool = False) -> Markup:
    """Horizontal bars with their label and value, for a few named figures."""
    if not points:
        return _empty(title)
    row, label_w = 26, 170
    peak = 1.0 if percent else (max(value for _, value in points) or 1.0)
    parts = []
    for index, (label, value) in enumerate(points):
        y = index * row + 4
        w = (WIDTH - label_w - 70) * min(value, peak) / peak
        shown = f"{value * 100:.0f}%" if percent else f"{value:g}"
        parts.append(
            f'<text x="0" y="{y + 15}">{escape(label[:24])}</text>'
            f'<rect class="bar" x="{label_w}" y="{y}" width="{max(w, 1.0):.1f}" height="{row - 8}">'
            f"<title>{escape(label)}: {shown}</title></rect>"
            f'<text x="{label_w + w + 6:.1f}" y="{y + 15}">{shown}</text>'
        )
    return _svg(title, len(points) * row + 8, "".join(parts))


def _empty(title: str) -> Markup:
    return _svg(title, 40, '<text x="0" y="24">No data in this period</text>')


def _svg(title: str, height: int, body: str) -> Markup:
    return Markup(  # noqa: S704  # every text inside went through escape()
        f'<svg class="chart" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {WIDTH} {height}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )
