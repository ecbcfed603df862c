"""WFP's Alert for Price Spikes (ALPS), as in the Technical Guidance Note (WFP, 2014).

OLS of the monthly price (levels, not logs) on a linear trend and 12 monthly dummies, without a
constant; the ALPS value of a month is its residual divided by the standard deviation of the
residuals. Phases: normal < 0.25, stress 0.25-1, alert 1-2, crisis >= 2.

Two detectors:
- `alps`: ALPS as it would have been published at the time. Each month is scored by the fit on
  the data up to that month (every window's coefficients at once, from running sums per month:
  the recursive least-squares estimates in closed form), so a month's value never changes when
  later months arrive. The fit is local: each earlier month counts half as much every
  `HALF_LIFE` months (exponentially weighted least squares), so the trend follows a change of
  inflation, or a level that has moved for good, within a few years, where WFP's linear trend
  over the whole history lags it for the rest of the series and calls every later month an
  alert. Once inflation has changed for good (`forgetting`: a recent drift that no crisis can
  move has stood above the fit's slope for 3 years) the memory shortens to `SHORT_HALF_LIFE`
  months, and the price a year earlier is compared with a year of the trend added. It counts
  in the consolidated view at its own phase, once the size of the price rise allows that phase
  (`severity.classify`: the price must also stand above its trend-and-season estimate, a year
  earlier and the 5-year average by the sizes of `severity.SIZE_RULES`). An excursion already
  under way (last month's ALPS beyond the alert bar, held at stress by the size) starts no alert
  when the size alone catches up, unless some month of it brought news past the crisis bar once
  the part the ALPS values' own autocorrelation explains is taken out (`held_in_excursion`).
- `alps_whole`: the whole-series fit of the guidance note (reproduces WFP's reference figures);
  its values change as months arrive (look-ahead, by definition), so it is shown under its own
  name and does not count in the consolidated view.
"""
from __future__ import annotations

from functools import lru_cache
from itertools import repeat
from typing import NamedTuple

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from .base import (DetectionResult, Detector, SeriesInfo, calendar_months, date_labels, is_monthly_price, observed_count,
                   output_columns)
from .explain import compared_with_past_all, format_value, format_values, relatives, same_month_references
from .severity import SEVERITY_RANK, classify_ranks, level_size, names, phase, size_rule
from .state import error_autocorrelation

MIN_MONTHS = 36  # WFP: at least three years of monthly prices
MIN_SPREAD = 0.01  # of the mean price: a price fixed for years has no meaningful ALPS
# The month-by-month fit's memory: an earlier month counts half as much every 5 years (the span of
# FEWS NET's 5-year average). Chosen on the benchmark's tuning families (36, 48, 60 and 72 months
# tried; docs/detection.md, "Monthly prices and daily cycles"); 1 / (1 - DISCOUNT), about 87
# months, is the fit's effective length.
HALF_LIFE = 60
DISCOUNT = 0.5 ** (1 / HALF_LIFE)
# A change of inflation that holds for years (`forgetting`): the recent drift, the median of the
# year-on-year changes of the last `DRIFT_WINDOW` months (a level shift of any length moves at most
# 12 of them, so a crisis does not move it), standing `DRIFT_GAP` of the mean price a year above
# the fit's slope for `DRIFT_SUSTAINED` months in a row; from then on the fit forgets at
# `SHORT_HALF_LIFE` a month. Chosen on the tuning seeds of `prices_inflation` under the real-data
# guard (docs/detection.md, "Trend breaks: a memory that shortens when inflation changes for good").
DRIFT_WINDOW, DRIFT_GAP, DRIFT_SUSTAINED = 36, 0.02, 36
SHORT_HALF_LIFE = 12
SHORT_DISCOUNT = 0.5 ** (1 / SHORT_HALF_LIFE)
# The past ALPS values whose lag-1 autocorrelation `held_in_excursion` takes out of a month's news:
# the state detector's monthly scale window (`baseline.SCALE_WINDOW`), 6 years.
EXCURSION_WINDOW = 72


