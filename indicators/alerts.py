"""Alerts: the rows users read, from the anomalies table (consolidated or one detector's), and
the episodes and alarms built on them (`indicators.episodes`)."""
from __future__ import annotations

import json

import pandas as pd

from .detect.consolidate import consolidate, uncounted_detectors
from .episodes import EPISODE_COLUMNS, episodes_and_alarms, state_counts
from .filters import since_mask
from .store import SEVERITY_RANK, Store, now

DESIGN_COLUMNS = ["indicator", "location", "item", "price_type", "date", "value", "expected", "lower", "upper",
                  "score", "severity", "detector", "explanation"]
# unit and currency come last (DESIGN.md: scripts that read the first columns keep working)
ALERT_COLUMNS = DESIGN_COLUMNS + ["unit", "currency"]
CHUNK_SERIES = 200  # series consolidated at a time when a detection run records its alarms


def alerts(store: Store, include_normal: bool = False, detector: str | None = None,
           since: str | None = None, min_severity: str | None = None, as_of: str | None = None) -> pd.DataFrame:
    """One row per flagged (series, date) in the columns of DESIGN.md, most severe first within
    each series' dates. `detector` shows that detector's own rows instead of the consolidated view.
    `as_of` (a stored time stamp): the alarms raised by then (`vintages.anomalies_as_of`)."""
    if as_of is not None:
        from .vintages import anomalies_as_of
        rows = anomalies_as_of(store, as_of, detector)
    else:
        rows = store.anomalies(detector) if detector else consolidated(store)
    if rows.empty:
        return pd.DataFrame(columns=ALERT_COLUMNS)
    if detector is None:
        rows = with_events(store, rows)
    if not include_normal:
        rows = rows[rows["severity"] != "normal"]
    if min_severity:
        rows = rows[rows["severity"].map(SEVERITY_RANK) >= SEVERITY_RANK[min_severity]]
    if since:
        rows = rows[since_mask(rows["date"], since)]
    return _alert_columns(rows)


def with_events(store: Store, rows: pd.DataFrame) -> pd.DataFrame:
    """Fuel rows at alert or worse, with the events behind them added to their explanation ("2
    attacks on fuel convoys on the Senegal-Bamako corridor in the previous 14 days (Bellingcat)";
    `indicators.event_context`)."""
    from . import catalog
    from .event_context import EventContext

    fuel = rows["indicator"].map(lambda name: catalog.get(name).family == "fuel")
    wanted = fuel & (rows["severity"].map(SEVERITY_RANK) >= SEVERITY_RANK["alert"])
    if not wanted.any() or store.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'events'").fetchone() is None or store.conn.execute(
            "SELECT 1 FROM events LIMIT 1").fetchone() is None:
        return rows
    context = EventContext.load(store)
    sentences = [context.sentence(int(sid), date) for sid, date in zip(rows.loc[wanted, "series_id"],
                                                                       rows.loc[wanted, "date"])]
    rows = rows.copy()
    rows.loc[wanted, "explanation"] = [f"{text} {sentence.rstrip('.')}." if sentence else text
                                       for text, sentence in zip(rows.loc[wanted, "explanation"], sentences)]
    return rows


