"""One series' projection: backtest every method, choose one, project from the last date.

`project(values, info)` is a pure function of one series' observations (and, during a crisis, the
start of its ongoing episode): it reads nothing after the series' last date, writes nothing, and
is what the sequential loop, a process pool or a Dask worker call alike.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..detect.base import PERIODS, SeriesInfo, date_labels, is_price, to_regular
from .backtest import (BASELINE, LEVELS, SKILL_COLUMNS, MethodErrors, Scale, choose, errors_for, interval_widths,
                       random_walk_scale, skill)
from .base import MethodNotApplicable

DEFAULT_HORIZON = {"monthly": 6, "weekly": 13, "daily": 30, "hourly": 48}
SKILL_ORIGINS = {"monthly": 36, "weekly": 52, "daily": 60, "hourly": 72}  # origins scored for skill
WARMUP = {"monthly": 60, "weekly": 26, "daily": 30, "hourly": 48}  # earlier origins that build the intervals
SELECTION_WINDOW = {"monthly": 24, "weekly": 52, "daily": 60, "hourly": 72}
# Models are estimated on at most this much recent history: older prices (before a devaluation, a
# change of market) teach the model less than they cost to fit.
MAX_HISTORY = {"monthly": 180, "weekly": 260, "daily": 1095, "hourly": 24 * 120}
MIN_OBSERVATIONS = 3
SELECTED = "selected"  # the skill of the whole procedure: at each origin, the method chosen then
FORECAST_COLUMNS = ["method", "horizon", "date", "forecast", "lower_80", "upper_80", "lower_95", "upper_95"]


@dataclass
class Projection:
    status: str  # projected, episode_ongoing, short_history (a named baseline), insufficient_history
    method: str
    reason: str
    origin: str = ""
    frame: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=FORECAST_COLUMNS))
    skill: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SKILL_COLUMNS))
    episode_start: str | None = None
    spec: str = ""


def project(values: pd.Series, info: SeriesInfo, horizon: int | None = None, episode_start: str | None = None,
            methods: list[str] | None = None) -> Projection:
    """Project `values` (date strings -> value) `horizon` periods past its last date.

    Every method in `methods` (default: all registered) is backtested from rolling origins; the one
    with the smallest recent error is projected, with the seasonal naive baseline beside it. With
    `episode_start` (an ongoing alert episode's first date), the projection is the current regime's
    level instead: the episode is assumed to continue and the pre-crisis seasonal shape is not used."""
    from . import METHODS

    frequency = info.frequency or "daily"
    period = PERIODS[frequency]
    horizon = int(horizon or DEFAULT_HORIZON[frequency])
    regular = to_regular(values.dropna(), frequency).iloc[-MAX_HISTORY[frequency]:]
    regular = regular.loc[regular.first_valid_index():] if regular.notna().any() else regular
    observed = regular.notna().to_numpy()
    if observed.sum() < MIN_OBSERVATIONS:
        origin = date_labels(regular.index[-1:], frequency)[0] if len(regular) else ""
        return Projection("insufficient_history", "", f"not enough history: {int(observed.sum())} observation(s), "
                          f"a projection needs {MIN_OBSERVATIONS}", origin)
    actual = regular.to_numpy()
    scale = Scale(logs=bool((actual[observed] > 0).all()))
    filled = _fill(regular, scale)
    last = len(filled) - 1
    origin = date_labels(regular.index[-1:], frequency)[0]
    targets = date_labels(pd.period_range(regular.index[-1] + 1, periods=horizon, freq=regular.index.freq), frequency)
    names = [name for name in (methods or list(METHODS)) if name in METHODS]
    order = [name for name in METHODS if name in names]

    positions = np.flatnonzero(observed[:last])
    positions = positions[positions >= last - SKILL_ORIGINS[frequency] - WARMUP[frequency]]
    series_scaled = scale.forward(filled)
    price = is_price(info)  # prices move like random walks: their bands grow at least as one
    errors, levels, specs = _backtest(filled, actual, observed, positions, order, horizon, period, scale, price)
    window = SELECTION_WINDOW[frequency]
    if errors:
        chosen_then = choose(errors, positions, window, positions, list(errors))
        errors[SELECTED], levels[SELECTED] = _selected(errors, chosen_then, positions, horizon)
    table = skill(errors, levels, _targets(actual, positions, horizon), positions >= last - SKILL_ORIGINS[frequency],
                  scale)

    methods_now = [n for n in errors if n != SELECTED]
    choice = choose(errors, positions, window, np.array([last]), methods_now)[0] if errors else None
    status = "projected"
    if episode_start is not None and episode_start <= origin:
        choice, status = "naive", "episode_ongoing"
    elif choice is None or BASELINE not in errors or choose(errors, positions, window, np.array([last]),
                                                            [BASELINE])[0] is None:
        choice = BASELINE if last + 1 >= METHODS[BASELINE].min_history(period) else "naive"
        status = "short_history"
    rw_now = random_walk_scale(series_scaled, observed, np.array([last]))
    rows = []
    for name in dict.fromkeys([choice, BASELINE]):
        if last + 1 < METHODS[name].min_history(period):
            continue
        try:
            paths = METHODS[name].paths(filled, last, np.array([last]), horizon, period)
        except MethodNotApplicable:
            continue
        if name == choice:
            specs[name] = paths.spec
        past = errors[name].error if name in errors else np.full((0, horizon), np.nan)
        widths = interval_widths(past, positions[:len(past)], rw_now, at=np.array([last]), random_walk_floor=price)
        if status == "episode_ongoing" and name == choice:
            widths = _regime_widths(widths, series_scaled, observed, regular, episode_start, frequency, horizon)
        rows.append(_rows(name, paths.forecast[0], widths, targets, scale, info))
    frame = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=FORECAST_COLUMNS)
    reason = _reason(status, choice, table, specs, observed, episode_start, order, frequency)
    return Projection(status, choice, reason, origin, frame, table, episode_start, specs.get(choice, ""))


def _backtest(filled, actual, observed, positions, order, horizon, period, scale, price):
    """Every method's forecasts, errors and intervals from the backtest origins (one fit each, at
    the first origin it can use)."""
    from . import METHODS

    rw_backtest = random_walk_scale(scale.forward(filled), observed, positions)
    errors, levels, specs = {}, {}, {}
    for name in order:
        usable = positions[positions >= METHODS[name].min_history(period) - 1]
        if len(usable) == 0:
            continue
        try:
            paths = METHODS[name].paths(filled, int(usable[0]), usable, horizon, period)
        except MethodNotApplicable:
            continue
        forecast = np.full((len(positions), horizon), np.nan)
        forecast[np.isin(positions, usable)] = paths.forecast
        error = errors_for(forecast, positions, actual, observed, scale)
        widths = interval_widths(error, positions, rw_backtest, random_walk_floor=price)
        errors[name] = MethodErrors(forecast, error, widths, paths.spec)
        levels[name], specs[name] = forecast, paths.spec
    return errors, levels, specs


def _fill(regular: pd.Series, scale: Scale) -> np.ndarray:
    """Gaps filled by linear interpolation (on the error scale) between the observations around them:
    every filled value before an observed origin depends only on data up to that origin."""
    scaled = pd.Series(scale.forward(regular.to_numpy()))
    return scale.back(scaled.interpolate(limit_area="inside").to_numpy())


def _targets(actual: np.ndarray, positions: np.ndarray, horizon: int) -> np.ndarray:
    index = positions[:, None] + np.arange(1, horizon + 1)[None, :]
    inside = index < len(actual)
    return np.where(inside, actual[np.where(inside, index, 0)], np.nan)


def _selected(errors: dict, chosen: list, positions: np.ndarray, horizon: int) -> tuple[MethodErrors, np.ndarray]:
    """The forecasts, errors and intervals the selection procedure would have produced at each origin."""
    forecast = np.full((len(positions), horizon), np.nan)
    error = np.full((len(positions), horizon), np.nan)
    width = {k: np.full((len(positions), horizon), np.nan) for k in LEVELS}
    for row, name in enumerate(chosen):
        if name is None:
            continue
        forecast[row], error[row] = errors[name].forecast[row], errors[name].error[row]
        for k in LEVELS:
            width[k][row] = errors[name].width[k][row]
    return MethodErrors(forecast, error, width, "selection by rolling-origin error"), forecast


def _regime_widths(widths: dict, series_scaled, observed, regular, episode_start, frequency, horizon) -> dict:
    """During an episode, at least the random-walk spread of the current regime's own changes."""
    start = np.searchsorted(np.array(date_labels(regular.index, frequency)), episode_start)
    regime = np.arange(len(series_scaled)) >= start
    if (regime & observed).sum() < 3:
        return widths
    scale = random_walk_scale(np.where(regime, series_scaled, np.nan), observed & regime,
                              np.array([len(series_scaled) - 1]))
    steps = np.sqrt(np.arange(1, horizon + 1))
    from scipy import stats
    return {k: np.maximum(w, stats.norm.ppf((1 + LEVELS[k]) / 2) * scale[:, None] * steps[None, :])
            for k, w in widths.items()}


