"""Write the map's bundled outline: smsbot/page/data/land.json (Natural Earth's 1:110m land)
and borders.json (the borders between countries, 1:110m, and between US states, from the US
Census Bureau's cartographic boundaries at 1:10m, thinned to a tenth of a degree).

Natural Earth and the Census Bureau's boundaries are public domain; they come as TopoJSON in
the `world-atlas` and `us-atlas` npm packages (ISC). Run by hand when the outline should
change:

    npm pack world-atlas@2 us-atlas@3   # then untar each into its own folder
    python scripts/make_outline.py world/package us/package

Each file keeps lines as flat [lon, lat, ...] in tenths of a degree (integers), read once
by `smsbot.page.map`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "smsbot" / "page" / "data"


def arcs_of(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """The topology's arcs in degrees (TopoJSON quantized, delta-encoded)."""
    transform = topology["transform"]
    (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
    arcs: list[list[tuple[float, float]]] = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def borders(topology: dict[str, Any], name: str) -> list[list[tuple[float, float]]]:
    """The arcs two geometries of object `name` share: the borders inside it, drawn once."""
    uses: dict[int, int] = {}

    def walk(node: Any) -> None:
        if isinstance(node, int):
            index = node if node >= 0 else ~node
            uses[index] = uses.get(index, 0) + 1
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for geometry in topology["objects"][name]["geometries"]:
        walk(geometry.get("arcs", []))
    arcs = arcs_of(topology)
    return [arcs[index] for index, count in sorted(uses.items()) if count > 1]


def decode(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """The rings of the topology's `land` object, in degrees."""
    arcs = arcs_of(topology)

    def ring(indexes: list[int]) -> list[tuple[float, float]]:
        points: list[tuple[float, float]] = []
        for index in indexes:
            arc = arcs[index] if index >= 0 else arcs[~index][::-1]
            points.extend(arc[1:] if points else arc)
        return points

    rings = []
    for geometry in topology["objects"]["land"]["geometries"]:
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        for polygon in polygons:
            rings.extend(ring(part) for part in polygon)
    return rings


def tenths(lines: list[list[tuple[float, float]]], least: int) -> list[list[int]]:
    """Lines as flat tenths of a degree, repeated points dropped, short ones left out."""
    out = []
    for points in lines:
        flat: list[int] = []
        for lon, lat in points:
            pair = [round(lon * 10), round(lat * 10)]
            if flat[-2:] != pair:
                flat.extend(pair)
        if len(flat) >= least:
            out.append(flat)
    return out


def read(path: str) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def write(name: str, lines: list[list[int]]) -> None:
    path = DATA / name
    path.write_text(json.dumps(lines, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{path}: {len(lines)} lines, {path.stat().st_size} bytes")


def main(world: str, us: str) -> None:
    countries, states = read(f"{world}/countries-110m.json"), read(f"{us}/states-10m.json")
    write("land.json", tenths(decode(read(f"{world}/land-110m.json")), 8))
    write(
        "borders.json",
        tenths(borders(countries, "countries"), 4) + tenths(borders(states, "states"), 4),
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
