"""The consolidated view: one severity per (series, date) from the detectors that count."""
from __future__ import annotations

import pandas as pd

from .severity import rank

CONSOLIDATION_RULE = (
    "max-severity: the consolidated severity of a series on a date is the highest severity given by the "
    "detectors that count: the severity state (against the pre-episode normal), harvest seasonality, ALPS as "
    "published month by month and IPA (all past data only, every severity combining a score with the size of "
    "the deviation); expected value, band, score and explanation come from the top detector (ties: the "
    "largest score), so the badge and the words of a row always agree; the detector column lists every "
    "counted detector that flags the date (stress or worse), the top one first. The seasonal and regime "
    "detectors and the whole-series ALPS are shown under their own names only."
)
KEY = ["indicator", "location", "item", "price_type", "date"]
COUNTED_ROLES = ("alarm", "phase")


def uncounted_detectors() -> set[str]:
    """Names of the registered detectors shown under their own names only (signal and reference
    roles); every other detector's rows, a detector this version does not know included, count."""
    from . import DETECTORS

    return {name for name, cls in DETECTORS.items() if cls.role not in COUNTED_ROLES}


def consolidate(anomalies: pd.DataFrame) -> pd.DataFrame:
    """Reduce per-detector rows to one row per (series, date) by the max-severity rule."""
    if anomalies.empty:
        return anomalies.assign(detector="")
    anomalies = anomalies[~anomalies["detector"].isin(uncounted_detectors())]
    if anomalies.empty:
        return anomalies.assign(detector="")
    frame = anomalies.assign(_rank=rank(anomalies["severity"]), _score=anomalies["score"].fillna(float("-inf")))
    frame = frame.sort_values(KEY + ["_rank", "_score"], ascending=[True] * len(KEY) + [False] * 2)
    flagging = frame[frame["_rank"] > 0]
    contributors = flagging.groupby(KEY, sort=False)["detector"].agg("+".join)
    best = frame.drop_duplicates(KEY, keep="first").set_index(KEY)
    best["detector"] = contributors.reindex(best.index).fillna(best["detector"])
    return best.reset_index().drop(columns=["_rank", "_score"]).sort_values(KEY).reset_index(drop=True)
