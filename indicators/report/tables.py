"""The tables behind the charts. Each is shown (or drawn) on a page and written beside it as CSV,
so anything a reader sees can be downloaded."""
from __future__ import annotations

import math

import pandas as pd

from ..detect import DETECTORS
from ..store import SEVERITIES, SEVERITY_RANK
from .data import UNSCORED, ReportData

SEASONAL_COLUMNS = ["month", "this_year", "last_year", "average", "minimum", "maximum"]
PRICE_PAIR = ("pump", "parallel")


def worst(severities) -> str:
    """The most severe of several severities (unscored when none was scored)."""
    ranked = [s for s in severities if s in SEVERITY_RANK]
    return max(ranked, key=SEVERITY_RANK.get) if ranked else UNSCORED


def monthly(observations: pd.DataFrame) -> pd.Series:
    """One series' values as monthly means indexed by month periods (any input frequency)."""
    stamps = pd.to_datetime(observations["date"], format="ISO8601")
    values = pd.Series(observations["value"].to_numpy(dtype="float64"), index=stamps.dt.to_period("M"))
    return values.groupby(level=0).mean()


def seasonal_profile(observations: pd.DataFrame, years: int = 5) -> tuple[pd.DataFrame, int, int]:
    """By month of the year: the latest year, the year before, and the mean, min and max of the
    `years` calendar years before the latest (WFP-style seasonal comparison).
    Returns (table, latest year, number of past years actually available)."""
    found = seasonal_profiles(observations.assign(sid=0), years)
    return found.get(0, (pd.DataFrame(columns=SEASONAL_COLUMNS), 0, 0))


def seasonal_profiles(observations: pd.DataFrame, years: int = 5) -> dict:
    """`seasonal_profile` of every series in `observations` (with `sid`) at once: {sid: (table,
    latest year, past years)}; one pass over the rows instead of a pivot per series."""
    if observations.empty:
        return {}
    stamps = pd.to_datetime(observations["date"], format="ISO8601")
    frame = pd.DataFrame({"sid": observations["sid"].to_numpy(), "year": stamps.dt.year.to_numpy(),
                          "month": stamps.dt.month.to_numpy(),
                          "value": observations["value"].to_numpy(dtype="float64")})
    means = frame.groupby(["sid", "year", "month"], sort=True)["value"].mean().reset_index()
    latest = means.groupby("sid")["year"].max()
    back = latest.reindex(means["sid"]).to_numpy() - means["year"].to_numpy()  # 0: latest year, 1: the year before
    grid = pd.MultiIndex.from_product([latest.index, range(1, 13)], names=["sid", "month"])

    def by_month(mask, how: str) -> pd.Series:
        return means[mask].groupby(["sid", "month"])["value"].agg(how).reindex(grid)
    past = (back >= 1) & (back <= years)
    wide = pd.DataFrame({"this_year": by_month(back == 0, "mean"), "last_year": by_month(back == 1, "mean"),
                         "average": by_month(past, "mean"), "minimum": by_month(past, "min"),
                         "maximum": by_month(past, "max")}).reset_index()
    past_years = means[past].groupby("sid")["year"].nunique()
    return {sid: (table.drop(columns="sid").reset_index(drop=True)[SEASONAL_COLUMNS], int(latest[sid]),
                  int(past_years.get(sid, 0)))
            for sid, table in wide.groupby("sid", sort=False)}


def fuel_premium(observations: pd.DataFrame) -> pd.DataFrame:
    """Parallel-market over pump price per (location, item, date), in percent."""
    prices = observations[(observations["indicator"] == "fuel_price")
                          & observations["price_type"].isin(PRICE_PAIR)]
    columns = ["location", "item", "date", "pump", "parallel", "premium_percent"]
    if prices.empty:
        return pd.DataFrame(columns=columns)
    wide = prices.pivot_table(index=["location", "item", "date"], columns="price_type", values="value")
    if not set(PRICE_PAIR) <= set(wide.columns):
        return pd.DataFrame(columns=columns)
    wide = wide.dropna(subset=list(PRICE_PAIR)).reset_index()
    wide = wide[wide["pump"] > 0]
    wide["premium_percent"] = ((wide["parallel"] / wide["pump"] - 1) * 100).round(1)
    return wide[columns].reset_index(drop=True)


