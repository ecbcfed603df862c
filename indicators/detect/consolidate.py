"""The consolidated view: one severity per (series, date) from all detectors."""
from __future__ import annotations

import pandas as pd

from .severity import rank

CONSOLIDATION_RULE = (
    "max-severity: the consolidated severity of a series on a date is the highest severity any detector "
    "gives it; expected value, band, score and explanation come from that detector (ties: the largest "
    "score); every detector at that severity is listed."
)
KEY = ["indicator", "location", "item", "price_type", "date"]


def consolidate(anomalies: pd.DataFrame) -> pd.DataFrame:
    """Reduce per-detector rows to one row per (series, date) by the max-severity rule."""
    if anomalies.empty:
        return anomalies.assign(detectors="")
    frame = anomalies.assign(_rank=rank(anomalies["severity"]), _score=anomalies["score"].fillna(float("-inf")))
    frame = frame.sort_values(KEY + ["_rank", "_score"], ascending=[True] * len(KEY) + [False, False])
    top = frame.groupby(KEY, sort=False)["_rank"].transform("max")
    contributors = (frame[frame["_rank"] == top].groupby(KEY, sort=False)["detector"]
                    .agg(lambda names: "+".join(sorted(set(names)))))
    best = frame.drop_duplicates(KEY, keep="first").set_index(KEY)
    best["detector"] = contributors
    return best.reset_index().drop(columns=["_rank", "_score"]).sort_values(KEY).reset_index(drop=True)
