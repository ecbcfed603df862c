"""Regime shifts: flagged once at the start, followed while they last, marked when they end."""
import numpy as np
import pandas as pd
import pytest

from indicators.detect import get_detector

from series_factory import AVAILABILITY, OUTAGE, PRICE, QUEUE, daily_hours, daily_share, monthly_prices

SHIFTS = [
    ("availability collapse", daily_share(drop_at=120, drop=-0.5, drop_days=40), AVAILABILITY, 120, 160),
    ("queue surge", daily_hours(surge_at=120, factor=8, surge_days=40), QUEUE, 120, 160),
    ("outage surge", daily_hours(level=5, surge_at=120, factor=2.5, surge_days=40), OUTAGE, 120, 160),
    ("price level shift", monthly_prices(seed=2, shock_at=90, shock=0.3, shock_months=12), PRICE, 90, 102),
]


@pytest.mark.parametrize("name, values, info, start, end", SHIFTS, ids=[s[0] for s in SHIFTS])
def test_shift_flagged_once_promptly_then_followed_then_ended(name, values, info, start, end):
    frame = get_detector("regime").detect(values, info).frame.set_index("date")
    dates = list(values.index)
    alarms = frame[frame["severity"].isin(["alert", "crisis"])]
    starts = alarms[alarms["explanation"].str.contains("level shift started")]
    assert len(starts) == 1, name
    assert dates.index(starts.index[0]) - start <= 2  # within two periods of the true start
    assert len(alarms) <= 2  # the start, and at most once more when it deepens to crisis size
    during = frame.loc[dates[start + 4]:dates[end - 1]]
    assert (during["severity"] != "normal").all()
    assert during["explanation"].str.contains("continues|deepened").all()
    ended = frame[frame["explanation"].str.contains("ended after")]
    assert len(ended) == 1 and 0 <= dates.index(ended.index[0]) - end <= 4


def gradual_decline(days=200, start=120, weeks=6, to=0.35, seed=1):
    """Fuel availability that slides from about 90% to `to` over `weeks` weeks (a blockade that
    tightens as stocks run down), survey-like noise of 5 points."""
    values = daily_share(seed=seed, days=days).to_numpy()
    ramp = np.clip((np.arange(days) - start) / (7 * weeks), 0, 1)
    noise = np.random.default_rng(seed + 10).normal(0, 0.05, days)
    values = np.clip(values - (0.9 - to) * ramp + noise, 0, 1)
    return pd.Series(values, index=daily_share(days=days).index)


def test_a_blockade_that_tightens_over_weeks_is_a_shift():
    # The baseline's level follows the last three weeks, so one-step errors stay small all along the
    # slide; compared with the expectation where the CUSUM run began, the slide adds up.
    values = gradual_decline()
    frame = get_detector("regime").detect(values, AVAILABILITY).frame.set_index("date")
    starts = frame[frame["explanation"].str.contains("level shift started")]
    assert len(starts) == 1
    assert 120 <= list(values.index).index(starts.index[0]) <= 120 + 21  # within the first three weeks
    assert frame.loc[list(values.index)[130]:, "severity"].isin(["alert", "crisis"]).sum() <= 2  # one alarm, not daily


@pytest.mark.parametrize("name, values, info", [
    ("availability rising is good", daily_share(drop_at=120, drop=+0.08), AVAILABILITY),
    ("a single-day spike is not a shift", daily_share(spike_at=120), AVAILABILITY),
    ("prices falling is good", monthly_prices(seed=2, shock_at=90, shock=-0.3), PRICE),
    ("a quiet series", daily_hours(seed=3), QUEUE),
])
def test_no_shift(name, values, info):
    frame = get_detector("regime").detect(values, info).frame
    assert not frame["severity"].isin(["alert", "crisis"]).any(), name


def test_no_look_ahead():
    values = daily_share(drop_at=120, drop=-0.5, drop_days=40)
    full = get_detector("regime").detect(values, AVAILABILITY).frame.set_index("date")
    for stop in (118, 122, 125, 165):
        cut = get_detector("regime").detect(values.iloc[:stop], AVAILABILITY).frame.set_index("date")
        pd.testing.assert_frame_equal(full.loc[cut.index], cut)


def test_short_series_gets_a_clear_status():
    result = get_detector("regime").detect(daily_share(days=15), AVAILABILITY)
    assert result.status == "insufficient_history"
    assert "not enough history: 15 daily observations, 22 needed" in result.message
