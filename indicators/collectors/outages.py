"""`collect outages`: power outage event logs, one row per outage (CSV, XLSX or JSON).

Columns (matched by name, case- and accent-insensitively, French labels accepted, see
`COLUMNS`): `area`, `start`, and `end` or `duration_hours`; optional `feeder`, `cause`,
`admin1`, `source`. The result is a daily `power_outage` series per area, in hours per day:
- overlapping or duplicated events count once (the union of the outage intervals);
- an event crossing midnight is split between the days it covers;
- every day between an area's first and last outage day without any outage is 0, across a gap
  of at most `limits.max_zero_fill_days` (62): a longer gap is a hole in the log, left empty;
- an event longer than `limits.max_event_days` (31 days) is a reject (an end typed 2205).
Times are read as written (local clock time) unless they carry a zone offset, which is
converted to UTC. An observation's provenance is the file and the line of the first event
touching that day; a zero-filled day carries the line of the last event before it (the log
goes on past that event, so the gap is a day without outage).
"""
from __future__ import annotations

import bisect
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from .base import Collector, Parsed
from .tables import RowChecks, read_matched, timestamps

COLUMNS = {
    "area": ("zone", "quartier", "commune", "secteur", "localite", "location"),
    "start": ("debut", "start_time", "heure_debut", "date_debut", "begin", "started_at", "coupure_debut"),
    "end": ("fin", "end_time", "heure_fin", "date_fin", "ended_at", "retablissement", "coupure_fin"),
    "duration_hours": ("duree_heures", "duree_h", "duree", "duration", "duration_h"),
    "feeder": ("depart", "ligne", "feeder_name"),
    "cause": ("raison", "motif", "cause_coupure"),
    "admin1": ("region",),
    "source": ("source_des_donnees",),
}
REQUIRED = ["area", "start", ("end", "duration_hours")]
DEFAULT_SOURCE = "power outage log"
METHOD = ("daily hours without power: union of the outage intervals per area (overlaps count once), split at "
          "midnight; days between the first and last outage with no event are 0; source_line is the first "
          "event touching the day (for a zero-filled day, the last event before it)")
DAY = pd.Timedelta(days=1)


class OutagesCollector(Collector):
    name = "outages"
    description = ("Power outage event log (CSV, XLSX or JSON, one row per outage: area, start, end or "
                   "duration_hours): daily hours without power per area")

    def read(self, path: Path) -> Parsed:
        table = read_matched(path, COLUMNS, REQUIRED, self.limits)
        events, rejects, skipped = _events(table, self.limits.max_event_days)
        gap = pd.Timedelta(days=self.limits.max_zero_fill_days)
        frame = pd.DataFrame([row for area, group in events.groupby("area", sort=True)
                              for row in _daily_hours(area, group, path, gap)])
        return Parsed(rows=frame, rows_read=table.rows_read, rejects=table.rejects + rejects, skipped=skipped)


def _events(table: Parsed, max_days: float) -> tuple[pd.DataFrame, list[dict], Counter]:
    """Outages as (area, start, end, ...), checked on whole columns in the order a row is read
    (area, start, then end or duration); a row's reject names the first check it fails."""
    check = RowChecks(table.rows)
    check.fail(check.text("area") == "", "area", "missing area")
    start_text, end_text = check.text("start"), check.text("end")
    start = check.rows("start", timestamps)
    check.fail(np.equal(start, None), "start", lambda at: [
        f"unreadable start time {start_text[i]!r} (expected ISO 8601 or DD/MM/YYYY HH:MM)" for i in at])
    has_end = end_text != ""
    end = check.rows("end", timestamps)
    check.fail(has_end & np.equal(end, None), "end", lambda at: [
        f"unreadable end time {end_text[i]!r} (expected ISO 8601 or DD/MM/YYYY HH:MM)" for i in at])
    starts, ends = pd.DatetimeIndex(start.tolist()), pd.DatetimeIndex(np.where(has_end, end, None).tolist())
    check.fail(has_end & (ends < starts), "end", lambda at: [
        f"the outage ends ({end_text[i]}) before it starts ({start_text[i]})" for i in at])
    lasting = (ends - starts) / DAY
    check.fail(has_end & (lasting > max_days), "end", lambda at: [
        f"the outage lasts {lasting[i]:,.1f} days ({start_text[i]} to {end_text[i]}), over the limit of {max_days:g} "
        "days (limits.max_event_days): a typed year?" for i in at])
    hours = check.number("duration_hours", only=~has_end)
    check.fail(~has_end & np.isnan(hours), "end", "missing end time and duration_hours")
    check.fail(~has_end & (np.nan_to_num(hours) > 24), "duration_hours", lambda at: [
        f"duration {hours[i]:g} h is over 24 hours without an end time (give the end time for outages longer "
        "than a day)" for i in at])
    good = np.flatnonzero(check.ok)
    events = pd.DataFrame({
        "area": check.text("area")[good], "start": start[good].tolist(),
        "end": [end[i] if has_end[i] else start[i] + pd.Timedelta(hours=hours[i]) for i in good],
        "line": table.rows["source_line"].to_numpy()[good], "feeder": check.text("feeder")[good],
        "admin1": check.text("admin1")[good], "source": check.text("source")[good]},
        columns=["area", "start", "end", "line", "feeder", "admin1", "source"])
    skipped = Counter()
    repeated = events.duplicated(["area", "start", "end"], keep="first")
    if repeated.any():
        skipped["duplicate events"] = int(repeated.sum())  # they would count once anyway
    return events[~repeated], check.rejects(), skipped