def _rows(name, forecast, widths, targets, scale: Scale, info: SeriesInfo) -> pd.DataFrame:
    centre = scale.forward(forecast)
    bounds = (info.definition.min, info.definition.max)
    frame = {"method": name, "horizon": np.arange(1, len(forecast) + 1), "date": targets,
             "forecast": np.clip(forecast, *bounds)}
    for k in LEVELS:
        frame[f"lower_{k}"] = np.clip(scale.back(centre - widths[k][0]), *bounds)
        frame[f"upper_{k}"] = np.clip(scale.back(centre + widths[k][0]), *bounds)
    return pd.DataFrame(frame)[FORECAST_COLUMNS]


def _reason(status, choice, table, specs, observed, episode_start, order, frequency) -> str:
    n = int(observed.sum())
    if status == "short_history":
        return (f"not enough history for a rolling-origin backtest ({n} observations): projected with the "
                f"{choice.replace('_', ' ')} baseline; intervals from the random-walk spread of past changes")
    scores = (table[table["method"].isin(order)].groupby("method")["mape"].mean() if not table.empty
              else pd.Series(dtype=float))
    compared = ", ".join(f"{name.replace('_', ' ')} {scores[name]:.1f}%" for name in order if name in scores)
    if status == "episode_ongoing":
        return (f"ongoing episode since {episode_start}: projected from the current regime (its latest level, "
                f"naive), assuming the episode continues; the pre-crisis seasonal shape is not applied"
                + (f" (backtest mean absolute percentage error: {compared})" if compared else ""))
    spec = specs.get(choice, "")
    return (f"{choice.replace('_', ' ')}{f' [{spec}]' if spec else ''}: smallest mean absolute error over the "
            f"errors known from the last {SELECTION_WINDOW[frequency]} origins"
            + (f"; mean absolute percentage error over the last {SKILL_ORIGINS[frequency]} origins, all horizons: "
               f"{compared}" if compared else ""))
