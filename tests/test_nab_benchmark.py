"""The NAB benchmark's pieces: NAB's scoring rules as reproduced, and the alarm likelihood (the
benchmark itself runs on demand, not here)."""
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import nab_benchmark  # noqa: E402
import nab_scoring  # noqa: E402

STAMPS = pd.date_range("2025-01-01", periods=1000, freq="5min").strftime("%Y-%m-%d %H:%M:%S")
WINDOW = [[STAMPS[400], STAMPS[499]]]


def _scores(*positions, value=1.0):
    scores = np.zeros(len(STAMPS))
    scores[list(positions)] = value
    return scores


@pytest.mark.parametrize("positions, expected", [
    ((), -1.0),  # a missed window costs the fn weight
    ((400,), 1.0),  # the earliest detection earns the whole reward
    ((450,), 0.8482 / 0.9866),  # half-way: NAB's scaled sigmoid
    ((400, 450), 1.0),  # only the best detection of a window counts
    ((300,), -1.0 - 0.11),  # before any window: the full false-positive cost
    ((50,), -1.0),  # in the probationary 15%: not scored
    ((400, 900), 1.0 - 0.11),  # three window widths past the window: the full cost
])
def test_scoring_follows_nab_rules(positions, expected):
    item = nab_scoring.sweep("x", pd.Series(STAMPS), _scores(*positions), WINDOW)
    assert nab_scoring.file_score(item, 0.5, "standard")["raw"] == pytest.approx(expected, abs=1e-3)


def test_the_optimiser_picks_the_threshold_that_scores_best():
    scores = _scores(420, value=0.6) + _scores(300, 310, 320, value=0.8)
    item = nab_scoring.sweep("x", pd.Series(STAMPS), scores, WINDOW)
    threshold, raw = nab_scoring.optimise([item], "standard")
    # taking the three false alarms at 0.8 to reach the window at 0.6 pays (0.33 < 2)
    assert threshold == pytest.approx(0.6)
    assert raw == pytest.approx(nab_scoring.file_score(item, 0.6, "standard")["raw"])
    assert nab_scoring.normalised(raw, [item], "standard") == pytest.approx(100 * (raw + 1) / 2)


def test_alarm_likelihood_is_a_calibrated_monotone_score():
    z = np.array([0.0, 3.0, 4.55, 5.46, 7.34, 10.0, 40.0, 100.0])
    five_minute = nab_benchmark.alarm_likelihood(z, "5min")
    assert np.all(np.diff(five_minute) > 0) and five_minute[0] == 0 and five_minute[-1] < 1
    # the same z is more surprising in an hourly series (fewer tests a day)
    assert np.all(nab_benchmark.alarm_likelihood(z[1:], "hourly") > five_minute[1:])
    # 0.5 = one such deviation in ten days of Gaussian noise
    from scipy import stats
    z_half = stats.norm.isf(0.1 / 288)
    assert nab_benchmark.alarm_likelihood(np.array([z_half]), "5min")[0] == pytest.approx(0.5, abs=0.01)
