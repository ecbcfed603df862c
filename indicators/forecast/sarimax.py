"""SARIMAX with small orders chosen by AICc.

The series (in logs when positive) is differenced once and an ARMA with a constant (the drift)
is fitted by statsmodels' `SARIMAX` for each candidate order; the smallest AICc wins. With the
parameters fixed, the Kalman filter runs through every later origin, and the forecast from an
origin iterates the state-space transition from the filtered state there (the model's own
forecast), then undoes the differencing.
"""
from __future__ import annotations

import warnings

import numpy as np

from .base import Forecaster, MethodNotApplicable, MethodPaths

CANDIDATES = (((1, 0, 0), None), ((0, 0, 1), None), ((1, 0, 1), None))


class Sarimax(Forecaster):
    name = "sarimax"
    title = "SARIMAX, small orders by AICc"
    method = ("ARIMA(p,1,q) with drift, p and q at most 1, optionally with a seasonal AR term, fitted to the log "
              "prices by maximum likelihood (statsmodels SARIMAX); the order with the smallest AICc is kept.")
    source = "Box & Jenkins; Hurvich & Tsai (1989) for AICc; statsmodels SARIMAX"
    min_cycles = 2
    min_extra = 12

    def _paths(self, values, anchor, origins, horizon, period):
        from statsmodels.tsa.statespace.sarimax import SARIMAX

        logs = bool((values[:origins.max() + 1] > 0).all())
        series = np.log(values) if logs else values
        changes = np.diff(series[:origins.max() + 1])  # changes[j] = series[j + 1] - series[j]

        def model(data, order, seasonal):
            return SARIMAX(data, order=order, seasonal_order=(*seasonal, period) if seasonal else (0, 0, 0, 0),
                           trend="c", concentrate_scale=True)

        best = None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for order, seasonal in CANDIDATES:
                if seasonal and anchor < 3 * period:
                    continue
                try:
                    fitted = model(changes[:anchor], order, seasonal).fit(disp=False)
                except (ValueError, np.linalg.LinAlgError):
                    continue
                if np.isfinite(fitted.aicc) and (best is None or fitted.aicc < best[0].aicc):
                    best = (fitted, order, seasonal)
            if best is None:
                raise MethodNotApplicable(f"{self.name}: no candidate order could be fitted")
            fitted, order, seasonal = best
            full = fitted if origins.max() == anchor else model(changes, order, seasonal).filter(fitted.params)
        steps = _state_forecasts(full.filter_results, origins - 1, horizon)
        forecast = series[origins][:, None] + np.cumsum(steps, axis=1)
        forecast = np.exp(forecast) if logs else forecast
        spec = f"ARIMA({order[0]},1,{order[2]})" + (f"x(1,0,0,{period})" if seasonal else "") + " with drift" \
            + (" on logs" if logs else "")
        return MethodPaths(forecast, spec)


def _state_forecasts(filtered, positions: np.ndarray, horizon: int) -> np.ndarray:
    """Forecasts (positions x horizon) of a time-invariant state-space model from the filtered state
    at each position: a <- T a + c, y = Z a + d, all positions at once."""
    transition = filtered.transition[:, :, 0]
    intercept = filtered.state_intercept[:, 0]
    design = filtered.design[0, :, 0]
    obs_intercept = filtered.obs_intercept[0, 0]
    state = filtered.filtered_state[:, positions]
    out = np.empty((len(positions), horizon))
    for step in range(horizon):
        state = transition @ state + intercept[:, None]
        out[:, step] = design @ state + obs_intercept
    return out
