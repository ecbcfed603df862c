"""The sub-daily baseline (rolling windows): past data only, a tail-aware scale for bursty feeds."""
import numpy as np
import pandas as pd
import pytest

from indicators.detect import SeriesInfo, baseline, subdaily
from indicators.detect.state import SeverityState


def feed(days=12, seed=5, noise="gaussian"):
    stamps = pd.date_range("2025-03-01", periods=days * 288, freq="5min")
    rng = np.random.default_rng(seed)
    hour = stamps.hour + stamps.minute / 60
    errors = rng.normal(0, 1.0, len(stamps)) if noise == "gaussian" else rng.standard_t(3, len(stamps))
    values = 50 + 20 * np.sin(2 * np.pi * (hour - 6) / 24) + errors
    return pd.Series(values, index=stamps.strftime("%Y-%m-%dT%H:%M:%S"))


def regular(values):
    from indicators.detect.base import to_regular
    return to_regular(values, "5min")


def test_the_sub_daily_fit_uses_past_data_only():
    series = regular(feed())
    fitted = subdaily.fit(series, "5min", use_log=False)
    cut = 9 * 288 + 17
    changed = series.copy()
    changed.iloc[cut:] += 500.0
    refitted = subdaily.fit(changed, "5min", use_log=False)
    for name in ("expected", "scale"):
        assert np.array_equal(getattr(fitted, name)[:cut + 1], getattr(refitted, name)[:cut + 1], equal_nan=True)
    assert not np.allclose(fitted.expected[cut + 300:], refitted.expected[cut + 300:])


def test_the_sub_daily_fit_learns_the_time_of_day_and_the_noise():
    fitted = subdaily.fit(regular(feed()), "5min", use_log=False)
    scored = fitted.scorable
    assert scored[-288:].all() and not scored[:3 * 288].any()  # three days of profile, two of warm-up
    errors = (fitted.observed - fitted.expected)[scored]
    assert abs(np.median(errors)) < 0.2 and 0.9 < np.nanmedian(fitted.scale[scored]) < 1.6


def test_the_scale_is_the_standard_deviation_for_gaussian_errors_and_wider_for_heavy_tails():
    rng = np.random.default_rng(1)
    gaussian, count = subdaily.past_scale(rng.normal(0, 2.0, 3000), 2000)
    assert gaussian[-1] == pytest.approx(2.0, rel=0.15) and count[-1] == 2000
    heavy = rng.standard_t(3, 3000)
    scale, _ = subdaily.past_scale(heavy, 2000)
    mad_and_q90, _ = baseline._past_scale(heavy, 2000)  # MAD and 90th percentile, as every scale
    assert scale[-1] > 1.3 * mad_and_q90[-1]  # the 99th percentile sees the tail
    # before TAIL_MIN_COUNT errors the 99th percentile is not used
    early = subdaily.TAIL_MIN_COUNT - 100
    assert scale[early] == pytest.approx(mad_and_q90[early])


def episodes(values):
    from indicators.episodes import series_episodes
    frame = SeverityState().detect(values, SeriesInfo("sensor_load", "Bamako", frequency="5min")).frame
    return frame, series_episodes(frame["date"], frame["severity"])


@pytest.mark.parametrize("noise, burst", [("gaussian", 0.0), ("gaussian", 15.0), ("heavy", 0.0), ("heavy", 400.0)])
def test_a_burst_is_an_alarm_at_its_start(noise, burst):
    values = feed(noise=noise)
    at = 10 * 288 + 50
    values.iloc[at:at + 6] += burst
    frame, found = episodes(values)
    starts = [frame["date"].iloc[e["first"]] for e in found]
    if burst:
        assert values.index[at] in starts
    elif noise == "gaussian":
        assert starts == []


def test_heavy_tails_raise_fewer_alarms_with_the_tail_scale(monkeypatch):
    values = feed(noise="heavy")
    with_tail = len(episodes(values)[1])
    monkeypatch.setattr(subdaily, "TAIL_MIN_COUNT", 10 ** 9)  # MAD and 90th percentile only
    without_tail = len(episodes(values + 1e-9)[1])  # a new key for the fit cache
    assert with_tail < without_tail


def weekly_feed(holiday=None):
    """Eight weeks of a 5-minute grid load that is 15 lower on weekends (noise 1)."""
    stamps = pd.date_range("2025-03-03", periods=56 * 288, freq="5min")  # a Monday
    hour = stamps.hour + stamps.minute / 60
    values = (50 + 20 * np.sin(2 * np.pi * (hour - 6) / 24) - 15 * (stamps.dayofweek >= 5)
              + np.random.default_rng(7).normal(0, 1, len(stamps)))
    if holiday:
        values = values - 15 * (stamps.normalize() == pd.Timestamp(holiday))
    return pd.Series(values, index=stamps.strftime("%Y-%m-%dT%H:%M:%S"))


@pytest.mark.parametrize("weekdays_modelled, holiday, starts", [
    (True, None, []),  # weekends are learnt as normal
    (True, "2025-04-23", ["2025-04-23T00:00:00"]),  # a Wednesday at the weekend's level is not
    (False, "2025-04-23", []),  # without weekday levels the weekends widen the scale and hide it
])
def test_weekday_levels(monkeypatch, weekdays_modelled, holiday, starts):
    if not weekdays_modelled:
        monkeypatch.setattr(subdaily, "WEEKDAY_MIN_WEEKS", 10 ** 6)
    values = weekly_feed(holiday) + (0 if weekdays_modelled else 1e-9)  # a new key for the fit cache
    frame, found = episodes(values)
    assert [frame["date"].iloc[e["first"]] for e in found] == starts


def first_scored_day(values):
    fitted = subdaily.fit(regular(values), "5min", use_log=False)
    return np.flatnonzero(fitted.scorable)[0] / 288


@pytest.mark.parametrize("reported, first_day", [
    (1.0, 5.28),  # complete: three days of profile, two of errors (counted every 80 points), as before
    (0.4, 5.0),  # 40% of intervals reported: the same spans of time, not a week and then five days
    (0.1, None),  # under an eighth of the intervals: never warmed up
])
def test_the_warm_up_is_a_span_of_time(reported, first_day):
    values = feed(days=9)
    values = values[np.random.default_rng(2).random(len(values)) < reported]
    fitted = subdaily.fit(regular(values), "5min", use_log=False)
    scored = np.flatnonzero(fitted.scorable)
    if first_day is None:
        assert len(scored) == 0
    else:
        assert scored[0] / 288 == pytest.approx(first_day, abs=0.05)


def test_after_the_warm_up_the_count_of_errors_holds_as_before():
    """Errors masked out of the window (a long episode) leave fewer than two days of them in the last
    four weeks: no live scale (the state detector scores against the normal of before the episode),
    as before the time rule, which only ever shortens a sparse feed's first warm-up."""
    values = regular(feed(days=34))
    masked = values.copy()
    masked.iloc[6 * 288:33 * 288] = np.nan
    fitted = subdaily.fit(masked, "5min", use_log=False)
    assert np.isnan(fitted.scale[int(33.5 * 288)]) and not np.isnan(fitted.scale[int(5.9 * 288)])
