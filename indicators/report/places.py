"""Every place that has a series, for the map: markets, the cities of fuel-station surveys, outage
areas, any other location. A place's coordinates come from its own series, else from another
series of the same place (`event_context.coordinates`: WFP markets have them, station surveys and
outage logs do not), else from the bundled gazetteer `datasets/places.csv` (approximate centres of
the demo's towns and areas). A place found nowhere keeps empty coordinates: the map page lists it
under the map instead of dropping it.
"""
from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ..collectors.tables import fold
from ..event_context import coordinates, place_name
from ..store import SEVERITY_RANK
from .data import UNSCORED, ReportData
from .tables import worst

PLACES = Path(__file__).resolve().parent.parent.parent / "datasets" / "places.csv"
COLUMNS = ["location", "locations", "admin1", "region", "latitude", "longitude", "coordinates", "phase", "series", "families",
           "series_at_phase", "since"]


@lru_cache(maxsize=1)
def gazetteer(path: Path = PLACES) -> dict[str, tuple[str, float, float]]:
    """{folded place: (admin1, latitude, longitude)} from the bundled places file ({} without it)."""
    try:
        with Path(path).open(encoding="utf-8", newline="") as handle:
            return {fold(row["location"]): (row["admin1"], float(row["latitude"]), float(row["longitude"]))
                    for row in csv.DictReader(handle)}
    except (OSError, KeyError, ValueError):
        return {}


def places(data: ReportData) -> pd.DataFrame:
    """One row per place with a series: where it is (and how that was found), its worst current
    phase over all its series, and which series are at that phase. Most severe first. Locations
    that are one place (`Bamako (MLI)`, a WFP market, and `Bamako`, a station survey's city, at
    the same coordinates) are one row, their names under `locations`."""
    if data.series.empty:
        return pd.DataFrame(columns=COLUMNS)
    known, listed = coordinates(data.series), gazetteer()
    columns = ["location", "latitude", "longitude", "admin1", "severity", "label", "since", "family"]
    by_location: dict[str, list] = {}
    for row in data.series[columns].itertuples(index=False):
        by_location.setdefault(row.location, []).append(row)
    where = {location: _where(location, rows, known, listed) for location, rows in by_location.items()}
    by_place: dict[tuple, list[str]] = {}
    for location in sorted(by_location):
        by_place.setdefault(_place_key(location, where[location]), []).append(location)
    out = []
    for locations in by_place.values():
        rows = [row for location in locations for row in by_location[location]]
        admin1, latitude, longitude, found = where[min(locations, key=lambda name: where[name][3] != "data")]
        phase = worst(row.severity for row in rows)
        at_phase = [row for row in rows if row.severity == phase]
        out.append({
            "location": min((place_name(name) for name in locations), key=len) if len(locations) > 1 else locations[0],
            "locations": "; ".join(locations), "admin1": admin1, "region": "", "latitude": latitude,
            "longitude": longitude, "coordinates": found, "phase": phase, "series": len(rows),
            "families": ", ".join(sorted({row.family for row in rows})),
            "series_at_phase": "; ".join(row.label for row in at_phase) if phase != UNSCORED else "",
            "since": min((row.since for row in at_phase if row.since), default="")
            if phase not in (UNSCORED, "normal") else "",
        })
    frame = pd.DataFrame(out, columns=COLUMNS).sort_values("location", kind="stable")
    return frame.sort_values("phase", key=lambda p: -p.map(SEVERITY_RANK).fillna(-1), kind="stable") \
        .reset_index(drop=True)


def _where(location: str, rows: list, known: dict, listed: dict) -> tuple:
    """(admin1, latitude, longitude, where the coordinates came from) of one location's series."""
    own = next(((row.latitude, row.longitude) for row in rows if pd.notna(row.latitude) and pd.notna(row.longitude)),
               None)
    admin1 = next((row.admin1 for row in rows if isinstance(row.admin1, str) and row.admin1), "")
    name = fold(place_name(location))
    if own:
        return admin1, float(own[0]), float(own[1]), "data"
    if name in known:
        return (admin1, *known[name], "another series of the place")
    entry = listed.get(fold(location)) or listed.get(name)
    if entry:
        return admin1 or entry[0], entry[1], entry[2], "datasets/places.csv"
    return admin1, None, None, ""


def _place_key(location: str, where: tuple) -> tuple:
    """Locations with the same place name at the same coordinates are one place."""
    _, latitude, longitude, _ = where
    if latitude is None:
        return ("", fold(location), 0.0, 0.0)
    return ("located", fold(place_name(location)), round(latitude, 4), round(longitude, 4))


def with_regions(frame: pd.DataFrame, regions: dict) -> pd.DataFrame:
    """`region`: the admin-1 region (of the bundled boundaries) each located place falls in."""
    from .boundaries import region_of

    located = frame["latitude"].notna() & frame["longitude"].notna()
    return frame.assign(region=[region_of(lon, lat, regions) if ok else ""
                                for lat, lon, ok in zip(frame["latitude"], frame["longitude"], located)])
