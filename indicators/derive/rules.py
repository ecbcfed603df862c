"""The thresholds of each derived indicator's own literature, as detectors (the public
`indicators.detect.Detector` interface: validated input, a regular index, expected value, score,
severity, explanation). The derive stage scores its series with them after each change; the
usual detectors score the same series in the detect stage.

- `FiveYearFall` (FEWS NET terms of trade): value against the 5-year average of the same
  calendar month (the 5 previous years with a value, at least 2); a fall of 15% or more is
  `alert`.
- `MonthOnMonthRise` (WFP Market Monitor, basket cost): change from the previous month;
  +10% to +25% is "high" (`alert`), over +25% "severe" (`crisis`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import catalog
from ..detect.base import DetectionResult, Detector, date_labels, output_frame


class FiveYearFall(Detector):
    name = "fews_five_year_fall"
    title = "FEWS NET terms of trade: against the 5-year average"
    method = ("Terms of trade against the average of the same calendar month in the 5 previous years "
              "(at least 2); a fall of 15% or more is an alert (FEWS NET).")
    applies_to = ("terms_of_trade",)
    thresholds = {"alert": 0.15}
    years = 5
    least = 2

    def _detect(self, regular: pd.Series, info, frequency: str) -> DetectionResult:
        if frequency != "monthly":
            return DetectionResult("insufficient_history", "the 5-year average needs a monthly series")
        fall = catalog.get(info.indicator).extra.get("alert_fall", self.thresholds["alert"])
        values = regular.to_numpy()
        earlier = np.vstack([np.r_[np.full(12 * k, np.nan), values[:-12 * k]] if 12 * k < len(values)
                             else np.full(len(values), np.nan) for k in range(1, self.years + 1)])
        counts = np.sum(~np.isnan(earlier), axis=0)
        average = np.where(counts >= self.least, _nanmean(earlier), np.nan)
        keep = ~np.isnan(values) & ~np.isnan(average)
        if not keep.any():
            return DetectionResult("insufficient_history", f"not enough history: the same month in at least "
                                                           f"{self.least} earlier years is needed")
        change = values[keep] / average[keep] - 1.0
        severity = np.where(change <= -fall, "alert", "normal")
        dates = np.array(date_labels(regular.index, frequency))[keep]
        unit = info.unit
        explanation = [f"{info.label()}, {d}: {v:,.1f} {unit}, {abs(c):.0%} {'below' if c < 0 else 'above'} the "
                       f"5-year average of the month ({a:,.1f}, {int(n)} years)"
                       + (f"; a fall of {fall:.0%} or more is an alert (FEWS NET)" if s == "alert" else "")
                       for d, v, a, c, n, s in zip(dates, values[keep], average[keep], change, counts[keep], severity)]
        return DetectionResult("scored", frame=output_frame(
            dates, values[keep], average[keep], average[keep] * (1 - fall), np.full(keep.sum(), np.nan), -change,
            severity, explanation))


class MonthOnMonthRise(Detector):
    name = "wfp_month_on_month"
    title = "WFP Market Monitor: month-on-month change"
    method = ("Change from the previous month: +10% to +25% is high (alert), over +25% severe (crisis), as in "
              "WFP's Market Monitor.")
    applies_to = ("basket_cost",)
    thresholds = {"alert": 0.10, "crisis": 0.25}

    def _detect(self, regular: pd.Series, info, frequency: str) -> DetectionResult:
        definition = catalog.get(info.indicator).extra
        high, severe = definition.get("high_rise", 0.10), definition.get("severe_rise", 0.25)
        values = regular.to_numpy()
        previous = np.r_[np.nan, values[:-1]]
        keep = ~np.isnan(values) & ~np.isnan(previous) & (previous > 0)
        if not keep.any():
            return DetectionResult("insufficient_history", "not enough history: two consecutive months are needed")
        change = values[keep] / previous[keep] - 1.0
        severity = np.where(change > severe, "crisis", np.where(change >= high, "alert", "normal"))
        dates = np.array(date_labels(regular.index, frequency))[keep]
        # the severity's own word closes the sentence, so the badge and the words agree
        words = {"crisis": "severe (over 25%, WFP Market Monitor; crisis)",
                 "alert": "high (10-25%, WFP Market Monitor; alert)", "normal": ""}
        explanation = [f"{info.label()}, {d}: {v:,.0f} {info.unit}, {c:+.1%} on the previous month ({p:,.0f})"
                       + (f": {words[s]}" if s != "normal" else "")
                       for d, v, p, c, s in zip(dates, values[keep], previous[keep], change, severity)]
        return DetectionResult("scored", frame=output_frame(
            dates, values[keep], previous[keep], np.full(keep.sum(), np.nan), previous[keep] * (1 + high), change,
            severity, explanation))


def _nanmean(stack: np.ndarray) -> np.ndarray:
    counts = np.sum(~np.isnan(stack), axis=0)
    total = np.nansum(stack, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, total / np.maximum(counts, 1), np.nan)