class WholeSeriesAlps(Detector):
    name = "alps_whole"
    title = "ALPS, whole-series fit (WFP Alert for Price Spikes)"
    thresholds = {"stress": 0.25, "alert": 1.0, "crisis": 2.0}
    role = "reference"
    method = (
        "WFP's Alert for Price Spikes (Technical Guidance Note, 2014): an OLS regression (statsmodels) of "
        "the monthly price in levels on a linear time trend and twelve monthly dummies without a constant, "
        "fitted on the whole series. The ALPS value is the residual divided by the standard deviation of "
        "the residuals; phases normal below 0.25, stress 0.25 to 1, alert 1 to 2, crisis from 2. Applies "
        "to monthly price series with at least 36 months of data. Being fitted on the whole series, past "
        "values change when new months arrive, so it is a reference shown under its own name and does not "
        "count in the consolidated severity (the `alps` detector, fitted month by month, does)."
    )

    def applies(self, info: SeriesInfo) -> bool:
        return is_monthly_price(info)

    def _detect(self, regular: pd.Series, info: SeriesInfo, frequency: str) -> DetectionResult:
        refused = _refuse(regular, frequency)
        if refused:
            return refused
        # statsmodels' OLS estimate (`sm.OLS(...).fit()`, method "pinv") without building the model
        # and results objects, which cost ten times the fit itself on a 15-year series.
        from statsmodels.tools.tools import pinv_extended

        prices, observed, design = _design(regular)
        params = np.dot(pinv_extended(design[observed])[0], prices[observed])
        fitted = design @ params
        residuals = prices - fitted
        spread = float(np.std(residuals[observed], ddof=1))
        if not spread > MIN_SPREAD * float(np.mean(prices[observed])):
            return DetectionResult("insufficient_history", "ALPS undefined: the prices fit the trend and season "
                                                           "(almost) exactly")
        score = residuals / spread
        severity = phase(score[observed], self.thresholds)
        rows = _output(regular, info, observed, fitted, np.full(len(prices), spread), score, severity)
        return DetectionResult("scored", f"{int(observed.sum())} months scored (whole-series fit, sd of residuals "
                                         f"{format_value(spread, info.unit)})", columns=rows)


class Alps(WholeSeriesAlps):
    name = "alps"
    title = "ALPS (WFP Alert for Price Spikes, as published month by month)"
    role = "phase"
    method = (
        "WFP's Alert for Price Spikes (Technical Guidance Note, 2014) as it would have been published at the "
        "time: for each month, the regression of the price in levels on a linear trend and twelve monthly "
        "dummies (no constant) fitted on the data up to that month only, each earlier month weighted half as much "
        "every 5 years (a local trend that follows a change of inflation; every window at once, in closed form "
        "from running sums per month), and every year once the median year-on-year change of the last 3 years has "
        "stood 2 points of the mean price a year above the fit's slope for 3 years in a row (inflation changed for "
        "good; there the price a year earlier is compared with a year of the trend added), and the month's residual "
        "divided by the weighted standard deviation of that fit's residuals. Phases normal below 0.25, stress "
        "0.25 to 1, alert 1 to 2, crisis from 2, counted in "
        "the consolidated severity once the price also stands above the trend-and-season estimate, a year "
        "earlier and the 5-year average by the sizes people use (5% for stress, 10% for alert, 25% for "
        "crisis). An excursion already under way (last month's ALPS beyond the alert bar) whose size catches up "
        "starts no alert where the past ALPS values are autocorrelated and no month of it brought news past the "
        "crisis bar (its ALPS value less the part the month before predicts under AR(1)). The first 36 months "
        "only fit the model. A price fixed for years (a spread under 1% of the "
        "price) has no ALPS."
    )

    def _detect(self, regular: pd.Series, info: SeriesInfo, frequency: str) -> DetectionResult:
        refused = _refuse(regular, frequency)
        if refused:
            return refused
        prices, observed, design = _design(regular)
        fit = local_fit(prices, observed, design)
        fitted, spread = fit.fitted, fit.spread
        score = (prices - fitted) / spread
        scored = observed & ~np.isnan(score) & (np.cumsum(observed) > MIN_MONTHS)
        if not scored.any():
            return DetectionResult("insufficient_history", "ALPS undefined: the prices fit the trend and season "
                                                           "(almost) exactly in every window")
        references = same_month_references(prices)
        rule = size_rule(info)
        # Where inflation has changed for good, a year earlier is compared with the year's rise on
        # the fit's own trend added: at 10% a year every price is 10% above a year earlier.
        last_year = references[0] + np.where(fit.shortened, 12 * np.fmax(fit.slope, 0.0), 0.0)
        sizes = level_size(prices, fitted, last_year, references[1], info, rule)
        ranks = np.zeros(len(prices), dtype=int)
        ranks[scored] = classify_ranks(score[scored], self.thresholds, sizes[scored], rule)
        held = held_in_excursion(np.where(scored, score, np.nan), ranks, self.thresholds)
        ranks[list(held)] = SEVERITY_RANK["stress"]
        severity = names(ranks[scored])
        rows = _output(regular, info, scored, fitted, spread, score, severity,
                       by_score=phase(score[scored], self.thresholds), references=references,
                       trend_added=fit.shortened, held=held)
        return DetectionResult("scored", f"{int(scored.sum())} of {int(observed.sum())} months scored (fit on the "
                                         f"data up to each month)", columns=rows)


