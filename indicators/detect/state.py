"""Severity state: how abnormal each date is against the normal that held before the episode.

The seasonal baseline (`baseline.fit`, past data only) gives the normal of each date. A date's
severity combines the robust score against it with the practical size of the deviation
(`severity.classify`). Once a date reaches `alert`, an *episode* begins, and the normal is frozen
where the deviation began (the first of the consecutive dates beyond `WATCH` scales before it):
later dates are scored against that pre-episode normal, so a blockade stays `alert` or `crisis`
for as long as it lasts instead of being learnt as the new level. The episode ends after
`END_POINTS` consecutive normal dates; its values are then kept out of the baseline that later
dates are scored against (the baseline is refitted without them; a short episode that recurs a
week later stays in a sub-daily series' seasonal profile, since it is the weekly pattern: `WEEK`;
a daily series' dates that recur on the same weekday, `WEEKDAY_PATTERN`).
An episode that lasts `NEW_NORMAL` periods is declared the new normal, explicitly ("new normal
since ..."): from then on the normal is the episode's own level until the baseline has a full
window of it.

Within an episode that reached alert, a lower bar holds the phase of the date before (`IN_EPISODE`:
never more, so a phase the episode fell from needs the ordinary thresholds again; sub-daily points
hold up to the episode's peak). Moderate deviations that persist (`PERSIST` consecutive dates at
stress whose size allows alert) are an alert too: a shift that is modest each day but does not go
away, as long as the streak is unlikely under the series' own autocorrelated noise
(`streak_is_unlikely`); from a date at alert or worse, the plain rule carries the alert on. Past data only: the
state at t depends on data up to t, as a scheduled job would have seen it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import units
from . import baseline, intermittent
from .base import (INTERVALS, STEP_WORDS, DetectionResult, Detector, SeriesInfo, date_labels, is_monthly_price,
                   observed_count, orient, output_columns, per_interval)
from .explain import against_usual, compared_with_past, format_values, normal_range_words, same_month_references
from .seasonal import SeasonalBaseline
from .severity import SEVERITIES, classify_one, classify_ranks, magnitude, magnitude_one, names, size_rule

WATCH = 1.0  # scores beyond this, in a row, mark where an episode may have begun
# Within an episode the question is no longer "is this date unusual?" but "is it back to normal?":
# the phase holds at lower scores (hysteresis) while the size rule still caps it.
IN_EPISODE = {"stress": WATCH, "alert": 2.0, "crisis": 3.0}
# A drift too slow for any one date to stand out (a blockade tightening over weeks, which the
# baseline's level would follow): a one-sided CUSUM of the scores (Page, 1954), S = max(0, S + z - k),
# makes a date stress from S >= h when its size allows stress, and the episode's normal is then frozen
# where the CUSUM run began.
# Daily and hourly series only: a monthly baseline's level spans two years and does not follow a
# drift of weeks, and autocorrelated monthly prices would trip the CUSUM.
CUSUM_K, CUSUM_H = 1.0, 5.0
CUSUM_FREQUENCIES = {"daily"}
# The severity from which the normal is frozen: stress for daily and hourly series (their baseline
# follows the last weeks), alert for monthly and weekly ones (their level spans years; a stale
# frozen normal would raise false alarms on ordinary drift).
# Sub-daily intervals: the hourly rules, counts of points (END_POINTS, PERSIST) as they are, the
# new-normal delay and the slope horizon as the same time (two weeks, a day).
FREEZE_FROM = per_interval({"monthly": 2, "weekly": 2, "daily": 1, "hourly": 1})
END_POINTS = per_interval({"monthly": 2, "weekly": 2, "daily": 3, "hourly": 3})
PERSIST = per_interval({"monthly": 2, "weekly": 2, "daily": 3, "hourly": 3}, span=True)
NEW_NORMAL = per_interval({"monthly": 12, "weekly": 26, "daily": 180, "hourly": 24 * 14}, span=True)
SLOPE_HORIZON = per_interval({"monthly": 12, "weekly": 8, "daily": 7, "hourly": 24}, span=True)
# The frequencies whose frozen normal widens with the level's ordinary drift since the episode's start
# (`baseline.Baseline.level_drift`): a daily level moves over weeks (and with an annual cycle).
DRIFTING = {"daily"}
# Sub-daily: an ended episode shorter than a week that recurs a week later (its dates a week before
# overlap an earlier ended episode) is the weekly pattern (weekends lower), not a crisis: both stay
# in the seasonal profile (time of day, weekday levels) and leave only the level and scale, so the
# pattern is learnt instead of masked out of every week for good. A one-off episode, or one that
# lasts a week or more (a blockade), leaves the profile too. Daily, weekly and monthly series leave
# every episode out of everything (0): a daily series is first scored when its weekday profile
# already knows its weekly pattern, and the rule moved daily benchmark runs both ways (a pattern
# that begins later has a daily rule of its own: `WEEKDAY_PATTERN`).
WEEK = per_interval({"monthly": 0, "weekly": 0, "daily": 0, "hourly": 24 * 7}, span=True)
# Daily: a weekday pattern that begins mid-series (a market that starts closing on weekends) is
# judged date by date, since hysteresis may hold one episode over two weekends (`_weekday_pattern`):
# an ended episode's abnormal dates that were abnormal on the same weekday in each of the
# `WEEKDAY_RECURRENCES` weeks before, with `END_POINTS` normal days between, are the weekly pattern,
# as long as they leave `END_POINTS` weekdays a week normal (a persistent shift is abnormal on every
# weekday and never qualifies): those dates stay in the seasonal profile, and the episode leaves
# only its abnormal dates out of the level and scale (the days between weekends were ordinary
# ones), not everything from an earlier episode's origin on (docs/detection.md, "Sub-daily series").
WEEKDAY_PATTERN, WEEKDAY_RECURRENCES, DAYS_A_WEEK = {"daily"}, 2, 7
# Sub-daily: the median of the last 3 hours at a crisis' distance from normal, in its own scale
# (`subdaily.drift_scores`), is an alert, once as it crosses; the normal is frozen where the span began.
DRIFT_ALERT = 7.0
DRIFT_SPAN = per_interval({"monthly": 0, "weekly": 0, "daily": 0, "hourly": 3}, span=True)
# The persistence rule judged against the series' own error autocorrelation (`streak_is_unlikely`):
# monthly, weekly and daily series (sub-daily ones keep the plain rule: their episodes follow the
# hourly conventions of "Sub-daily series"), the lag-1 autocorrelation of the standardised one-step
# errors over the scale window before each date, from this many pairs, each error clipped at this
# many scales (a spike does not make the noise look autocorrelated), at most `MAX_AUTOCORRELATION`.
AUTOCORRELATED = {"monthly", "weekly", "daily"}
AUTOCORRELATION_PAIRS, AUTOCORRELATION_CLIP, MAX_AUTOCORRELATION = 24, 3.0, 0.95
FIXED_SHARE = 0.5  # a series unchanged from one date to the next this often is fixed, not wandering
DATA_ERROR_RATIO = 3.0  # a single date at 3x (or a third of) its neighbour before: possibly a data error
LIVE, FROZEN, ANCHORED = "live", "frozen", "anchored"
TABLE = ("position", "score", "severity", "kind", "start", "origin", "expected", "scale")  # `_Walk.run`'s columns


class SeverityState(Detector):
    name = "state"
    title = "Severity state (against the pre-episode normal)"
    thresholds_by_frequency = SeasonalBaseline.thresholds_by_frequency
    thresholds = thresholds_by_frequency["monthly"]
    band_width = 2.0
    method = (
        "Each date is scored against the past-only seasonal baseline (the seasonal detector's expectation and "
        "robust scale) and its severity combines that score with the size of the deviation in units people "
        "use: percent above normal for prices, percentage points for fuel availability, hours for queues and "
        "outages (a 3% move is never a crisis however quiet the series; a large size is alert or crisis once it "
        "is 2.5 scales out of the noise). From the first date at alert (stress for daily series), an episode runs and the normal is "
        "frozen where the deviation began, so the crisis stays a crisis for as long as it lasts (within an episode the "
        "phase holds from 1, 2 and 3 scales: stress, alert, crisis, never above the date before's and still capped "
        "by size; a return to alert after a fall below it is judged as a new alarm); the episode "
        "ends after 2 normal months (3 normal days) and its values are kept out of the baseline afterwards. An "
        "episode lasting 12 months (26 weeks, 180 days) is declared the new normal. Two months (three days) in a "
        "row at stress with an alert-sized deviation are an alert: a persistent shift, where that streak is unlikely "
        "under the series' own noise (its mean score against its standard error under AR(1) errors with the lag-1 "
        "autocorrelation of the past errors: a wander of strongly autocorrelated noise stays at stress for months "
        "by chance; a price fixed in most months keeps the plain rule). A sub-daily series is also "
        "alert when the median of its last 3 hours stands 7 scales of such spans from normal (a level sliding "
        "over hours, which no single point shows; docs/detection.md, \"Sub-daily series\"). A series that is zero "
        "in at least half of its periods before the first score (an outage logger) is scored by how often its "
        "outages begin and how long they last instead (docs/detection.md, \"Intermittent series\"). A daily share "
        "of surveyed stations that moves in whole stations (k of n) is scored by exact binomial tail tests of its "
        "station counts, the day's and the last 2, 3 and 7 days', against the share and dispersion that were normal "
        "before (docs/detection.md, \"Shares of surveyed stations\")."
    )

    def _detect(self, regular: pd.Series, info: SeriesInfo, frequency: str) -> DetectionResult:
        if intermittent.is_intermittent(regular, info, frequency):  # zero most of the time: MAD 0
            return intermittent.detect(regular, info, frequency, self.thresholds_by_frequency, NEW_NORMAL[frequency])
        from . import shares  # here, not at the top: it builds on this module's walk
        counts = shares.station_counts(regular, info, frequency)  # whole stations: a count model
        if counts is not None:
            walk = shares.ShareWalk(regular, info, frequency, self.thresholds_by_frequency[frequency], counts)
            if not walk.live.any():
                return shares.too_short(regular.to_numpy(dtype="float64"))
        else:
            fitted, too_short = baseline.fit_series(regular, info, frequency)
            if too_short:
                return too_short
            walk = _Walk(regular, info, frequency, fitted, self.thresholds_by_frequency[frequency])
        table = walk.run()
        observed = observed_count(regular)
        if not table["position"]:
            return DetectionResult("insufficient_history", "not enough regular history to fit a seasonal baseline")
        bounds = (info.definition.min, info.definition.max)
        labels = np.array(date_labels(regular.index, frequency), dtype=object)
        position = np.array(table["position"], dtype=int)
        value = regular.to_numpy()[position]
        centre, scale = np.array(table["expected"], dtype="float64"), np.array(table["scale"], dtype="float64")
        expected = np.clip(walk.units(centre), *bounds)
        lower = np.clip(walk.units(centre - 2.0 * scale), *bounds)
        upper = np.clip(walk.units(centre + 2.0 * scale), *bounds)
        severity = names(table["severity"])
        explanation = walk.explain(table, labels, value, expected, lower, upper)
        rows = output_columns(labels[position], value, expected, lower, upper,
                              np.array(table["score"], dtype="float64"), severity, explanation)
        episodes = table["kind"].count("start")
        model = f" as a share of surveyed stations ({walk.describe()})" if hasattr(walk, "describe") else ""
        return DetectionResult("scored", f"{len(position)} of {observed} observations scored{model}; "
                               f"{episodes} episode(s)", columns=rows)


_LARGEST = float(np.finfo("float64").max)


def _finite(number: float) -> float:
    """`np.nan_to_num` of one float (NaN 0, infinities the largest floats), without its cost per call."""
    if number != number:
        return 0.0
    return min(max(number, -_LARGEST), _LARGEST)


def error_autocorrelation(errors: np.ndarray, scale: np.ndarray, t: int, window: int) -> float:
    """The lag-1 autocorrelation of the standardised one-step errors (each clipped at
    `AUTOCORRELATION_CLIP` scales) over the `window` dates before t (past data only), 0 to
    `MAX_AUTOCORRELATION`; 0 (independent errors: the plain persistence rule) with fewer than
    `AUTOCORRELATION_PAIRS` pairs of consecutive errors. Computed only where the persistence rule
    is asked (a few dates per series), not for every date."""
    start = max(t - window, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.clip(errors[start:t] / scale[start:t], -AUTOCORRELATION_CLIP, AUTOCORRELATION_CLIP)
    now, before = z[1:], z[:-1]
    pair = ~np.isnan(now) & ~np.isnan(before)
    if pair.sum() < AUTOCORRELATION_PAIRS:
        return 0.0
    now, before = now[pair] - now[pair].mean(), before[pair] - before[pair].mean()
    spread = np.sqrt(float(np.dot(now, now)) * float(np.dot(before, before)))
    r = float(np.dot(now, before)) / spread if spread > 0 else 0.0
    return min(max(r, 0.0), MAX_AUTOCORRELATION)


def fixed_most_of_the_time(values: np.ndarray, t: int, window: int) -> bool:
    """Whether at least `FIXED_SHARE` of the changes between consecutive observed values in the
    `window` dates before t are exactly zero: a price fixed for months that then steps (an
    administered pump price). Its one-step errors stay at a step's size until the baseline's level
    catches up, so they look autocorrelated, but a new step is an event, not a wander of noise."""
    recent = values[max(t - window, 0):t]
    changes = np.diff(recent)
    changes = changes[~np.isnan(changes)]
    return len(changes) > 0 and float(np.mean(changes == 0.0)) >= FIXED_SHARE


def streak_is_unlikely(scores_sum: float, length: int, autocorrelation: float, bar: float) -> bool:
    """Whether `length` consecutive dates whose scores sum to `scores_sum` are as unlikely under
    the series' ordinary noise as one date at `bar` (the alert threshold): the mean of the streak's
    scores against its standard error under AR(1) errors with that lag-1 autocorrelation r,
    sqrt(v / length) with v = 1 + 2 sum_j (1 - j / length) r^j. With independent errors (r = 0) a
    streak of two monthly dates at stress (2.5 x sqrt(2) = 3.54 >= 3.5) or three daily ones passes,
    as the plain rule has it; under r = 0.8 two months must average 3.3 scales: a wander of such
    noise stays beyond the stress bar for months by chance."""
    if autocorrelation <= 0.0:
        return True
    lags = np.arange(1, length)
    variance = 1.0 + 2.0 * float(np.sum((1.0 - lags / length) * autocorrelation ** lags))
    return bool(scores_sum / length * np.sqrt(length / variance) >= bar)


class _Walk:
    """The sequential pass over one series: the reference in force (live baseline, frozen at an
    episode's start, or anchored on a declared new normal) and the episode state."""

    # the persistence rule judged against the errors' autocorrelation (`_persists`); a walk whose
    # scores already allow for it (the station-count tests of `shares`) keeps the plain rule
    persistence_autocorrelation = True

    def __init__(self, regular: pd.Series, info: SeriesInfo, frequency: str, fitted, thresholds):
        self.regular, self.info, self.frequency, self.thresholds = regular, info, frequency, thresholds
        self.fitted = fitted
        self.values = regular.to_numpy(dtype="float64")
        self.rule = size_rule(info)
        self.direction = info.definition.bad_direction
        self.use_log = fitted.use_log
        with np.errstate(invalid="ignore", divide="ignore"):
            self.transformed = np.log(self.values) if self.use_log else self.values
        self._score_live()
        self.masked = np.zeros(len(regular), dtype=bool)
        self.pattern_masked = np.zeros(len(regular), dtype=bool)  # left out of the profile too (`WEEK`)
        self.short_episodes: list[tuple[int, int]] = []  # ended episodes shorter than a week: [start, stop)
        self.abnormal_dates: set[int] = set()  # daily: ended episodes' abnormal dates (`_weekday_pattern`)
        self.rows: list[tuple] = []  # `run`'s rows so far (`TABLE`)
        self.last_origin, self.last_end, self.own_origin = -1, -1, -1
        self._normals_of, self._last_normal = None, []  # `_across_gap`: the fit they were found on
        self.drift_alerts: dict[int, float] = {}  # dates a drift made alert: their drift scores

    # -- references ---------------------------------------------------------------------------

    def _frozen(self, origin: int, t: int) -> tuple[float, float]:
        f = self.fitted
        slope = self._worse_slope(f.slope[origin])
        ahead = min(t - origin, SLOPE_HORIZON[self.frequency])
        # last year's movement over the same days, where it makes the normal worse (a year-ago
        # blockade ending must not lower this year's normal)
        annual = self._worse_slope(f.annual_change(origin, t))
        scale = f.scale[origin]
        if self.frequency in DRIFTING:
            scale = float(np.hypot(scale, f.level_drift(origin, t - origin)))
        return f.level[origin] + slope * ahead + f.profile[origin, f.phase[t]] + annual, scale

    def _worse_slope(self, slope: float) -> float:  # also a change of level (annual cycle)
        """The trend is extended only where it makes the normal worse (higher for a price): a fall
        in prices that was under way is not assumed to continue through an episode."""
        slope = _finite(float(slope))
        return max(slope, 0.0) if self.direction == "up" else min(slope, 0.0) if self.direction == "down" else 0.0

    def _reference(self, t: int) -> tuple[float, float]:
        if self.mode == FROZEN:
            return self._frozen(self.origin, t)
        if self.mode == ANCHORED:
            f = self.anchor_fit
            ahead = min(t - self.anchor_time, SLOPE_HORIZON[self.frequency])
            return (self.anchor + self.anchor_slope * ahead + f.profile[self.anchor_origin, f.phase[t]],
                    f.scale[self.anchor_origin])
        expected, scale = self.fitted.expected[t], self.fitted.scale[t]
        if expected != expected or scale != scale:
            if self._after_masking(t):
                # Just after an episode the baseline without it may lack a full window: the normal
                # of before the episode stands in until the baseline can score again.
                return self._frozen(self.last_origin, t)
            return self._across_gap(t)
        return expected, scale

    def _after_masking(self, t: int) -> bool:
        """Is the last episode's masked span still inside the level window before t? Only then
        does its masking explain a baseline that cannot score t."""
        return self.last_origin >= 0 and t - self.last_end <= baseline.LEVEL_WINDOW[self.frequency]

    def _across_gap(self, t: int) -> tuple[float, float]:
        """The normal after a reporting gap too long for the baseline's level window (a year
        without prices, a month without a survey): the last normal the baseline had before t,
        carried across the gap as a frozen normal is, its scale widened by how far the level
        moves over as many periods in ordinary times (`Baseline.level_drift`). An older
        episode's normal would be stale by the whole gap and call the first value after it a
        crisis; no normal at all would leave a shift that starts in the gap unseen until the
        window fills again. NaN where the baseline never had a normal before t."""
        f = self.fitted
        if self._normals_of is not f:  # once per fit: the last position before each
            had = np.where(~np.isnan(f.level) & ~np.isnan(f.scale), np.arange(len(f.level)), -1)
            self._last_normal = np.concatenate([[-1], np.maximum.accumulate(had)[:-1]]).tolist()
            self._normals_of = f
        origin = self._last_normal[t]
        if origin < 0:
            return float("nan"), float("nan")
        expected, scale = self._frozen(origin, t)
        if self.frequency not in DRIFTING:  # `_frozen` already widens a drifting (daily) normal
            scale = float(np.hypot(scale, f.level_drift(origin, t - origin)))
        return expected, scale

    def _mask(self, start: int, own_start: int, stop: int) -> bool:
        """Leave an ended episode's dates [start, stop) out of the baseline's level and scale
        (`start`: the origin of its normal, an earlier episode's when it came back before the
        baseline had a clean window), and its own dates [own_start, stop) out of the profile too
        unless they are a weekly recurrence (`WEEK`), which brings the episode they recur on back
        into the profile. A daily weekday pattern (`_weekday_pattern`) leaves only its abnormal
        dates out of the level and scale, and its pattern dates stay in the profile. Whether it was
        one."""
        abnormal, pattern = self._weekday_pattern(own_start, stop) if self.frequency in WEEKDAY_PATTERN else ([], [])
        if pattern:
            self.masked[abnormal] = True
            self.pattern_masked[pattern] = False
            return True
        self.masked[start:stop] = True
        week = WEEK[self.frequency]
        earlier = [(first, last) for first, last in self.short_episodes
                   if first < stop - week and last > own_start - week]  # overlaps these dates a week before
        if stop - own_start < week:
            self.short_episodes.append((own_start, stop))
            if earlier:
                for first, last in earlier:
                    self.pattern_masked[first:last] = False
                return False
        self.pattern_masked[own_start:stop] = True
        return False

    def _weekday_pattern(self, own_start: int, stop: int) -> tuple[list[int], list[int]]:
        """An episode ending on [own_start, stop) (daily, `WEEKDAY_PATTERN`): its abnormal dates
        (at `FREEZE_FROM` or worse), and the dates of the weekday pattern it completes: those of
        them that were abnormal on the same weekday in each of the `WEEKDAY_RECURRENCES` weeks
        before (in ended episodes or earlier in this one), with at least `END_POINTS` normal dates
        in the week between (a shift has none, also in a series that reports on a few weekdays), and
        those earlier dates; none when they fall on so many weekdays that fewer
        than `END_POINTS` a week are left normal."""
        abnormal, level = [], {}
        for row in reversed(self.rows):  # the episode's rows are the last ones, the week before it next
            if row[0] < own_start - DAYS_A_WEEK:
                break
            level[row[0]] = row[2]
            if own_start <= row[0] < stop and row[2] >= FREEZE_FROM[self.frequency]:
                abnormal.append(row[0])
        self.abnormal_dates.update(abnormal)
        weeks, needed = range(1, WEEKDAY_RECURRENCES + 1), END_POINTS[self.frequency]
        recurring = [t for t in abnormal if all(t - k * DAYS_A_WEEK in self.abnormal_dates for k in weeks)
                     and sum(level.get(d, 1) == 0 for d in range(t - DAYS_A_WEEK + 1, t)) >= needed]
        if len({t % DAYS_A_WEEK for t in recurring}) > DAYS_A_WEEK - needed:
            return abnormal, []
        return abnormal, sorted({t - k * DAYS_A_WEEK for t in recurring for k in (0, *weeks)})

    def _refit(self) -> None:
        masked = pd.Series(np.where(self.masked, np.nan, self.values), index=self.regular.index)
        # the profile's own values only where they differ (`_mask`: a recurrence, an earlier origin)
        pattern = None if np.array_equal(self.masked, self.pattern_masked) else \
            pd.Series(np.where(self.pattern_masked, np.nan, self.values), index=self.regular.index)
        self.fitted = baseline.refit(self.fitted, masked, self.frequency, pattern=pattern)
        self._score_live()

    def _score_live(self) -> None:
        """Every date against the live baseline at once (`_score` on whole columns, the same
        arithmetic): most dates of a walk are scored so, one by one would cost ten times more."""
        f = self.fitted
        with np.errstate(invalid="ignore", divide="ignore"):
            score = orient((self.transformed - f.expected) / f.scale, self.direction)
            size = magnitude(self.values, self.units(f.expected), self.info, self.rule)
        self.live = ~np.isnan(f.expected) & ~np.isnan(f.scale)
        self.live_expected, self.live_scale = f.expected.tolist(), f.scale.tolist()
        self.live_score, self.live_size = score.tolist(), size.tolist()
        self.live_level = classify_ranks(score, self.thresholds, size, self.rule).tolist()
        if self.frequency in INTERVALS:  # sub-daily: a level sliding over hours (`subdaily.drift_scores`)
            from . import subdaily
            with np.errstate(invalid="ignore"):
                drift = orient(subdaily.drift_scores(self.transformed - f.expected, self.frequency), self.direction)
            self.drift = np.nan_to_num(drift, nan=0.0).tolist()

    def _persists(self, t: int, streak: int, streak_sum: float) -> bool:
        """The persistence rule's test at date t (`streak_is_unlikely`), against the autocorrelation
        of the live baseline's errors before t (`error_autocorrelation`)."""
        if self.frequency not in AUTOCORRELATED or not self.persistence_autocorrelation:
            return True
        if fixed_most_of_the_time(self.values, t, baseline.SCALE_WINDOW[self.frequency]):
            return True  # an administered price moves in steps: its errors' persistence is no wander
        f = self.fitted
        r = error_autocorrelation(f.observed - f.expected, f.scale, t, baseline.SCALE_WINDOW[self.frequency])
        return streak_is_unlikely(streak_sum, streak, r, self.thresholds["alert"])

    def _score(self, t: int, expected: float, scale: float, within: bool = False) -> tuple[float, float, int]:
        y = self.transformed[t]
        deviation = (y - expected) / scale
        score = -deviation if self.direction == "down" else abs(deviation) if self.direction == "both" else deviation
        usual = float(np.exp(expected)) if self.use_log else float(expected)
        size = float(magnitude_one(float(self.values[t]), usual, self.direction, self.rule))
        return score, size, classify_one(score, IN_EPISODE if within else self.thresholds, size, self.rule)

    # -- the pass -------------------------------------------------------------------------------

    def run(self) -> dict[str, list]:
        n = len(self.values)
        self.mode, self.origin = LIVE, -1
        self.anchor, self.anchor_fit, self.anchor_origin, self.anchor_until = 0.0, None, -1, -1
        self.anchor_slope, self.anchor_time = 0.0, -1
        episode_start, calm, streak, watch_start, peak = -1, 0, 0, -1, 0
        cusum, cusum_start, streak_sum = 0.0, -1, 0.0
        rows = self.rows = []  # one tuple per scored date (`TABLE`), made columns at the end
        values = self.values.tolist()
        for t in range(n):
            if values[t] != values[t]:
                continue
            if self.mode == ANCHORED and episode_start < 0 and t >= self.anchor_until:
                self.mode = LIVE  # the baseline now has a full window of the new level
            if self.mode == LIVE and self.live[t]:
                expected, scale = self.live_expected[t], self.live_scale[t]
                score, size, level = self.live_score[t], self.live_size[t], self.live_level[t]
            else:
                expected, scale = self._reference(t)
                if expected != expected or scale != scale:
                    continue
                # The lower in-episode thresholds hold once the episode has reached alert: a stress
                # date alone freezes the normal but does not lower the bar for the next dates.
                score, size, level = self._score(t, expected, scale)
            held = episode_start >= 0 and peak >= 2
            if held:
                # Hysteresis: the lower in-episode bar keeps the episode from ending while the dates
                # are not back to normal (stress from `WATCH` scales), and holds alert or crisis only
                # where the date before was there: a phase it has fallen from, or a worse one, needs
                # the ordinary thresholds again (or the persistence rule, below). Sub-daily points
                # hold the episode's peak: one noisy point in five minutes is no fall.
                held_phase = max(rows[-1][2], 1) if self.frequency in AUTOCORRELATED else peak
                level = max(level, min(self._score(t, expected, scale, within=True)[2], held_phase))
            streak = streak + 1 if level >= 1 else 0
            streak_sum = streak_sum + score if level >= 1 else 0.0
            # Modest but persistent: a shift, not noise, where the streak is unlikely under the
            # series' own noise (`_persists`). In an episode, an alert carries on by the plain rule
            # from a date at alert or worse (a crisis is not over while its size allows alert); once
            # the phase has fallen below alert, a return to it is judged as a new alarm is.
            if level == 1 and streak >= PERSIST[self.frequency] and (
                    self.rule is None or size >= self.rule.alert) and (
                    (held and rows[-1][2] >= 2) or self._persists(t, streak, streak_sum)):
                level = 2
            kind, start = "normal", episode_start
            if episode_start < 0:
                watch_start = (watch_start if watch_start >= 0 else t) if score >= WATCH else -1
                if score == score and self.frequency in CUSUM_FREQUENCIES:
                    if cusum == 0 and score > CUSUM_K:
                        cusum_start = t
                    cusum = max(0.0, cusum + score - CUSUM_K)
                if level == 0 and cusum >= CUSUM_H and (self.rule is None or size >= self.rule.stress):
                    level, watch_start = 1, min(watch_start if watch_start >= 0 else t, cusum_start)
                if (self.frequency in INTERVALS and level < 2 and self.mode == LIVE and t > 0
                        and self.drift[t] >= DRIFT_ALERT > self.drift[t - 1]
                        and (self.rule is None or size >= self.rule.alert)):
                    # the last hours have slid away from normal: an alert from where the span began
                    span = DRIFT_SPAN[self.frequency]
                    level, score = 2, max(score, self.drift[t])
                    self.drift_alerts[t] = self.drift[t]
                    watch_start = max(t - span, 0) if watch_start < 0 else min(watch_start, max(t - span, 0))
                if level >= FREEZE_FROM[self.frequency]:
                    # Abnormal from here: the normal is frozen where the deviation began, so that
                    # a crisis building up over weeks is not learnt as the new level.
                    episode_start, calm, peak, kind = t, 0, level, "start"
                    start = t
                    if self.mode == LIVE:
                        origin = watch_start if 0 <= watch_start < t else t
                        self.own_origin = origin  # where this episode's own deviation began
                        if self.frequency in CUSUM_FREQUENCIES and self._after_masking(t):
                            # Back into an episode before the baseline has a clean window again: the
                            # normal of before the last episode still holds.
                            origin = self.last_origin
                        frozen = self._frozen(origin, t)
                        if frozen[0] == frozen[0] and frozen[1] == frozen[1]:
                            self.mode, self.origin = FROZEN, origin
                            again = self._score(t, *frozen)
                            if again[2] >= level:
                                expected, scale = frozen
                                score, size, level = again
                                peak = level
            else:
                calm = calm + 1 if level == 0 else 0
                if level > peak:
                    peak, kind = level, "escalation"
                else:
                    kind = "ongoing" if level else "calm"
                if calm >= END_POINTS[self.frequency]:
                    kind = "end"
                    if self.mode == FROZEN:
                        pattern = self._mask(self.origin, self.own_origin, t - calm + 1)
                        # after a weekday pattern the baseline is clean but for its own dates: the
                        # next episode has a normal of its own, not this one's origin's
                        self.last_origin, self.last_end = -1 if pattern else self.origin, t
                        self.mode = LIVE
                        self._refit()
                    episode_start, streak, watch_start, cusum, streak_sum = -1, 0, -1, 0.0, 0.0
                elif self.mode == FROZEN and t - self.origin >= NEW_NORMAL[self.frequency]:
                    kind = "new_normal"
                    self._declare_new_normal(t)
                    expected, scale = self._reference(t)
                    score, size, level = self._score(t, expected, scale)
                    episode_start, streak, watch_start, calm, cusum, streak_sum = -1, 0, -1, 0, 0.0, 0.0
            rows.append((t, score, level, kind, start, self.origin if self.mode != LIVE else -1, expected, scale))
        return dict(zip(TABLE, [list(column) for column in zip(*rows)] or [[] for _ in TABLE]))

    def _declare_new_normal(self, t: int) -> None:
        """The episode has lasted long enough to be the normal: anchor on its own level (median
        of its seasonally adjusted values) until the baseline has a full level window of it."""
        f = self.fitted
        window = np.arange(self.origin, t + 1)
        y = np.log(self.values[window]) if self.use_log else self.values[window]
        # the series' own trend before the episode carries on (inflation), from the anchor's date
        slope = self._worse_slope(f.slope[self.origin])
        adjusted = y - f.profile[self.origin, f.phase[window]] + slope * (t - window)
        self.anchor, self.anchor_slope, self.anchor_time = float(np.nanmedian(adjusted)), slope, t
        self.anchor_fit, self.anchor_origin = f, self.origin
        self.new_normal_since = self.origin
        self.anchor_until = t + baseline.LEVEL_WINDOW[self.frequency]
        self.mode = ANCHORED

    def units(self, transformed):
        return np.exp(transformed) if self.use_log else transformed

    # -- words ----------------------------------------------------------------------------------

    def explain(self, table: dict, labels, value, expected, lower, upper) -> list[str]:
        info, unit, steps = self.info, units.per_period(self.info.unit, self.frequency), STEP_WORDS[self.frequency]
        label = info.label()
        references = (same_month_references(self.values) if is_monthly_price(info) and self.frequency == "monthly"
                      else (np.full(len(self.values), np.nan),) * 2)
        out = []
        for t, score, rank, kind, start, origin, v, e, shown, low, high, below, above in zip(
                table["position"], table["score"], table["severity"], table["kind"], table["start"], table["origin"],
                value.tolist(), expected.tolist(), format_values(value.tolist(), unit),
                format_values(lower.tolist(), unit), format_values(upper.tolist(), unit), lower.tolist(),
                upper.tolist()):
            level = SEVERITIES[rank]
            head = f"{label}, {labels[t]}: {shown}"
            if kind == "new_normal":
                out.append(f"{head}: new normal since {labels[origin if origin >= 0 else t]}, after "
                           f"{NEW_NORMAL[self.frequency]} {steps} at this level; now scored against that level "
                           f"({level}).")
                continue
            if level == "normal":
                if kind in ("calm", "end"):
                    text = f"{head}, " + normal_range_words(v, below, above, low, high, self.direction, back=True,
                                                            of=f" of before the episode that began {labels[start]}")
                    out.append(text + ("; the episode has ended." if kind == "end" else "."))
                else:
                    out.append(f"{head}, {normal_range_words(v, below, above, low, high, self.direction)}.")
                continue
            text = f"{head}, {against_usual(v, e, unit)}"
            comparison = compared_with_past(v, references[0][t], references[1][t], unit)
            if comparison:
                text += f" ({comparison})"
            if t in self.drift_alerts:
                text += (f"; the last {DRIFT_SPAN['hourly']} hours stand {self.drift_alerts[t]:.1f} scales of such "
                         f"spans from normal")
            if kind == "start":
                text += "; an episode begins"
                previous = self.values[:t][~np.isnan(self.values[:t])]
                if len(previous) and previous[-1] > 0 and v > 0 and (
                        max(v / previous[-1], previous[-1] / v) >= DATA_ERROR_RATIO):
                    text += (f" with a jump to {v / previous[-1]:.1f} times the previous value: check it, it may be "
                             f"a data error")
            elif kind in ("ongoing", "escalation", "calm"):
                elapsed = t - start + 1
                text += f"; in an episode since {labels[start]} ({elapsed} {steps})"
                if kind == "escalation":
                    text += ", now worse"
            out.append(text + f" (score {score:.1f}; {level}).")
        return out
