"""Scan places on the map: placed only when certain, drawn offline as SVG."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from smsbot.page.gazetteer import Gazetteer, fold, gazetteer
from smsbot.page.map import journey_svg, land


@pytest.fixture(scope="module")
def places() -> Gazetteer:
    found = gazetteer("US")
    found.load()
    return found


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("Memphis, TN", ("Memphis", "TN", "US", "America/Chicago")),
        ("MEMPHIS, TN, US", ("Memphis", "TN", "US", "America/Chicago")),
        ("Louisville, KY 40213", ("Louisville", "KY", "US", "America/Kentucky/Louisville")),
        ("Columbus, Ohio", ("Columbus", "OH", "US", "America/New_York")),
        ("Toronto, ON, CA", ("Toronto", "08", "CA", "America/Toronto")),
        ("Guadalajara, JAL, MX", ("Guadalajara", "14", "MX", "America/Mexico_City")),
    ],
)
def test_known_places(places: Gazetteer, location: str, expected: tuple[str, ...]) -> None:
    found = places.find(location)
    assert found is not None
    assert (found.name, found.region, found.country, found.timezone) == expected


@pytest.mark.parametrize(
    "location",
    [
        "Memphis",  # which one? (there are several in the US)
        "Springfield, XX",
        "IN TRANSIT",
        "GATEWAY FACILITY 1234",
        "Columbus, TX, ZZ",
        "",
        None,
        "Paris",  # a name without a country is not guessed
    ],
)
def test_unknown_places_are_not_guessed(places: Gazetteer, location: str | None) -> None:
    assert places.find(location) is None


def test_fold() -> None:
    assert fold("  Saint-Jérôme ") == "saint jerome"
    assert fold("ST. LOUIS") == "st louis"


def test_the_outline_is_natural_earth_land() -> None:
    rings = land()
    assert len(rings) > 100
    lons = [lon for ring in rings for lon, _ in ring]
    lats = [lat for ring in rings for _, lat in ring]
    assert min(lons) >= -180 and max(lons) <= 180 and min(lats) >= -90 and max(lats) <= 84


def test_the_journey_is_an_svg_of_numbers(places: Gazetteer) -> None:
    stops = [places.find(p) for p in ("Columbus, OH", "Indianapolis, IN", "Memphis, TN")]
    located = [p for p in stops if p is not None]
    svg = journey_svg([located], label='Map <of> "the" journey')
    assert svg is not None
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    tag = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{tag}svg" and root.get("role") == "img"
    assert root.get("aria-label") == 'Map <of> "the" journey: Columbus, Indianapolis, Memphis'
    circles = root.findall(f"{tag}circle")
    assert len(circles) == 3 and circles[-1].get("class") == "stop last"
    [route] = root.findall(f"{tag}polyline")
    assert route.get("class") == "route route-1"
    points = [tuple(map(float, p.split(","))) for p in (route.get("points") or "").split()]
    width, height = map(float, (root.get("viewBox") or "").split()[2:])
    assert all(0 <= x <= width and 0 <= y <= height for x, y in points)
    # Memphis is south-west of Columbus: further left and further down.
    assert points[2][0] < points[0][0] and points[2][1] > points[0][1]
    land_path, border = root.findall(f"{tag}path")
    assert re.fullmatch(r"[MLZ0-9. -]+", land_path.get("d") or "")
    assert re.fullmatch(r"[ML0-9. -]+", border.get("d") or "")  # Ohio/Indiana/... borders
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")
    assert len(svg) < 20_000


def test_two_legs_share_one_map(places: Gazetteer) -> None:
    out = [places.find("Columbus, OH"), places.find("Brooklyn, NY")]
    back = [places.find("Brooklyn, NY"), places.find("Memphis, TN")]
    svg = journey_svg([[p for p in out if p], [p for p in back if p]], label="Map")
    assert svg is not None
    assert 'class="route route-1"' in svg and 'class="route route-2"' in svg
    assert svg.count("<circle") == 4 and svg.count('class="land"') == 1


def test_no_places_no_map() -> None:
    assert journey_svg([], label="Map") is None
    assert journey_svg([[], []], label="Map") is None


def test_one_place_still_shows_its_region(places: Gazetteer) -> None:
    memphis = places.find("Memphis, TN")
    assert memphis is not None
    svg = journey_svg([[memphis]], label="Map")
    assert svg is not None and "<polyline" not in svg and svg.count("<circle") == 1