def _daily_hours(area: str, events: pd.DataFrame, path: Path, max_gap: pd.Timedelta) -> list[dict]:
    """Rows of the generic long format: hours without power per day for one area."""
    hours: Counter = Counter()
    for start, end in _union(zip(events["start"], events["end"])):
        for day, piece_start, piece_end in _split_days(start, end):
            hours[day] += (piece_end - piece_start) / pd.Timedelta(hours=1)
    first_line: dict = {}
    count: Counter = Counter()
    for start, end, line in zip(events["start"], events["end"], events["line"]):
        for day, _, _ in _split_days(start, end):
            first_line[day] = min(first_line.get(day, line), line)
            count[day] += 1
    first_day = min(events["start"]).normalize()
    last_day = max(_last_day(e) for e in events["end"])
    head = events.sort_values("line").iloc[0]
    feeders = sorted({f for f in events["feeder"] if f})
    metadata = {"method": METHOD, "collector": "outages"} | ({"feeders": feeders} if feeders else {})
    rows, previous_line, previous_outage, outage_days = [], None, None, sorted(first_line)
    for day in pd.date_range(first_day, max(first_day, last_day), freq="D"):
        key = day.strftime("%Y-%m-%d")
        if key in first_line:
            previous_outage = day
        elif _next_outage(day, outage_days) - previous_outage > max_gap:
            continue  # a hole in the log, not days without outage
        previous_line = first_line.get(key, previous_line)
        rows.append({
            "indicator": "power_outage", "location": area, "item": "", "price_type": "", "date": key,
            "value": round(hours.get(key, 0.0), 6), "unit": "hours/day", "admin1": head["admin1"],
            "source": head["source"] or f"{DEFAULT_SOURCE} ({path.name})", "metadata": metadata,
            "source_line": previous_line,
            "raw": (f"{count[key]} outage event(s) from line {first_line[key]}" if key in first_line
                    else f"no outage: zero-filled after the event on line {previous_line}"),
        })
    return rows


def _next_outage(day: pd.Timestamp, outage_days: list[str]) -> pd.Timestamp:
    """The first day after `day` in the sorted `outage_days` ('YYYY-MM-DD')."""
    later = bisect.bisect_right(outage_days, day.strftime("%Y-%m-%d"))
    return pd.Timestamp(outage_days[later]) if later < len(outage_days) else day


def _union(intervals):
    """Merge overlapping or touching (start, end) intervals."""
    merged: list[list] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def _split_days(start: pd.Timestamp, end: pd.Timestamp):
    """(day 'YYYY-MM-DD', piece start, piece end) for each calendar day the interval covers."""
    day = start.normalize()
    if end <= start:
        yield day.strftime("%Y-%m-%d"), start, start
        return
    while day < end:
        piece_start, piece_end = max(start, day), min(end, day + DAY)
        if piece_end > piece_start:
            yield day.strftime("%Y-%m-%d"), piece_start, piece_end
        day += DAY


def _last_day(end: pd.Timestamp) -> pd.Timestamp:
    """The last day an outage covers: one ending at midnight sharp covers nothing of the next day."""
    day = end.normalize()
    return day - DAY if end == day else day
