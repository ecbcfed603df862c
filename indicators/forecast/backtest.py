"""Rolling-origin evaluation: errors, prediction intervals, selection and skill, all without look-ahead.

Every method forecasts from every backtest origin (`Forecaster.paths`). The interval at an origin
and horizon comes from that method's own past errors at that horizon whose targets were already
observed at the origin: half-width = Student-t quantile x root mean square error (on the log scale
for positive series), widened to the random-walk scale while fewer than `MIN_ERRORS` errors exist,
for prices never narrower than the one-step band grown as a random walk (x sqrt(h): one-step
errors are the first to show a volatile spell), and never narrower than at a shorter horizon. The method chosen
at an origin is the one with the smallest mean absolute error over the errors known at that
origin in the last `window` origins.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

LEVELS = {"80": 0.80, "95": 0.95}
MIN_ERRORS = 8          # past errors at a horizon before the empirical interval is trusted
MIN_SELECTION = 12      # known errors a method needs before it can be chosen
RECENT_HALF_LIFE = 12   # origins: the weight of an error halves every year (monthly series)
SKILL_COLUMNS = ["method", "horizon", "origins", "mape", "mape_baseline", "mase", "coverage_80", "coverage_95",
                 "sum_ape", "sum_ape_baseline", "sum_abs", "sum_abs_baseline", "hits_80", "hits_95"]
BASELINE = "seasonal_naive"


@dataclass
class Scale:
    """How errors are measured: differences of logs for positive series, of values otherwise."""

    logs: bool

    def forward(self, values):
        return np.log(values) if self.logs else np.asarray(values, dtype="float64")

    def back(self, values):
        return np.exp(values) if self.logs else values


@dataclass
class MethodErrors:
    """One method over the backtest origins (rows) and horizons (columns)."""

    forecast: np.ndarray  # NaN where the method gave no forecast
    error: np.ndarray     # scaled error, actual - forecast; NaN where the target is unobserved or unknown
    width: dict           # level -> half-width of the interval known at the origin (scaled units)
    spec: str = ""


def errors_for(forecast: np.ndarray, positions: np.ndarray, actual: np.ndarray, observed: np.ndarray,
               scale: Scale) -> np.ndarray:
    """Scaled errors of forecasts from `positions`; NaN where the target is beyond the data or was a gap."""
    horizon = forecast.shape[1]
    targets = positions[:, None] + np.arange(1, horizon + 1)[None, :]
    inside = targets < len(actual)
    safe = np.where(inside, targets, 0)
    known = inside & observed[safe]
    with np.errstate(invalid="ignore", divide="ignore"):
        error = scale.forward(actual[safe]) - scale.forward(forecast)
    return np.where(known & np.isfinite(error), error, np.nan)


def interval_widths(error: np.ndarray, positions: np.ndarray, random_walk: np.ndarray,
                    at: np.ndarray | None = None, random_walk_floor: bool = True) -> dict:
    """Half-widths per level for forecasts from `at` (default: the backtest origins themselves),
    from the errors whose targets are on or before each of those origins.

    The scale is the larger of the root mean square of all those errors and of a recency-weighted
    one (half-life `RECENT_HALF_LIFE` origins, as RiskMetrics weighs returns): prices move in calm
    and volatile spells, and a band sized on calm years alone is too narrow when a crisis starts."""
    at = positions if at is None else np.asarray(at)
    horizon = error.shape[1]
    steps = np.arange(1, horizon + 1)
    squares = np.nan_to_num(error) ** 2
    present = ~np.isnan(error)
    # eligible[i, j, h]: the error of origin j at horizon h was observable at forecast origin i
    eligible = (positions[None, :, None] + steps[None, None, :] <= at[:, None, None]) & present[None, :, :]
    age = np.maximum(at[:, None] - positions[None, :], 0)
    weight = (0.5 ** (age / RECENT_HALF_LIFE))[:, :, None] * eligible
    n = eligible.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        plain = (eligible * squares[None]).sum(axis=1) / n
        recent = (weight * squares[None]).sum(axis=1) / weight.sum(axis=1)
    rms = np.sqrt(np.fmax(plain, recent))
    fallback = random_walk[:, None] * np.sqrt(steps)[None, :]
    widths = {}
    for name, level in LEVELS.items():
        quantile = stats.t.ppf((1 + level) / 2, np.maximum(n - 1, 1))
        empirical = np.where(n >= MIN_ERRORS, quantile * rms, np.nan)
        # too few errors: the wider of the random-walk interval and what the errors say
        width = np.where(np.isnan(empirical), np.fmax(fallback * stats.norm.ppf((1 + level) / 2),
                                                      np.nan_to_num(quantile * rms)), empirical)
        if random_walk_floor:  # prices: the one-step errors are the freshest, their random-walk growth a floor
            width = np.fmax(width, width[:, :1] * np.sqrt(steps)[None, :])
        widths[name] = np.maximum.accumulate(width, axis=1)  # uncertainty does not shrink with the horizon
    return widths


def random_walk_scale(series: np.ndarray, observed: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Root mean square one-step change of the (scaled) series up to each position in `at`."""
    change = np.diff(series)
    valid = observed[1:] & observed[:-1]
    squares = np.concatenate([[0.0], np.cumsum(np.where(valid, change ** 2, 0.0))])
    counts = np.concatenate([[0], np.cumsum(valid)])
    n, total = counts[at], squares[at]
    overall = np.sqrt(squares[-1] / counts[-1]) if counts[-1] else 0.0
    return np.where(n > 1, np.sqrt(np.divide(total, n, out=np.zeros(len(at)), where=n > 0)), overall)


