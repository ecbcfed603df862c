"""The past-only seasonal baseline that the seasonal and regime detectors share.

For every position t of a regular series it gives the expected value from observations strictly
before t, and a robust scale, computed for all t at once with numpy (no model refit per date):

1. seasonal profile: values minus their centred moving average (2 x period), then per phase
   (month, weekday, hour) the median over the last few cycles, using only moving averages whose
   window ended before t; centred to sum to zero;
2. level: a robust line through the last `LEVEL_WINDOW` seasonally adjusted values, evaluated
   at t: slope = median of the changes over half the window (monthly series only: prices trend
   with inflation; daily series have no trend worth extrapolating), level = median of the values
   moved along that slope (medians, so an outlier or a gap does not move it);
3. scale: the larger of 1.4826 x the median absolute deviation of the baseline's own past
   one-step forecast errors and their 90th percentile of absolute deviations / 1.645 (`robust_scale`:
   both are the standard deviation for Gaussian errors; the percentile is wider for heavy-tailed
   shocks, Student's t prices or sensor counts, and for a survey share that moves in steps of one
   station, which the MAD alone misses); before 12 errors exist, the line's residuals, doubled;
   the scale is widened by `small_sample_factor` (a Student t predictive interval against a plug-in
   one), so a scale estimated from a few errors does not raise false alarms.

Prices and other positive rates are modelled in logs (multiplicative seasonality). Daily series
also keep, per date, their adjusted level around the same day a year earlier (`annual`): a normal
frozen at an episode's start follows last year's movement over the same days (the hot season's
outages), in the direction that makes it worse (`state`).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import as_strided
from scipy import stats

from .. import units
from .base import INTERVALS, PERIODS, observed_count, per_interval

# Sub-daily intervals take the hourly rules as spans of time (two days of level, four weeks of
# scale, two days of warm-up), in points of their own interval, with caps that keep a 1-minute
# feed's windows affordable (the level then spans less time; the scale is updated every
# `SCALE_STRIDE`-th point of a long window, from past errors only).
LEVEL_WINDOW = per_interval({"monthly": 24, "weekly": 26, "daily": 21, "hourly": 48}, span=True, most=576)
SEASON_CYCLES = per_interval({"monthly": 5, "weekly": 3, "daily": 8, "hourly": 14})
SCALE_WINDOW = per_interval({"monthly": 72, "weekly": 156, "daily": 120, "hourly": 24 * 28}, span=True, most=8064)
SCALE_STRIDE_FROM = 1000  # scale windows longer than this are evaluated every `window // 100` points
TRENDED = {"monthly"}  # inflation moves prices within the level window; daily series have no such trend
MIN_ERRORS = 12  # past forecast errors needed before they set the scale
# Daily series with a yearly cycle (outage hours in the hot season): a normal frozen at an episode's
# start moves as the level moved a year earlier over the same days (`Baseline.annual_change`).
ANNUAL, YEAR, ANNUAL_WINDOW = {"daily"}, 365, 31
# A normal frozen at a daily episode's start is uncertain by how far the level moves in ordinary
# times over as many days (`Baseline.level_drift`), measured up to this horizon from this many changes.
DRIFT_HORIZON, DRIFT_MIN = 90, 14
# errors needed before any date is scored
WARM_UP = per_interval({"monthly": 0, "weekly": 0, "daily": 30, "hourly": 48}, span=True, most=576)
COLD_START_INFLATION = 2.0  # in-window residuals understate one-step forecast errors
MAD_TO_SD = 1.4826
# Gaussian efficiency of the MAD: n errors estimate a scale about as well as 0.37 n would with the
# standard deviation (Huber, Robust Statistics, 1981), hence the degrees of freedom of a MAD scale.
MAD_EFFICIENCY = 0.37
REFERENCE_Z = 3.0
REFERENCE_TAIL = float(stats.norm.sf(REFERENCE_Z))
Q90, Q90_TO_SD = 0.9, 1.6449  # 90th percentile of |N(0, 1)|
Q90_MIN_COUNT = 30  # below this a 90th percentile is unstable (a few anomalies move it): MAD alone


@dataclass
class Baseline:
    """Per-position arrays (transformed scale: logs when `use_log`); NaN where not scorable."""

    observed: np.ndarray
    expected: np.ndarray
    level: np.ndarray  # seasonally adjusted line at t
    slope: np.ndarray  # per period
    profile: np.ndarray  # (n, period) seasonal effects known before t
    phase: np.ndarray
    scale: np.ndarray
    use_log: bool
    period: int
    annual: np.ndarray | None = None  # daily series: the adjusted level around the same day a year earlier
    lag: int = 0  # the level at t is centred this many periods before t
    _drift: dict = field(default_factory=dict, repr=False, compare=False)  # `level_drift` per origin

    def annual_change(self, origin: int, t: int) -> float:
        """How much the level moved last year from the day the level at `origin` stands for to the
        day of `t` (0 where a year earlier is unknown): the annual cycle a frozen normal follows."""
        if self.annual is None:
            return 0.0
        start = max(origin - self.lag, 0)
        if self.annual[start] != self.annual[start]:
            # In a series' second year the day a year before the origin may fall before its first
            # days: the movement is then counted from the first day a year earlier that is known.
            known = self._annual_known[self._annual_known >= start]
            start = int(known[0]) if len(known) and known[0] < t else start
        change = self.annual[t] - self.annual[start]
        return float(change) if change == change else 0.0

    @cached_property
    def _annual_known(self) -> np.ndarray:
        return np.flatnonzero(~np.isnan(self.annual))

    def level_drift(self, origin: int, ahead: int) -> float:
        """How far the level moves over `ahead` periods in ordinary times: the robust spread (about
        zero) of the level's own changes over that many periods, from the levels known at `origin`
        (a daily level wanders over weeks and, before a year of history holds an annual cycle,
        rises and falls with the season seen so far). Horizons with fewer than `DRIFT_MIN` changes
        are extrapolated from the longest measured one as a random walk's (square root of time);
        beyond `DRIFT_HORIZON` periods it stays at that horizon's value."""
        ahead = min(int(ahead), DRIFT_HORIZON)
        if ahead <= 0:
            return 0.0
        if origin not in self._drift:
            levels = self.level[:origin + 1]
            curve = np.full(DRIFT_HORIZON + 1, np.nan)
            curve[0] = 0.0
            for h in range(1, min(DRIFT_HORIZON, len(levels) - 1) + 1):
                changes = np.abs(levels[h:] - levels[:-h])
                changes = changes[~np.isnan(changes)]
                if len(changes) < DRIFT_MIN:
                    break
                curve[h] = MAD_TO_SD * float(np.median(changes))
            measured = np.flatnonzero(~np.isnan(curve))[-1]
            if measured:
                rest = np.arange(measured + 1, DRIFT_HORIZON + 1)
                curve[rest] = curve[measured] * np.sqrt(rest / measured)
            else:
                curve[1:] = 0.0
            self._drift[origin] = curve
        return float(self._drift[origin][ahead])

    @property
    def scorable(self) -> np.ndarray:
        return ~np.isnan(self.observed) & ~np.isnan(self.expected) & ~np.isnan(self.scale)

    def to_units(self, values):
        return np.exp(values) if self.use_log else values

    def frozen(self, origin: int, positions: np.ndarray, slope_horizon: int) -> np.ndarray:
        """Expected values at `positions` as the baseline saw them at `origin` (a pre-shift
        reference); the trend is extended at most `slope_horizon` periods."""
        ahead = np.minimum(positions - origin, slope_horizon)
        return self.level[origin] + self.slope[origin] * ahead + self.profile[origin, self.phase[positions]]


