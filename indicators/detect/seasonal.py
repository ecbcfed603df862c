"""Seasonal baseline: robust STL fitted on the past only, scored with a robust scale.

For each date t the expected value comes from an STL decomposition (statsmodels, robust
LOESS) of the observations before t: a robust (Theil-Sen) line through the last two cycles of
seasonally adjusted values, extended to t, plus the seasonal component of the same phase in the
last cycle. The scale is a robust standard deviation (1.4826 x MAD) of the detector's own
out-of-sample forecast errors so far (before enough exist, of the STL remainder, inflated). The score is the deviation in scale
units, oriented so that positive means worse (prices, queues, outages up; availability down).
Prices are modelled in logs (seasonality is multiplicative); shares and hours in levels.
No look-ahead: a model is refitted every `refit_every` periods from data strictly before the
block it scores, so the flag for t never depends on data after t.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import theilslopes
from statsmodels.tsa.seasonal import STL

from .. import units
from .base import PERIODS, DetectionResult, Detector, SeriesInfo, orient, period_label
from .explain import format_value, relative
from .severity import phase

REFIT_EVERY = {"monthly": 1, "weekly": 4, "daily": 7, "hourly": 24}
# Out-of-sample forecast errors needed before a date is scored: in-sample STL remainders
# understate forecast errors, so the scale is only trusted once the model has been tested.
MIN_ERRORS = {"monthly": 12, "weekly": 26, "daily": 28, "hourly": 48}
WINDOW = {"monthly": 120, "weekly": 156, "daily": 120, "hourly": 24 * 28}


class SeasonalBaseline(Detector):
    name = "seasonal"
    title = "Seasonal baseline (robust STL, past data only)"
    thresholds = {"stress": 2.5, "alert": 3.5, "crisis": 5.0}
    band_width = 2.0
    method = (
        "For every date, a robust STL decomposition (statsmodels) of the observations before that date "
        "gives the expected value: the trend's latest level and slope plus the seasonal effect of the same "
        "month (prices, yearly cycle) or weekday (daily series, weekly cycle). The score is the deviation "
        "from that expectation divided by a robust scale (1.4826 x the median absolute STL remainder), "
        "counted in the bad direction: up for prices, queues and outages, down for availability. "
        "Prices are modelled in logs. Phases: stress from 2.5, alert from 3.5, crisis from 5 robust "
        "standard deviations; the band shown is the expected value +/- 2 scales. Needs two full "
        "seasonal cycles of history to fit, then a warm-up (12 months, 28 days) of forecast errors to "
        "measure the scale before the first date is scored (37 months, 43 days in all)."
    )

    def _detect(self, regular: pd.Series, info: SeriesInfo, frequency: str) -> DetectionResult:
        period = PERIODS[frequency]
        needed = 2 * period + 1
        warm_up = MIN_ERRORS[frequency]
        observed = int(regular.notna().sum())
        if observed < needed + warm_up:
            return DetectionResult(
                "insufficient_history",
                f"not enough history: {observed} {frequency} observations, {needed + warm_up} needed "
                f"(two seasonal cycles to fit, then {warm_up} to measure forecast errors)")
        use_log = units.dimension_of(info.unit) in ("price/mass", "price/volume", "rate") \
            and bool((regular.dropna() > 0).all())
        work = np.log(regular) if use_log else regular.copy()
        values = work.to_numpy()
        step, window = REFIT_EVERY[frequency], WINDOW[frequency]
        n = len(values)
        expected = np.full(n, np.nan)
        scale = np.full(n, np.nan)
        # First scored position: once `needed` observations precede it.
        counts = np.cumsum(~np.isnan(values))
        start = int(np.searchsorted(counts, needed)) + 1
        errors: list[float] = []  # out-of-sample forecast errors seen so far (past only)
        for block in range(start, n, step):
            history = work.iloc[max(0, block - window):block]
            if history.notna().sum() < needed:
                continue
            fit = _fit(history, period, use_log)
            if fit is None:
                continue
            level, slope, seasonal, spread = fit
            if len(errors) >= warm_up:
                recent = np.asarray(errors[-window:])
                spread = max(1.4826 * float(np.median(np.abs(recent - np.median(recent)))), spread)
            else:
                spread = np.nan  # warming up: forecast, measure the error, do not score yet
            for t in range(block, min(block + step, n)):
                ahead = t - block + 1
                expected[t] = level + slope * ahead + seasonal[(len(history) + ahead - 1) % period]
                scale[t] = spread
            done = values[block:block + step] - expected[block:block + step]
            errors.extend(done[~np.isnan(done)].tolist())
        observed_mask = ~np.isnan(values) & ~np.isnan(expected) & ~np.isnan(scale)
        if not observed_mask.any():
            return DetectionResult("insufficient_history", "not enough regular history to fit a seasonal baseline")
        deviation = (values - expected) / scale
        score = orient(deviation, info.definition.bad_direction)
        lower_w, upper_w = expected - self.band_width * scale, expected + self.band_width * scale
        back = np.exp if use_log else (lambda a: a)
        bounds = (info.definition.min, info.definition.max)
        frame = pd.DataFrame({
            "date": [period_label(p, frequency) for p in regular.index],
            "value": regular.to_numpy(),
            "expected": np.clip(back(expected), *bounds),
            "lower": np.clip(back(lower_w), *bounds),
            "upper": np.clip(back(upper_w), *bounds),
            "score": score,
        })[observed_mask]
        frame["severity"] = phase(frame["score"], self.thresholds)
        frame["explanation"] = [self._explain(info, row) for row in frame.itertuples(index=False)]
        return DetectionResult("scored", f"{len(frame)} of {observed} observations scored", frame.reset_index(drop=True))

    def _explain(self, info: SeriesInfo, row) -> str:
        unit = info.unit
        head = f"{info.label()}, {row.date}: {format_value(row.value, unit)}"
        if row.severity == "normal":
            return (f"{head}, within the normal range of the seasonal expectation "
                    f"({format_value(row.lower, unit)} to {format_value(row.upper, unit)}).")
        return (f"{head}, {relative(row.value, row.expected, unit)} the seasonal expectation of "
                f"{format_value(row.expected, unit)} (normal range {format_value(row.lower, unit)} to "
                f"{format_value(row.upper, unit)}; score {row.score:.1f}, {row.severity}).")


def _fit(history: pd.Series, period: int, use_log: bool):
    """Robust STL of `history` (gaps interpolated for the fit only): last trend level, trend
    slope per step, the last seasonal cycle indexed by position modulo `period`, robust scale."""
    filled = history.interpolate(limit_direction="both").to_numpy()
    if len(filled) < 2 * period + 1 or np.isnan(filled).any():
        return None
    result = STL(filled, period=period, robust=True).fit()
    length = len(filled)
    # The level is a robust (Theil-Sen) line through the recent seasonally adjusted observations:
    # STL's trend is least reliable at the series' end, exactly where a forecast starts.
    recent = max(2 * period, 24)
    positions = np.arange(length)[-recent:]
    adjusted = (history.to_numpy() - result.seasonal)[-recent:]
    keep = ~np.isnan(adjusted)
    slope, intercept, _, _ = theilslopes(adjusted[keep], positions[keep])
    level = intercept + slope * (length - 1)
    cycle = np.empty(period)
    for position in range(length - period, length):
        cycle[position % period] = result.seasonal[position]
    residual = result.resid[~np.isnan(history.to_numpy())]
    spread = 1.4826 * np.median(np.abs(residual - np.median(residual)))
    # A floor keeps a near-constant history from turning every wobble into a crisis.
    floor = 0.005 if use_log else 0.01 * max(float(np.median(np.abs(filled))), 1e-3)
    return level, slope, cycle, max(spread, floor)
