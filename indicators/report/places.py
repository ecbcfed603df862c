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
    where = {location: _where(location, group, known, listed)
             for location, group in data.series.groupby("location", sort=True)}
    series = data.series.assign(_place=[_place_key(location, where[location]) for location in data.series["location"]])
    rows = []
    for _, group in series.groupby("_place", sort=False):
        locations = sorted(set(group["location"]))
        admin1, latitude, longitude, found = where[min(locations, key=lambda name: where[name][3] != "data")]
        phase = worst(group["severity"])
        at_phase = group[group["severity"] == phase]
        rows.append({
            "location": min((place_name(name) for name in locations), key=len) if len(locations) > 1 else locations[0],
            "locations": "; ".join(locations), "admin1": admin1, "region": "", "latitude": latitude,
            "longitude": longitude, "coordinates": found, "phase": phase, "series": len(group),
            "families": ", ".join(sorted(set(group["family"]))),
            "series_at_phase": "; ".join(at_phase["label"]) if phase != UNSCORED else "",
            "since": at_phase["since"].min() if phase not in (UNSCORED, "normal") else "",
        })
    frame = pd.DataFrame(rows, columns=COLUMNS).sort_values("location", kind="stable")
    return frame.sort_values("phase", key=lambda p: -p.map(SEVERITY_RANK).fillna(-1), kind="stable") \
        .reset_index(drop=True)


def _where(location: str, group: pd.DataFrame, known: dict, listed: dict) -> tuple:
    """(admin1, latitude, longitude, where the coordinates came from) of one location's series."""
    own = group.dropna(subset=["latitude", "longitude"])
    admin1 = next((a for a in group["admin1"] if isinstance(a, str) and a), "")
    name = fold(place_name(location))
    if not own.empty:
        return admin1, float(own["latitude"].iloc[0]), float(own["longitude"].iloc[0]), "data"
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
