"""Trend breaks in monthly prices and annual cycles in daily series (issue 10, the tuning families
`prices_inflation`, `prices_ar1_strong` and `outage_hot_season`): ALPS as published follows a
local trend, whose memory shortens once inflation has changed for good, and a daily episode's
frozen normal widens with the level's ordinary drift.
Parametrised expected-flag cases on small deterministic series, plus the pieces they rest on."""
import numpy as np
import pandas as pd
import pytest

from indicators.detect import SeriesInfo, consolidate, get_detector
from indicators.detect.alps import DISCOUNT, HALF_LIFE, SHORT_DISCOUNT, _design, expanding_fit, local_fit
from indicators.detect.base import to_regular
from indicators.detect.explain import same_month_references
from indicators.detect import baseline

from series_factory import PRICE, SEASON, ar1_noise as _ar1


OUTAGE = SeriesInfo("power_outage", "Kati", "", "", "hours/day", "daily")
MONTHS = 180


def monthly_prices(seed, drift_after=0.02, break_at=MONTHS, burst_at=None, spike_at=None, phi=0.5, shift_at=None,
                   shift=0.2, shift_months=12):
    """Millet prices: 3% a year, then `drift_after` more from month `break_at`; a burst of 6% a
    month for 4 months from `burst_at` (prices stay up); a one-month +30% spike at `spike_at`;
    prices `shift` higher for `shift_months` months from `shift_at` (a crisis)."""
    rng = np.random.default_rng(seed)
    t = np.arange(MONTHS)
    index = pd.period_range("2010-01", periods=MONTHS, freq="M")
    log_price = (np.log(300) + 0.03 * t / 12 + drift_after / 12 * np.clip(t - break_at, 0, None)
                 + SEASON[index.month - 1] + _ar1(rng, MONTHS, phi, 0.02))
    if burst_at is not None:
        log_price += 0.06 * np.clip(t - burst_at + 1, 0, 4)
    if spike_at is not None:
        log_price[spike_at] += 0.3
    if shift_at is not None:
        log_price[shift_at:shift_at + shift_months] += np.log1p(shift)
    return pd.Series(np.exp(log_price), index=index.strftime("%Y-%m"))


def daily_outages(seed, amplitude=0.4, shift_at=None, hours=6.0):
    """Two years of outage hours with a hot-season cycle peaking in April (x e^amplitude), AR(1)
    noise, and a blockade adding `hours` a day for 40 days from day `shift_at`."""
    rng = np.random.default_rng(seed)
    index = pd.period_range("2024-01-01", periods=730, freq="D")
    cycle = amplitude * np.cos(2 * np.pi * (index.day_of_year.to_numpy() - 105) / 365.25)
    values = 5.0 * np.exp(cycle + _ar1(rng, len(index), 0.6, 0.08))
    if shift_at is not None:
        values[shift_at:shift_at + 40] += hours
    return pd.Series(np.clip(values, 0, 24), index=index.strftime("%Y-%m-%d"))


def episode_starts(values, info):
    """Positions where a consolidated alert-or-worse run starts (the benchmark's scoring)."""
    counted = ("state", "harvest", "alps") if info.frequency == "monthly" else ("state",)
    frames = [get_detector(name).detect(values, info).frame.assign(detector=name) for name in counted
              if get_detector(name).applies(info)]
    rows = consolidate(pd.concat(frames).assign(indicator=info.indicator, location="", item="", price_type=""))
    regular = to_regular(values, info.frequency)
    labels = {label: i for i, label in enumerate(regular.index.strftime("%Y-%m" if info.frequency == "monthly"
                                                                         else "%Y-%m-%d"))}
    flagged = np.zeros(len(regular), dtype=bool)
    flagged[[labels[d] for d in rows.loc[rows["severity"].isin(["alert", "crisis"]), "date"]]] = True
    return np.flatnonzero(flagged & ~np.concatenate([[False], flagged[:-1]]))


