"""The sub-daily drift test: a level that slides over hours, which no single point shows."""
import numpy as np
import pandas as pd
import pytest

from indicators.detect import SeriesInfo, baseline, state, subdaily
from indicators.detect.state import SeverityState
from indicators.episodes import series_episodes

SLIDE_AT = 13 * 288 + 100  # day 13, 08:20: the drift test has a week of spans in its scale


def feed(slide=0.0, hours=6, seed=5, days=16, weekly=False):
    """A 5-minute load with a daily cycle and noise 1; from SLIDE_AT it slides down by `slide` over
    `hours`, then stays there for a day."""
    stamps = pd.date_range("2025-03-03", periods=days * 288, freq="5min")
    hour = stamps.hour + stamps.minute / 60
    values = np.asarray(50 + 20 * np.sin(2 * np.pi * (hour - 6) / 24)
                        + np.random.default_rng(seed).normal(0, 1, len(stamps)), dtype="float64")
    if weekly:
        values -= 15 * (stamps.day_of_week >= 5)
    steps = hours * 12
    values[SLIDE_AT:SLIDE_AT + steps] -= np.linspace(0, slide, steps)
    values[SLIDE_AT + steps:SLIDE_AT + steps + 288] -= slide
    return pd.Series(values, index=stamps.strftime("%Y-%m-%dT%H:%M:%S"))


def alarms(values, monkeypatch=None, drift=True):
    if not drift:
        monkeypatch.setattr(state, "DRIFT_ALERT", float("inf"))
    baseline._RECENT.clear()  # the same values with another rule: no cached fit
    frame = SeverityState().detect(values, SeriesInfo("sensor_load", "Bamako", frequency="5min")).frame
    return frame, [frame["date"].iloc[e["first"]] for e in series_episodes(frame["date"], frame["severity"])]


@pytest.mark.parametrize("slide, hours, without_drift", [
    (3.0, 6, False),  # 3 noise scales over 6 hours: no point stands out, the span does
    (6.0, 12, True),  # found by the points too, hours later
])
def test_a_level_sliding_over_hours_is_an_alert(monkeypatch, slide, hours, without_drift):
    values = feed(slide, hours)
    frame, starts = alarms(values)
    slide_start = pd.Timestamp(values.index[SLIDE_AT])
    assert len(starts) == 1 and slide_start < pd.Timestamp(starts[0]) < slide_start + pd.Timedelta(hours=hours)
    first = frame[frame["date"] == starts[0]].iloc[0]
    assert first["severity"] == "alert" and "the last 3 hours stand" in first["explanation"]
    _, points_only = alarms(values + 1e-9, monkeypatch, drift=False)
    assert bool(points_only) == without_drift
    if points_only:
        assert pd.Timestamp(points_only[0]) > pd.Timestamp(starts[0]) + pd.Timedelta(hours=2)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("weekly", [False, True])
def test_ordinary_feeds_raise_no_drift_alarm(seed, weekly):
    assert alarms(feed(seed=seed, weekly=weekly, days=28))[1] == []


def test_the_drift_score_uses_past_spans_only():
    errors = np.random.default_rng(3).normal(0, 1, 6000)
    changed = errors.copy()
    changed[5000:] += 10.0
    before, after = subdaily.drift_scores(errors, "5min"), subdaily.drift_scores(changed, "5min")
    assert np.array_equal(before[:5000], after[:5000], equal_nan=True)
    assert np.isnan(before[:2016]).all() and np.isfinite(before[-1])  # a week of spans before the first
    assert after[5000 + 36] > state.DRIFT_ALERT  # three hours into the shift
