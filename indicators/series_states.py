"""Per-series state counts (the `series_states` table), so that a detection run's alarm pass costs
what changed, not the whole store (incremental daily runs).

A row holds one series' share of `episodes.state_counts`: whether it has consolidated rows,
its flagged dates by severity, the severity of its latest date, its episodes (ongoing ones too)
and its alarms by severity. `Store.replace_anomalies`, the one writer of detector rows (for
observed and derived series alike), drops the series' row in the same transaction, so the
series without a row are exactly those whose consolidated view may have changed since the last
alarm pass (a run killed before its pass leaves them so): that pass consolidates only them,
records their new alarms and writes their rows back, in the transaction that commits the run. The store-wide counts are
the sum of the rows, equal to `state_counts` of the whole consolidated view.

A detection run does not read its own rows back for that pass: where a chunk of series is scored
(this process, a local worker or a Dask worker), `from_scores` consolidates the chunk's fresh
detector output and finds its episodes and alarms, as the pass would from the stored rows; the
coordinator keeps them (`Fresh`) for the series whose stored rows are exactly those outputs, and
the pass writes them with the rest. A run killed before its pass leaves its series stale, so the
next pass reads them from the store.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

FLAGGED = ("stress", "alert", "crisis")
ALARMED = ("alert", "crisis")
COLUMNS = (["series_id", "scored"] + [f"flagged_{s}" for s in FLAGGED] + ["current", "episodes", "ongoing_episodes"]
           + [f"alarms_{s}" for s in ALARMED])


class Fresh:
    """`from_scores` findings a detection run keeps for its alarm pass (`alerts.record_alarms`):
    state rows and alarms of the series it scored whose stored rows are its own outputs."""

    def __init__(self):
        self._states, self._alarms = [], []

    def add(self, found: tuple[pd.DataFrame, pd.DataFrame], exclude: set[int] = frozenset()) -> None:
        """Keep a chunk's `from_scores` findings, but for the series in `exclude` (left to the pass)."""
        states, alarms = found
        if exclude:
            states = states[~states["series_id"].isin(exclude)]
            alarms = alarms[~alarms["series_id"].isin(exclude)] if not alarms.empty else alarms
        self._states.append(states)
        if not alarms.empty:
            self._alarms.append(alarms)

    def states(self) -> pd.DataFrame:
        return pd.concat(self._states, ignore_index=True) if self._states else pd.DataFrame(columns=COLUMNS)

    def alarms(self) -> list[pd.DataFrame]:
        return self._alarms