def choose(errors: dict[str, MethodErrors], positions: np.ndarray, window: int, at: np.ndarray,
           order: list[str]) -> list[str | None]:
    """The method with the smallest mean absolute error among errors known at each of `at`
    (targets on or before it) from origins in the `window` periods before it; None when no
    method has `MIN_SELECTION` known errors. Ties go to the method listed first (the simpler)."""
    horizon = next(iter(errors.values())).error.shape[1]
    steps = np.arange(1, horizon + 1)
    scores = []
    for name in order:
        error = errors[name].error
        absolute = np.vstack([np.zeros(horizon), np.cumsum(np.nan_to_num(np.abs(error)), axis=0)])
        counts = np.vstack([np.zeros(horizon), np.cumsum(~np.isnan(error), axis=0)])
        end = np.searchsorted(positions, at[:, None] - steps[None, :], side="right")
        start = np.searchsorted(positions, at - window, side="left")[:, None].repeat(horizon, axis=1)
        start = np.minimum(start, end)
        columns = np.broadcast_to(np.arange(horizon), end.shape)
        total = (absolute[end, columns] - absolute[start, columns]).sum(axis=1)
        n = (counts[end, columns] - counts[start, columns]).sum(axis=1)
        scores.append(np.where(n >= MIN_SELECTION, total / np.maximum(n, 1), np.inf))
    scores = np.array(scores)
    best = np.argmin(scores, axis=0)
    return [order[b] if np.isfinite(scores[b, i]) else None for i, b in enumerate(best)]


def skill(errors: dict[str, MethodErrors], forecasts_levels: dict[str, np.ndarray], actual_targets: np.ndarray,
          scored: np.ndarray, scale: Scale) -> pd.DataFrame:
    """Per method and horizon over the scored origins (rows where `scored`): MAPE, MASE against
    seasonal naive on the same (origin, target) pairs, and interval coverage."""
    baseline = errors.get(BASELINE)
    rows = []
    if baseline is None:
        return pd.DataFrame(columns=SKILL_COLUMNS)
    base_forecast = forecasts_levels[BASELINE][scored]
    actual = actual_targets[scored]
    for name, result in errors.items():
        error = result.error[scored]
        common = ~np.isnan(error) & ~np.isnan(baseline.error[scored])
        with np.errstate(invalid="ignore", divide="ignore"):
            ape = np.abs(actual - forecasts_levels[name][scored]) / np.abs(actual) * 100
            ape_base = np.abs(actual - base_forecast) / np.abs(actual) * 100
        common &= np.isfinite(ape) & np.isfinite(ape_base)
        absolute = np.abs(actual - forecasts_levels[name][scored])
        absolute_base = np.abs(actual - base_forecast)
        for h in range(error.shape[1]):
            cells = common[:, h]
            n = int(cells.sum())
            if n == 0:
                continue
            hits = {k: int((np.abs(error[cells, h]) <= result.width[k][scored][cells, h]).sum()) for k in LEVELS}
            sums = dict(sum_ape=float(ape[cells, h].sum()), sum_ape_baseline=float(ape_base[cells, h].sum()),
                        sum_abs=float(absolute[cells, h].sum()), sum_abs_baseline=float(absolute_base[cells, h].sum()))
            rows.append(dict(method=name, horizon=h + 1, origins=n, mape=sums["sum_ape"] / n,
                             mape_baseline=sums["sum_ape_baseline"] / n,
                             mase=sums["sum_abs"] / sums["sum_abs_baseline"] if sums["sum_abs_baseline"] else np.nan,
                             coverage_80=hits["80"] / n, coverage_95=hits["95"] / n, **sums,
                             hits_80=hits["80"], hits_95=hits["95"]))
    return pd.DataFrame(rows, columns=SKILL_COLUMNS)


def pooled(skill_rows: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Skill pooled over series: MAPE over every (origin, target) pair, MASE as the ratio of pooled
    absolute percentage errors against seasonal naive (scale-free across price levels), coverage
    as the share of pairs inside the band."""
    if skill_rows.empty:
        return pd.DataFrame(columns=by + ["series", "origins", "mape", "mape_baseline", "mase", "coverage_80",
                                          "coverage_95"])
    sums = skill_rows.groupby(by, sort=True).agg(
        series=("origins", "size"), origins=("origins", "sum"), sum_ape=("sum_ape", "sum"),
        sum_ape_baseline=("sum_ape_baseline", "sum"), hits_80=("hits_80", "sum"), hits_95=("hits_95", "sum"))
    result = pd.DataFrame({
        "series": sums["series"], "origins": sums["origins"], "mape": sums["sum_ape"] / sums["origins"],
        "mape_baseline": sums["sum_ape_baseline"] / sums["origins"],
        "mase": sums["sum_ape"] / sums["sum_ape_baseline"].replace(0, np.nan),
        "coverage_80": sums["hits_80"] / sums["origins"], "coverage_95": sums["hits_95"] / sums["origins"]})
    return result.reset_index()