def held_in_excursion(score: np.ndarray, ranks: np.ndarray, thresholds: dict[str, float]) -> dict:
    """Months whose alert (or crisis) would start an ALPS alert run inside an excursion of noise
    already under way, and that are held at stress: {month: (last month's ALPS, r, the largest
    news of the excursion)}.

    Under autocorrelated noise an excursion of the price lasts for months: its ALPS value passes
    the alert bar while the rise is still under the alert size (stress), and the month the size
    catches up would start an alert although nothing new happened. So where the month before was
    already beyond the alert bar, the month starts an alert only if the excursion brought news:
    some month of it, from its first month beyond the alert bar to this one, has an ALPS value
    that what the month before predicts under AR(1) does not explain, (a_s - r a_{s-1}) /
    sqrt(1 - r^2) at the crisis bar or beyond (a shift or a failed harvest jumps; a wander of
    such noise drifts). r is the lag-1 autocorrelation of the past `EXCURSION_WINDOW` ALPS values
    (`state.error_autocorrelation`: clipped at 3, at most 0.95); where it is 0 (independent
    values, or fewer than 24 pairs to tell) the persistence itself is news and nothing is held.
    An alert after a month below the alert bar (every documented crisis's first alert month on
    the BFA file), after a gap, and every later month of a run keep their phase.
    `score`: the ALPS values (NaN where not scored); `ranks`: their severity ranks."""
    held: dict[int, tuple[float, float, float]] = {}
    alert, crisis = thresholds["alert"], thresholds["crisis"]
    starts = ranks >= SEVERITY_RANK["alert"]
    under_way = np.flatnonzero(starts[1:])
    under_way = under_way[score[under_way] >= alert] + 1  # the month before beyond the bar (a gap, NaN: not)
    if not len(under_way):
        return held
    beyond = score >= alert

    ones = np.ones(len(score))
    # the first month of each run of months beyond the alert bar, for every month
    first = np.maximum.accumulate(np.where(beyond & ~np.r_[False, beyond[:-1]], np.arange(len(score)), 0))
    for t in under_way.tolist():
        if starts[t - 1] and t - 1 not in held:
            continue  # inside an alert run
        begun = first[t - 1]
        if begun == 0:
            continue  # the excursion began with the series' values: nothing to compare it with
        r = error_autocorrelation(score, ones, t, EXCURSION_WINDOW)
        if r <= 0.0:
            continue  # independent values, or too few to tell: the persistence itself is news
        news = float(np.max(score[begun:t + 1] - r * score[begun - 1:t])) / np.sqrt(1.0 - r * r)
        if news < crisis:  # NaN before the excursion (a gap): no news test, the plain phase
            held[int(t)] = (float(score[t - 1]), r, news)
    return held