def uses_log(unit: str, values: pd.Series) -> bool:
    """Prices, rates and durations (queues, outages) vary in proportion to their level: logs,
    as long as every value is positive. Shares (availability) stay in levels."""
    if units.dimension_of(unit) not in ("price/mass", "price/volume", "rate", "duration", "duration/day"):
        return False
    numbers = np.asarray(values, dtype="float64")
    return bool((numbers[~np.isnan(numbers)] > 0).all())


def fit_series(regular: pd.Series, info, frequency: str):
    """The baseline of one series as the seasonal and regime detectors use it, or the
    `insufficient_history` result to return when the series is too short: (baseline, None) or
    (None, DetectionResult)."""
    from .base import DetectionResult

    needed = needed_observations(frequency)
    observed = observed_count(regular)
    if observed < needed:
        return None, DetectionResult(
            "insufficient_history",
            f"not enough history: {observed} {frequency} observations, {needed} needed for a seasonal baseline")
    fitted = fit(regular, frequency, uses_log(info.unit, regular))
    if not fitted.scorable.any():
        return None, DetectionResult("insufficient_history", "not enough regular history to fit a seasonal baseline")
    return fitted, None


def needed_observations(frequency: str) -> int:
    """Three seasonal cycles plus one: two for the profile once the moving average is centred."""
    return 3 * PERIODS[frequency] + 1


