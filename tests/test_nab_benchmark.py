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


def _history(noise: str, n: int = 3000) -> np.ndarray:
    rng = np.random.default_rng(11)
    return np.abs(rng.normal(size=n) if noise == "gaussian" else rng.standard_t(2, size=n))


def test_the_tail_likelihood_is_the_series_own():
    """An alarm 8 scales out is rarer on a Gaussian feed than on a feed of bursts, whose past scores
    have a heavy tail; on the Gaussian feed it is about the Gaussian likelihood."""
    alarm = 3000
    quiet, bursty = (np.append(_history(noise), 8.0) for noise in ("gaussian", "bursts"))
    gaussian = nab_benchmark.alarm_likelihood(np.array([8.0]), "5min")[0]
    on_quiet = nab_benchmark.tail_likelihood(quiet, alarm, "5min")
    on_bursty = nab_benchmark.tail_likelihood(bursty, alarm, "5min")
    assert on_bursty < 0.5 < on_quiet
    assert on_quiet == pytest.approx(gaussian, abs=0.15)
    # a larger score is more surprising on the same feed
    assert nab_benchmark.tail_likelihood(np.append(_history("bursts"), 80.0), alarm, "5min") > on_bursty


def test_the_tail_likelihood_uses_past_scores_only_and_needs_a_tail():
    scores = np.append(_history("bursts"), [8.0, 500.0, 500.0])
    later_changed = scores.copy()
    later_changed[-2:] = 0.0
    assert nab_benchmark.tail_likelihood(scores, 3000, "5min") == nab_benchmark.tail_likelihood(
        later_changed, 3000, "5min")
    # with fewer past scores than the tail needs, the Gaussian likelihood
    short = scores[-500:]
    assert nab_benchmark.tail_likelihood(short, 497, "5min") == pytest.approx(
        nab_benchmark.alarm_likelihood(np.array([8.0]), "5min")[0])


def test_scores_within_episodes_do_not_count_in_the_tail():
    """A shift that lasted for days scored 20 scales against its frozen normal at every date: those
    scores are not the series' noise, so a later alarm is as surprising as on the same feed without
    that episode (only the episode's start counts)."""
    quiet = _history("gaussian")
    shifted = quiet.copy()
    shifted[1000:1600] = 20.0  # an episode: its start at 1000, then 600 dates against the frozen normal
    episodes = [{"first": 1000, "last": 1599, "alarms": [(1000, "start")]}]
    ordinary = nab_benchmark.ordinary_scores(np.append(shifted, 8.0), episodes)
    assert ordinary[1000] == 20.0 and np.isnan(ordinary[1001:1600]).all() and ordinary[-1] == 8.0
    without = nab_benchmark.tail_likelihood(np.append(np.delete(shifted, range(1001, 1600)), 8.0), 2401, "5min")
    assert nab_benchmark.tail_likelihood(ordinary, 3000, "5min") == pytest.approx(without)
    # counting them, the same alarm would look ordinary
    assert nab_benchmark.tail_likelihood(np.append(shifted, 8.0), 3000, "5min") < 0.5 * without
    # an escalation inside the episode is scored by its own score against the ordinary tail
    assert nab_benchmark.tail_likelihood(ordinary, 1200, "5min", value=30.0) > 0.5


def test_a_sparse_feed_makes_fewer_tests_a_day():
    """A feed that reports 40% of its 5-minute intervals: its points a day come from the last week
    before the alarm (past only), and the same score is more surprising in one of its days."""
    full = pd.date_range("2025-01-01", periods=288 * 10, freq="5min")
    kept = np.random.default_rng(2).random(len(full)) < 0.4
    times = full[kept].to_numpy()
    position = len(times) - 1
    rate = nab_benchmark.points_a_day(times, position, "5min")
    assert rate == pytest.approx(0.4 * 288, rel=0.05)
    assert nab_benchmark.points_a_day(full.to_numpy(), 288 * 9, "5min") == pytest.approx(288, rel=0.01)
    assert nab_benchmark.points_a_day(times, 10, "5min") == 288  # under a day known: the interval's
    z = np.array([6.0])
    assert nab_benchmark.alarm_likelihood(z, "5min", rate)[0] > nab_benchmark.alarm_likelihood(z, "5min")[0]
