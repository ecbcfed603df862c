"""Vintages, as ALFRED keeps them: what the store held at a past moment.

Every value ever stored is either current (`observations`, written at `collected_at`) or
superseded (`revisions`, held from its `collected_at` until `superseded_at`). The value of a
(series, date) at moment T is therefore the current one if it was written at or before T, else
the revision that was held at T; a (series, date) first collected after T did not exist yet.

Alerts as of T are the alarms (episode starts and escalations) the detection runs up to T had
raised (`run_alerts`, at the highest severity raised by then, with the value, band and
explanation as raised): the record of what was flagged, which later detection runs do not
rewrite.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from .errors import ConfigError
from .store import SEVERITY_RANK, Store

AS_OF_FORMS = "YYYY-MM-DD (the end of that day, UTC) or YYYY-MM-DDTHH:MM[:SS][+HH:MM] (UTC when no zone)"


def parse_as_of(text: str | None) -> str | None:
    """`--as-of` as a stored time stamp ('2025-11-15T23:59:59+00:00'); `ConfigError` otherwise."""
    if text is None:
        return None
    text = text.strip()
    try:
        if len(text) == 10:
            moment = dt.datetime.combine(dt.date.fromisoformat(text), dt.time(23, 59, 59))
        else:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"--as-of {text!r} is not a date-time; accepted: {AS_OF_FORMS}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


def observations_as_of(store: Store, as_of: str, indicator: str | None = None) -> pd.DataFrame:
    """The observations the store held at `as_of`, in the columns of `Store.observations()`."""
    where, params = ("AND s.indicator = ?", [indicator]) if indicator else ("", [])
    columns = """s.indicator, s.location, s.item, s.price_type, v.date, v.value, s.unit, s.currency,
                 s.source, s.admin1, s.admin2, s.pcode, s.latitude, s.longitude,
                 v.source_file, v.source_line, v.collected_at, v.series_id"""
    return store.query_frame(
        f"""SELECT {columns} FROM (
                SELECT series_id, date, value, source_file, source_line, collected_at FROM observations
                WHERE collected_at <= ?
                UNION ALL
                SELECT series_id, date, value, source_file, source_line, collected_at FROM revisions
                WHERE collected_at <= ? AND superseded_at > ?
            ) v JOIN series s ON s.id = v.series_id WHERE 1 = 1 {where}
            ORDER BY s.indicator, s.location, s.item, s.price_type, v.date""",
        [as_of, as_of, as_of] + params)


def anomalies_as_of(store: Store, as_of: str, detector: str | None = None) -> pd.DataFrame:
    """The alerts raised by the detection runs up to `as_of`, in the columns of
    `Store.anomalies()`: per (series, date) the highest severity raised by then (the latest
    raise of it). `detector` keeps the alerts that detector took part in."""
    frame = store.query_frame(
        """SELECT s.indicator, s.location, s.item, s.price_type, r.date, r.value, r.expected, r.lower, r.upper,
                  r.score, r.severity, r.detector, r.explanation, r.series_id, s.unit, r.run_id AS first_run_id,
                  r.run_id, r.raised_at
           FROM run_alerts r JOIN series s ON s.id = r.series_id WHERE r.raised_at <= ?
           ORDER BY r.series_id, r.date, r.run_id""", [as_of])
    if detector:
        frame = frame[frame["detector"].str.split("+").map(lambda names: detector in names)]
    if frame.empty:
        return frame.drop(columns="raised_at")
    frame = frame.assign(_rank=frame["severity"].map(SEVERITY_RANK))
    frame = frame.sort_values(["series_id", "date", "_rank", "run_id"], kind="stable")
    latest = frame.drop_duplicates(["series_id", "date"], keep="last")
    return latest.drop(columns=["_rank", "raised_at"]).reset_index(drop=True)


def revisions(store: Store, indicator: str | None = None) -> pd.DataFrame:
    """Superseded values with their series key: the old value, the one that replaced it, and
    when and from which file each came."""
    where, params = ("WHERE s.indicator = ?", [indicator]) if indicator else ("", [])
    return store.query_frame(
        f"""SELECT s.indicator, s.location, s.item, s.price_type, r.date, r.value, r.new_value, s.unit,
                   r.source_file, r.source_line, r.collected_at, r.superseded_at,
                   r.new_source_file, r.new_source_line
            FROM revisions r JOIN series s ON s.id = r.series_id {where}
            ORDER BY s.indicator, s.location, s.item, s.price_type, r.date, r.id""", params)
