"""Alerts: the rows users read, from the anomalies table (consolidated or one detector's)."""
from __future__ import annotations

import pandas as pd

from .detect.consolidate import consolidate
from .store import SEVERITY_RANK, Store

ALERT_COLUMNS = ["indicator", "location", "item", "price_type", "date", "value", "expected", "lower", "upper",
                 "score", "severity", "detector", "explanation"]


def alerts(store: Store, include_normal: bool = False, detector: str | None = None,
           since: str | None = None, min_severity: str | None = None) -> pd.DataFrame:
    """One row per flagged (series, date) in the columns of DESIGN.md, most severe first within
    each series' dates. `detector` shows that detector's own rows instead of the consolidated view."""
    rows = store.anomalies(detector)
    if rows.empty:
        return pd.DataFrame(columns=ALERT_COLUMNS)
    if detector is None:
        rows = consolidate(rows)
    if not include_normal:
        rows = rows[rows["severity"] != "normal"]
    if min_severity:
        rows = rows[rows["severity"].map(SEVERITY_RANK) >= SEVERITY_RANK[min_severity]]
    if since:
        rows = rows[rows["date"] >= since]
    for column in ("value", "expected", "lower", "upper", "score"):
        rows[column] = pd.to_numeric(rows[column]).round(4)
    return rows[ALERT_COLUMNS].reset_index(drop=True)


def current_alerts(store: Store) -> pd.DataFrame:
    """Each series' latest scored date when it is flagged, ranked by severity then score."""
    rows = alerts(store, include_normal=True)
    if rows.empty:
        return rows
    latest = rows.sort_values("date").groupby(["indicator", "location", "item", "price_type"]).tail(1)
    latest = latest[latest["severity"] != "normal"]
    order = latest["severity"].map(SEVERITY_RANK)
    return latest.assign(_order=order).sort_values(["_order", "score"], ascending=False).drop(columns="_order") \
        .reset_index(drop=True)
