"""WFP's Alert for Price Spikes (ALPS), as in the Technical Guidance Note (WFP, 2014).

OLS of the monthly price (levels, not logs) on a linear trend and 12 monthly dummies, without a
constant, fitted on the whole series; the ALPS value of a month is its residual divided by the
standard deviation of the residuals. Phases: normal < 0.25, stress 0.25-1, alert 1-2,
crisis >= 2. Because the fit uses the whole series, a month's ALPS value changes as later months
arrive: this is the one method here that is not free of look-ahead (by definition).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm

from .base import DetectionResult, Detector, SeriesInfo, date_labels, is_monthly_price, output_frame
from .explain import compared_with_past, format_value, relative, same_month_references
from .severity import phase

MIN_MONTHS = 36  # WFP: at least three years of monthly prices


class Alps(Detector):
    name = "alps"
    title = "ALPS (WFP Alert for Price Spikes)"
    thresholds = {"stress": 0.25, "alert": 1.0, "crisis": 2.0}
    role = "phase"
    method = (
        "WFP's Alert for Price Spikes (Technical Guidance Note, 2014): an OLS regression (statsmodels) of "
        "the monthly price in levels on a linear time trend and twelve monthly dummies without a constant, "
        "fitted on the whole series. The ALPS value is the residual divided by the standard deviation of "
        "the residuals; phases normal below 0.25, stress 0.25 to 1, alert 1 to 2, crisis from 2. Applies "
        "to monthly price series with at least 36 months of data. Being fitted on the whole series, past "
        "values change when new months arrive (the only method here with look-ahead, by definition)."
    )

    def applies(self, info: SeriesInfo) -> bool:
        return is_monthly_price(info)

    def _detect(self, regular: pd.Series, info: SeriesInfo, frequency: str) -> DetectionResult:
        observed = regular.notna().to_numpy()
        count = int(observed.sum())
        if frequency != "monthly":
            return DetectionResult("not_applicable", f"ALPS is defined for monthly prices, not {frequency} series")
        if count < MIN_MONTHS:
            return DetectionResult(
                "insufficient_history",
                f"not enough history: {count} monthly observations, {MIN_MONTHS} needed for ALPS (3 years)")
        months = regular.index.month.to_numpy()
        design = np.column_stack([np.arange(len(regular), dtype="float64")]
                                 + [(months == m).astype("float64") for m in range(1, 13)])
        prices = regular.to_numpy()
        # A calendar month never observed has an all-zero dummy: leave it out (it has no residual).
        design = design[:, np.r_[True, np.isin(np.arange(1, 13), months[observed])]]
        fit = sm.OLS(prices[observed], design[observed], hasconst=True).fit()
        fitted = design @ fit.params
        residuals = prices - fitted
        spread = float(np.std(residuals[observed], ddof=1))
        if not spread > 0:
            return DetectionResult("insufficient_history", "ALPS undefined: the prices fit the trend and season exactly")
        score = residuals / spread
        last_year, average = same_month_references(prices)
        dates = np.array(date_labels(regular.index, frequency), dtype=object)[observed]
        value, expected, score = prices[observed], fitted[observed], score[observed]
        severity = phase(score, self.thresholds)
        label, unit = info.label(), info.unit
        explanation = [
            f"{label}, {date}: {format_value(v, unit)}, ALPS {z:.2f} (normal)." if level == "normal" else
            f"{label}, {date}: {format_value(v, unit)}, ALPS {z:.2f} ({level}): "
            f"{relative(v, e, unit)} the trend-and-season estimate of {format_value(e, unit)}"
            + (f"; {comparison}" if (comparison := compared_with_past(v, year, mean, unit)) else "") + "."
            for date, v, e, z, level, year, mean in zip(
                dates.tolist(), value.tolist(), expected.tolist(), score.tolist(), severity,
                last_year[observed].tolist(), average[observed].tolist())]
        frame = output_frame(dates, value, expected, expected - spread, expected + spread, score, severity,
                             explanation)
        return DetectionResult("scored", f"{count} months scored (whole-series fit, sd of residuals "
                                         f"{format_value(spread, unit)})", frame)
