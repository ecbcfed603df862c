"""SARIMAX with small orders chosen by AICc.

The series (in logs when positive) is differenced once and an ARMA with a constant (the drift)
is fitted by statsmodels' `SARIMAX` on the data up to the anchor, with the candidate order of
smallest AICc. With the parameters fixed, the Kalman filter runs through every later origin,
and the forecast from an origin iterates the state-space transition from the filtered state there
(the model's own forecast), then undoes the differencing. Seasonal terms are not among the
candidates: a seasonal AR made each fit ten times slower, and the seasonal shape is what the ETS
methods and seasonal naive model.
"""
from __future__ import annotations

import warnings

import numpy as np

from .base import Forecaster, MethodNotApplicable, MethodPaths

ORDERS = ((1, 0, 0), (0, 0, 1), (1, 0, 1))  # ARMA orders of the differenced series
# A bounded share stuck at 100% for weeks can keep the optimiser busy for seconds; 50 quasi-Newton
# steps reach the optimum of these small models whenever one is reachable.
MAX_ITERATIONS = 50
ESTIMATION_WINDOW = 120  # the most recent changes the parameters are estimated on (ten years of months)


class Sarimax(Forecaster):
    name = "sarimax"
    title = "SARIMAX, small orders by AICc"
    method = ("ARIMA(p,1,q) with drift, p and q at most 1, fitted to the log prices by maximum likelihood "
              "(statsmodels SARIMAX) on the last ten years of changes; the order with the smallest AICc (at the "
              "starting estimates, as auto.arima approximates) is kept.")
    source = "Box & Jenkins; Hurvich & Tsai (1989) for AICc; statsmodels SARIMAX"
    min_cycles = 2
    min_extra = 12

    def _paths(self, values, anchor, origins, horizon, period):
        from statsmodels.tsa.statespace.sarimax import SARIMAX

        last = int(origins.max())
        logs = bool((values[:last + 1] > 0).all())
        series = np.log(values) if logs else values
        changes = np.diff(series[:last + 1])  # changes[j] = series[j + 1] - series[j]

        def model(data, order):
            return SARIMAX(data, order=order, trend="c", concentrate_scale=True)

        window = changes[max(0, anchor - ESTIMATION_WINDOW):anchor]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            order = _order_by_aicc(window, model)
            if order is None:
                raise MethodNotApplicable(f"{self.name}: no candidate order could be fitted")
            candidate = model(window, order)
            try:
                params = candidate.fit(start_params=candidate.start_params, disp=False, maxiter=MAX_ITERATIONS,
                                       low_memory=True).params
            except (ValueError, np.linalg.LinAlgError) as error:
                raise MethodNotApplicable(f"{self.name}: {error}") from error
            filtered = model(changes, order).filter(params).filter_results
        steps = _state_forecasts(filtered, origins - 1, horizon)
        forecast = series[origins][:, None] + np.cumsum(steps, axis=1)
        forecast = np.exp(forecast) if logs else forecast
        return MethodPaths(forecast, f"ARIMA({order[0]},1,{order[2]}) with drift" + (" on logs" if logs else ""))


def _order_by_aicc(data: np.ndarray, model) -> tuple | None:
    """The candidate order with the smallest AICc at its starting estimates (Hannan-Rissanen style
    regressions, no iterations); only the winner is then fitted by maximum likelihood, as
    auto.arima's `approximation` does (Hyndman & Khandakar, 2008): three times faster than fitting
    every candidate."""
    best, best_aicc = None, np.inf
    n = len(data)
    for order in ORDERS:
        try:
            candidate = model(data, order)
            llf = candidate.loglike(candidate.start_params)
        except (ValueError, np.linalg.LinAlgError):
            continue
        k = len(candidate.start_params) + 1  # + the concentrated scale
        aicc = -2 * llf + 2 * k + (2 * k * (k + 1) / (n - k - 1) if n > k + 1 else np.inf)
        if np.isfinite(aicc) and aicc < best_aicc:
            best, best_aicc = order, aicc
    return best


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
