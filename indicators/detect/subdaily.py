"""The past-only baseline of a sub-daily series (sampled every 1 to 60 minutes).

The same three parts as `baseline` (docs/detection.md, "Sub-daily series"), computed with rolling
windows over the series instead of one window per date, so that a feed of 20,000 points is
fitted in a fraction of a second (the state detector refits after every episode):

1. time-of-day profile: the median over the last `SEASON_CYCLES` days of each interval's
   detrended value, known before t (`baseline.cycle_medians`), read where it is needed
   (`TimeOfDayProfile`) rather than built as an (n, 288) matrix;
2. level: the rolling median of the last `LEVEL_WINDOW` values (two days), each adjusted by the
   profile known when it was observed, from at least an eighth of the window's points (six hours
   of a 5-minute feed in two days: a sparse, irregular feed is still scored); no trend (a feed
   has none worth extrapolating over hours);
3. scale: `baseline._past_scale` of the baseline's own past errors (four weeks; the larger of the
   MAD and the 90th percentile, for quantised feeds), widened to the errors' 99th percentile
   where that is heavier than Gaussian (`past_scale`: counts and bursts), never below the spread
   of the level window (interquartile range / 1.349).

Warm-up as `baseline`: three days of observations for the profile, then two days of errors.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import baseline
from .base import INTERVALS, PERIODS, per_interval

IQR_TO_SD = 1.349
SPARSE_SHARE = 1 / 8  # a warm-up (as a level window) holds from an eighth of its points
WEEKDAY_WEEKS, WEEKDAY_MIN_WEEKS = 4, 2  # weekday levels: median of the last 4 weeks, from 2
DRIFT_HOURS = 3  # the span whose median the drift test scores
# a week of spans in its scale before the drift test scores: every day of the week seen once
DRIFT_WARM_UP = per_interval({"monthly": 0, "weekly": 0, "daily": 0, "hourly": 24 * 7}, span=True)
TAIL_QUANTILE, TAIL_TO_SD, TAIL_MIN_COUNT = 0.99, 2.5758, 1000  # 99th percentile of |N(0, 1)|: 2.576
def detrended(y: np.ndarray, period: int) -> np.ndarray:
    """Values less their centred moving average over a day (`baseline.cycle_medians`' rule:
    2 x period window, half weights at the ends, NaN where under 75% of it is observed), by
    convolution: a day of 5-minute points is 289 weights, not a 289-column matrix."""
    half = period // 2
    if len(y) <= 2 * half:
        return np.full(len(y), np.nan)
    weights = np.ones(2 * half + 1)
    if period % 2 == 0:
        weights[[0, -1]] = 0.5
    present = ~np.isnan(y)
    total = np.convolve(present.astype("float64"), weights, mode="same")
    sums = np.convolve(np.where(present, y, 0.0), weights, mode="same")
    centred = sums / np.where(total > 0, total, 1.0)
    return np.where(total >= 0.75 * weights.sum() - 1e-9, y - centred, np.nan)


class TimeOfDayProfile:
    """`baseline._profile`'s (n, period) matrix, computed only where it is read: `profile[t, phases]`
    is the seasonal effect of those intervals of the day as known before t (centred to mean zero;
    0 where not known yet). A 5-minute feed of 20,000 points would otherwise build 5.8 million
    values at every refit to read a few of them."""

    def __init__(self, y: np.ndarray, phase: np.ndarray, period: int, cycles: int):
        self.medians, self.shift, self.half = baseline.cycle_medians(y, phase, period, cycles,
                                                                     detrended=detrended(y, period))
        self.period, n = period, len(y)
        self.shape = (n, period)
        known = np.arange(n) - 1 - self.half + self.shift  # the last detrended value known before t
        cycle, last = known // period, known % period
        present = ~np.isnan(self.medians)
        values = np.where(present, self.medians, 0.0)
        # sums and counts of the known medians of row t: columns up to `last` from this cycle,
        # the others from the cycle before
        sums = np.concatenate([np.zeros((len(values), 1)), np.cumsum(values, axis=1)], axis=1)
        counts = np.concatenate([np.zeros((len(values), 1)), np.cumsum(present, axis=1)], axis=1)
        this, before = np.clip(cycle, 0, None), np.clip(cycle - 1, 0, None)
        low = np.where(cycle >= 0, 1.0, 0.0)
        high = np.where(cycle >= 1, 1.0, 0.0)
        total = low * sums[this, last + 1] + high * (sums[before, period] - sums[before, last + 1])
        number = low * counts[this, last + 1] + high * (counts[before, period] - counts[before, last + 1])
        with np.errstate(invalid="ignore", divide="ignore"):
            self.centre = np.where(number > 0, total / number, np.nan)
        self.cycle, self.last = cycle, last

    def __getitem__(self, key):
        rows, columns = key
        rows, columns = np.asarray(rows), np.asarray(columns)
        row = self.cycle[rows] - (columns > self.last[rows])
        value = np.where(row >= 0, self.medians[np.clip(row, 0, None), columns], np.nan) - self.centre[rows]
        return np.nan_to_num(value, nan=0.0)


class WeekdayProfile:
    """The time-of-day profile plus a level for each day of the week (`weekday_effects`):
    `profile[t, phases]` with phases of the week (weekday x intervals a day + interval), as the
    state detector reads `Baseline.profile`. Grid loads, traffic and station sales differ between
    weekdays and weekends by more than their noise; a holiday then stands out as a Sunday on a
    Thursday would."""

    def __init__(self, daily: TimeOfDayProfile, effects: np.ndarray, day: np.ndarray, period: int):
        self.daily, self.effects, self.day, self.period = daily, effects, day, period
        self.shape = (daily.shape[0], 7 * period)

    def __getitem__(self, key):
        rows, columns = key
        rows, columns = np.asarray(rows), np.asarray(columns)
        return self.daily[rows, columns % self.period] + self.effects[self.day[rows], columns // self.period]


def weekday_effects(y: np.ndarray, day: np.ndarray, weekday: np.ndarray, period: int) -> np.ndarray:
    """(days, 7): for each day D, the level of each weekday against the week, known before D: the
    median over the last `WEEKDAY_WEEKS` weeks of that weekday's mean of the values less their
    centred weekly moving average (known three and a half days after the day ends, hence the
    lag), from at least `WEEKDAY_MIN_WEEKS`; centred to mean zero; 0 where not known."""
    week = 7 * period
    days = int(day.max()) + 1 if len(day) else 0
    if len(y) <= 2 * week:  # not three weeks and a half: no weekday is known yet
        return np.zeros((days, 7))
    weights = np.ones(week + 1)
    weights[[0, -1]] = 0.5
    present = ~np.isnan(y)
    total = np.convolve(present.astype("float64"), weights, mode="same")
    sums = np.convolve(np.where(present, y, 0.0), weights, mode="same")
    detrended = np.where(total >= 0.75 * weights.sum() - 1e-9, y - sums / np.where(total > 0, total, 1.0), np.nan)
    known = ~np.isnan(detrended)
    count = np.bincount(day, weights=known, minlength=days)
    mean = np.bincount(day, weights=np.where(known, detrended, 0.0), minlength=days) / np.fmax(count, 1)
    mean[count < 0.75 * period] = np.nan
    day_weekday = np.full(days, -1)
    day_weekday[day] = weekday
    # rows of weeks: value of each weekday's day, the row being the week in which the day falls
    lag = 5  # a day's value is known once its weekly moving average has ended: 3.5 days later
    effects = np.zeros((days, 7))
    for d in range(days):
        rows = np.full(7, np.nan)
        for w in range(7):
            past = np.flatnonzero((day_weekday[:max(d - lag + 1, 0)] == w))
            values = mean[past[-WEEKDAY_WEEKS:]] if len(past) else np.array([])
            values = values[~np.isnan(values)]
            if len(values) >= WEEKDAY_MIN_WEEKS:
                rows[w] = np.median(values)
        if (~np.isnan(rows)).all():
            effects[d] = rows - rows.mean()
    return effects


def past_scale(errors: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Robust scale of the `window` errors before each position, and how many there are: the
    largest of 1.4826 x their MAD, their 90th percentile of absolute deviations / 1.645 (once
    `baseline.Q90_MIN_COUNT` are there: quantised feeds, as `baseline.robust_scale`) and their 99th
    percentile / 2.576 (once `TAIL_MIN_COUNT` are there). All three are the standard deviation
    for Gaussian errors. Feeds of counts and bursts (messages per interval, network traffic) have
    tails far heavier than the Gaussian the thresholds assume: the MAD and the 90th percentile do
    not see them, and every ordinary burst would be an alarm. The largest 1% of errors (7 hours
    of four weeks at 5 minutes) still do not move it, and episodes are masked out once they end.
    A long window is evaluated every `window // 100` positions, as `baseline._past_scale` does."""
    return baseline._past_scale(errors, window, tail=(TAIL_QUANTILE, TAIL_TO_SD, TAIL_MIN_COUNT))


