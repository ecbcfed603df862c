"""Which series are in an ongoing episode, and since when: the one place projections ask.

Until the episodes table exists this reads the consolidated detector view: a series whose latest
scored date is at alert or worse is in an episode that began at the first date of the unbroken
run of alert-or-worse dates leading up to it. Point this function at the episodes table and the
projections follow.
"""
from __future__ import annotations

from ..store import SEVERITY_RANK, Store

EPISODE_SEVERITY = "alert"


def ongoing_episodes(store: Store) -> dict[int, str]:
    """series id -> start date of its ongoing episode (alert or worse at its latest scored date)."""
    from ..detect.consolidate import consolidate

    rows = store.anomalies()
    if rows.empty:
        return {}
    rows = consolidate(rows).sort_values(["series_id", "date"])
    floor = SEVERITY_RANK[EPISODE_SEVERITY]
    starts = {}
    for series_id, group in rows.groupby("series_id", sort=False):
        bad = (group["severity"].map(SEVERITY_RANK).fillna(0) >= floor).to_numpy()
        if not bad[-1]:
            continue
        start = len(bad) - 1
        while start > 0 and bad[start - 1]:
            start -= 1
        starts[int(series_id)] = str(group["date"].iloc[start])
    return starts
