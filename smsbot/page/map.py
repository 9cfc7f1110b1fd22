"""The journey map: an inline SVG of the scan places on Natural Earth's land outline.

Everything is drawn here from bundled data (`data/land.json`, see scripts/make_outline.py):
no tiles, fonts or scripts from elsewhere. The projection is equirectangular, scaled by the
cosine of the middle latitude so a country keeps its shape; the view is the places' bounding
box with a margin. Only numbers and escaped text go into the SVG.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from functools import cache, lru_cache
from html import escape
from importlib import resources

from smsbot.page.gazetteer import Place

WIDTH = 320.0
MIN_SPAN_LON, MIN_SPAN_LAT = 10.0, 6.0  # degrees: one city still shows its region
MARGIN = 0.25  # of the span, on each side
PAD = 4.0  # SVG units outside the view where the outline is clamped

Line = tuple[tuple[float, float], ...]


@cache
def land() -> tuple[Line, ...]:
    """The land's rings as (lon, lat) degrees, read once."""
    return _lines("land.json")


@cache
def borders() -> tuple[Line, ...]:
    """The borders between countries and between US states, read once."""
    return _lines("borders.json")


@cache
def _bounds(line: Line) -> tuple[float, float, float, float]:
    lons = [p[0] for p in line]
    lats = [p[1] for p in line]
    return min(lons), min(lats), max(lons), max(lats)


def _lines(name: str) -> tuple[Line, ...]:
    raw = resources.files("smsbot.page").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return tuple(
        tuple((ring[i] / 10, ring[i + 1] / 10) for i in range(0, len(ring), 2))
        for ring in json.loads(raw)
    )


class View:
    """The box of the map in degrees and its projection to SVG units."""

    def __init__(self, places: Sequence[Place]) -> None:
        lons = [p.lon for p in places]
        lats = [p.lat for p in places]
        span_lon = max(max(lons) - min(lons), MIN_SPAN_LON)
        span_lat = max(max(lats) - min(lats), MIN_SPAN_LAT)
        mid_lon, mid_lat = (max(lons) + min(lons)) / 2, (max(lats) + min(lats)) / 2
        self.k = math.cos(math.radians(max(-70.0, min(70.0, mid_lat))))
        width = span_lon * (1 + 2 * MARGIN) * self.k
        height = span_lat * (1 + 2 * MARGIN)
        height = max(height, width * 0.45)  # not a strip
        width = max(width, height * 1.1)  # not a tower
        self.west = mid_lon - width / self.k / 2
        self.north = mid_lat + height / 2
        self.scale = WIDTH / width
        self.height = round(height * self.scale, 1)
        self.box = (self.west, mid_lat - height / 2, mid_lon + width / self.k / 2, self.north)

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return ((lon - self.west) * self.k * self.scale, (self.north - lat) * self.scale)

    def touches(self, ring: Line) -> bool:
        """Whether `ring`'s bounding box (computed once per line) meets the view."""
        west, south, east, north = self.box
        r_west, r_south, r_east, r_north = _bounds(ring)
        return r_west <= east and r_east >= west and r_south <= north and r_north >= south


def _path(ring: Sequence[tuple[float, float]], view: View, *, closed: bool = True) -> str:
    """One ring as path data: clamped to just outside the view (what is outside is never
    seen, and a clamped run collapses to a few points), thinned to what the drawing shows."""
    parts: list[str] = []
    last: tuple[float, float] | None = None
    for lon, lat in ring:
        x, y = view.xy(lon, lat)
        x = min(max(x, -PAD), WIDTH + PAD)
        y = min(max(y, -PAD), view.height + PAD)
        if last is not None and math.dist(last, (x, y)) < 0.8:
            continue
        parts.append(f"{x:.1f} {y:.1f}")
        last = (x, y)
    if len(parts) < (3 if closed else 2):
        return ""
    return "M" + "L".join(parts) + ("Z" if closed else "")


def journey_svg(routes: Sequence[Sequence[Place]], *, label: str) -> str | None:
    """One SVG for the order: each leg's places (oldest first) as a route, its latest place
    filled; None when no place could be placed. The same journey is drawn once: a page
    viewed again gets its map from a small cache (drawing takes milliseconds)."""
    placed = tuple(tuple(route) for route in routes if route)
    return _drawn(placed, label) if placed else None


@lru_cache(maxsize=512)
def _drawn(placed: tuple[tuple[Place, ...], ...], label: str) -> str:
    view = View([place for route in placed for place in route])
    land_paths = "".join(_path(ring, view) for ring in land() if view.touches(ring))
    border_paths = "".join(
        _path(line, view, closed=False) for line in borders() if view.touches(line)
    )
    drawn: list[str] = []
    for number, route in enumerate(placed, 1):
        points = [view.xy(p.lon, p.lat) for p in route]
        if len(points) > 1:
            line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            drawn.append(f'<polyline class="route route-{number}" points="{line}"/>')
        drawn.extend(
            f'<circle class="{"stop last" if i == len(points) - 1 else "stop"}" '
            f'cx="{x:.1f}" cy="{y:.1f}" r="{6 if i == len(points) - 1 else 4}"/>'
            for i, (x, y) in enumerate(points)
        )
    names = ", ".join(dict.fromkeys(p.name for route in placed for p in route))
    title = escape(f"{label}: {names}")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH:.0f} {view.height}" '
        f'role="img" aria-label="{title}"><title>{title}</title>'
        f'<rect class="sea" width="100%" height="100%"/>'
        f'<path class="land" d="{land_paths}"/><path class="border" d="{border_paths}"/>'
        f"{''.join(drawn)}</svg>"
    )
