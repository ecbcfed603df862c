"""Sub-daily series at their native interval: inferred interval, every observation scored,
time-of-day profile, thresholds per interval."""
import numpy as np
import pandas as pd
import pytest

from indicators.detect import SeriesInfo
from indicators.detect.base import PERIODS, to_regular
from indicators.detect.seasonal import SeasonalBaseline, interval_thresholds
from indicators.detect.state import SeverityState
from indicators.episodes import date_periods
from indicators.store import infer_frequency


def five_minute(days=8, seed=3, start="2025-03-01T00:00:00", jitter=False):
    stamps = pd.date_range(start, periods=days * 288, freq="5min")
    if jitter:  # a logger whose clock drifts by up to a minute
        offsets = np.random.default_rng(seed).integers(-50, 50, len(stamps))
        stamps = stamps + pd.to_timedelta(np.where(offsets > 0, offsets, 0), unit="s")
    hour = stamps.hour + stamps.minute / 60
    load = 50 + 20 * np.sin(2 * np.pi * (hour - 6) / 24) + np.random.default_rng(seed).normal(0, 1.0, len(stamps))
    return pd.Series(load, index=stamps.strftime("%Y-%m-%dT%H:%M:%S"))


@pytest.mark.parametrize("dates, expected", [
    (["2025-01-01T01:00:00", "2025-01-01T02:00:00"], "hourly"),
    (pd.date_range("2025-01-01", periods=20, freq="5min").strftime("%Y-%m-%dT%H:%M:%S").tolist(), "5min"),
    (pd.date_range("2025-01-01", periods=20, freq="1min").strftime("%Y-%m-%dT%H:%M:%S").tolist(), "1min"),
    (pd.date_range("2025-01-01", periods=20, freq="15min").strftime("%Y-%m-%dT%H:%M:%S").tolist(), "15min"),
    (pd.date_range("2025-01-01", periods=20, freq="30min").strftime("%Y-%m-%dT%H:%M:%S").tolist(), "30min"),
    (five_minute(days=1, jitter=True).index.tolist(), "5min"),  # irregular: the most common interval
    (["2025-01-01", "2025-01-02", "2025-01-03"], "daily"),
    (["2025-01", "2025-02"], "monthly"),
])
def test_infer_frequency_gives_the_sampling_interval(dates, expected):
    assert infer_frequency(dates) == expected


def test_a_five_minute_series_stays_on_its_own_grid():
    values = five_minute(days=2)
    regular = to_regular(values, "5min")
    assert len(regular) == len(values) and regular.notna().all()
    assert PERIODS["5min"] == 288  # the cycle is the time of day


def test_irregular_timestamps_go_to_the_start_of_their_interval():
    values = five_minute(days=1, jitter=True)
    regular = to_regular(values, "5min")
    assert len(regular) == 288 and regular.notna().all()
    assert regular.index[1].start_time == pd.Timestamp("2025-03-01 00:05")


def test_a_five_minute_series_is_scored_point_by_point():
    values = five_minute()
    info = SeriesInfo("grid_load", "Bamako", frequency="5min")
    result = SeverityState().detect(values, info)
    assert result.status == "scored"
    scored = result.frame
    assert len(scored) > 0.3 * len(values)  # no hourly averaging: one row per observation after warm-up
    assert scored["date"].is_unique and set(scored["date"]) <= set(values.index)
    assert pd.to_datetime(scored["date"]).diff().dropna().eq(pd.Timedelta(minutes=5)).all()
    # the daily cycle is learnt (time-of-day profile), so ordinary days raise nothing
    assert (scored["severity"].isin(["alert", "crisis"])).sum() == 0


def test_a_five_minute_burst_is_an_alarm_at_its_start():
    values = five_minute()
    burst = values.index[7 * 288 + 100]
    values.iloc[7 * 288 + 100:7 * 288 + 130] += 30
    frame = SeverityState().detect(values, SeriesInfo("grid_load", "Bamako", frequency="5min")).frame
    flagged = frame[frame["severity"].isin(["alert", "crisis"])]
    assert flagged["date"].iloc[0] == burst


def test_thresholds_per_interval_keep_false_alarms_per_day_comparable():
    from scipy import stats
    hourly = SeasonalBaseline.thresholds_by_frequency["hourly"]
    for step in (1, 5, 10, 15, 30):
        mine = interval_thresholds(step)
        for name in ("stress", "alert", "crisis"):
            per_day = stats.norm.sf(mine[name]) * 24 * 60 / step
            assert per_day == pytest.approx(stats.norm.sf(hourly[name]) * 24, rel=0.05)
            assert mine[name] > hourly[name]


def test_episodes_count_sub_hourly_periods_in_their_interval():
    periods, kind, per_hour = date_periods(["2025-01-01T00:00:00", "2025-01-01T00:05:00", "2025-01-01T00:15:00"])
    assert kind == "hourly" and np.diff(periods).tolist() == [1, 2] and per_hour == 12


def test_sub_hourly_episodes_bridge_gaps_of_up_to_three_hours():
    from indicators.episodes import series_episodes
    dates = pd.date_range("2025-01-01", periods=60, freq="5min").strftime("%Y-%m-%dT%H:%M:%S")
    severities = ["normal"] * 60
    severities[5] = severities[40] = "alert"  # 35 intervals (under 3 hours) apart: one episode
    assert len(series_episodes(dates, severities)) == 1