def phases(index: pd.PeriodIndex, frequency: str) -> np.ndarray:
    """Position in the cycle, counted from the first period's calendar position."""
    if len(index) == 0:
        return np.zeros(0, dtype=int)
    first = index[0]
    if frequency in INTERVALS:  # time of day, in intervals
        start = (first.hour * 60 + first.minute) // INTERVALS[frequency]
        return (start + np.arange(len(index))) % PERIODS[frequency]
    start = {"monthly": lambda: first.month - 1, "daily": lambda: first.day_of_week,
             "weekly": lambda: min(first.week, 52) - 1}[frequency]()
    return (start + np.arange(len(index))) % PERIODS[frequency]


_RECENT: dict = {}  # the seasonal and regime detectors score the same series one after the other


def fit(regular: pd.Series, frequency: str, use_log: bool, pattern: pd.Series | None = None) -> Baseline:
    """The baseline of `regular`; its seasonal profile from `pattern` (the same dates, with fewer
    values left out: a sub-daily weekly pattern's episodes, `state.WEEK`) when given, else from
    `regular`."""
    key = (regular.to_numpy(dtype="float64").tobytes(), regular.index[0].ordinal if len(regular) else 0,
           frequency, use_log, None if pattern is None else pattern.to_numpy(dtype="float64").tobytes())
    if key not in _RECENT:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows in gaps are expected
            if len(_RECENT) >= 4:
                _RECENT.pop(next(iter(_RECENT)))
            _RECENT[key] = (_fit_subdaily if frequency in INTERVALS else _fit)(regular, frequency, use_log,
                                                                                pattern=pattern)
    return _RECENT[key]


def refit(before: Baseline, regular: pd.Series, frequency: str, pattern: pd.Series | None = None) -> Baseline:
    """`fit(regular, frequency, before.use_log, pattern)` for a series that differs from the one
    `before` was fitted on only from some position on (the state refits without an episode that
    ended; `pattern` leaves out no more than `regular` does): the baseline at t uses data before t
    only, so up to the first changed value it is `before`'s and only the later positions are computed."""
    y = _transformed(regular.to_numpy(dtype="float64"), before.use_log)
    same = (y == before.observed) | (np.isnan(y) & np.isnan(before.observed)) if len(y) == len(before.observed) \
        else np.zeros(len(y), dtype=bool)
    start = int(np.argmin(same)) if not same.all() else len(y)
    if frequency in INTERVALS or not 0 < start < len(y):
        return fit(regular, frequency, before.use_log, pattern)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows in gaps are expected
        return _fit(regular, frequency, before.use_log, start=start, before=before, pattern=pattern)