# (case, series, scored from, expected episode starts: (first, last) windows, one per episode)
CASES = [
    ("steady inflation, no event", lambda: monthly_prices(1), 48, []),
    ("inflation rises from 3% to 7% a year, no event", lambda: monthly_prices(2, drift_after=0.04, break_at=70),
     48, []),
    ("AR(1) noise with phi 0.8, no event", lambda: monthly_prices(3, phi=0.8), 48, []),
    ("a spike after the break in inflation", lambda: monthly_prices(2, drift_after=0.04, break_at=70, spike_at=130),
     48, [(130, 130)]),
    # 6% a month reaches the 10% alert size in the burst's second month; found in its third
    # (docs/detection.md: bursts), and the higher level that follows raises no alarm
    ("an inflation burst, then the higher level holds", lambda: monthly_prices(5, burst_at=100), 48,
     [(100, 102)]),
    # inflation rises from 3% to 11% a year in month 60: the local fit lags it for years (8-13
    # false alarms on main before this change); once the recent drift has stood above the fit's
    # slope for 3 years its memory shortens, and from 6 years after the break no alarm is raised
    # while a 20% crisis is still found in its first month
    ("inflation rises from 3% to 11% a year, no alarm years later", lambda: monthly_prices(5, 0.08, 60), 132, []),
    ("inflation rises from 3% to 11% a year, no alarm years later (2)", lambda: monthly_prices(9, 0.08, 60), 132,
     []),
    ("a 20% crisis years after inflation rose to 11%", lambda: monthly_prices(5, 0.08, 60, shift_at=150), 132,
     [(150, 151)]),
    ("a 20% crisis years after inflation rose to 11% (2)", lambda: monthly_prices(10, 0.08, 60, shift_at=150), 132,
     [(150, 151)]),
    ("outages with a hot season, no event", lambda: daily_outages(6), 0, []),
    ("a blockade in the first hot season", lambda: daily_outages(7, shift_at=80), 0, [(80, 83)]),
    ("a blockade in the second hot season", lambda: daily_outages(8, shift_at=450), 0, [(450, 453)]),
]


@pytest.mark.parametrize("name, make, scored_from, expected", CASES, ids=[case[0] for case in CASES])
def test_expected_flags(name, make, scored_from, expected):
    values = make()
    info = PRICE if len(values) == MONTHS else OUTAGE
    starts = [int(s) for s in episode_starts(values, info) if s >= scored_from]
    assert len(starts) == len(expected), starts
    for start, (first, last) in zip(starts, expected):
        assert first <= start <= last, starts


def test_month_by_month_alps_is_the_weighted_least_squares_fit_on_past_data():
    """Every window's fit equals an independent weighted least-squares fit on the months up to it
    (month s weighing DISCOUNT ** (t - s), or the product of the months' own factors once the
    memory is shortened), and cutting the series changes no earlier month."""
    values = monthly_prices(2, drift_after=0.08, break_at=60)
    regular = to_regular(values, "monthly")
    prices, observed, design = _design(regular)
    full = get_detector("alps").detect(values, PRICE).frame.set_index("date")
    shortened = local_fit(prices, observed, design).shortened
    assert not shortened[:91].any() and shortened[179]  # both kinds of window are checked
    factor = np.where(shortened, SHORT_DISCOUNT, DISCOUNT)
    for t in (40, 90, 150, 179):
        weights = np.array([np.prod(factor[s + 1:t + 1]) for s in range(t + 1)])
        root = np.sqrt(weights)[:, None]
        beta, *_ = np.linalg.lstsq(design[:t + 1] * root, prices[:t + 1] * root[:, 0], rcond=None)
        residuals = prices[:t + 1] - design[:t + 1] @ beta
        spread = np.sqrt((weights * residuals ** 2).sum() / (weights.sum() - 1))
        assert full.loc[regular.index[t].strftime("%Y-%m"), "score"] == pytest.approx(
            (prices[t] - design[t] @ beta) / spread, rel=1e-8)
    part = get_detector("alps").detect(values.iloc[:150], PRICE).frame.set_index("date")
    pd.testing.assert_frame_equal(full.loc[part.index], part)
    assert HALF_LIFE == 60 and DISCOUNT ** HALF_LIFE == pytest.approx(0.5)


def test_unweighted_fit_is_still_wfps_expanding_regression():
    values = monthly_prices(1)
    prices, observed, design = _design(to_regular(values, "monthly"))
    fitted, _ = expanding_fit(prices, observed, design)  # discount 1: WFP's fit on all past months
    beta, *_ = np.linalg.lstsq(design[:100], prices[:100], rcond=None)
    assert fitted[99] == pytest.approx(design[99] @ beta, rel=1e-9)


