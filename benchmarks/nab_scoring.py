"""NAB's scoring rules, vectorised, for the benchmark's per-category figures.

The same rules as NAB's `nab/sweeper.py` (v1.1): the first 15% of each file (at most 750 rows) is
probationary and not scored; inside a labelled window a detection earns the scaled sigmoid of its
position (earliest about 1, the window's right edge 0; only the best detection of a window
counts), a window without a detection costs `fn`; a detection outside windows costs `fp` times
the scaled sigmoid of its distance past the last window (full cost before the first window and
from three window widths on). One threshold for the whole corpus, the one that gives the best
total (NAB's optimiser), per profile; normalised so that the null detector is 0 and a perfect one
100. The official figures still come from NAB's own scorer (`../shared/tools/nab-score`); this
module reproduces them (checked to 0.01) and splits them by category.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

PROFILES = {"standard": (1.0, 0.11, 1.0), "reward_low_FP_rate": (1.0, 0.22, 1.0),
            "reward_low_FN_rate": (1.0, 0.11, 2.0)}  # tp, fp, fn weights (NAB's config/profiles.json)
PROBATION, PROBATION_MOST = 0.15, 750


def scaled_sigmoid(position: np.ndarray) -> np.ndarray:
    value = 2.0 / (1.0 + np.exp(5.0 * position)) - 1.0
    return np.where(position > 3.0, -1.0, value)


MAX_TP = float(scaled_sigmoid(np.array(-1.0)))


@dataclass
class FileSweep:
    """One file's scorable rows: anomaly scores, window id (-1 outside), and the unweighted
    sigmoid reward (inside a window) or cost (outside)."""

    category: str
    scores: np.ndarray
    window: np.ndarray
    sigmoid: np.ndarray
    windows: int


def sweep(category: str, timestamps: pd.Series, scores: np.ndarray, windows: list) -> FileSweep:
    stamps = pd.to_datetime(timestamps).to_numpy()
    n = len(stamps)
    window = np.full(n, -1)
    sigmoid = np.full(n, -1.0)
    previous_right, previous_width = None, None
    edges = []
    for number, (start, end) in enumerate(windows):
        left = int(np.searchsorted(stamps, np.datetime64(pd.Timestamp(start))))
        right = int(np.searchsorted(stamps, np.datetime64(pd.Timestamp(end))))
        edges.append((left, right))
    cursor = 0
    for number, (left, right) in enumerate(edges):
        width = float(right - left + 1)
        if previous_right is not None:
            gap = np.arange(cursor, left)
            sigmoid[gap] = scaled_sigmoid(np.abs(previous_right - gap) / (previous_width - 1.0))
        inside = np.arange(left, right + 1)
        window[inside] = number
        sigmoid[inside] = scaled_sigmoid(-(right - inside + 1) / width) / MAX_TP
        previous_right, previous_width, cursor = right, width, right + 1
    if previous_right is not None:
        gap = np.arange(cursor, n)
        sigmoid[gap] = scaled_sigmoid(np.abs(previous_right - gap) / (previous_width - 1.0))
    keep = np.arange(n) >= min(math.floor(PROBATION * n), PROBATION * 5000)
    # a window that begins in the probationary rows is not scored (NAB names its rows "probationary")
    scored = {int(w) for w in np.unique(window[keep]) if w >= 0}
    return FileSweep(category, np.asarray(scores, dtype="float64")[keep], window[keep], sigmoid[keep], len(scored))


def file_score(item: FileSweep, threshold: float, profile: str) -> dict:
    tp_weight, fp_weight, fn_weight = PROFILES[profile]
    hit = item.scores >= threshold
    outside = hit & (item.window < 0)
    fp_cost = float((item.sigmoid[outside] * fp_weight).sum())
    rewards, detected = 0.0, 0
    for number in np.unique(item.window[item.window >= 0]):
        found = hit & (item.window == number)
        if found.any():
            detected += 1
            rewards += float(item.sigmoid[found].max() * tp_weight)
        else:
            rewards -= fn_weight
    return {"windows": item.windows, "detected": detected, "false_positives": int(outside.sum()),
            "fp_cost": fp_cost, "window_score": rewards, "raw": rewards + fp_cost}


def optimise(items: list[FileSweep], profile: str) -> tuple[float, float]:
    """(threshold, raw score): NAB's optimiser, every distinct score tried as the threshold (rows
    taken from the highest score down, as NAB's `calcScoreByThreshold` does)."""
    tp_weight, fp_weight, fn_weight = PROFILES[profile]
    scores = np.concatenate([item.scores for item in items])
    offsets = np.cumsum([0] + [int(item.window.max(initial=-1)) + 1 for item in items])
    window = np.concatenate([np.where(item.window >= 0, item.window + offset, -1)
                             for item, offset in zip(items, offsets)])
    value = np.concatenate([item.sigmoid for item in items])
    order = np.argsort(-scores, kind="stable")
    best_reward = np.full(int(offsets[-1]), -fn_weight)
    counted = np.zeros(int(offsets[-1]), dtype=bool)
    for item, offset in zip(items, offsets):
        counted[offset + np.unique(item.window[item.window >= 0])] = True
    total = float(best_reward[counted].sum())
    best = (1.1, total)
    ordered_scores, ordered_window, ordered_value = scores[order], window[order], value[order]
    for position in range(len(order)):
        w = ordered_window[position]
        if w < 0:
            total += ordered_value[position] * fp_weight
        elif ordered_value[position] * tp_weight > best_reward[w]:
            total += ordered_value[position] * tp_weight - best_reward[w]
            best_reward[w] = ordered_value[position] * tp_weight
        last = position + 1 == len(order) or ordered_scores[position + 1] != ordered_scores[position]
        if last and total > best[1]:
            best = (float(ordered_scores[position]), total)
    return best


def normalised(raw: float, items: list[FileSweep], profile: str) -> float:
    """NAB's normalisation: null detector 0 (every window missed), perfect 100."""
    _, _, fn_weight = PROFILES[profile]
    windows = sum(item.windows for item in items)
    null = -fn_weight * windows
    return 100.0 * (raw - null) / (windows - null)