def _transformed(raw: np.ndarray, use_log: bool) -> np.ndarray:
    return np.log(raw) if use_log else raw.copy()


def _fit_subdaily(regular: pd.Series, frequency: str, use_log: bool, pattern: pd.Series | None = None) -> Baseline:
    from . import subdaily  # rolling windows: a sub-daily feed is long and refitted after every episode

    return subdaily.fit(regular, frequency, use_log, pattern=pattern)


def seasonal_values(y: np.ndarray, pattern: pd.Series | None, use_log: bool) -> np.ndarray:
    """The transformed values a seasonal profile is learnt from: `pattern`'s where given (`fit`)."""
    return y if pattern is None else _transformed(pattern.to_numpy(dtype="float64"), use_log)


def _fit(regular: pd.Series, frequency: str, use_log: bool, start: int = 0, before: Baseline | None = None,
         pattern: pd.Series | None = None) -> Baseline:
    """The baseline of every position; from `start` on only, the earlier positions taken from
    `before` (the same series' baseline up to `start`: `refit`); the profile from `pattern` (`fit`)."""
    period = PERIODS[frequency]
    y = _transformed(regular.to_numpy(dtype="float64"), use_log)
    n = len(y)
    phase = phases(regular.index, frequency)
    # Every array below has a row per position computed, from `start` on.
    profile = _profile(seasonal_values(y, pattern, use_log), phase, period, SEASON_CYCLES[frequency], start,
                       outliers=frequency not in INTERVALS)

    window = LEVEL_WINDOW[frequency]
    recent = past_windows(y, window)[start:n]  # y[t-window..t-1]
    recent_phase = (phase[start:, None] - window + np.arange(window)[None, :]) % period
    adjusted = recent - np.take_along_axis(profile, recent_phase, axis=1)
    if frequency in TRENDED:
        # Robust slope: the median of the changes over half a window (a cheap Theil-Sen variant).
        lag = window // 2
        slope = nanmedian_rows((adjusted[:, lag:] - adjusted[:, :-lag]) / lag)
    else:
        slope = np.zeros(n - start)
    offsets = np.arange(window) - window  # positions relative to t
    level = nanmedian_rows(adjusted - slope[:, None] * offsets[None, :])
    enough = (~np.isnan(adjusted)).sum(axis=1) >= window // 2
    observed_before = (np.cumsum(~np.isnan(y)) - ~np.isnan(y))[start:]
    mature = enough & (observed_before >= needed_observations(frequency))
    level[~mature] = np.nan
    seasonal = profile[np.arange(n - start), phase[start:]]
    annual = None
    if frequency in ANNUAL:
        earlier = before.profile[np.arange(start), phase[:start]] if start else seasonal[:0]
        annual = _year_earlier(y - np.concatenate([earlier, seasonal]))
    lag = (window + 1) // 2 if annual is not None else 0  # the level is centred this many days back
    expected = level + seasonal

    residuals = adjusted - (level[:, None] + slope[:, None] * offsets[None, :])
    spread = MAD_TO_SD * _mad(residuals)
    errors = y[start:] - expected
    scale_window = SCALE_WINDOW[frequency]
    # the errors behind the first rows computed, as `before` had them
    first = max(start - scale_window, 0) if scale_window <= SCALE_STRIDE_FROM else 0
    if start:
        errors = np.concatenate([y[first:start] - before.expected[first:start], errors])
    past_scale, count = (part[start - first:] for part in _past_scale(errors, scale_window))
    scale = np.where(count >= MIN_ERRORS, np.fmax(past_scale * small_sample_factor(count), spread),
                     spread * COLD_START_INFLATION * small_sample_factor((~np.isnan(residuals)).sum(axis=1)))
    # A floor keeps a near-constant history from turning every wobble into a crisis.
    floor = 0.005 if use_log else 0.01 * np.maximum(np.abs(level), 1e-3)
    scale = np.fmax(scale, floor)
    # Daily and hourly series are scored only once their own forecast errors set the scale: their
    # first weeks (often a survey's first reports, many exactly 100%) say little about the noise.
    scale[count < WARM_UP[frequency]] = np.nan
    if start:
        expected, level, slope, profile, scale = (
            np.concatenate([old[:start], new]) for old, new in ((before.expected, expected), (before.level, level),
                                                               (before.slope, slope), (before.profile, profile),
                                                               (before.scale, scale)))
    return Baseline(observed=y, expected=expected, level=level, slope=slope, profile=profile, phase=phase,
                    scale=scale, use_log=use_log, period=period, annual=annual, lag=lag)