def trailing_mean(frame: pd.DataFrame, days: int) -> pd.DataFrame:
    """Rows of (location, item, date, value) with each value replaced by the mean of the `days`
    days up to its date (fewer at the start and across gaps): many noisy daily lines on one panel
    stay legible. Any frequency: a weekly series keeps its own values with days=7."""
    columns = ["location", "item", "date", "value"]
    parts = []
    for _, group in frame.groupby(["location", "item"], sort=True):
        group = group.assign(_stamp=pd.to_datetime(group["date"], format="ISO8601")).sort_values("_stamp")
        values = pd.Series(group["value"].to_numpy(dtype="float64"), index=group["_stamp"].to_numpy())
        # 4 decimals: a mean like 0.9166666666666666 costs 18 bytes a point in the page's JSON
        parts.append(group[columns].assign(value=values.rolling(f"{days}D").mean().round(4).to_numpy()))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def daily_matrix(observations: pd.DataFrame, labels: dict[int, str]) -> pd.DataFrame:
    """Rows = series (by label), columns = days, values = that day's mean (hourly data averaged)."""
    if observations.empty:
        return pd.DataFrame()
    frame = observations.assign(day=observations["date"].str.slice(0, 10), row=observations["sid"].map(labels))
    return frame.pivot_table(index="row", columns="day", values="value", aggfunc="mean").sort_index()


def markets(data: ReportData) -> pd.DataFrame:
    """Each market (location with coordinates and food price series): its worst latest price phase.
    Fuel prices are left out: they have their own page, and a market phase means food prices."""
    prices = data.series[data.series["family"] == "grain"]
    prices = prices[prices["latitude"].notna() & prices["longitude"].notna()]
    rows = []
    for location, group in prices.groupby("location", sort=True):
        phase = worst(group["severity"])
        at_phase = group[group["severity"] == phase]
        rows.append({
            "location": location, "admin1": group["admin1"].iloc[0],
            "latitude": float(group["latitude"].iloc[0]), "longitude": float(group["longitude"].iloc[0]),
            "phase": phase, "series": len(group),
            "series_at_phase": "; ".join(at_phase["label"]) if phase != UNSCORED else "",
            "since": at_phase["since"].min() if phase not in (UNSCORED, "normal") else "",
        })
    frame = pd.DataFrame(rows, columns=["location", "admin1", "latitude", "longitude", "phase", "series",
                                        "series_at_phase", "since"])
    return frame.sort_values("phase", key=lambda p: -p.map(SEVERITY_RANK).fillna(-1), kind="stable") \
        .reset_index(drop=True)


def data_folder(paths) -> str:
    """The folder holding every source file (their common parent): provenance shows file paths
    relative to it, not this machine's absolute paths."""
    import os
    absolute = [p for p in {str(p) for p in paths if p} if os.path.isabs(p)]
    if not absolute:
        return ""
    common = os.path.commonpath(absolute)
    return common if common not in absolute else os.path.dirname(common)


def provenance(data: ReportData) -> pd.DataFrame:
    """Each series' source, files (relative to `data_folder`), licence and last collection time."""
    import os
    folder = data_folder(data.files["source_file"]) if not data.files.empty else ""

    def shown(name: str) -> str:
        return os.path.relpath(name, folder) if folder and os.path.isabs(name) else name
    files = data.files.groupby("sid")["source_file"].agg(
        lambda names: "; ".join(sorted({shown(n) for n in names})))
    frame = data.series.assign(files=data.series["sid"].map(files).fillna(""))
    return frame[["indicator", "location", "item", "price_type", "unit", "frequency", "source", "files", "licence",
                  "observations", "first_date", "last_date", "last_collected"]].reset_index(drop=True)


def thresholds_text(thresholds: dict) -> str:
    """{"stress": 0.5, "alert": 1, "crisis": inf} -> 'stress >= 0.5; alert >= 1; never crisis'."""
    parts = []
    for name, value in thresholds.items():
        if isinstance(value, (int, float)) and math.isinf(value):
            parts.append(f"never {name}")
        elif isinstance(value, (int, float)):
            parts.append(f"{name} >= {value:g}")
        else:
            parts.append(f"{name}: {value}")
    return "; ".join(parts)


def detectors(data: ReportData) -> pd.DataFrame:
    """Every detector in the registry or in the anomalies table, with thresholds and counts."""
    counted = data.detector_rows
    names = list(DETECTORS) + sorted(set(counted["detector"]) - set(DETECTORS))
    from ..derive import rules

    derived_rules = rules()  # the derive stage's own thresholds (FEWS NET, WFP Market Monitor)
    rows = []
    for name in names:
        detector = DETECTORS.get(name) or derived_rules.get(name)
        status = data.status[data.status["detector"] == name]["status"].value_counts()
        own = counted[counted["detector"] == name].groupby("severity")["rows"].sum()
        thresholds = dict(getattr(detector, "thresholds", {}) or {})
        row = {"detector": name,
               "title": getattr(detector, "title", "") or name,
               "method": getattr(detector, "method", "") or "Not in this version's detector registry.",
               "thresholds": thresholds_text(thresholds),
               "series_scored": int(status.get("scored", 0)),
               "series_not_scored": int(status.sum() - status.get("scored", 0))}
        row.update({f"dates_{s}": int(own.get(s, 0)) for s in SEVERITIES})
        rows.append(row)
    return pd.DataFrame(rows)
