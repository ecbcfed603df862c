"""Reading and writing projections, their choices and their skill (tables in `store.SCHEMA`).

Projections are vintages: a row is keyed by (series, origin, target date, method) and written
with INSERT OR IGNORE, so a later run adds its own origin and never rewrites what an earlier one
projected. Skill is the latest backtest's, replaced per series.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd

from ..store import Store, now
from .backtest import SKILL_COLUMNS, pooled
from .project import Projection

FORECAST_CSV_COLUMNS = ["indicator", "location", "item", "price_type", "origin", "date", "method", "forecast",
                        "lower_80", "upper_80", "lower_95", "upper_95", "unit"]
SKILL_TABLE_COLUMNS = ["indicator", "country", "method", "horizon", "series", "origins", "mape", "mape_baseline",
                       "mase", "coverage_80", "coverage_95"]


def write_projection(store: Store, series_id: int, projection: Projection, run_id: int | None = None) -> bool:
    """Store one series' projection; False when that origin was already projected (kept as it was)."""
    stamp = now()
    with store.transaction():
        cursor = store.conn.execute(
            "INSERT OR IGNORE INTO forecast_choices (series_id, origin, method, status, reason, episode_start, "
            "created_at, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (int(series_id), projection.origin, projection.method, projection.status, projection.reason,
             projection.episode_start, stamp, run_id))
        fresh = cursor.rowcount > 0
        store.conn.executemany(
            "INSERT OR IGNORE INTO forecasts (series_id, origin, date, method, horizon, forecast, lower_80, upper_80, "
            "lower_95, upper_95, chosen, created_at, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(int(series_id), projection.origin, r.date, r.method, int(r.horizon), float(r.forecast),
              float(r.lower_80), float(r.upper_80), float(r.lower_95), float(r.upper_95),
              int(r.method == projection.method), stamp, run_id) for r in projection.frame.itertuples(index=False)])
        if not projection.skill.empty:
            store.conn.execute("DELETE FROM forecast_skill WHERE series_id = ?", (int(series_id),))
            columns = SKILL_COLUMNS + ["series_id", "origin", "updated_at", "run_id"]
            store.conn.executemany(
                f"INSERT INTO forecast_skill ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                [tuple(_plain(v) for v in row) + (int(series_id), projection.origin, stamp, run_id)
                 for row in projection.skill[SKILL_COLUMNS].itertuples(index=False)])
    return fresh


def forecasts(store: Store, indicator: str | None = None, all_methods: bool = False,
              latest: bool = False) -> pd.DataFrame:
    """Stored projections in the CSV contract's columns: the chosen method's (and with
    `all_methods` the seasonal naive baseline's too), every origin or only each series' latest."""
    clauses, params = [], []
    if indicator:
        clauses.append("s.indicator = ?")
        params.append(indicator)
    if not all_methods:
        clauses.append("f.chosen = 1")
    if latest:
        clauses.append("f.origin = (SELECT MAX(origin) FROM forecasts g WHERE g.series_id = f.series_id)")
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    return store.query_frame(
        f"""SELECT s.indicator, s.location, s.item, s.price_type, f.origin, f.date, f.method, f.forecast,
                   f.lower_80, f.upper_80, f.lower_95, f.upper_95, s.unit
            FROM forecasts f JOIN series s ON s.id = f.series_id {where}
            ORDER BY s.indicator, s.location, s.item, s.price_type, f.origin, f.method, f.date""", params)


def projections(store: Store) -> pd.DataFrame:
    """Every series' latest projection rows (all methods) with the chosen flag: what reports draw."""
    return store.query_frame(
        """SELECT f.series_id AS sid, f.origin, f.date, f.method, f.horizon, f.forecast, f.lower_80, f.upper_80,
                  f.lower_95, f.upper_95, f.chosen
           FROM forecasts f
           WHERE f.origin = (SELECT MAX(origin) FROM forecasts g WHERE g.series_id = f.series_id)
           ORDER BY f.series_id, f.method, f.date""")


def choices(store: Store) -> pd.DataFrame:
    """Each series' latest choice: method, status, reason and the episode assumed ongoing."""
    return store.query_frame(
        """SELECT c.series_id AS sid, s.indicator, s.location, s.item, s.price_type, c.origin, c.method, c.status,
                  c.reason, c.episode_start
           FROM forecast_choices c JOIN series s ON s.id = c.series_id
           WHERE c.origin = (SELECT MAX(origin) FROM forecast_choices d WHERE d.series_id = c.series_id)
           ORDER BY s.indicator, s.location, s.item, s.price_type""")


def series_skill(store: Store) -> pd.DataFrame:
    """Per-series skill rows with the series key and country."""
    frame = store.query_frame(
        f"""SELECT k.series_id AS sid, s.indicator, s.location, s.item, s.price_type, s.metadata, k.origin,
                   {', '.join('k.' + c for c in SKILL_COLUMNS)}
            FROM forecast_skill k JOIN series s ON s.id = k.series_id
            ORDER BY s.indicator, s.location, s.item, s.price_type, k.method, k.horizon""")
    frame["country"] = [country_of(m, loc) for m, loc in zip(frame["metadata"], frame["location"])]
    return frame.drop(columns=["metadata"])


def pooled_skill(store: Store, indicator: str | None = None) -> pd.DataFrame:
    """Skill pooled per indicator, country, method and horizon (`forecasts --skill`)."""
    rows = series_skill(store)
    if indicator:
        rows = rows[rows["indicator"] == indicator]
    table = pooled(rows, ["indicator", "country", "method", "horizon"])
    return table.reindex(columns=SKILL_TABLE_COLUMNS)


def country_of(metadata: str, location: str) -> str:
    """The series' country: its metadata's `country` (WFP files give it), else a trailing
    '(ISO3)' in the location name, else ''."""
    try:
        fields = json.loads(metadata or "{}")
    except (TypeError, ValueError):
        fields = {}
    if isinstance(fields, dict) and fields.get("country"):
        return str(fields["country"])
    location = str(location or "")
    if location.endswith(")") and "(" in location:
        return location.rsplit("(", 1)[1][:-1].strip()
    return ""


def _plain(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if np.isnan(value) else float(value)
    return value
