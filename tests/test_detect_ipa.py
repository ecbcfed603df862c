"""FAO GIEWS IPA: growth rates standardised by calendar month, 0.4 / 0.6, phases, past only."""
import numpy as np
import pandas as pd
import pytest

from indicators.detect import get_detector
from indicators.detect.ipa import MIN_RATE_SD, _compound_growth

from series_factory import AVAILABILITY, PRICE, monthly_prices


@pytest.mark.parametrize("name, values, date, severities", [
    ("a 30% surge is abnormally high", monthly_prices(seed=1, shock_at=100, shock=0.3), "2024-05", {"alert"}),
    ("a 10% rise is at least moderately high", monthly_prices(seed=1, shock_at=100, shock=0.10), "2024-05",
     {"stress", "alert"}),
    ("a quiet month is normal", monthly_prices(seed=1), "2024-05", {"normal"}),
    ("a fall is not an anomaly in the bad direction", monthly_prices(seed=1, shock_at=100, shock=-0.3), "2024-05",
     {"normal"}),
])
def test_cases(name, values, date, severities):
    result = get_detector("ipa").detect(values, PRICE)
    assert result.status == "scored"
    row = result.frame.set_index("date").loc[date]
    assert row["severity"] in severities, name
    if row["severity"] == "alert":
        assert "abnormally high" in row["explanation"]


def test_value_follows_the_giews_formula_with_past_years_only():
    values = monthly_prices(seed=4, months=96)
    frame = get_detector("ipa").detect(values, PRICE).frame.set_index("date")
    prices = values.to_numpy()
    quarterly, annual = _compound_growth(prices, 3), _compound_growth(prices, 12)
    t = 90  # 2023-07: same calendar month in earlier years at t - 12k
    earlier = [t - 12 * k for k in range(1, 8)]  # the same calendar month in every earlier year
    q, a = quarterly[earlier], annual[earlier]
    q, a = q[~np.isnan(q)], a[~np.isnan(a)]
    # (the standard deviations are floored: a price flat for years has none worth dividing by)
    z_q = (quarterly[t] - q.mean()) / max(q.std(ddof=1), MIN_RATE_SD)
    z_a = (annual[t] - a.mean()) / max(a.std(ddof=1), MIN_RATE_SD)
    assert frame.loc[values.index[t], "score"] == pytest.approx(0.4 * z_q + 0.6 * z_a)
    assert (quarterly[t] + 1) ** 3 == pytest.approx(prices[t] / prices[t - 3])


def test_thresholds_are_the_giews_ones():
    assert get_detector("ipa").thresholds["stress"] == 0.5
    assert get_detector("ipa").thresholds["alert"] == 1.0


def test_short_series_gets_a_clear_status():
    result = get_detector("ipa").detect(monthly_prices(months=40), PRICE)
    assert result.status == "insufficient_history"
    assert "not enough history: 40 monthly observations" in result.message


def test_no_look_ahead():
    values = monthly_prices(seed=3, shock_at=100, shock=0.2)
    full = get_detector("ipa").detect(values, PRICE).frame.set_index("date")
    cut = get_detector("ipa").detect(values.iloc[:104], PRICE).frame.set_index("date")
    pd.testing.assert_frame_equal(full.loc[cut.index], cut)


def test_price_only():
    assert not get_detector("ipa").applies(AVAILABILITY)
    assert get_detector("ipa").applies(PRICE)