def warmed_up(count: np.ndarray, needed: int, present: np.ndarray) -> np.ndarray:
    """Where a warm-up of `needed` points is over: `count` (the points before each position, or in
    its window) reaches `needed`, or, until it first does, as long a span of time has passed since
    the first `present` point with at least `SPARSE_SHARE` of its points there (the level's own
    rule). The warm-ups are spans of time (three days of profile, two of errors): a feed that
    reports 40% of its 5-minute intervals (a traffic sensor, a logger on a weak link) would
    otherwise wait a week for the first and five more days for the second. A complete feed reaches
    both at the same position, so it warms up exactly as before, and later (episodes masked out of
    the window) the count alone holds as before."""
    n = len(count)
    by_count = count >= needed
    before = np.cumsum(present) - present  # points before each position
    span_end = (int(np.argmax(present)) if present.any() else n) + needed
    if span_end >= n or before[span_end] >= needed:  # complete over the span: the count decides
        return by_count
    until = int(np.argmax(by_count)) if by_count.any() else n
    positions = np.arange(n)
    return by_count | ((positions >= span_end) & (before >= SPARSE_SHARE * needed) & (positions < until))


def drift_scores(errors: np.ndarray, frequency: str) -> np.ndarray:
    """How far the last `DRIFT_HOURS` stand from normal: the median of their errors against the
    baseline, over the robust scale (`past_scale`) of that median's own values before the span
    began, so that errors which wander over hours (autocorrelated feeds) widen it as much as they
    move it. A level that slides over hours (a sensor drifting, a load falling through an
    afternoon) is followed by the two-day level and no single point of it stands out; the median
    of a span does. NaN until the scale has its warm-up of values."""
    span = max(DRIFT_HOURS * 60 // INTERVALS[frequency], 1)
    median = pd.Series(errors).rolling(span, min_periods=max(span // 2, 1)).median().to_numpy()
    before = np.concatenate([np.full(span, np.nan), median[:-span]]) if len(median) > span else np.full(len(median), np.nan)
    scale, count = past_scale(before, baseline.SCALE_WINDOW[frequency])
    with np.errstate(invalid="ignore", divide="ignore"):
        score = median / scale
    score[count < DRIFT_WARM_UP[frequency]] = np.nan
    return score


def fit(regular: pd.Series, frequency: str, use_log: bool, pattern: pd.Series | None = None) -> baseline.Baseline:
    """The baseline of `regular`, its time-of-day profile and weekday levels from `pattern` when
    given (`baseline.fit`: an ended weekend episode stays in them, so weekends are learnt)."""
    period = PERIODS[frequency]
    raw = regular.to_numpy(dtype="float64")
    y = np.log(raw) if use_log else raw.copy()
    n = len(y)
    phase = baseline.phases(regular.index, frequency)
    seasonal_y = baseline.seasonal_values(y, pattern, use_log)
    daily = TimeOfDayProfile(seasonal_y, phase, period, baseline.SEASON_CYCLES[frequency])
    day = (int(phase[0]) + np.arange(n)) // period if n else np.zeros(0, dtype=int)
    weekday = (regular.index[0].day_of_week + day) % 7 if n else day
    profile = WeekdayProfile(daily, weekday_effects(seasonal_y, day, weekday, period), day, period)
    phase = weekday * period + phase  # the time of the week
    seasonal = profile[np.arange(n), phase]

    window = baseline.LEVEL_WINDOW[frequency]
    adjusted = pd.Series(y - seasonal)
    rolling = adjusted.rolling(window, min_periods=window // 8)
    # values strictly before t: the window ending at t - 1
    level = rolling.median().shift(1).to_numpy(copy=True)
    spread = ((rolling.quantile(0.75) - rolling.quantile(0.25)) / IQR_TO_SD).shift(1).to_numpy()
    in_window = rolling.count().shift(1).fillna(0).to_numpy()
    observed_before = np.cumsum(~np.isnan(y)) - ~np.isnan(y)
    level[~warmed_up(observed_before, baseline.needed_observations(frequency), ~np.isnan(y))] = np.nan
    expected = level + seasonal

    errors = y - expected
    scale_of_errors, count = past_scale(errors, baseline.SCALE_WINDOW[frequency])
    scale = np.where(count >= baseline.MIN_ERRORS, np.fmax(scale_of_errors * baseline.small_sample_factor(count),
                                                           spread),
                     spread * baseline.COLD_START_INFLATION * baseline.small_sample_factor(in_window))
    floor = 0.005 if use_log else 0.01 * np.maximum(np.abs(level), 1e-3)
    scale = np.fmax(scale, floor)
    scale[~warmed_up(count, baseline.WARM_UP[frequency], ~np.isnan(errors))] = np.nan
    return baseline.Baseline(observed=y, expected=expected, level=level, slope=np.zeros(n), profile=profile,
                             phase=phase, scale=scale, use_log=use_log, period=7 * period)
