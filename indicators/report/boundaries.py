"""Country outlines for the market map, offline: Natural Earth's Admin 0 countries at 1:110m
(public domain), as the npm package world-atlas 2.0.2 ships them in TopoJSON
(`datasets/boundaries/countries-110m.json`, see datasets/README.md). No admin-1 regions: no
package ships a small file of them with a licence.

Only what the map needs is decoded here: the rings of the countries that contain at least one
of the points shown, as (longitude, latitude) lists.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

BOUNDARIES = Path(__file__).resolve().parent.parent.parent / "datasets" / "boundaries" / "countries-110m.json"
CREDIT = "Country outline: Natural Earth (public domain), via world-atlas"


@lru_cache(maxsize=1)
def countries(path: Path = BOUNDARIES) -> dict[str, list[list[tuple[float, float]]]]:
    """{country name: [outer ring, ...]} (holes dropped: the map draws outlines), or {} when the
    boundary file is not there."""
    try:
        topology = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:  # quantized and delta-encoded (TopoJSON 2.1.2)
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)

    def ring(indexes) -> list[tuple[float, float]]:
        points: list[tuple[float, float]] = []
        for index in indexes:
            piece = arcs[index] if index >= 0 else arcs[~index][::-1]
            points.extend(piece[1:] if points else piece)
        return points

    out = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        name = (geometry.get("properties") or {}).get("name") or geometry.get("id") or ""
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else \
            [geometry["arcs"]] if geometry["type"] == "Polygon" else []
        out[name] = [ring(polygon[0]) for polygon in polygons if polygon]
    return out


def outlines_around(longitudes, latitudes) -> dict[str, list[list[tuple[float, float]]]]:
    """The outlines of the countries that contain at least one of the points."""
    points = [(float(x), float(y)) for x, y in zip(longitudes, latitudes)]
    return {name: rings for name, rings in countries().items()
            if any(_inside(point, ring) for ring in rings for point in points)}


def _inside(point: tuple[float, float], ring: list[tuple[float, float]]) -> bool:
    """Ray casting: is the point inside the ring?"""
    x, y = point
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside
