"""The seasonal baseline (shared by `seasonal` and `regime`): any frequency, direction, outliers,
gaps; the seasonal detector's flags."""
import numpy as np
import pandas as pd
import pytest

from indicators.detect import SeriesInfo, baseline, get_detector
from indicators.detect.base import to_regular

from series_factory import AVAILABILITY, OUTAGE, PRICE, QUEUE, daily_hours, daily_share, monthly_prices


def weekly_prices(weeks=220, jump_at=None):
    rng = np.random.default_rng(4)
    index = pd.date_range("2021-01-04", periods=weeks, freq="W-MON")
    values = 500 * np.exp(0.1 * np.sin(2 * np.pi * np.arange(weeks) / 52) + rng.normal(0, 0.01, weeks))
    if jump_at:
        values[jump_at:] *= 1.3
    return pd.Series(values, index=index.strftime("%Y-%m-%d"))


def hourly_load(hours=24 * 30, cut_at=None):
    rng = np.random.default_rng(5)
    index = pd.date_range("2025-03-01", periods=hours, freq="h")
    values = 2 + np.sin(2 * np.pi * index.hour.to_numpy() / 24) + rng.normal(0, 0.05, hours)
    if cut_at:
        values[cut_at] += 3
    return pd.Series(values, index=index.strftime("%Y-%m-%dT%H:%M:%S"))


WEEKLY = SeriesInfo("fuel_price", "Bamako", "petrol", "parallel", "XOF/L", "weekly")
HOURLY = SeriesInfo("power_outage", "Bamako", "", "", "hours/day", "hourly")


@pytest.mark.parametrize("name, values, info, date, severities", [
    ("monthly price jump", monthly_prices(shock_at=110, shock=0.25), PRICE, "2025-03", {"crisis"}),
    ("monthly price fall is not bad", monthly_prices(shock_at=110, shock=-0.25), PRICE, "2025-03", {"normal"}),
    ("daily availability collapse", daily_share(drop_at=150, drop=-0.5), AVAILABILITY, "2025-05-31", {"crisis"}),
    ("daily availability rise is not bad", daily_share(drop_at=150, drop=0.08), AVAILABILITY, "2025-05-31",
     {"normal"}),
    ("queue surge", daily_hours(surge_at=150, factor=6), QUEUE, "2025-05-31", {"crisis"}),
    ("outage surge", daily_hours(level=5, surge_at=150, factor=2.5), OUTAGE, "2025-05-31", {"crisis"}),
    ("weekly price jump", weekly_prices(jump_at=180), WEEKLY, weekly_prices().index[180], {"crisis"}),
    ("hourly outage burst", hourly_load(cut_at=600), HOURLY, hourly_load().index[600], {"alert", "crisis"}),
])
def test_cases(name, values, info, date, severities):
    result = get_detector("seasonal").detect(values, info)
    assert result.status == "scored", result.message
    assert result.frame.set_index("date").loc[date, "severity"] in severities, name


@pytest.mark.parametrize("values, info", [
    (monthly_prices(seed=s), PRICE) for s in range(3)] + [(daily_share(seed=s), AVAILABILITY) for s in range(3)])
def test_quiet_series_raise_few_alerts(values, info):
    frame = get_detector("seasonal").detect(values, info).frame
    assert frame["severity"].isin(["alert", "crisis"]).mean() < 0.02


def test_a_past_outlier_does_not_blind_the_baseline():
    values = monthly_prices(seed=2, shock_at=60, shock=1.0, shock_months=1)  # one month doubled
    values = values * np.where(np.arange(len(values)) >= 100, 1.25, 1.0)
    frame = get_detector("seasonal").detect(values, PRICE).frame.set_index("date")
    assert frame.loc[values.index[60], "severity"] == "crisis"
    assert frame.loc[values.index[100], "severity"] == "crisis"


@pytest.mark.parametrize("recurring, kept", [(False, [False]), (True, [False, True, True])])
def test_a_profile_outlier_that_recurs_the_next_cycle_is_a_season(recurring, kept):
    """A detrended value far from the earlier cycles' is left out of the seasonal profile when it is
    a one-off; when its phase is as far out again a cycle later it recurs (a weekday pattern that
    begins mid-series), and from that cycle on it is kept (`baseline._without_outliers`)."""
    table = np.random.default_rng(1).normal(0, 1, (12, 7))
    weeks = [8, 9, 10] if recurring else [8]
    table[weeks, 5] -= 13.0  # Saturdays 13 lower, more than 5 robust sds
    cleaned = baseline._without_outliers(table, 8)
    assert (~np.isnan(cleaned[weeks, 5])).tolist() == kept
    assert not np.isnan(cleaned[:8]).any() and np.isnan(cleaned).sum() == 1  # nothing else left out


def test_expected_value_follows_the_season_and_trend():
    values = monthly_prices(seed=1, sigma=0.005)
    fitted = baseline.fit(to_regular(values, "monthly"), "monthly", True)
    scored = fitted.scorable
    errors = np.abs(fitted.observed[scored] - fitted.expected[scored])
    assert np.median(errors) < 0.01  # within 1% of prices that swing 14% over the year


def test_gaps_are_scored_only_where_observed():
    values = monthly_prices(seed=1).drop(["2019-03", "2019-04", "2021-07", "2023-01", "2023-02", "2023-03"])
    frame = get_detector("seasonal").detect(values, PRICE).frame
    assert "2023-02" not in set(frame["date"]) and set(frame["date"]) <= set(values.index)
    assert frame[["expected", "lower", "upper", "score"]].notna().all().all()


def test_short_series_gets_a_clear_status():
    result = get_detector("seasonal").detect(monthly_prices(months=20), PRICE)
    assert result.status == "insufficient_history"
    assert "not enough history: 20 monthly observations, 37 needed" in result.message


def test_bounds_clip_the_band_for_shares():
    frame = get_detector("seasonal").detect(daily_share(), AVAILABILITY).frame
    assert frame["upper"].max() <= 1.0 and frame["lower"].min() >= 0.0


def test_explanations_are_sentences():
    frame = get_detector("seasonal").detect(monthly_prices(shock_at=110, shock=0.25), PRICE).frame
    text = frame.set_index("date").loc["2025-03", "explanation"]
    assert text.startswith("Millet retail price in Segou, 2025-03: ")
    assert "above the seasonal expectation of" in text and text.endswith(".")


def test_small_sample_factor_widens_scales_from_few_errors():
    """Student's t against the normal at 3 scales, with the MAD's degrees of freedom (0.37 (n - 1))."""
    factor = baseline.small_sample_factor(np.array([12, 24, 72, 120, 1000]))
    assert np.all(np.diff(factor) < 0) and factor[-1] > 1.0
    assert factor[0] == pytest.approx(2.17, abs=0.01) and factor[2] == pytest.approx(1.10, abs=0.01)
    assert factor[-1] == pytest.approx(1.0, abs=0.01)


def test_first_years_of_a_quiet_series_raise_no_alerts():
    # the cold start (under 12 past errors) and the first errors set the scale: few values behind it
    for seed in range(6):
        frame = get_detector("seasonal").detect(monthly_prices(seed=seed, months=60, sigma=0.03), PRICE).frame
        assert not frame["severity"].isin(["alert", "crisis"]).any(), seed
