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
"""
from __future__ import annotations

import pandas as pd

FLAGGED = ("stress", "alert", "crisis")
ALARMED = ("alert", "crisis")
COLUMNS = (["series_id", "scored"] + [f"flagged_{s}" for s in FLAGGED] + ["current", "episodes", "ongoing_episodes"]
           + [f"alarms_{s}" for s in ALARMED])


def stale_series(store) -> list[int]:
    """Ids of the series whose row is missing (new, or their anomalies written since the last
    alarm pass), in id order; rows of series no longer in the store are dropped."""
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
        flagged = rows[rows["severity"].isin(FLAGGED)].groupby(["series_id", "severity"]).size()
        for (series_id, severity), number in flagged.items():
            frame.loc[series_id, f"flagged_{severity}"] = int(number)
        latest = rows.sort_values("date").groupby("series_id").tail(1)
        frame.loc[latest["series_id"], "current"] = latest["severity"].to_numpy()
    episodes, alarms = found
    for column, subset in (("episodes", episodes), ("ongoing_episodes", episodes[episodes["end"] == "ongoing"])):
        sizes = subset.groupby("series_id").size()
        frame.loc[sizes.index, column] = sizes.to_numpy()
    if not alarms.empty:
        for (series_id, severity), number in alarms.groupby(["series_id", "severity"]).size().items():
            if severity in ALARMED:
                frame.loc[series_id, f"alarms_{severity}"] = int(number)
    return frame.reset_index()[COLUMNS]


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