class LocalFit(NamedTuple):
    fitted: np.ndarray  # per month t: the fit on the months up to t, at t
    spread: np.ndarray  # the weighted sd of that fit's residuals
    slope: np.ndarray  # its trend per month
    shortened: np.ndarray  # True where the memory is shortened (`forgetting`)


def local_fit(prices: np.ndarray, observed: np.ndarray, design: np.ndarray) -> LocalFit:
    """The `alps` fit: `expanding_fit` with a half-life of `HALF_LIFE` months, shortened to
    `SHORT_HALF_LIFE` where inflation changed for good (`forgetting`)."""
    n = len(prices)
    decay = DISCOUNT ** np.arange(n, dtype="float64")
    means = _window_means(prices, observed, design, decay)
    shortened = forgetting(prices, observed, means[3])
    if not shortened.any():
        return LocalFit(*_fit(prices, observed, design, decay, DISCOUNT, means), shortened)
    decay = np.cumprod(np.where(shortened, SHORT_DISCOUNT, DISCOUNT))  # window t weighs month s by decay[t] / decay[s]
    return LocalFit(*_fit(prices, observed, design, decay, None), shortened)


def forgetting(prices: np.ndarray, observed: np.ndarray, slope: np.ndarray) -> np.ndarray:
    """Months from which the fit forgets faster: where the recent drift (the median of the last
    `DRIFT_WINDOW` year-on-year changes, per month, at least half of them known) has stood more
    than `DRIFT_GAP` of the mean price to date a year above the fit's slope in each of the last
    `DRIFT_SUSTAINED` months. A level shift raises at most 12 year-on-year changes (the first
    year of a crisis, however long), so it does not move the median of 36; a trend break raises
    all of them after its first year. Faster inflation only: a trend that lags slower prices
    raises no false alarm."""
    n = len(prices)
    yearly = np.full(n, np.nan)
    known = np.where(observed, prices, np.nan)
    yearly[12:] = (known[12:] - known[:-12]) / 12
    # the median of each window's known changes (np.nanmedian's, ten times faster): sorted, NaN last
    windows = np.sort(sliding_window_view(np.r_[np.full(DRIFT_WINDOW - 1, np.nan), yearly], DRIFT_WINDOW), axis=1)
    known_count = (~np.isnan(windows)).sum(axis=1)
    enough = known_count >= DRIFT_WINDOW // 2
    rows = np.arange(n)
    drift = (windows[rows, np.maximum(known_count - 1, 0) // 2] + windows[rows, known_count // 2]) / 2
    mean_price = np.cumsum(np.where(observed, prices, 0.0)) / np.maximum(np.cumsum(observed), 1)
    with np.errstate(invalid="ignore"):
        faster = enough & ((drift - slope) * 12 > DRIFT_GAP * mean_price)
    since = np.arange(n) - np.maximum.accumulate(np.where(faster, -1, np.arange(n)))  # months in a row
    return since >= DRIFT_SUSTAINED


def expanding_fit(prices: np.ndarray, observed: np.ndarray, design: np.ndarray, discount: float = 1.0):
    """For every month t: the fitted value of month t and the sd of the residuals (ddof 1) of the
    OLS fit on the observed months up to t (recursive least squares, every window at once). With
    `discount` < 1 the fit is weighted least squares, month s weighing `discount` ** (t - s) in
    window t, and the sd is the weighted one (squares over the weights' sum less 1); 1 is WFP's
    unweighted fit."""
    decay = discount ** np.arange(len(prices), dtype="float64")
    return _fit(prices, observed, design, decay, discount)[:2]


def _window_means(prices, observed, design, decay):
    """Per window t (months up to t, month s weighing decay[t] / decay[s]): each month's calendar
    month, and per calendar month the weighted mean price and mean date, and the trend's slope.

    `design` is `_design`'s: a trend column, then one 0/1 dummy column per calendar month. With
    such a design the OLS has a closed form (Frisch-Waugh-Lovell): the trend's coefficient is the
    regression of the within-month deviations of the price on those of the trend, and each
    month's coefficient is that month's mean price net of the trend. Both come from running sums
    per month, so every window's fit costs O(months) rather than a Kalman filter pass
    (statsmodels' RecursiveLS gives the same coefficients up to rounding, at 20 times the cost)."""
    n = len(prices)
    trend, dummies = design[:, 0], design[:, 1:]
    month = dummies.argmax(axis=1)
    weight = dummies * observed[:, None]  # (n, months): observed months of each calendar month
    y = np.where(observed, prices, 0.0)
    total = _running_sum(decay)
    count = total(weight)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_trend = total(weight * trend[:, None]) / count
        mean_price = total(weight * y[:, None]) / count
        seen = count > 0
        within_xx = np.where(seen, total(weight * (trend * trend)[:, None]) - count * mean_trend ** 2, 0.0)
        within_xy = np.where(seen, total(weight * (trend * y)[:, None]) - count * mean_trend * mean_price, 0.0)
        slope = within_xy.sum(axis=1) / within_xx.sum(axis=1)  # (n,): the fit on data up to t
    slope = np.where(np.isfinite(slope), slope, np.nan)  # one observation per calendar month: no slope yet
    return month, mean_price, mean_trend, slope


def _fit(prices, observed, design, decay, discount, means=None):
    """Fitted values, spreads and slopes of every window (`_window_means`, or `means` when the
    caller has them); `discount`: the constant factor `decay` is made of (its weights are
    cached), or None for a varying one."""
    n = len(prices)
    fitted, spread, slope = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    keep = np.flatnonzero(design[observed].any(axis=0))
    if len(keep) == 0 or observed.sum() <= len(keep):
        return fitted, spread, slope
    trend = design[:, 0]
    month, mean_price, mean_trend, slope = means or _window_means(prices, observed, design, decay)
    # A month's fit is its mean price moved along the slope from its mean date (fewer roundings
    # than intercept + slope x trend).
    fitted = mean_price[np.arange(n), month] + slope * (trend - mean_trend[np.arange(n), month])
    # Residuals of every month s under every window's fit t: (s, t); keep s <= t and observed.
    residuals = prices[:, None] - mean_price[:, month].T - slope[None, :] * (trend[:, None] - mean_trend[:, month].T)
    inside = _lower_triangle(n).T & observed[:, None]
    squares = np.where(inside, residuals, 0.0) ** 2
    count = inside.sum(axis=0)
    mass = count
    if discount != 1.0:  # month s weighs decay[t] / decay[s] in window t
        squares *= _discounts(discount, n) if discount is not None else np.outer(1.0 / decay, decay)
        mass = _running_sum(decay)(observed.astype("float64")[:, None])[:, 0]
    with np.errstate(invalid="ignore"):
        variance = np.where(count > len(keep), squares.sum(axis=0) / np.maximum(mass - 1, 1e-9), np.nan)
    spread = np.sqrt(variance)
    level = np.cumsum(np.where(observed, prices, 0.0)) / np.maximum(np.cumsum(observed), 1)
    spread = np.where(spread > MIN_SPREAD * level, spread, np.nan)
    return fitted, spread, slope


@lru_cache(maxsize=8)  # a store's series share a few lengths
def _lower_triangle(n: int) -> np.ndarray:
    triangle = np.tril(np.ones((n, n), dtype=bool))
    triangle.flags.writeable = False
    return triangle


@lru_cache(maxsize=8)
def _discounts(discount: float, n: int) -> np.ndarray:
    """(s, t): discount ** (t - s), as (1 / decay[s]) x decay[t]."""
    decay = discount ** np.arange(n)
    weights = np.outer(1.0 / decay, decay)
    weights.flags.writeable = False
    return weights


def _running_sum(decay: np.ndarray):
    """Column-wise running sums down the rows, row s counting decay[t] / decay[s] at row t
    (`decay` falling from 1: exponentially weighted, a local fit; all ones: plain sums): the
    running sum of the rows scaled up by 1 / decay[s], scaled back down at t (a few thousand
    months stay far inside the floating-point range)."""
    if decay[-1] == 1.0:
        return lambda rows: np.cumsum(rows, axis=0)
    decay = decay[:, None]
    return lambda rows: np.cumsum(rows / decay, axis=0) * decay


def _refuse(regular: pd.Series, frequency: str) -> DetectionResult | None:
    count = observed_count(regular)
    if frequency != "monthly":
        return DetectionResult("not_applicable", f"ALPS is defined for monthly prices, not {frequency} series")
    if count < MIN_MONTHS:
        return DetectionResult(
            "insufficient_history",
            f"not enough history: {count} monthly observations, {MIN_MONTHS} needed for ALPS (3 years)")
    return None


def _design(regular: pd.Series):
    """Prices, observed mask, and the trend + monthly dummies design (no constant); a calendar
    month never observed has an all-zero dummy and is left out."""
    observed = ~np.isnan(regular.to_numpy(dtype="float64"))
    months = calendar_months(regular.index)
    seen = np.zeros(12, dtype=bool)
    seen[months[observed] - 1] = True
    dummies = (months[:, None] == np.arange(1, 13)[seen][None, :]).astype("float64")
    # column-major: the fits' sums across months add in this order (another one rounds differently)
    design = np.asfortranarray(np.column_stack([np.arange(len(regular), dtype="float64"), dummies]))
    return regular.to_numpy(), observed, design


def _output(regular, info, scored, fitted, spread, score, severity, by_score=None, references=None,
            trend_added=None, held=None) -> dict:
    """Output rows of the months `scored`; `by_score`: the phases of the score alone, where the
    size of the rise lowered some of them (the explanation then says why); `references`: the
    prices' `same_month_references` when the caller has them; `trend_added`: per month, True
    where the size compared the price with a year earlier plus a year of the trend; `held`: the
    months `held_in_excursion` kept at stress, with its figures."""
    prices = regular.to_numpy()
    last_year, average = references or same_month_references(prices)
    dates = np.array(date_labels(regular.index, "monthly"), dtype=object)[scored]
    value, expected, z = prices[scored], fitted[scored], score[scored]
    label, unit = info.label(), info.unit
    by_score = severity if by_score is None else by_score
    # the words of the months that are not normal, built a column at a time
    flagged = ~((np.asarray(severity, dtype=object) == "normal") & (np.asarray(by_score, dtype=object) == "normal"))
    words = zip(compared_with_past_all(value[flagged].tolist(), last_year[scored][flagged].tolist(),
                                       average[scored][flagged].tolist(), unit),
                relatives(value[flagged].tolist(), expected[flagged].tolist(), unit),
                format_values(expected[flagged].tolist(), unit))
    explanation = []
    added = np.zeros(len(dates), dtype=bool) if trend_added is None else trend_added[scored]
    excursion = [held.get(t) for t in np.flatnonzero(scored).tolist()] if held else repeat(None)
    for date, shown, s, level, own, grown, kept in zip(dates.tolist(), format_values(value.tolist(), unit),
                                                       z.tolist(), severity, by_score, added.tolist(), excursion):
        if level == "normal" and own == "normal":
            explanation.append(f"{label}, {date}: {shown}, ALPS {s:.2f} (normal).")
            continue
        comparison, versus, estimate = next(words)
        text = (f"{label}, {date}: {shown}, ALPS {s:.2f}: {versus} the "
                f"trend-and-season estimate of {estimate}" + (f"; {comparison}" if comparison else ""))
        if kept:
            text += (f"; an excursion already under way (ALPS {kept[0]:.2f} the month before) that rose as "
                     f"autocorrelated noise does: its largest month-on-month news, {kept[2]:.2f} once the part "
                     f"the ALPS values' autocorrelation ({kept[1]:.2f}) explains is taken out, is under 2, so the "
                     f"size catching up starts no new episode")
        elif level != own:
            text += ("; the rise is too small against these references for a higher phase" + (
                " (inflation has changed for good: a year of the trend is added to the price a year earlier)"
                if grown else ""))
        explanation.append(text + f" ({level}).")
    return output_columns(dates, value, expected, expected - spread[scored], expected + spread[scored], score[scored],
                          severity, explanation)
