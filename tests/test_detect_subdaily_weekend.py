"""A weekly pattern first seen as an episode is learnt, not alarmed every week for good (issue 10).

An hourly load that is lower on weekends, scored from a Saturday, used to open an episode on its
first weekend; once the episode ended its values were left out of the baseline, the weekday levels
never saw a weekend, and every later weekend was "abnormal" again (0.161 alarms per series-day in
`benchmarks/subdaily_false_alarms.py --step 60 --days 120`). A short ended episode that recurs a
week later now stays in a sub-daily seasonal profile, with the one it recurs on (`state.WEEK`); a one-off
episode or a blockade that lasts a week or more still leaves it, and a blockade is still found.
"""
import numpy as np
import pandas as pd
import pytest

from indicators.detect import SeriesInfo, baseline, state, subdaily
from indicators.detect.base import to_regular
from indicators.detect.state import SeverityState
from indicators.episodes import series_episodes

from series_factory import AVAILABILITY, PRICE, daily_share, monthly_prices

LOWER_ON_WEEKENDS = 15.0  # noise 1


def load(start, days, step, weekend_from_day=0, blockade=None, seed=3):
    """A grid load every `step` minutes with a daily cycle, 15 lower on weekends from
    `weekend_from_day` on, and `blockade` = (first day, days) 15 lower still."""
    stamps = pd.date_range(start, periods=days * 1440 // step, freq=f"{step}min")
    hour = stamps.hour + stamps.minute / 60
    weekend = (stamps.day_of_week >= 5) & (stamps >= stamps[0] + pd.Timedelta(days=weekend_from_day))
    values = (50 + 20 * np.sin(2 * np.pi * (hour - 6) / 24) - LOWER_ON_WEEKENDS * weekend
              + np.random.default_rng(seed).normal(0, 1, len(stamps)))
    if blockade:
        first, length = pd.Timestamp(blockade[0]), pd.Timedelta(days=blockade[1])
        values = values - LOWER_ON_WEEKENDS * ((stamps >= first) & (stamps < first + length))
    return pd.Series(values, index=stamps.strftime("%Y-%m-%dT%H:%M:%S"))


def episodes(values, frequency):
    """(first scored date, [(start, last, peak severity)]) of the state detector's episodes."""
    frame = SeverityState().detect(values, SeriesInfo("sensor_load", "Bamako", frequency=frequency)).frame
    found = series_episodes(frame["date"], frame["severity"])
    return frame["date"].iloc[0], [(frame["date"].iloc[e["first"]], frame["date"].iloc[e["last"]],
                                   frame["severity"].iloc[e["peak"]]) for e in found]


@pytest.mark.parametrize("start, days, step, weekend_from_day, frequency", [
    ("2025-03-03", 70, 60, 0, "hourly"),  # scored from Saturday 01:00
    ("2025-03-02T17:20", 42, 5, 0, "5min"),  # scored from Saturday 00:00
    ("2025-03-03", 84, 60, 28, "hourly"),  # weekends lower from the fifth week on
])
def test_a_weekly_pattern_is_alarmed_on_its_first_weekends_only(start, days, step, weekend_from_day, frequency):
    first_scored, found = episodes(load(start, days, step, weekend_from_day), frequency)
    assert pd.Timestamp(first_scored).day_of_week == 5 or weekend_from_day  # scoring starts on a Saturday
    learnt_by = pd.Timestamp(start).normalize() + pd.Timedelta(days=weekend_from_day + 21)
    # the first weekends are new (weekday levels need two weeks of each day, known 5 days later);
    # from the fourth weekend of the pattern on, weekends are normal: before, every one was a crisis
    assert found and all(pd.Timestamp(begin) < learnt_by for begin, _, _ in found)


@pytest.mark.parametrize("start, days, step, frequency", [
    ("2025-03-03", 70, 60, "hourly"),
    ("2025-03-02T17:20", 49, 5, "5min"),
])
def test_a_blockade_that_starts_on_a_saturday_is_still_found(start, days, step, frequency):
    """After the weekends are learnt, a fall as large as a weekend's that starts on a Saturday and
    lasts 8 days is a crisis from its first point to its last, and leaves the profile (it lasted a
    week): the weekends after it are normal."""
    _, found = episodes(load(start, days, step, blockade=("2025-04-05", 8)), frequency)
    during = [f for f in found if f[0] >= "2025-04-01"]
    assert during[0][0] == "2025-04-05T00:00:00" and during[0][2] == "crisis"
    assert during[0][1] >= "2025-04-12T23:00:00"
    assert len(during) == 1


def test_a_blockade_from_the_first_scored_saturday_is_found_and_weekends_are_learnt_after_it():
    _, found = episodes(load("2025-03-03", 84, 60, blockade=("2025-03-08", 10)), "hourly")
    assert found[0][0] == "2025-03-08T01:00:00" and found[0][1] >= "2025-03-17T20:00:00"
    assert found[0][2] == "crisis"
    # the blockade (10 days) is kept out of the weekday levels: they learn from the weekends after it
    assert all(begin < "2025-04-12" for begin, _, _ in found)


def test_an_episode_that_recurs_a_week_later_stays_in_the_profile_others_leave_it():
    values = to_regular(load("2025-03-03", 42, 60), "hourly")
    info = SeriesInfo("sensor_load", "Bamako", frequency="hourly")
    fitted, _ = baseline.fit_series(values, info, "hourly")
    walk = state._Walk(values, info, "hourly", fitted, SeverityState.thresholds_by_frequency["hourly"])
    week = 7 * 24
    walk._mask(100, 100, 150)  # two days, once: out of everything, as before
    assert walk.masked[100:150].all() and walk.pattern_masked[100:150].all()
    walk._mask(100 + week + 5, 100 + week + 5, 150 + week)  # the same days a week later: the weekly pattern
    assert walk.masked[100 + week + 5:150 + week].all()
    assert not walk.pattern_masked[100:150].any() and not walk.pattern_masked[100 + week:150 + week].any()
    walk._mask(200 + 2 * week, 200 + 2 * week, 240 + 2 * week)  # not a week after either: out of the profile
    assert walk.pattern_masked[200 + 2 * week:240 + 2 * week].all()
    walk._mask(600, 600, 600 + week)  # a week: a blockade, out of the profile even though it overlaps
    assert walk.pattern_masked[600:600 + week].all() and walk.masked[600:600 + week].all()
    assert not walk.masked[:100].any()
    # an episode scored against an earlier one's normal: the level and scale lose the dates from
    # that normal's origin, the profile only the episode's own
    walk._mask(800, 850, 860)
    assert walk.masked[800:860].all() and not walk.pattern_masked[800:850].any() and walk.pattern_masked[850:860].all()


def test_the_sub_daily_profile_is_learnt_from_the_pattern_values():
    values = to_regular(load("2025-03-03", 42, 60), "hourly")
    weekends = values.index.day_of_week >= 5
    masked = values.where(~weekends)
    without = subdaily.fit(masked, "hourly", use_log=False)
    with_pattern = subdaily.fit(masked, "hourly", use_log=False, pattern=values)
    last_saturday = int(np.flatnonzero(values.index.day_of_week == 5)[-1])
    saturday_phase = 5 * 24 + 12
    # the weekday levels see the weekends in `pattern`; in the masked values there are none
    effect = with_pattern.profile[last_saturday, saturday_phase] - without.profile[last_saturday, saturday_phase]
    assert -13 < effect < -8  # 15 lower on 2 days of 7: 10.7 below the week's mean
    # the level and scale still leave the masked values out
    assert np.isnan(with_pattern.observed[weekends]).all()


def daily(start, days, from_day=0, seed=3):
    stamps = pd.date_range(start, periods=days, freq="D")
    weekend = (stamps.day_of_week >= 5) & (np.arange(days) >= from_day)
    values = 100 - LOWER_ON_WEEKENDS * weekend + np.random.default_rng(seed).normal(0, 2, days)
    return pd.Series(values, index=stamps.strftime("%Y-%m-%d"))


@pytest.mark.parametrize("start", ["2025-03-01", "2025-03-02"])  # a Saturday, a Sunday
def test_a_daily_weekday_pattern_starting_on_a_weekend_raises_no_alarm(start):
    """Daily series do not have the flaw at their start: they are scored only after three weeks of
    profile and 30 days of errors, by when the weekday profile (a median over 8 weeks) knows weekends."""
    _, found = episodes(daily(start, 200), "daily")
    assert found == []


def test_a_daily_weekday_pattern_that_begins_mid_series_is_learnt():
    """Weekends 15 lower from day 100 on (a market that closes on weekends): each weekend is an
    episode at first, and each came back within the level window of the last, so its normal was the
    first one's and at its end the level and scale lost everything from that first origin on,
    ordinary weekdays included: nothing after day 100 was learnt and every weekend was an alert (19
    in 150 days). Now an episode's abnormal dates that were abnormal on the same weekday in each of
    the two weeks before, with normal days between, are the weekly pattern (`state.WEEKDAY_PATTERN`):
    they stay in the weekday profile, the level and scale lose only the episode's abnormal dates,
    and a recurring weekday effect is no longer an outlier of the profile
    (`baseline._without_outliers`)."""
    _, found = episodes(daily("2025-03-03", 250, from_day=100), "daily")
    # its first weekend is an alert (the rule learns the third; 2025-06-14 and 15), none after
    assert found and all(begin < "2025-08-16" for begin, _, _ in found) and len(found) < 8


def weekday_series(indicator, closed, change, seed, days=250, from_day=100, crash=None):
    """A daily series of `indicator` (availability 0.9, queues 3 h, a load 100), `change` on the
    weekdays `closed` (0 Monday) from `from_day` on, and `crash` = (first day, days, change)."""
    base, noise = {"fuel_availability": (0.9, 0.02), "fuel_queue_time": (3.0, 0.2), "sensor_load": (100.0, 2.0)}[
        indicator]
    stamps = pd.date_range("2025-03-03", periods=days, freq="D")
    pattern = np.isin(stamps.day_of_week, closed) & (np.arange(days) >= from_day)
    values = base + change * pattern + np.random.default_rng(seed).normal(0, noise, days)
    if crash:
        values[crash[0]:crash[0] + crash[1]] += crash[2]
    return pd.Series(values, index=stamps.strftime("%Y-%m-%d"))


def daily_episodes(values, indicator):
    frame = SeverityState().detect(values, SeriesInfo(indicator, "Bamako", frequency="daily")).frame
    found = series_episodes(frame["date"], frame["severity"])
    return frame, [frame["date"].iloc[e["first"]] for e in found]


@pytest.mark.parametrize("indicator, closed, change, seed", [
    ("fuel_availability", (5, 6), -0.15, 1),  # stations closed on weekends report no fuel
    ("fuel_availability", (4,), -0.15, 2),  # ... on Fridays only
    ("fuel_queue_time", (6,), 1.5, 3),  # longer queues on Sundays (logs)
    ("sensor_load", (5, 6), -15.0, 4),
    ("sensor_load", (4,), -15.0, 6),
])
def test_a_daily_weekday_pattern_that_begins_mid_series_is_alarmed_for_a_few_weeks_only(indicator, closed, change,
                                                                                           seed):
    _, starts = daily_episodes(weekday_series(indicator, closed, change, seed), indicator)
    pattern_begins = pd.Timestamp("2025-03-03") + pd.Timedelta(days=100)
    # new at first: alarmed; learnt within eight weeks (before, it was alarmed every week for good)
    assert starts and pd.Timestamp(starts[0]) >= pattern_begins
    assert all(pd.Timestamp(start) < pattern_begins + pd.Timedelta(weeks=8) for start in starts)


@pytest.mark.parametrize("indicator, closed, change, crash, seed", [
    ("fuel_availability", (5, 6), -0.15, -0.3, 1),
    ("fuel_availability", (4,), -0.15, -0.3, 2),
    ("sensor_load", (5, 6), -15.0, -20.0, 4),
])
def test_a_three_week_crash_after_a_weekday_pattern_is_learnt_is_an_alert_throughout(indicator, closed, change,
                                                                                     crash, seed):
    """A fuel-availability crash of three weeks (not weekday-periodic) in the same series is held as
    one episode and not learnt: every day of it is alert or worse, and it leaves the baseline."""
    first, days = 190, 21
    values = weekday_series(indicator, closed, change, seed, crash=(first, days, crash))
    frame, starts = daily_episodes(values, indicator)
    crash_dates = set(values.index[first:first + days])
    during = frame[frame["date"].isin(crash_dates)]
    assert len(during) == days and during["severity"].isin(["alert", "crisis"]).all()
    assert values.index[first] in starts  # an alarm on its first day
    # the weekends after it are still the learnt pattern: no alarm in the month after the crash
    assert not [start for start in starts if values.index[first + days] <= start < values.index[first + days + 30]]


def weekly_prices():
    rng = np.random.default_rng(11)
    weeks = pd.period_range("2019-01-07", periods=300, freq="W-SUN")
    values = 300 * np.exp(rng.normal(0, 0.02, 300))
    values[200:210] *= 1.25  # ten weeks 25% higher
    return pd.Series(values, index=[week.start_time.strftime("%Y-%m-%d") for week in weeks])


def daily_without_weekday_pattern():
    values = daily_share(seed=5, days=300, drop_at=200, drop=-0.25, drop_days=21, spike_at=150)
    values.iloc[157] -= 0.3  # a second one-day fall on the same weekday a week later: not yet a pattern
    return values


@pytest.mark.parametrize("make, info, flagged", [
    (weekly_prices, SeriesInfo("grain_price", "Segou", "millet", "retail", "XOF/KG", "weekly"),
     [d.strftime("%Y-%m-%d") for d in pd.date_range("2022-11-07", periods=10, freq="7D")]),
    (lambda: monthly_prices(seed=4, shock_at=80, shock=0.3, shock_months=3, failed_harvest_year=2022), PRICE,
     ["2022-09", "2022-10", "2022-11", "2022-12"]),
    (daily_without_weekday_pattern, AVAILABILITY,
     ["2025-05-31", "2025-06-07"] + [d.strftime("%Y-%m-%d") for d in pd.date_range("2025-07-20", "2025-08-09")]),
], ids=["weekly", "monthly", "daily"])
def test_series_without_a_weekday_pattern_are_flagged_as_before(make, info, flagged):
    """The dates at alert or worse before the weekday-pattern rule (measured on main d448180)."""
    frame = SeverityState().detect(make(), info).frame
    assert frame.loc[frame["severity"].isin(["alert", "crisis"]), "date"].tolist() == flagged
