"""The consolidated view: one severity per (series, date) from all detectors."""
from __future__ import annotations

import pandas as pd

from .severity import rank

CONSOLIDATION_RULE = (
    "capped max-severity: the consolidated severity of a series on a date is the highest severity given by "
    "the early-warning detectors (seasonal, regime, harvest: past data only), while the market-phase "
    "indicators ALPS and IPA count at most as stress (they classify price levels, and ALPS is refitted on "
    "the whole series); expected value, band, score and explanation come from the top detector (ties: the "
    "largest score); the detector column lists every detector that flags the date (stress or worse), the "
    "top one first."
)
KEY = ["indicator", "location", "item", "price_type", "date"]
PHASE_CAP = 1  # rank of "stress"


def _phase_detectors() -> set[str]:
    from . import DETECTORS

    return {name for name, cls in DETECTORS.items() if cls.role == "phase"}


def consolidate(anomalies: pd.DataFrame) -> pd.DataFrame:
    """Reduce per-detector rows to one row per (series, date) by the capped max-severity rule."""
    if anomalies.empty:
        return anomalies.assign(detector="")
    own_rank = rank(anomalies["severity"])
    capped = own_rank.where(~anomalies["detector"].isin(_phase_detectors()), own_rank.clip(upper=PHASE_CAP))
    frame = anomalies.assign(_rank=capped, _own=own_rank, _score=anomalies["score"].fillna(float("-inf")))
    frame = frame.sort_values(KEY + ["_rank", "_own", "_score"], ascending=[True] * len(KEY) + [False] * 3)
    flagging = frame[frame["_own"] > 0]
    contributors = flagging.groupby(KEY, sort=False)["detector"].agg("+".join)
    best = frame.drop_duplicates(KEY, keep="first").set_index(KEY)
    best["detector"] = contributors.reindex(best.index).fillna(best["detector"])
    best["severity"] = best["_rank"].map(dict(enumerate(["normal", "stress", "alert", "crisis"])))
    return best.reset_index().drop(columns=["_rank", "_own", "_score"]).sort_values(KEY).reset_index(drop=True)
