"""Write smsbot/page/data/land.json, the map outline, from Natural Earth's 1:110m land.

Natural Earth is public domain; its 1:110m land comes as TopoJSON in the `world-atlas` npm
package (ISC). Run by hand when the outline should change:

    npm pack world-atlas@2 && tar xzf world-atlas-*.tgz
    python scripts/make_outline.py package/land-110m.json

The output keeps every ring as flat [lon, lat, ...] in tenths of a degree (integers):
about 60 KB, read once by `smsbot.page.map`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "smsbot" / "page" / "data" / "land.json"


def decode(topology: dict[str, object]) -> list[list[tuple[float, float]]]:
    """The rings of the topology's `land` object, in degrees."""
    transform = topology["transform"]
    assert isinstance(transform, dict)
    (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
    arcs: list[list[tuple[float, float]]] = []
    for arc in topology["arcs"]:  # type: ignore[attr-defined]
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)

    def ring(indexes: list[int]) -> list[tuple[float, float]]:
        points: list[tuple[float, float]] = []
        for index in indexes:
            arc = arcs[index] if index >= 0 else arcs[~index][::-1]
            points.extend(arc[1:] if points else arc)
        return points

    rings = []
    for geometry in topology["objects"]["land"]["geometries"]:  # type: ignore[index]
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        for polygon in polygons:
            rings.extend(ring(part) for part in polygon)
    return rings


def main(source: str) -> None:
    rings = decode(json.loads(Path(source).read_text(encoding="utf-8")))
    out = []
    for points in rings:
        flat: list[int] = []
        for lon, lat in points:
            pair = [round(lon * 10), round(lat * 10)]
            if flat[-2:] != pair:
                flat.extend(pair)
        if len(flat) >= 8:
            out.append(flat)
    OUT.write_text(json.dumps(out, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(out)} rings, {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
