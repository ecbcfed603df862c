"""Seasonal baseline: each observation against what its season and recent level make normal.

The expected value and the robust scale come from `baseline.fit` (past data only: the flag for
t never depends on data after t). The score is the deviation in scale units, oriented so that
positive means worse (prices, queues, outages up; availability down).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import baseline
from scipy import stats

from .base import (INTERVALS, DetectionResult, Detector, SeriesInfo, date_labels, observed_count, orient,
                   output_columns)
from .explain import format_value, format_values, normal_range_words, relative
from .severity import phase


HOURLY_THRESHOLDS = {"stress": 4.0, "alert": 5.0, "crisis": 7.0}


def interval_thresholds(step: int) -> dict[str, float]:
    """Thresholds for a series sampled every `step` minutes that give the hourly thresholds' rate
    of false alarms per series-day (Gaussian tails): 60 / step times as many tests a day, so each
    test's tail is that much smaller (5 min: stress 4.55, alert 5.46, crisis 7.35 scales)."""
    return {name: round(float(stats.norm.isf(stats.norm.sf(z) * step / 60)), 2)
            for name, z in HOURLY_THRESHOLDS.items()}


class SeasonalBaseline(Detector):
    name = "seasonal"
    title = "Seasonal baseline (robust, past data only)"
    thresholds = {"stress": 2.5, "alert": 3.5, "crisis": 5.0}
    # A daily series is tested 30 times as often as a monthly one: higher bars keep false alarms per
    # series-year comparable (multiple testing), at no cost for the large deviations that matter.
    thresholds_by_frequency = {
        "monthly": thresholds,
        "weekly": {"stress": 3.0, "alert": 4.0, "crisis": 5.5},
        "daily": {"stress": 3.5, "alert": 4.5, "crisis": 6.0},
        "hourly": HOURLY_THRESHOLDS,
        **{name: interval_thresholds(step) for name, step in INTERVALS.items() if name != "hourly"},
    }
    band_width = 2.0
    role = "signal"  # shown under its own name; the `state` detector carries its scores into severities
    method = (
        "For every date, the expected value is built from the observations before that date only: a "
        "seasonal profile (per month for prices, per weekday for daily series) from the median of the "
        "detrended values of the last cycles, plus a robust level (median of the recent seasonally adjusted "
        "values, moved along a robust slope for monthly series, whose prices trend with inflation). The score "
        "is the deviation from that expectation divided by a robust scale (1.4826 x the median absolute "
        "deviation of the baseline's own past forecast errors, and at least their 90th percentile / 1.645: "
        "equal for Gaussian errors, wider for heavy-tailed ones and for a survey share, which moves in steps of "
        "one station; widened when few "
        "errors lie behind it, by Student's t against the normal at 3 scales), counted in "
        "the bad direction: up for prices, "
        "queues and outages, down for availability. Prices and durations are modelled in logs. Phases for "
        "monthly series: stress from 2.5, alert from 3.5, crisis from 5 robust standard deviations (daily "
        "series: 3.5, 4.5 and 6, since they are tested 30 times as often); the band shown is the expected "
        "value +/- 2 scales. Needs three seasonal cycles of history (37 months, 22 days); daily series are "
        "scored once 30 of their own forecast errors exist."
    )

    def _detect(self, regular: pd.Series, info: SeriesInfo, frequency: str) -> DetectionResult:
        fitted, too_short = baseline.fit_series(regular, info, frequency)
        if too_short:
            return too_short
        observed = observed_count(regular)
        mask = fitted.scorable
        deviation = (fitted.observed - fitted.expected) / fitted.scale
        score = orient(deviation, info.definition.bad_direction)
        bounds = (info.definition.min, info.definition.max)
        dates = np.array(date_labels(regular.index, frequency), dtype=object)[mask]
        value = regular.to_numpy()[mask]
        expected = np.clip(fitted.to_units(fitted.expected[mask]), *bounds)
        lower = np.clip(fitted.to_units((fitted.expected - self.band_width * fitted.scale)[mask]), *bounds)
        upper = np.clip(fitted.to_units((fitted.expected + self.band_width * fitted.scale)[mask]), *bounds)
        score = score[mask]
        severity = phase(score, self.thresholds_by_frequency[frequency])
        label, unit, direction = info.label(), info.unit, info.definition.bad_direction
        of = " of the seasonal expectation"
        explanation = [
            f"{label}, {date}: {shown}, "
            f"{normal_range_words(v, below, above, low, high, direction, of=of)}." if level == "normal" else
            f"{label}, {date}: {shown}, {relative(v, e, unit)} the seasonal "
            f"expectation of {format_value(e, unit)} (normal range {low} to "
            f"{high}; score {z:.1f}, {level})."
            for date, v, shown, e, low, high, z, level, below, above in zip(
                dates.tolist(), value.tolist(), format_values(value.tolist(), unit), expected.tolist(),
                format_values(lower.tolist(), unit), format_values(upper.tolist(), unit), score.tolist(), severity,
                lower.tolist(), upper.tolist())]
        rows = output_columns(dates, value, expected, lower, upper, score, severity, explanation)
        return DetectionResult("scored", f"{len(dates)} of {observed} observations scored", columns=rows)