def test_local_trend_follows_a_change_of_inflation_that_wfps_trend_lags():
    values = monthly_prices(2, drift_after=0.04, break_at=70)
    prices, observed, design = _design(to_regular(values, "monthly"))
    local, _ = expanding_fit(prices, observed, design, discount=DISCOUNT)
    whole, _ = expanding_fit(prices, observed, design)
    late = slice(150, MONTHS)
    lag_local, lag_whole = (np.median(prices[late] / fit[late] - 1) for fit in (local, whole))
    assert lag_local < lag_whole - 0.02 and lag_whole > 0.07  # prices grow faster than either line: both lag


def test_a_crisis_does_not_shorten_the_fits_memory_a_lasting_change_of_inflation_does():
    """The drift test reads the median of 36 year-on-year changes: a crisis of 18 months at +30%
    raises 12 of them at most and leaves the memory alone, as steady inflation does; inflation
    rising from 3% to 11% a year shortens it once the recent drift has stood above the fit's slope
    for 3 years, and for good."""
    def shortened(values):
        return local_fit(*_design(to_regular(values, "monthly"))).shortened

    assert not shortened(monthly_prices(4)).any()
    assert not shortened(monthly_prices(4, shift_at=90, shift=0.3, shift_months=18)).any()
    broken = shortened(monthly_prices(4, drift_after=0.08, break_at=60))
    assert not broken[:60 + 36].any() and broken[132:].all()


def test_a_year_earlier_counts_a_year_of_the_trend_once_inflation_changed():
    """Where the memory is shortened (inflation 11% a year), a price 11% above the local trend and
    15% above a year earlier (itself 10% high) is only 9% above a year earlier grown by a year of
    the trend: its ALPS score is an alert's, its size a stress's."""
    values = monthly_prices(5, 0.08, 60)
    t = 150
    fitted = local_fit(*_design(to_regular(values, "monthly"))).fitted[t]
    values.iloc[t - 12] *= 1.10
    values.iloc[t] = 1.2 * fitted
    prices, observed, design = _design(to_regular(values, "monthly"))
    fit = local_fit(prices, observed, design)
    year_earlier, average = same_month_references(prices)
    assert fit.shortened[t]
    assert min(prices[t] / fit.fitted[t], prices[t] / year_earlier[t], prices[t] / average[t]) > 1.1
    assert prices[t] / (year_earlier[t] + 12 * fit.slope[t]) < 1.1
    row = get_detector("alps").detect(values, PRICE).frame.set_index("date").loc[values.index[t]]
    assert row["score"] > 1 and row["severity"] == "stress"
    assert "a year of the trend is added to the price a year earlier" in row["explanation"]


def _daily_fit(values):
    return baseline.fit(to_regular(values, "daily"), "daily", True)


def test_level_drift_grows_with_the_horizon_and_stays_at_its_longest():
    fitted = _daily_fit(daily_outages(6))
    origin = 300
    drift = [fitted.level_drift(origin, h) for h in (0, 1, 7, 30, baseline.DRIFT_HORIZON, 400)]
    assert drift[0] == 0.0
    assert drift[1] < drift[2] < drift[3] < drift[4]
    assert drift[5] == drift[4]


def test_level_drift_extrapolates_a_short_history_as_a_random_walk():
    fitted = _daily_fit(daily_outages(6))
    origin = int(np.flatnonzero(~np.isnan(fitted.level))[0]) + baseline.DRIFT_MIN + 9  # 10 days measurable
    measured = fitted.level_drift(origin, 10)
    assert fitted.level_drift(origin, 40) == pytest.approx(measured * 2)


def test_annual_change_counts_from_the_first_known_day_a_year_earlier():
    """An episode starting in the series' second January: a year before its origin is before the
    series began, so last year's movement is counted from its first known day, not ignored."""
    fitted = _daily_fit(daily_outages(6, amplitude=0.45))
    origin, april = 368, 465  # 2025-01-03 and 2025-04-10
    assert np.isnan(fitted.annual[origin - fitted.lag])
    assert fitted.annual_change(origin, april) > 0.3  # last year's rise to the hot season