def from_scores(tasks: list[tuple], results: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(`per_series` rows, alarms) of a chunk of freshly scored series: the (values, info,
    detectors) tasks and each one's {detector: DetectionResult}, consolidated as the stored rows
    would be (the rows in `Store.anomalies`' columns and order, but for `currency` and the run
    ids, which the pass adds)."""
    from .detect.base import OUTPUT_COLUMNS
    from .detect.consolidate import consolidate, uncounted_detectors
    from .episodes import episodes_and_alarms

    uncounted, ids = uncounted_detectors(), [int(info.series_id) for _, info, _ in tasks]
    parts: dict[str, list] = {name: [] for name in ("indicator", "location", "item", "price_type", *OUTPUT_COLUMNS,
                                                    "detector", "series_id", "unit")}
    for (_, info, _), by_detector in zip(tasks, results):
        for name, result in by_detector.items():
            if name in uncounted or result.empty:
                continue
            columns = result.columns
            for column in OUTPUT_COLUMNS:
                parts[column].append(columns[column])
            size = len(columns["date"])
            for column, value in (("detector", name), ("series_id", int(info.series_id)),
                                  ("indicator", info.indicator), ("location", info.location), ("item", info.item),
                                  ("price_type", info.price_type), ("unit", info.unit)):
                parts[column].append(np.full(size, value, dtype=object if column != "series_id" else "int64"))
    if not parts["date"]:
        rows = pd.DataFrame()
        return per_series(ids, rows, episodes_and_alarms(rows)), pd.DataFrame()
    rows = pd.DataFrame({column: np.concatenate(values) for column, values in parts.items()})
    rows = consolidate(rows.sort_values(["series_id", "date", "detector"], kind="mergesort").reset_index(drop=True))
    found = episodes_and_alarms(rows)
    return per_series(ids, rows, found), found[1]


def stale_series(store, tidy: bool = True) -> list[int]:
    """Ids of the series whose row is missing (new, or their anomalies written since the last
    alarm pass), in id order; rows of series no longer in the store are dropped (`tidy`; a reader
    passes False and writes nothing)."""
    if tidy:
        store.conn.execute("DELETE FROM series_states WHERE series_id NOT IN (SELECT id FROM series)")
    return [row[0] for row in store.conn.execute(
        "SELECT id FROM series WHERE id NOT IN (SELECT series_id FROM series_states) ORDER BY id")]


def per_series(series_ids: list[int], rows: pd.DataFrame, found: tuple[pd.DataFrame, pd.DataFrame]) -> pd.DataFrame:
    """One `COLUMNS` row per id of `series_ids` from the consolidated `rows` of (some of) them and
    their `episodes_and_alarms`; a series without rows gets zeros."""
    frame = pd.DataFrame(0, index=pd.Index([int(i) for i in series_ids], name="series_id"), columns=COLUMNS[1:])
    frame["current"] = ""
    if not rows.empty:
        frame.loc[rows["series_id"].unique(), "scored"] = 1
        _add_counts(frame, rows[rows["severity"].isin(FLAGGED)], "flagged_")
        latest = rows.sort_values("date").groupby("series_id").tail(1)
        frame.loc[latest["series_id"], "current"] = latest["severity"].to_numpy()
    episodes, alarms = found
    for column, subset in (("episodes", episodes), ("ongoing_episodes", episodes[episodes["end"] == "ongoing"])):
        sizes = subset.groupby("series_id").size()
        frame.loc[sizes.index, column] = sizes.to_numpy()
    if not alarms.empty:
        _add_counts(frame, alarms[alarms["severity"].isin(ALARMED)], "alarms_")
    return frame.reset_index()[COLUMNS]


def _add_counts(frame: pd.DataFrame, rows: pd.DataFrame, prefix: str) -> None:
    """Set `frame`'s `prefix + severity` columns to the number of `rows` per series and severity."""
    if rows.empty:
        return
    table = rows.groupby(["series_id", "severity"]).size().unstack(fill_value=0)
    for severity in table.columns:
        frame.loc[table.index, prefix + severity] = table[severity].to_numpy()


def save(store, rows: pd.DataFrame) -> None:
    """Write `per_series` rows (replacing those of the same series)."""
    store.conn.executemany(
        f"INSERT OR REPLACE INTO series_states ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
        [tuple(int(v) if column != "current" else v for column, v in zip(COLUMNS, row))
         for row in rows.itertuples(index=False)])


def total_counts(store) -> dict:
    """`episodes.state_counts` of the whole store, as the sum of the rows (call after the alarm
    pass has brought every stale row up to date)."""
    sums = store.conn.execute(
        "SELECT " + ", ".join(f"COALESCE(SUM({c}), 0)" for c in COLUMNS[1:] if c != "current")
        + " FROM series_states").fetchone()
    total = dict(zip([c for c in COLUMNS[1:] if c != "current"], sums))
    current = dict(store.conn.execute("SELECT current, COUNT(*) FROM series_states GROUP BY current").fetchall())
    return {"series": int(total["scored"]),
            "flagged_dates": {s: int(total[f"flagged_{s}"]) for s in FLAGGED if total[f"flagged_{s}"]},
            "episodes": int(total["episodes"]), "ongoing_episodes": int(total["ongoing_episodes"]),
            "current": {s: int(current[s]) for s in FLAGGED if current.get(s)},
            "alarms": {s: int(total[f"alarms_{s}"]) for s in ALARMED if total[f"alarms_{s}"]}}
