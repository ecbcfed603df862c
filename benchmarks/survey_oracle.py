"""The ceiling for shares of surveyed stations (`survey_stations`): how many of the labelled events
a test that knows the truth could find at the issue's false-alarm target.

    python benchmarks/survey_oracle.py --seeds 7,2025            # held-out seeds, 100 series each
    python benchmarks/survey_oracle.py --seeds 1,2 --rate 0.02,0.05

The oracle knows, for every day, the share the day would have had without an event (the
generator's noise-free truth, `Case.clean`) and the number of stations; it tests the stations with
fuel summed over the last 1, 2, 3 and 4 days against the binomial with the true shares (exact lower
tail) and flags a day when the least of the four tails is below alpha. Alpha is the largest that
keeps alarm starts on the family's event-free series at or below the false-alarm rate per
series-year (the issue's 0.02 by default). An event counts as found as the benchmark counts it: a
flag starting between its first day and 3 days after. Precision assumes the same false-alarm rate
on the series with events (outside their events). No detector that must estimate the normal from
the past can do better than this at the same false-alarm rate, up to the oracle's own simplifications
(a fixed set of windows, a constant alpha).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmark_families import DAYS, generate_family  # noqa: E402
from indicators.detect.base import to_regular  # noqa: E402
from indicators.detect.shares import denominators  # noqa: E402

FAMILY, WINDOWS, TOLERANCE, WARM_UP = "survey_stations", (1, 2, 3, 4), 3, 120


def least_tails(case) -> np.ndarray:
    """Per day, the least exact binomial lower tail over the windows ending that day (1 where unobserved)."""
    share = to_regular(case.values, "daily").to_numpy(dtype="float64")[:DAYS]
    observed = ~np.isnan(share)
    stations = int(denominators(share[observed]).max())
    k = np.where(observed, np.round(np.nan_to_num(share) * stations), 0.0)
    n = np.where(observed, stations, 0.0)
    p = np.where(observed, case.clean[:len(share)] * stations, 0.0)  # expected stations with fuel
    least = np.ones(len(share))
    for w in WINDOWS:
        sums = [np.convolve(column, np.ones(w))[:len(share)] for column in (k, n, p)]
        with np.errstate(invalid="ignore", divide="ignore"):
            tail = stats.binom.cdf(sums[0], sums[1], np.clip(sums[2] / sums[1], 0, 1))
        least = np.fmin(least, np.where(sums[1] > 0, tail, 1.0))
    return np.where(observed, least, 1.0)


def starts(flagged: np.ndarray) -> np.ndarray:
    return np.flatnonzero(flagged & ~np.concatenate([[False], flagged[:-1]]))


def ceiling(cases, rate: float) -> dict:
    tails = [least_tails(case) for case in cases]
    free = [t for case, t in zip(cases, tails) if not case.events]
    years = sum(len(case.values) / 365 for case in cases if not case.events)
    candidates = np.unique(np.concatenate([t[WARM_UP:] for t in free]))
    alpha, low, high = 0.0, 0, len(candidates) - 1
    while low <= high:  # the largest alpha whose alarm starts stay within the rate
        middle = (low + high) // 2
        alarms = sum(int((starts(t < candidates[middle]) >= WARM_UP).sum()) for t in free)
        if alarms / years <= rate:
            alpha, low = float(candidates[middle]), middle + 1
        else:
            high = middle - 1
    found = {"shift": [], "spike": []}
    for case, t in zip(cases, tails):
        for event in case.events:
            found[event.kind].append(bool((t[event.start:event.start + TOLERANCE + 1] < alpha).any()))
    hits = sum(sum(v) for v in found.values())
    events = sum(len(v) for v in found.values())
    false_alarms = rate * sum(len(case.values) / 365 for case in cases)
    recall, precision = hits / events, hits / (hits + false_alarms)
    return {"false alarms / series-year": rate, "alpha": alpha, "events": events, "recall": recall,
            "shift recall": float(np.mean(found["shift"])), "spike recall": float(np.mean(found["spike"])),
            "precision": precision, "F1": 2 * precision * recall / (precision + recall)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="7,2025")
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--rate", default="0.02", help="false alarms per event-free series-year, comma-separated")
    args = parser.parse_args(argv)
    rows = []
    for seed in [int(s) for s in args.seeds.split(",")]:
        cases = generate_family(FAMILY, args.count, seed)
        for rate in [float(r) for r in args.rate.split(",")]:
            rows.append({"seed": seed, **ceiling(cases, rate)})
    print(f"oracle ceiling on {FAMILY} ({args.count} series per seed; windows {WINDOWS} days, tolerance {TOLERANCE}):")
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
