"""Severity phases (WFP ALPS vocabulary) and how scores map onto them."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..store import SEVERITIES, SEVERITY_RANK


def phase(scores, thresholds: dict[str, float]) -> np.ndarray:
    """Map oriented scores to normal / stress / alert / crisis with `thresholds`
    ({"stress": a, "alert": b, "crisis": c}, lower bounds, inclusive)."""
    scores = np.asarray(scores, dtype="float64")
    out = np.full(scores.shape, "normal", dtype=object)
    for name in ("stress", "alert", "crisis"):
        out[np.nan_to_num(scores, nan=-np.inf) >= thresholds[name]] = name
    return out


def rank(severity) -> int | pd.Series:
    if isinstance(severity, pd.Series):
        return severity.map(SEVERITY_RANK).fillna(0).astype(int)
    return SEVERITY_RANK.get(severity, 0)


def at_least(severity: str) -> list[str]:
    """Severities at or above `severity`."""
    return SEVERITIES[SEVERITY_RANK[severity]:]
