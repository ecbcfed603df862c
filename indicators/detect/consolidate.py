"""The consolidated view: one severity per (series, date) from the detectors that count."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .severity import rank

CONSOLIDATION_RULE = (
    "max-severity: the consolidated severity of a series on a date is the highest severity given by the "
    "detectors that count: the severity state (against the pre-episode normal), harvest seasonality, ALPS as "
    "published month by month and the change from the recent price where the normal over years is stale (all "
    "past data only, every severity combining a score with the size of "
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
    first, missing_key = _group_starts(frame[KEY])
    group = np.cumsum(first) - 1
    flagging = (frame["_rank"].to_numpy() > 0) & ~missing_key  # (groupby leaves out keys with a NaN)
    best = frame[first].drop(columns=["_rank", "_score"])
    contributors = _joined(frame["detector"].to_numpy(dtype=object)[flagging], group[flagging], int(first.sum()))
    best["detector"] = np.where(pd.isna(contributors), best["detector"].to_numpy(dtype=object), contributors)
    return best[KEY + [c for c in best.columns if c not in KEY]].reset_index(drop=True)


def _group_starts(keys: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """For rows sorted by their keys: whether each row starts a new key (missing values equal to
    each other, as `drop_duplicates` has them), and whether any of its keys is missing."""
    first = np.zeros(len(keys), dtype=bool)
    first[:1] = True
    missing = np.zeros(len(keys), dtype=bool)
    for column in keys.columns:
        values = keys[column].to_numpy(dtype=object)
        absent = pd.isna(values)
        first[1:] |= (values[1:] != values[:-1]) & ~(absent[1:] & absent[:-1])
        missing |= absent
    return first, missing


def _joined(names: np.ndarray, group: np.ndarray, groups: int) -> np.ndarray:
    """'+'.join of `names` per group (`group` ascending, one id per name), None for groups with
    none: one pass per position within a group, so as many passes as detectors count."""
    out = np.full(groups, None, dtype=object)
    if not len(names):
        return out
    starts = np.r_[0, np.flatnonzero(group[1:] != group[:-1]) + 1]
    position = np.arange(len(group)) - np.repeat(starts, np.diff(np.r_[starts, len(group)]))
    for place in range(int(position.max()) + 1):
        at = position == place
        out[group[at]] = names[at] if place == 0 else out[group[at]] + "+" + names[at]
    return out
