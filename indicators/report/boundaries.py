"""Boundaries for the map, offline, from two small bundled TopoJSON files (datasets/README.md gives
provenance and licence):

- `countries-110m.json`: Natural Earth's Admin 0 countries at 1:110m (public domain), as the npm
  package world-atlas 2.0.2 ships them;
- `admin1.json`: Natural Earth's Admin 1 states, provinces and regions at 1:10m (public domain),
  from QGIS's `world_map.gpkg`, simplified by `datasets/make_admin1_boundaries.py` for the
  countries of the bundled and shared data.

Only what the map needs is decoded here: outer rings as (longitude, latitude) lists (holes are
dropped: an enclave such as Bamako inside Koulikoro is a region of its own, drawn on top).
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path


class Ring(list):
    """A ring of (longitude, latitude) points, with its bounding box: a box test first keeps
    thousands of markets against hundreds of regions fast."""

    def __init__(self, points):
        super().__init__(points)
        xs, ys = [p[0] for p in self], [p[1] for p in self]
        self.box = (min(xs), min(ys), max(xs), max(ys)) if self else None


FOLDER = Path(__file__).resolve().parent.parent.parent / "datasets" / "boundaries"
BOUNDARIES = FOLDER / "countries-110m.json"
ADMIN1 = FOLDER / "admin1.json"
CREDIT = "Boundaries: Natural Earth (public domain), via world-atlas and QGIS"


def _read(path: Path) -> dict | None:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """The topology's arcs in longitude/latitude (quantized and delta-encoded, TopoJSON 2.1.2)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _shapes(arcs: list[Ring], geometries: list[dict]) -> list[tuple[str, list[Ring]]]:
    """[(name, [outer ring, ...])] of a TopoJSON object's geometries."""

    def ring(indexes) -> Ring:
        points: list[tuple[float, float]] = []
        for index in indexes:
            piece = arcs[index] if index >= 0 else arcs[~index][::-1]
            points.extend(piece[1:] if points else piece)
        return Ring(points)

    out = []
    for geometry in geometries:
        name = (geometry.get("properties") or {}).get("name") or geometry.get("id") or ""
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else \
            [geometry["arcs"]] if geometry["type"] == "Polygon" else []
        out.append((name, [ring(polygon[0]) for polygon in polygons if polygon]))
    return out


@lru_cache(maxsize=1)
def countries(path: Path = BOUNDARIES) -> dict[str, list[Ring]]:
    """{country name: [outer ring, ...]}, or {} when the boundary file is not there."""
    topology = _read(path)
    return dict(_shapes(_arcs(topology), topology["objects"]["countries"]["geometries"])) if topology else {}


@lru_cache(maxsize=1)
def admin1(path: Path = ADMIN1) -> dict[str, list[tuple[str, list[Ring]]]]:
    """{country name: [(region name, [outer ring, ...]), ...]}, or {} when the file is not there."""
    topology = _read(path)
    if not topology:
        return {}
    arcs = _arcs(topology)
    return {country: _shapes(arcs, shape["geometries"]) for country, shape in topology["objects"].items()}


def outlines_around(longitudes, latitudes) -> dict[str, list[Ring]]:
    """The 1:110m outlines of the countries that contain at least one of the points."""
    points = _points(longitudes, latitudes)
    return {name: rings for name, rings in countries().items()
            if any(_inside(point, ring) for ring in rings for point in points)}


def regions_around(longitudes, latitudes) -> dict[str, list[tuple[str, list[Ring]]]]:
    """The admin-1 regions of every country (in the bundled file) one of the points is in."""
    points = _points(longitudes, latitudes)
    return {country: regions for country, regions in admin1().items()
            if any(_inside(point, ring) for _, rings in regions for ring in rings for point in points)}


def region_of(longitude: float, latitude: float, regions: dict[str, list[tuple[str, list[Ring]]]]) -> str:
    """The name of the region (of those given) the point is in, or ""."""
    point = (float(longitude), float(latitude))
    return next((name for shapes in regions.values() for name, rings in shapes
                 if any(_inside(point, ring) for ring in rings)), "")


def _points(longitudes, latitudes) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in zip(longitudes, latitudes)]


def _inside(point: tuple[float, float], ring: Ring) -> bool:
    """Ray casting (after a bounding-box test): is the point inside the ring?"""
    x, y = point
    box = getattr(ring, "box", None)
    if box and not (box[0] <= x <= box[2] and box[1] <= y <= box[3]):
        return False
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside
