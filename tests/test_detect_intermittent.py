"""Intermittent (zero-heavy) series: outage loggers scored by what is normal for them (outage
occurrence by time of day or month, outage durations), routed from the state detector."""
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from intermittent_benchmark import CHANGE, DAYS, annual_cycle, evening_outages, grid_log as hourly_log  # noqa: E402

from indicators import units  # noqa: E402
from indicators.detect import SeriesInfo, intermittent  # noqa: E402
from indicators.detect.explain import format_value  # noqa: E402
from indicators.detect.state import SeverityState  # noqa: E402
from indicators.episodes import series_episodes  # noqa: E402

HOURLY = SeriesInfo("power_outage", "Kati", unit="hours/day", frequency="hourly")
DAILY = SeriesInfo("power_outage", "Sikasso", unit="hours/day", frequency="daily")
# hourly logs (the benchmark's `hourly_evening` family): the pattern changes on day 70, 2025-03-12


def alarms(frame):
    """Dates of the alarms (episode starts at alert or worse) in a detector frame."""
    return [frame["date"].iloc[episode["first"]] for episode in series_episodes(frame["date"], frame["severity"])]


def scored(values, info=HOURLY):
    result = SeverityState().detect(values, info)
    assert result.status == "scored" and "intermittent" in result.message, result.message
    return result.frame


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ordinary_evening_outages_raise_no_alarm(seed):
    frame = scored(hourly_log(evening_outages(np.random.default_rng(seed))))
    assert alarms(frame) == []
    assert frame["severity"].eq("normal").mean() > 0.98
    evening = frame[frame["date"].str[11:13].isin(["19", "20", "21"]) & (frame["value"] > 0)]
    assert len(evening) > 20 and (evening["severity"] == "normal").all()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_outages_becoming_more_frequent_raise_an_alarm_after_the_change(seed):
    rng = np.random.default_rng(seed)
    events = evening_outages(rng)
    # from day 70: four more outages a day, at any hour (about 3 h a day more without power)
    events += [(day * 24 + rng.uniform(0, 24), float(0.7 * np.exp(0.5 * rng.normal())))
               for day in range(CHANGE, DAYS) for _ in range(4)]
    frame = scored(hourly_log(events))
    found = alarms(frame)
    assert found, "no alarm"
    first = pd.Timestamp(found[0])
    assert pd.Timestamp("2025-03-12") <= first <= pd.Timestamp("2025-03-12") + pd.Timedelta(days=7)
    assert "more frequent" in frame.loc[frame["date"] == found[0], "explanation"].iloc[0]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_outages_becoming_longer_raise_an_alarm_after_the_change(seed):
    rng = np.random.default_rng(seed)
    events = evening_outages(rng, last=CHANGE) + evening_outages(rng, first=CHANGE, median=5.0, sigma=0.2)
    frame = scored(hourly_log(events))
    found = alarms(frame)
    assert found, "no alarm"
    first = pd.Timestamp(found[0])
    assert pd.Timestamp("2025-03-12") <= first <= pd.Timestamp("2025-03-12") + pd.Timedelta(days=7)
    text = frame.loc[frame["date"] == found[0], "explanation"].iloc[0]
    assert "longer than usual" in text or "an outage lasting" in text, text


def test_a_blackout_in_a_quiet_area_is_a_crisis_the_same_day():
    rng = np.random.default_rng(4)
    events = evening_outages(rng, share=0.1) + [(CHANGE * 24 + 8.0, 14.0)]  # 08:00 to 22:00 on day 70
    frame = scored(hourly_log(events))
    found = alarms(frame)
    # with a handful of short outages known, the durations' scale is wide: the alarm comes once the
    # outage is far beyond them (about 9 hours here), and it is a crisis
    assert found and pd.Timestamp("2025-03-12T08:00:00") < pd.Timestamp(found[0]) <= pd.Timestamp("2025-03-12T20:00:00")
    assert frame.loc[frame["date"] == found[0], "severity"].iloc[0] == "crisis"
    assert "an outage lasting" in frame.loc[frame["date"] == found[0], "explanation"].iloc[0]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_daily_series_with_an_annual_cycle_raises_no_alarm_on_the_cycle(seed):
    frame = scored(annual_cycle(seed, ordinary=True), DAILY)
    assert frame["date"].min() < "2021-03-01"  # scored through four hot seasons
    assert alarms(frame) == []


def test_the_same_cycle_with_outages_every_day_of_a_cool_month_raises_an_alarm():
    frame = scored(annual_cycle(0, january_every_day=True, ordinary=True), DAILY)
    found = alarms(frame)
    assert found and "2024-01-01" <= found[0] <= "2024-01-15"
    assert all(date.startswith("2024-01") for date in found)


@pytest.mark.parametrize("values", [
    [0.0] * 2000,
    [0.0] * 1500 + [1.0] * 30 + [0.0] * 470,
    [0.0] * 1999 + [0.01],
    ([0.0] * 47 + [0.25]) * 42,
], ids=["all zero", "a day-long blackout", "one small outage", "one outage a day, always the same"])
def test_mad_zero_series_never_produce_infinite_or_huge_scores(values):
    stamps = pd.date_range("2025-01-01", periods=len(values), freq="h").strftime("%Y-%m-%dT%H:%M:%S")
    frame = scored(pd.Series(values, index=stamps))
    assert np.isfinite(frame["score"]).all()
    assert frame["score"].abs().max() <= intermittent.SCORE_CAP
    assert np.isfinite(frame[["expected", "lower", "upper"]].to_numpy()).all()


def test_without_the_routing_a_zero_heavy_series_gets_huge_scores(monkeypatch):
    """The problem being solved: the seasonal scale of a series that is zero most of the time."""
    values = hourly_log(evening_outages(np.random.default_rng(0)))
    monkeypatch.setattr(intermittent, "ROUTE_SHARE", 2.0)
    result = SeverityState().detect(values, HOURLY)
    assert "intermittent" not in result.message and result.frame["score"].max() > 100


@pytest.mark.parametrize("info, values, routed", [
    (DAILY, pd.Series(np.full(400, 5.0) + np.arange(400) % 3), False),  # outages every day
    (SeriesInfo("fuel_availability", "Bamako", "petrol", unit="share", frequency="daily"),
     pd.Series(np.zeros(400)), False),  # availability at zero is bad, not quiet
    (SeriesInfo("grain_price", "Segou", "millet", "retail", "XOF/KG", "monthly"), pd.Series(np.full(60, 250.0)), False),
    (DAILY, pd.Series(np.where(np.arange(400) % 3 == 0, 2.0, 0.0)), True),  # outages on a third of days
    (DAILY, pd.Series(np.where(np.arange(400) % 3 == 0, 2.0, 0.1)), True),  # 6 min a day is no outage
])
def test_the_routing_rule(info, values, routed):
    assert intermittent.is_intermittent(values, info, info.frequency) is routed


def test_routing_looks_only_at_the_periods_before_the_first_score():
    quiet = np.zeros(2000)
    quiet[intermittent.routing_span("hourly"):] = 3.0 / 24  # later: outages all the time
    assert intermittent.is_intermittent(pd.Series(quiet), HOURLY, "hourly")


def test_no_look_ahead():
    rng = np.random.default_rng(1)
    values = hourly_log(evening_outages(rng) + [(75 * 24 + 9.0, 8.0)])
    full = scored(values).set_index("date")
    for cut in (60 * 24, 75 * 24 + 12, 90 * 24):
        part = scored(values.iloc[:cut]).set_index("date")
        pd.testing.assert_frame_equal(part, full.loc[part.index])


def test_a_five_minute_logger_is_scored_point_by_point_with_minutes_in_its_words():
    stamps = pd.date_range("2025-01-01", periods=28 * 288, freq="5min")
    values = np.zeros(len(stamps))
    rng = np.random.default_rng(2)
    for day in range(28):
        if rng.random() < 0.4:
            start = day * 288 + int(rng.integers(18 * 12, 22 * 12))
            values[start:start + int(rng.integers(3, 12))] = 5 / 60
    info = SeriesInfo("power_outage", "Kati", unit="hours/day", frequency="5min")
    frame = scored(pd.Series(values, index=stamps.strftime("%Y-%m-%dT%H:%M:%S")), info)
    assert pd.to_datetime(frame["date"]).diff().dropna().eq(pd.Timedelta(minutes=5)).all()
    assert alarms(frame) == []
    assert frame.loc[frame["value"] > 0, "explanation"].str.contains("[0-9] min in the 5 minutes").all()
    assert not frame["explanation"].str.contains("h/day").any()


@pytest.mark.parametrize("value, unit, frequency, words", [
    (0.4, "hours/day", "hourly", "0.4 h in the hour"),
    (0.2, "hours/day", "5min", "12 min in the 5 minutes"),
    (1 / 24, "hours/day", "5min", "2.5 min in the 5 minutes"),
    (0.5 / 60, "hours/day", "1min", "0.5 min in the minute"),
    (5.5, "hours/day", "daily", "5.5 h/day"),
    (2.0, "hours", "hourly", "2.0 h"),  # a queue time is a duration, not a time within the period
])
def test_units_per_period(value, unit, frequency, words):
    assert format_value(value, units.per_period(unit, frequency)) == words


def test_alerts_and_episodes_work_unchanged_on_an_outage_logger(track, write_csv):
    rng = np.random.default_rng(0)
    values = hourly_log(evening_outages(rng) + [(80 * 24 + 7.0, 12.0)])
    lines = ["indicator,location,item,date,value,unit"] + [
        f"power_outage,Kati,,{date},{value * 60:.4f},minutes" for date, value in values.items()]
    assert track("collect", "csv", str(write_csv("logger.csv", "\n".join(lines) + "\n"))).exit_code == 0
    assert track("detect").exit_code == 0
    episodes = track("alerts", "--episodes", "--format", "csv")
    rows = pd.read_csv(pd.io.common.StringIO(episodes.output))
    assert len(rows) == 1 and rows["start"].iloc[0].startswith("2025-03-22T")
    current = track("alerts", "--all", "--format", "csv").output
    assert "h in the hour" in current and "score 99999" not in current
