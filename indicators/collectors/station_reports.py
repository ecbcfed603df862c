"""Fuel-station reports kept in the store (`station_reports`), so that exports combine.

Two exports can cover the same city and day: the French and the English form, or two survey
teams. Each station's report counts once per fuel and day, whichever file brought it: the
latest report (by time; on a tie, the file collected last) of each station, fuel and day, across
every file collected, is what a city's availability, median queue and median prices are computed
from. Re-collecting a file replaces its own reports, so collecting again changes nothing.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..store import Store
from .base import validate_rows

KEYS = ["city", "fuel", "day"]
STORED = ["line", "city", "station", "fuel", "day", "moment", "has_fuel", "queue", "pump", "parallel", "currency",
          "admin1", "admin2", "latitude", "longitude", "source"]


def save_reports(store: Store, source_file: str, reports: pd.DataFrame) -> None:
    """Make `reports` (this file's validated reports) the file's stored reports."""
    store.conn.execute("DELETE FROM station_reports WHERE source_file = ?", (source_file,))
    frame = reports.rename(columns={"source_line": "line"}).assign(
        moment=_isoformat(reports["moment"]), has_fuel=reports["has_fuel"].astype(int))
    frame = frame[STORED].astype(object).where(frame[STORED].notna(), None)
    store.conn.executemany(
        f"INSERT INTO station_reports (source_file, {', '.join(STORED)}) VALUES ({', '.join('?' * (len(STORED) + 1))})",
        [(source_file, *row) for row in frame.itertuples(index=False, name=None)])


def _isoformat(moments: pd.Series) -> list[str]:
    """`Timestamp.isoformat()` of each moment; whole seconds (the usual case) without a Python call each."""
    values = moments.to_numpy(dtype="datetime64[us]")
    if len(values) and not (values.astype(np.int64) % 1_000_000).any():
        return np.datetime_as_string(values, unit="s").tolist()
    return [m.isoformat() for m in moments]


def other_reports(store: Store, source_file: str, keys: pd.DataFrame) -> pd.DataFrame:
    """The reports other files gave for these (city, fuel, day) keys."""
    wanted = json.dumps([list(k) for k in keys[KEYS].drop_duplicates().itertuples(index=False, name=None)])
    frame = store.query_frame(
        f"""SELECT r.source_file, {', '.join('r.' + c for c in STORED)} FROM json_each(?) k
            JOIN station_reports r ON r.city = json_extract(k.value, '$[0]')
             AND r.fuel = json_extract(k.value, '$[1]') AND r.day = json_extract(k.value, '$[2]')
            WHERE r.source_file != ? ORDER BY r.rowid""", [wanted, source_file])
    frame = frame.rename(columns={"line": "source_line"})
    frame["moment"] = pd.to_datetime(frame["moment"], format="ISO8601")
    frame["has_fuel"] = frame["has_fuel"].astype(bool)
    frame["raw"] = ""
    return frame


def combine_reports(store: Store, rows: pd.DataFrame, reports: pd.DataFrame | None, path: Path,
                    source_file: str) -> tuple[pd.DataFrame, list[dict]]:
    """Store this file's reports; when other files reported on the same city, fuel and day,
    recompute those days from every file's reports (each station's latest counts once)."""
    from .stations import aggregate, one_currency

    if reports is None or reports.empty:
        return rows, []
    save_reports(store, source_file, reports)
    others = other_reports(store, source_file, reports)
    if others.empty:
        return rows, []
    combined = pd.concat([others, reports.assign(source_file="")], ignore_index=True)
    combined = combined.sort_values("moment", kind="stable")  # on a tie, this file (last) wins
    combined = combined[~combined.duplicated(["city", "station", "fuel", "day"], keep="last")]
    priced, _ = one_currency(combined)  # this file's currency rejects were made when it was read
    good, rejects, _ = validate_rows(aggregate(priced, path))
    return good, rejects
