"""Heavy-tailed noise (issue 10, Student's t innovations): what any change to the state detector's
scale or score-to-severity step must keep. Under t innovations of 3-5 degrees of freedom an
ordinary month or day at 4-8 scales is not rare, and a tail-calibrated score that knew each
series' true degrees of freedom would still lower real events' first dates below alert
(docs/detection.md, "Heavy-tailed noise"). These cases pin the events that must stay found on
their first date: a one-month price spike of +20-40% and a daily blockade, on AR(1) noise with
Student's t innovations; and a single huge shock in a young series' seasonal profile, a known
source of repeated false alarms (strict xfail: it fails the day it is fixed)."""
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from indicators.detect import get_detector

from series_factory import OUTAGE, PRICE, QUEUE, SEASON

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import heavy_tails  # noqa: E402

MONTHS, DAYS = 180, 730


def t_ar1(rng, n, phi, sigma, df):
    """AR(1) noise whose innovations are Student's t with `df` degrees of freedom, scaled to sd `sigma`."""
    shocks = rng.standard_t(df, n) * np.sqrt((df - 2) / df) * sigma
    noise = np.zeros(n)
    for t in range(1, n):
        noise[t] = phi * noise[t - 1] + shocks[t]
    return noise


def heavy_prices(seed, df, spike_at=None, spike=0.0, shock_at=None, shock=0.0):
    """Millet prices, 3% a year and a Sahel season, AR(0.5) log noise with t innovations (2.5%);
    `spike` log points more at `spike_at` only; `shock` log points at `shock_at`, carried on by the
    noise's own AR(1) memory (one innovation, not an event)."""
    rng = np.random.default_rng(seed)
    index = pd.period_range("2010-01", periods=MONTHS, freq="M")
    noise = t_ar1(rng, MONTHS, 0.5, 0.025, df)
    if shock_at is not None:
        noise[shock_at:] += shock * 0.5 ** np.arange(MONTHS - shock_at)
    log_price = np.log(300) + 0.03 * np.arange(MONTHS) / 12 + SEASON[index.month - 1] + noise
    if spike_at is not None:
        log_price[spike_at] += spike
    return pd.Series(np.exp(log_price), index=index.strftime("%Y-%m"))


def heavy_daily(seed, df, level, blockade_at=None, added=0.0, factor=1.0):
    """Daily hours on AR(0.75) log noise with t innovations (sd 0.08) and a weekly pattern; from
    `blockade_at` on, `added` hours more and `factor` times as long (a blockade that lasts)."""
    rng = np.random.default_rng(seed)
    index = pd.period_range("2024-01-01", periods=DAYS, freq="D")
    weekly = np.array([1.03, 1.03, 1.03, 1.03, 1.03, 0.96, 0.88])[index.day_of_week]
    values = level * weekly * np.exp(t_ar1(rng, DAYS, 0.75, 0.08, df))
    if blockade_at is not None:
        values[blockade_at:] = values[blockade_at:] * factor + added
    return pd.Series(np.clip(values, 0, 24), index=index.strftime("%Y-%m-%d"))


def severity_on(values, info, date):
    frame = get_detector("state").detect(values, info).frame.set_index("date")
    return frame.loc[date, "severity"]


SPIKE_MONTH = 130  # 2020-11, a harvest month: prices usually fall


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("df", [3.0, 5.0])
@pytest.mark.parametrize("spike", [np.log(1.2), np.log(1.3), np.log(1.4)])
def test_price_spike_on_heavy_tailed_noise_is_found_on_its_month(seed, df, spike):
    values = heavy_prices(seed, df, spike_at=SPIKE_MONTH, spike=spike)
    assert severity_on(values, PRICE, values.index[SPIKE_MONTH]) in ("alert", "crisis")


BLOCKADES = [(seed, df, info, level, added, factor) for seed in (1, 2, 3) for df in (3.0, 5.0)
             for info, level, added, factor in ((OUTAGE, 5.0, 6.0, 1.0),  # power cuts 6 h a day longer
                                                (QUEUE, 0.3, 0.0, 5.0))]  # queues five times as long
BLOCKADE_DAY = 500


@pytest.mark.parametrize("seed, df, info, level, added, factor", BLOCKADES)
def test_blockade_on_heavy_tailed_daily_noise_is_found_on_its_first_day(seed, df, info, level, added, factor):
    values = heavy_daily(seed, df, level, blockade_at=BLOCKADE_DAY, added=added, factor=factor)
    assert severity_on(values, info, values.index[BLOCKADE_DAY]) in ("alert", "crisis")


@pytest.mark.parametrize("score, df, low, high", [
    (3.5, np.inf, 3.5, 3.5),   # normal noise: the score itself
    (3.5, 3.0, 2.3, 2.55),     # t(3): 3.5 q90-scales is an ordinary tail
    (8.0, 3.0, 3.05, 3.3),
    (8.0, 30.0, 5.7, 6.1),
])
def test_gaussian_equivalent_score(score, df, low, high):
    assert low <= float(heavy_tails.gaussian_equivalent(np.array([score]), df)[0]) <= high


def test_scores_calibrated_to_the_true_tails_would_lose_most_blockades_on_their_first_day():
    """Why no tail calibration was adopted: the Gaussian-equivalent score under the noise's own t
    df (`heavy_tails.lowered_by_tail`, the benchmark's oracle) lowers most of the blockades above
    below alert on their first day."""
    lost = 0
    for seed, df, info, level, added, factor in BLOCKADES:
        values = heavy_daily(seed, df, level, blockade_at=BLOCKADE_DAY, added=added, factor=factor)
        frame = heavy_tails.lowered_by_tail(get_detector("state").detect(values, info).frame, info, df)
        lost += frame.set_index("date").loc[values.index[BLOCKADE_DAY], "severity"] not in ("alert", "crisis")
    assert lost >= 8


@pytest.mark.xfail(strict=True, reason="known: a huge shock in a young series' February stays in the February "
                                       "profile (a median of two cycles is their mean; the later Februaries it "
                                       "makes alerts are then masked out of the baseline), docs/detection.md, "
                                       "\"Heavy-tailed noise\"")
def test_one_huge_shock_in_a_young_series_does_not_make_every_later_february_an_alert():
    values = heavy_prices(4, 5.0, shock_at=25, shock=-1.1)  # 2012-02: a third of the usual price
    frame = get_detector("state").detect(values, PRICE).frame
    februaries = frame[frame["date"].str.endswith("-02") & (frame["date"] >= "2013")]
    assert not februaries["severity"].isin(["alert", "crisis"]).any()
