"""The seasonal baseline detector: table of cases, direction, no look-ahead, short and gappy series."""
import numpy as np
import pandas as pd
import pytest

from indicators.detect import SeriesInfo, get_detector

SEASON = np.array([0, 0, 0.01, 0.02, 0.04, 0.07, 0.09, 0.10, 0.08, 0.0, -0.04, -0.02])


def monthly_prices(seed=0, months=120, shock_at=None, shock=0.0):
    rng = np.random.default_rng(seed)
    index = pd.period_range("2016-01", periods=months, freq="M")
    noise = rng.normal(0, 0.015, months)
    values = 300 * np.exp(0.002 * np.arange(months) + SEASON[index.month - 1] + noise)
    if shock_at is not None:
        values[shock_at:] *= 1 + shock
    return pd.Series(values, index=[p.strftime("%Y-%m") for p in index])


def daily_share(seed=0, days=200, drop_at=None, drop=0.0, bad_direction_up=False):
    rng = np.random.default_rng(seed)
    index = pd.date_range("2025-01-01", periods=days, freq="D")
    values = 0.9 + 0.03 * (index.day_of_week == 0) + rng.normal(0, 0.01, days)
    if drop_at is not None:
        values[drop_at:] += drop
    return pd.Series(np.clip(values, 0, 1), index=index.strftime("%Y-%m-%d"))


PRICE = SeriesInfo("grain_price", "Segou", "millet", "retail", "XOF/KG", "monthly")
AVAILABILITY = SeriesInfo("fuel_availability", "Bamako", "petrol", "", "share", "daily")


@pytest.mark.parametrize("name, values, info, flagged_date, severities", [
    ("price jump flagged", monthly_prices(shock_at=110, shock=0.25), PRICE, "2025-03", {"crisis"}),
    ("availability collapse flagged", daily_share(drop_at=150, drop=-0.5), AVAILABILITY, "2025-05-31", {"crisis"}),
    ("availability rise is not bad", daily_share(drop_at=150, drop=+0.08), AVAILABILITY, "2025-05-31", {"normal"}),
    ("price fall is not bad", monthly_prices(shock_at=110, shock=-0.25), PRICE, "2025-03", {"normal"}),
])
def test_cases(name, values, info, flagged_date, severities):
    result = get_detector("seasonal").detect(values, info)
    assert result.status == "scored"
    row = result.frame.set_index("date").loc[flagged_date]
    assert row["severity"] in severities, name


def test_quiet_series_raise_few_flags():
    flagged = 0
    scored = 0
    for seed in range(5):
        frame = get_detector("seasonal").detect(monthly_prices(seed=seed), PRICE).frame
        flagged += int((frame["severity"].isin(["alert", "crisis"])).sum())
        scored += len(frame)
    assert flagged / scored < 0.05


def test_no_look_ahead():
    values = monthly_prices(seed=3, shock_at=100, shock=0.2)
    full = get_detector("seasonal").detect(values, PRICE).frame.set_index("date")
    cut = get_detector("seasonal").detect(values.iloc[:105], PRICE).frame.set_index("date")
    pd.testing.assert_frame_equal(full.loc[cut.index], cut)


def test_short_series_gets_a_clear_status():
    result = get_detector("seasonal").detect(monthly_prices(months=20), PRICE)
    assert result.status == "insufficient_history"
    assert "not enough history: 20 monthly observations, 37 needed" in result.message
    assert result.frame.empty


def test_gappy_series_is_scored_only_where_observed():
    values = monthly_prices(seed=1).drop(["2019-03", "2019-04", "2021-07", "2023-01", "2023-02", "2023-03"])
    frame = get_detector("seasonal").detect(values, PRICE).frame
    assert "2023-02" not in set(frame["date"])
    assert set(frame["date"]) <= set(values.index)
    assert frame[["expected", "lower", "upper", "score"]].notna().all().all()


def test_explanations_are_sentences():
    frame = get_detector("seasonal").detect(monthly_prices(shock_at=110, shock=0.25), PRICE).frame
    text = frame.set_index("date").loc["2025-03", "explanation"]
    assert text.startswith("Millet retail price in Segou, 2025-03: ")
    assert "above the seasonal expectation of" in text and text.endswith(".")


def test_bounds_clip_the_band_for_shares():
    frame = get_detector("seasonal").detect(daily_share(), AVAILABILITY).frame
    assert frame["upper"].max() <= 1.0 and frame["lower"].min() >= 0.0
