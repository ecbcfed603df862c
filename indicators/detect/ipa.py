"""FAO GIEWS Indicator of Price Anomalies (IPA; SDG indicator 2.c.1).

For each month, the compound quarterly growth rate CQGR = (P_t / P_{t-3})^(1/3) - 1 and the
compound annual growth rate CAGR = (P_t / P_{t-12})^(1/12) - 1 are each standardised by the mean
and standard deviation of that rate in the same calendar month of other years, and combined:
IPA = 0.4 x z(CQGR) + 0.6 x z(CAGR). >= 1 abnormally high, 0.5-1 moderately high, else normal.

GIEWS standardises with all years of the series; here only earlier years are used (at least
`MIN_YEARS`), so a month's IPA never changes when later data arrive (scheduled jobs, no look-ahead).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .base import DetectionResult, Detector, SeriesInfo, date_labels, is_monthly_price, output_columns
from .explain import compared_with_past_all, format_values, same_month_references
from .severity import classify, level_size, phase, size_rule

MIN_YEARS = 3  # earlier same-month growth rates needed to standardise
# The first annual growth rate is at month 12, its first standardised value MIN_YEARS years later.
IPA_SCORED_FROM = 12 * (MIN_YEARS + 1)
# A floor on the standard deviation of a growth rate (per month): a price that was flat for years
# has a near-zero spread, and any small change would otherwise be "abnormal" (IPA 10 for a 5% rise).
MIN_RATE_SD = 0.0025
WEIGHTS = (0.4, 0.6)  # quarterly, annual
VERDICT = {"normal": "normal", "stress": "moderately high", "alert": "abnormally high", "crisis": "abnormally high"}


class PriceAnomalyIndicator(Detector):
    name = "ipa"
    title = "IPA (FAO GIEWS indicator of price anomalies)"
    thresholds = {"stress": 0.5, "alert": 1.0, "crisis": float("inf")}
    # Shown under its own name, not counted in the consolidated severity: each month is standardised
    # by as few as three earlier values of the same month, and on the detection benchmark it alone
    # raised 0.05 false alarms per series-year (precision 0.68; ALPS month by month: 0.95).
    role = "reference"
    method = (
        "FAO GIEWS indicator of price anomalies (SDG 2.c.1): the compound quarterly and annual growth "
        "rates of the monthly price are each standardised by the mean and standard deviation of the same "
        "calendar month in earlier years (at least three; GIEWS uses all years, we use past years only so "
        "that a month's value never changes later) and combined 0.4 x quarterly + 0.6 x annual. IPA from "
        "0.5 is moderately high (stress), from 1 abnormally high (alert). Applies to monthly price series; "
        "needs 12 + 36 months of history before the first scored month."
    )

    def applies(self, info: SeriesInfo) -> bool:
        return is_monthly_price(info)

    def _detect(self, regular: pd.Series, info: SeriesInfo, frequency: str) -> DetectionResult:
        if frequency != "monthly":
            return DetectionResult("not_applicable", f"IPA is defined for monthly prices, not {frequency} series")
        prices = regular.to_numpy()
        prices = np.where(prices > 0, prices, np.nan)
        count = int((~np.isnan(prices)).sum())
        # a shorter series has no IPA (most short series of a large store stop here)
        if len(prices) <= IPA_SCORED_FROM:
            scored = np.zeros(len(prices), dtype=bool)
        else:
            quarterly = _compound_growth(prices, 3)
            annual = _compound_growth(prices, 12)
            z_quarter, _, _ = _standardise(quarterly)
            z_annual, mean_annual, sd_annual = _standardise(annual)
            score = WEIGHTS[0] * z_quarter + WEIGHTS[1] * z_annual
            scored = ~np.isnan(score) & ~np.isnan(prices)
        if not scored.any():
            return DetectionResult(
                "insufficient_history",
                f"not enough history: {count} monthly observations; IPA needs the same calendar month's quarterly "
                f"and annual growth in {MIN_YEARS} earlier years (about {12 + 12 * MIN_YEARS + 1} months)")
        year_ago = np.concatenate([np.full(12, np.nan), prices[:-12]])[:len(prices)]
        last_year, average = same_month_references(prices)
        dates = np.array(date_labels(regular.index, frequency), dtype=object)[scored]
        value, score = prices[scored], score[scored]
        # The price the usual annual growth of this month would give, and +/- one sd of it.
        expected = (year_ago * (1 + mean_annual) ** 12)[scored]
        lower = (year_ago * np.clip(1 + mean_annual - sd_annual, 0, None) ** 12)[scored]
        upper = (year_ago * (1 + mean_annual + sd_annual) ** 12)[scored]
        rule = size_rule(info)
        by_score = phase(score, self.thresholds)
        severity = classify(score, self.thresholds, level_size(value, expected, last_year[scored], average[scored],
                                                               info, rule), rule)
        label, unit = info.label(), info.unit
        # the comparisons of the months that are not normal, built a column at a time
        flagged = ~((severity == "normal") & (by_score == "normal"))
        comparisons = iter(compared_with_past_all(value[flagged].tolist(), last_year[scored][flagged].tolist(),
                                                  average[scored][flagged].tolist(), unit))
        explanation = [
            f"{label}, {date}: {shown}, IPA {z:.2f} (normal)." if level == own == "normal" else
            f"{label}, {date}: {shown}, IPA {z:.2f}: compound growth "
            f"{q * 100:+.1f}%/month over 3 months and {a * 100:+.1f}%/month over 12 months"
            + (f"; {comparison}" if (comparison := next(comparisons)) else "")
            + ("; the rise is too small against these references for a higher phase" if level != own else "")
            + f" ({VERDICT[level]}: {level})."
            for date, shown, z, level, own, q, a in zip(
                dates.tolist(), format_values(value.tolist(), unit), score.tolist(), severity, by_score,
                quarterly[scored].tolist(), annual[scored].tolist())]
        rows = output_columns(dates, value, expected, lower, upper, score, severity, explanation)
        return DetectionResult("scored", f"{len(dates)} of {count} months scored", columns=rows)


def _compound_growth(prices: np.ndarray, months: int) -> np.ndarray:
    out = np.full(len(prices), np.nan)
    if len(prices) > months:
        out[months:] = (prices[months:] / prices[:-months]) ** (1.0 / months) - 1.0
    return out


def _standardise(rates: np.ndarray):
    """z-score of each rate against the same calendar month in earlier years (past only)."""
    n = len(rates)
    years = -(-n // 12)
    grid = np.full(years * 12, np.nan)
    grid[:n] = rates
    grid = grid.reshape(years, 12)  # rows: years from the first month; columns: calendar month
    present = ~np.isnan(grid)
    values = np.where(present, grid, 0.0)
    count = np.cumsum(present, axis=0) - present  # earlier years only
    total = np.cumsum(values, axis=0) - values
    squares = np.cumsum(values ** 2, axis=0) - values ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count
        sd = np.fmax(np.sqrt(np.clip((squares - count * mean ** 2) / (count - 1), 0, None)), MIN_RATE_SD)
        z = (grid - mean) / sd
    enough = count >= MIN_YEARS
    mean, sd, z = (np.where(enough, a, np.nan).reshape(-1)[:n] for a in (mean, sd, z))
    return z, mean, sd
