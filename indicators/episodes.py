"""Episodes and alarms, from the consolidated severities (docs/detection.md, "State and alarms").

Severity is a state: every scored (series, date) has one. An *episode* is a run of one series'
dates at alert or worse, allowing up to `GAP_TOLERANCE` periods below alert inside it. An
*alarm* is an event: the start of an episode, or its escalation to a severity higher than any
earlier in the episode. `alerts --new`, `run --fail-on` and every "new alerts" count are alarms
that no earlier run raised, never each day of an ongoing episode.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .store import SEVERITY_RANK

GAP_TOLERANCE = {"monthly": 1, "daily": 3, "hourly": 3}
EPISODE_COLUMNS = ["indicator", "location", "item", "price_type", "start", "peak_date", "peak_severity",
                   "latest_date", "latest_severity", "end", "duration", "unit", "explanation"]
ALERT_RANK = SEVERITY_RANK["alert"]


def date_periods(dates) -> tuple[np.ndarray, str]:
    """Stored date strings of one series -> period numbers (months, days, or sampling intervals
    since 1970 for date-times: the series' most common gap, an hour or less) and the kind of date
    ("monthly", "daily" or "hourly", which stands for every sub-daily interval), and how many
    periods make an hour (1 but for sub-hourly intervals: the gap tolerance is a span of time)."""
    text = pd.Series(dates, dtype="object").astype(str)
    longest = int(text.str.len().max()) if len(text) else 10
    kind = "monthly" if longest <= 7 else "daily" if longest <= 10 else "hourly"
    stamps = pd.to_datetime(text, format="ISO8601", utc=kind == "hourly")
    if kind == "monthly":
        return (stamps.dt.year * 12 + stamps.dt.month - 1).to_numpy(), kind, 1
    epoch = pd.Timestamp("1970-01-01", tz="UTC" if kind == "hourly" else None)
    if kind == "daily":
        return ((stamps - epoch) // pd.Timedelta(days=1)).to_numpy(), kind, 1
    minutes = ((stamps - epoch) // pd.Timedelta(minutes=1)).to_numpy()
    gaps = np.diff(minutes)
    gaps = gaps[gaps > 0]
    step = int(min(np.bincount(gaps).argmax(), 60)) if len(gaps) else 60
    return minutes // step, kind, 60 // step


def series_episodes(dates, severities) -> list[dict]:
    """Episodes of one series from its dates (sorted) and consolidated severities: dicts of
    positions `first`, `peak`, `last`, `latest`, the `alarms` (positions and kind), `ongoing`
    and `duration` (periods from the start to the end, or to the latest date when ongoing)."""
    periods, kind, per_hour = date_periods(dates)
    ranks = pd.Series(severities).map(SEVERITY_RANK).fillna(0).to_numpy(dtype=int)
    tolerance = GAP_TOLERANCE[kind] * per_hour
    episodes: list[dict] = []
    for position in np.flatnonzero(ranks >= ALERT_RANK).tolist():
        current = episodes[-1] if episodes else None
        if current is None or periods[position] - periods[current["last"]] > tolerance + 1:
            episodes.append({"first": position, "peak": position, "last": position,
                             "alarms": [(position, "start")]})
            continue
        if ranks[position] > ranks[current["peak"]]:
            current["peak"] = position
            current["alarms"].append((position, "escalation"))
        current["last"] = position
    for episode in episodes:
        episode["ongoing"] = bool(periods[-1] - periods[episode["last"]] <= tolerance)
        episode["latest"] = len(periods) - 1 if episode["ongoing"] else episode["last"]
        episode["duration"] = int(periods[episode["latest"]] - periods[episode["first"]]) + 1
        episode["kind"] = kind
    return episodes


def episodes_and_alarms(rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(one row per episode in `EPISODE_COLUMNS` + series_id, the alarm rows: the consolidated
    rows of each start and escalation with an `alarm` column) from consolidated rows of every date
    (normal ones included, so that an episode's end is known)."""
    found, alarm_parts = [], []
    if not rows.empty:
        for _, series in rows.sort_values(["series_id", "date"]).groupby("series_id", sort=False):
            series = series.reset_index(drop=True)
            for episode in series_episodes(series["date"], series["severity"]):
                first, peak, latest = (series.iloc[episode[k]] for k in ("first", "peak", "latest"))
                found.append({
                    "indicator": first["indicator"], "location": first["location"], "item": first["item"],
                    "price_type": first["price_type"], "start": first["date"], "peak_date": peak["date"],
                    "peak_severity": peak["severity"], "latest_date": latest["date"],
                    "latest_severity": latest["severity"],
                    "end": "ongoing" if episode["ongoing"] else series.iloc[episode["last"]]["date"],
                    "duration": episode["duration"], "unit": first.get("unit", ""),
                    "explanation": peak["explanation"], "series_id": int(first["series_id"])})
                positions, kinds = zip(*episode["alarms"])
                alarm_parts.append(series.iloc[list(positions)].assign(alarm=list(kinds)))
    episodes = pd.DataFrame(found, columns=EPISODE_COLUMNS + ["series_id"])
    alarms = pd.concat(alarm_parts, ignore_index=True) if alarm_parts else rows.iloc[:0].assign(alarm="")
    return episodes, alarms


def add_counts(counts: dict, more: dict) -> dict:
    """Two `state_counts` of disjoint sets of series as one (the counts of their union)."""
    out = {}
    for key, value in counts.items():
        if isinstance(value, dict):
            out[key] = {s: value.get(s, 0) + more[key].get(s, 0) for s in SEVERITY_RANK
                        if s in value or s in more[key]}
        else:
            out[key] = value + more[key]
    return out


def state_counts(rows: pd.DataFrame, found: tuple[pd.DataFrame, pd.DataFrame] | None = None) -> dict:
    """The one set of counts every command prints (detect, run, report, alerts): scored series,
    flagged dates by severity, episodes (and how many are ongoing), current states by severity
    (each series' latest date) and alarms by severity. `found`: `episodes_and_alarms(rows)` when
    the caller has it already."""
    counts = {"series": 0, "flagged_dates": {}, "episodes": 0, "ongoing_episodes": 0, "current": {}, "alarms": {}}
    if rows.empty:
        return counts
    counts["series"] = int(rows["series_id"].nunique())
    flagged = rows[rows["severity"] != "normal"]["severity"].value_counts()
    counts["flagged_dates"] = {s: int(flagged[s]) for s in ("stress", "alert", "crisis") if s in flagged}
    latest = rows.sort_values("date").groupby("series_id").tail(1)["severity"].value_counts()
    counts["current"] = {s: int(latest[s]) for s in ("stress", "alert", "crisis") if s in latest}
    episodes, alarms = found if found is not None else episodes_and_alarms(rows)
    counts["episodes"] = len(episodes)
    counts["ongoing_episodes"] = int((episodes["end"] == "ongoing").sum())
    by_severity = alarms["severity"].value_counts()
    counts["alarms"] = {s: int(by_severity[s]) for s in ("alert", "crisis") if s in by_severity}
    return counts
