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
    text = [str(date) for date in dates]  # plain strings: a pandas Series per series costs more than the rest
    longest = max(map(len, text)) if text else 10
    kind = "monthly" if longest <= 7 else "daily" if longest <= 10 else "hourly"
    if kind != "hourly":
        try:  # numpy parses stored ISO dates itself, at a fraction of pandas' cost per series
            numbers = np.array(text, dtype="datetime64[M]" if kind == "monthly" else "datetime64[D]")
            return numbers.astype("int64") + (1970 * 12 if kind == "monthly" else 0), kind, 1
        except ValueError:
            pass
    stamps = pd.to_datetime(pd.Series(text, dtype="object"), format="ISO8601", utc=kind == "hourly")
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
    ranks = np.array([SEVERITY_RANK.get(severity, 0) for severity in severities], dtype=int)
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
    found, alarm_rows, alarm_kinds = [], [], []
    if not rows.empty:
        # one sort and plain columns, then each series' slice of them (no frame per series)
        rows = rows.sort_values(["series_id", "date"]).reset_index(drop=True)
        ids = rows["series_id"].to_numpy()
        starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
        column = {name: rows[name].tolist() for name in ("indicator", "location", "item", "price_type", "date",
                                                         "severity", "explanation", "series_id")}
        column["unit"] = rows["unit"].tolist() if "unit" in rows else [""] * len(rows)
        dates, severities = rows["date"].to_numpy(dtype=object), rows["severity"].to_numpy(dtype=object)
        for a, b in zip(starts.tolist(), np.r_[starts[1:], len(rows)].tolist()):
            for episode in series_episodes(dates[a:b], severities[a:b]):
                first, peak, latest, last = (a + episode[k] for k in ("first", "peak", "latest", "last"))
                found.append({
                    "indicator": column["indicator"][first], "location": column["location"][first],
                    "item": column["item"][first], "price_type": column["price_type"][first],
                    "start": column["date"][first], "peak_date": column["date"][peak],
                    "peak_severity": column["severity"][peak], "latest_date": column["date"][latest],
                    "latest_severity": column["severity"][latest],
                    "end": "ongoing" if episode["ongoing"] else column["date"][last],
                    "duration": episode["duration"], "unit": column["unit"][first],
                    "explanation": column["explanation"][peak], "series_id": int(column["series_id"][first])})
                positions, kinds = zip(*episode["alarms"])
                alarm_rows += [a + position for position in positions]
                alarm_kinds += kinds
    episodes = pd.DataFrame(found, columns=EPISODE_COLUMNS + ["series_id"])
    alarms = (rows.iloc[alarm_rows].reset_index(drop=True).assign(alarm=alarm_kinds) if alarm_rows
              else rows.iloc[:0].assign(alarm=""))
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