def _year_earlier(adjusted: np.ndarray) -> np.ndarray:
    """Per t, the median of the seasonally adjusted values in the `ANNUAL_WINDOW` days around the
    same day a year earlier (NaN with fewer than half of them observed). The state's refits leave
    ended episodes out of `adjusted`, so last year's blockade is not taken for the cycle."""
    half = ANNUAL_WINDOW // 2
    padded = np.concatenate([np.full(YEAR + half, np.nan), adjusted])
    around = windows(padded, ANNUAL_WINDOW)[:len(adjusted)]  # days t-365-half .. t-365+half
    enough = (~np.isnan(around)).sum(axis=1) >= half
    return np.where(enough, nanmedian_rows(around), np.nan)


def _past_scale(errors: np.ndarray, window: int, tail: tuple | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Robust scale of the `window` errors before each position, and how many there are; a long
    window is evaluated every `window // 100` positions and held until the next evaluation.
    `tail`: see `robust_scale`."""
    n = len(errors)
    past = past_windows(errors, window)
    stride = window // 100 if window > SCALE_STRIDE_FROM else 1
    rows = past[::stride]
    scale = robust_scale(rows, tail)
    count = (~np.isnan(rows)).sum(axis=1)
    return np.repeat(scale, stride)[:n], np.repeat(count, stride)[:n]


def windows(values: np.ndarray, width: int) -> np.ndarray:
    """`sliding_window_view(values, width, axis=0)`: a read-only view whose row t holds values[t ..
    t + width - 1] along the first axis (the window last), without numpy's cost per call (a
    series' baselines take a dozen)."""
    if len(values) < width:
        raise ValueError("window shape cannot be larger than input array shape")
    step = values.strides[0]
    return as_strided(values, shape=(len(values) - width + 1, *values.shape[1:], width),
                      strides=(step, *values.strides[1:], step), writeable=False)


def past_windows(values: np.ndarray, width: int) -> np.ndarray:
    """(n, width): row t holds the `width` values before t, NaN before the first."""
    return windows(np.concatenate([np.full(width, np.nan), values]), width)[:len(values)]


def small_sample_factor(count):
    """How much wider than 3 estimated scales a one-sided 3-sigma predictive bound is when the
    scale is a MAD of `count` values: Student's t with MAD_EFFICIENCY x (count - 1) degrees of
    freedom against the normal. About 1.1 for 72 errors, 1.4 for 24, 2.2 for 12: the first
    years of a series, with few errors behind the scale, do not raise most false alarms."""
    count = np.clip(np.asarray(count, dtype="int64"), 0, None)
    size = 1 << int(count.max(initial=0)).bit_length()  # a power of two above every count: few tables
    return _factor_table(size)[count]


@lru_cache(maxsize=8)
def _factor_table(size: int) -> np.ndarray:
    """`small_sample_factor` for every count below `size` (scipy's t quantile is slow per call)."""
    freedom = np.maximum(MAD_EFFICIENCY * (np.arange(size, dtype="float64") - 1.0), 1.0)
    return stats.t.isf(REFERENCE_TAIL, freedom) / REFERENCE_Z


def nanmedian_rows(rows: np.ndarray) -> np.ndarray:
    """Row-wise median ignoring NaN (numpy's nanmedian goes through masked arrays: slow here)."""
    rows = np.asarray(rows, dtype="float64")
    shape = rows.shape[:-1]
    flat = rows.reshape(-1, rows.shape[-1])
    ordered = np.sort(flat, axis=1)  # NaN sort last
    count = (~np.isnan(flat)).sum(axis=1)
    line = np.arange(len(flat))
    low = ordered[line, np.maximum((count - 1) // 2, 0)]
    high = ordered[line, np.minimum(count // 2, flat.shape[1] - 1)]
    return np.where(count > 0, 0.5 * (low + high), np.nan).reshape(shape)


def nanmean_rows(rows: np.ndarray) -> np.ndarray:
    """Row-wise mean ignoring NaN (NaN for a row without values): numpy's nanmean, the same sums,
    without its cost per call."""
    missing = np.isnan(rows)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(missing, 0.0, rows).sum(axis=-1) / (~missing).sum(axis=-1)


def _mad(rows: np.ndarray) -> np.ndarray:
    return nanmedian_rows(np.abs(rows - nanmedian_rows(rows)[:, None]))


def robust_scale(rows: np.ndarray, tail: tuple | None = None) -> np.ndarray:
    """Row-wise robust standard deviation: the larger of 1.4826 x MAD and the 90th percentile of
    absolute deviations / 1.645. Both equal the standard deviation for Gaussian errors; the
    percentile keeps discrete data honest (a survey share that is exactly 1.0 on most days has a
    MAD of zero, yet one station in seven running dry is an ordinary day, not a crisis), and it
    still ignores the largest 10% of deviations, so a spell of real anomalies does not widen it.
    With fewer than `Q90_MIN_COUNT` deviations the percentile is not used. `tail` = (quantile,
    its value for |N(0, 1)|, least count): the scale is also at least that quantile of the
    absolute deviations over its Gaussian value, once `least` deviations are there (sub-daily
    feeds' bursts: `subdaily.past_scale`). One sort serves the MAD and every quantile."""
    deviations = np.abs(rows - nanmedian_rows(rows)[:, None])
    ordered = np.sort(deviations, axis=1)  # NaN sort last
    count = (~np.isnan(deviations)).sum(axis=1)
    line, last = np.arange(len(rows)), rows.shape[1] - 1

    def quantile(share: float) -> np.ndarray:
        return ordered[line, np.clip(np.floor(share * (count - 1)).astype(int), 0, last)]

    mad = 0.5 * (ordered[line, np.clip((count - 1) // 2, 0, None)] + ordered[line, np.clip(count // 2, 0, last)])
    scale = np.fmax(np.where(count > 0, MAD_TO_SD * mad, np.nan),
                    np.where(count >= Q90_MIN_COUNT, quantile(Q90) / Q90_TO_SD, 0.0))
    if tail is not None:
        share, gaussian, least = tail
        scale = np.fmax(scale, np.where(count >= least, quantile(share) / gaussian, 0.0))
    return scale


OUTLIER_SCALES = 5.0
# ... and at least this far in the model's own units (10% in logs, 10 points of a share): an
# administered price's detrended values sit at 0 but around its steps, and those steps are its
# ordinary life, not shocks.
OUTLIER_FLOOR = 0.1


def _without_outliers(table: np.ndarray, cycles: int) -> np.ndarray:
    """(rows, period) detrended values, one cycle per row: NaN where a value is more than
    `OUTLIER_SCALES` robust sds (and `OUTLIER_FLOOR`) from the median of the values of the
    `cycles` cycles before its own (past data only: its own cycle is not yet whole when it is
    scored; the first cycle, and a cycle with fewer than a period of earlier values, are kept
    whole), unless the same phase a cycle before is within that bound of it: a value that recurs is
    a season (a weekday pattern that begins mid-series), not a one-off."""
    rows, period = table.shape
    padded = np.vstack([np.full((cycles, period), np.nan), table])
    before = windows(padded, cycles)[:rows].reshape(rows, -1)  # the `cycles` rows before each, flattened
    centre = nanmedian_rows(before)
    spread = MAD_TO_SD * nanmedian_rows(np.abs(before - centre[:, None]))
    enough = (~np.isnan(before)).sum(axis=1) >= period
    with np.errstate(invalid="ignore"):
        bound = np.fmax(OUTLIER_SCALES * spread, OUTLIER_FLOOR)
        outlying = enough[:, None] & (spread[:, None] > 0) & (np.abs(table - centre[:, None]) > bound[:, None])
        # ... unless its phase was as far out a cycle before: it recurs
        previous = np.vstack([np.full((1, period), np.nan), table[:-1]])
        outlying &= ~(np.abs(table - previous) <= bound[:, None])
    return np.where(outlying, np.nan, table)


def _profile(y: np.ndarray, phase: np.ndarray, period: int, cycles: int, start: int = 0,
             outliers: bool = False) -> np.ndarray:
    """(n - start, period): for each t from `start` on, the seasonal effect of every phase from
    data known before t; with `outliers`, detrended values far outside those of the earlier
    cycles are left out (`cycle_medians`)."""
    n = len(y)
    medians, shift, half = cycle_medians(y, phase, period, cycles, outliers=outliers)

    # The last detrended value known before t sits at t - 1 - half (its window must have ended).
    known = np.arange(start, n) - 1 - half + shift
    cycle = known // period
    columns = np.arange(period)
    row = cycle[:, None] - (columns[None, :] > (known % period)[:, None])
    profile = np.where(row >= 0, medians[np.clip(row, 0, None), columns[None, :]], np.nan)
    profile = profile - nanmean_rows(profile)[:, None]
    return np.nan_to_num(profile, nan=0.0)


def cycle_medians(y: np.ndarray, phase: np.ndarray, period: int, cycles: int,
                  detrended: np.ndarray | None = None, outliers: bool = False) -> tuple[np.ndarray, int, int]:
    """(rows, period) medians of the detrended values (values less their centred moving average;
    `detrended` when the caller has them) of each phase over the last `cycles` cycles, row r
    ending with cycle r; the phase of y[0] (`shift`) and the moving average's half width: the
    pieces of `_profile`. With `outliers`, a detrended value more than `OUTLIER_SCALES` robust
    sds (1.4826 x MAD) from the median of the detrended values of the `cycles` cycles before its
    own is left out (`_without_outliers`):
    a season is what recurs, and a one-off shock (a price typed in the wrong unit, a month at a
    third of the usual) would otherwise be half of its phase's effect while two cycles are known,
    and stay in it for good once the later values of that phase it makes abnormal are kept out
    of the baseline as episodes."""
    n = len(y)
    half = period // 2
    if detrended is None:
        weights = np.ones(2 * half + 1)
        if period % 2 == 0:
            weights[[0, -1]] = 0.5
        centred_windows = windows(np.concatenate([np.full(half, np.nan), y, np.full(half, np.nan)]), 2 * half + 1)
        present = ~np.isnan(centred_windows)
        total = present @ weights
        centred = np.where(present, centred_windows, 0.0) @ weights / np.where(total > 0, total, 1.0)
        detrended = np.where(total >= 0.75 * weights.sum(), y - centred, np.nan)

    # Cycles as rows (aligned so that column = phase), then a rolling median over `cycles` rows.
    shift = int(phase[0]) if n else 0
    rows = -(-(shift + n) // period)
    grid = np.full(rows * period, np.nan)
    grid[shift:shift + n] = detrended
    table = grid.reshape(rows, period)
    if outliers:
        table = _without_outliers(table, cycles)
    stacked = np.vstack([np.full((cycles - 1, period), np.nan), table])
    medians = nanmedian_rows(windows(stacked, cycles))  # (rows, period)
    return medians, shift, half