def current_alerts(store: Store, rows: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each series' latest scored date when it is flagged, ranked by severity then score. `rows`:
    `alerts(store, include_normal=True)` when the caller has it already."""
    rows = alerts(store, include_normal=True) if rows is None else rows
    if rows.empty:
        return rows
    latest = rows.sort_values("date").groupby(["indicator", "location", "item", "price_type"]).tail(1)
    latest = latest[latest["severity"] != "normal"]
    order = latest["severity"].map(SEVERITY_RANK)
    return latest.assign(_order=order).sort_values(["_order", "score"], ascending=False).drop(columns="_order") \
        .reset_index(drop=True)


def consolidated(store: Store) -> pd.DataFrame:
    """Every scored (series, date) with its consolidated severity, normal rows included."""
    rows = store.anomalies()
    return consolidate(rows) if not rows.empty else rows


def episodes(store: Store, ongoing_only: bool = False) -> pd.DataFrame:
    """One row per episode (`EPISODE_COLUMNS`): start, peak date and severity, latest severity,
    end date or `ongoing`, duration in periods, and the explanation of the peak; worst first."""
    found, _ = episodes_and_alarms(consolidated(store))
    if ongoing_only:
        found = found[found["end"] == "ongoing"]
    order = found["peak_severity"].map(SEVERITY_RANK)
    return (found.assign(_order=order, _ongoing=found["end"] == "ongoing")
            .sort_values(["_ongoing", "_order", "start"], ascending=[False, False, True])
            .drop(columns=["_order", "_ongoing"]).reset_index(drop=True))


def summary(store: Store) -> dict:
    """`episodes.state_counts` of the store: the counts detect, run, report and alerts share."""
    return state_counts(consolidated(store))


def pending_alarms(store: Store, before_run: int | None = None, alarms: pd.DataFrame | None = None) -> pd.DataFrame:
    """The alarms (episode starts and escalations, see `indicators.episodes`) that no run before
    `before_run` (default: no run at all) recorded at this severity or worse, with `series_id`.
    `alarms`: the store's alarms when the caller has them already."""
    if alarms is None:
        _, alarms = episodes_and_alarms(consolidated(store))
    if alarms.empty:
        return alarms
    # only these series' earlier alarms are read: an incremental run's pass costs what changed
    sql = "SELECT series_id, date, severity FROM run_alerts WHERE series_id IN (SELECT value FROM json_each(?))"
    params = [json.dumps(sorted({int(i) for i in alarms["series_id"]}))]
    if before_run is not None:
        sql, params = sql + " AND run_id < ?", params + [before_run]
    seen = store.query_frame(sql, params)
    seen_rank = (seen.assign(rank=seen["severity"].map(SEVERITY_RANK)).groupby(["series_id", "date"])["rank"].max()
                 if not seen.empty else pd.Series(dtype="int64"))
    before = pd.Series([seen_rank.get((int(s), d), -1) for s, d in zip(alarms["series_id"], alarms["date"])],
                       index=alarms.index)
    return alarms[alarms["severity"].map(SEVERITY_RANK) > before]


def consolidated_chunks(store: Store, chunk_size: int = CHUNK_SERIES, series_ids: list[int] | None = None,
                        with_ids: bool = False):
    """`consolidated(store)` (of the series in `series_ids` only, when given) in parts of at most
    `chunk_size` series (in series id order): the consolidation is per series, so the parts
    together are the whole view, and only one part is in memory at a time (a store of 100,000
    series holds some 100 million detector rows). `with_ids`: (the part's series ids, its rows),
    every part, empty ones included."""
    ids = ([row[0] for row in store.conn.execute("SELECT id FROM series ORDER BY id")] if series_ids is None
           else sorted(int(i) for i in series_ids))
    uncounted = tuple(sorted(uncounted_detectors()))  # rows the consolidation would drop are not read
    for start in range(0, len(ids), chunk_size):
        part = ids[start:start + chunk_size]
        rows = (store.anomalies(series_range=(part[0], part[-1]), without=uncounted) if series_ids is None
                else store.anomalies(series_ids=part, without=uncounted))
        rows = consolidate(rows) if not rows.empty else rows
        if with_ids:
            yield part, rows
        elif not rows.empty:
            yield rows


def record_alarms(store: Store, run_id: int, chunk_size: int = CHUNK_SERIES,
                  fresh=None) -> tuple[pd.DataFrame, dict]:
    """Record in `run_alerts` the alarms that no earlier run raised (`pending_alarms`), and return
    them with the store's `summary`. Only the series whose anomalies were written since the last
    pass are consolidated (a chunk of series at a time): the others' alarms were recorded then, and
    their counts kept in `series_states`, written here in the same transaction. `fresh` (a
    `series_states.Fresh` filled by this run's `run_detection`) holds the findings of the series
    the run scored, so only the other stale series are read back. Each day of an ongoing episode
    is a state, not an alarm, so a run on the next day's data raises nothing unless the episode
    worsens. Call once per detection run."""
    from . import series_states

    alarms = []
    with store.transaction():
        stale = series_states.stale_series(store)
        if fresh is not None:
            states = fresh.states()
            series_states.save(store, states)
            alarms += [_with_currency(store, found) for found in fresh.alarms()]
            done = set(states["series_id"].astype(int).tolist())
            stale = [series_id for series_id in stale if series_id not in done]
        for ids, rows in consolidated_chunks(store, chunk_size, stale, with_ids=True):
            found = episodes_and_alarms(rows)
            series_states.save(store, series_states.per_series(ids, rows, found))
            alarms += [found[1]] if not found[1].empty else []
        counts = series_states.total_counts(store)
        alarms = (pd.concat(alarms, ignore_index=True).sort_values("series_id", kind="mergesort")
                  .reset_index(drop=True) if alarms else pd.DataFrame())
        new = pending_alarms(store, before_run=run_id, alarms=alarms)
        if not new.empty:
            store.conn.executemany(
                """INSERT OR REPLACE INTO run_alerts (run_id, series_id, date, severity, detector, value, expected,
                                                      lower, upper, score, explanation, raised_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [(run_id, int(r.series_id), r.date, r.severity, r.detector, _number(r.value), _number(r.expected),
                  _number(r.lower), _number(r.upper), _number(r.score), r.explanation, now())
                 for r in new.itertuples(index=False)])
    new = _alert_columns(new) if not new.empty else pd.DataFrame(columns=ALERT_COLUMNS)
    return new, counts


def _with_currency(store: Store, alarms: pd.DataFrame) -> pd.DataFrame:
    """Alarm rows found from fresh scores, with their series' currency (as the stored rows have it)."""
    ids = json.dumps(sorted({int(i) for i in alarms["series_id"]}))
    currency = dict(store.conn.execute(
        "SELECT id, currency FROM series WHERE id IN (SELECT value FROM json_each(?))", [ids]).fetchall())
    return alarms.assign(currency=alarms["series_id"].map(currency))


def record_new_alerts(store: Store, run_id: int) -> pd.DataFrame:
    """`record_alarms` without the summary: the alarms this run raised."""
    return record_alarms(store, run_id)[0]


def alarms_since_last_run(store: Store, run_id: int | None = None) -> pd.DataFrame:
    """What a report calls "new since the last run": inside run `run_id` (which records its alarms
    after writing the report), the alarms no earlier run raised; otherwise those the latest run
    raised. Inside a run only the series whose alarm pass is due are read (`series_states`): every
    other series' alarms were recorded by the pass that wrote its state, so a daily run's report
    costs what changed."""
    if run_id is not None:
        from .series_states import stale_series

        found = [part for rows in consolidated_chunks(store, series_ids=stale_series(store, tidy=False))
                 if not (part := episodes_and_alarms(rows)[1]).empty]
        alarms = pd.concat(found, ignore_index=True) if found else pd.DataFrame()
        pending = pending_alarms(store, before_run=run_id, alarms=alarms)
        return _alert_columns(pending) if not pending.empty else pd.DataFrame(columns=ALERT_COLUMNS)
    return new_alerts(store)


def new_alerts(store: Store, run_id: int | None = None, min_severity: str | None = None) -> pd.DataFrame:
    """The alerts first raised by detection run `run_id` (default: the latest run that recorded
    its alerts), in the columns of `alerts()`, most severe first."""
    if run_id is None:
        run_id = latest_detection_run(store)
    if run_id is None:
        return pd.DataFrame(columns=ALERT_COLUMNS)
    rows = store.query_frame(
        """SELECT s.indicator, s.location, s.item, s.price_type, r.date, r.value, r.expected, r.lower, r.upper,
                  r.score, r.severity, r.detector, r.explanation, s.unit, s.currency
           FROM run_alerts r JOIN series s ON s.id = r.series_id WHERE r.run_id = ?""", [int(run_id)])
    if min_severity:
        rows = rows[rows["severity"].map(SEVERITY_RANK) >= SEVERITY_RANK[min_severity]]
    order = rows["severity"].map(SEVERITY_RANK)
    rows = rows.assign(_order=order).sort_values(["_order", "indicator", "location", "item", "date"],
                                                 ascending=[False, True, True, True, True])
    return _alert_columns(rows.drop(columns="_order"))


def latest_detection_run(store: Store) -> int | None:
    """The latest run that finished detection and recorded its new alerts."""
    row = store.conn.execute(
        "SELECT MAX(id) FROM runs WHERE json_extract(counts, '$.new_alerts') IS NOT NULL").fetchone()
    return row[0]


def _alert_columns(rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows.copy()
    for column in ("value", "expected", "lower", "upper", "score"):
        rows[column] = pd.to_numeric(rows[column]).round(4)
    for column in ("unit", "currency"):
        if column not in rows:
            rows[column] = ""
        rows[column] = rows[column].fillna("")
    return rows[ALERT_COLUMNS].reset_index(drop=True)


def _number(value):
    return None if value is None or pd.isna(value) else float(value)
