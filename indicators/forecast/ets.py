"""Exponential smoothing (ETS / Holt-Winters) with a damped trend, additive or multiplicative seasonality.

statsmodels' `ETSModel` estimates the smoothing parameters and initial states by maximum likelihood
on the data up to the anchor; `smooth` then runs the filter with those parameters through every
later origin, and the forecast from an origin is the model's own forecast function applied to the
states at that origin (level + damped trend, plus or times the seasonal state of the same season).
"""
from __future__ import annotations

import warnings

import numpy as np

from .base import Forecaster, MethodNotApplicable, MethodPaths, seasonal_positions


class _Ets(Forecaster):
    seasonal = "add"
    min_cycles = 2
    min_extra = 12

    def _paths(self, values, anchor, origins, horizon, period):
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        def model(data):
            # heuristic initial states (from the first cycles, as Hyndman et al. describe): the likelihood
            # is then maximised over the 4 smoothing parameters only, ten times faster than also
            # estimating 14 initial states, with no measurable loss on the backtests
            return ETSModel(data, error=self.seasonal, trend="add", damped_trend=True, seasonal=self.seasonal,
                            seasonal_periods=period, initialization_method="heuristic")

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence chatter; a failed fit raises below
            try:
                estimated = model(values[:anchor + 1])
                params = estimated.fit(disp=False, return_params=True)
                _, states = model(values[:int(origins.max()) + 1]).smooth(params, return_raw=True)
            except (ValueError, np.linalg.LinAlgError) as error:
                raise MethodNotApplicable(f"{self.name}: {error}") from error
        phi = float(params[estimated.param_names.index("damping_trend")])
        damped = np.cumsum(phi ** np.arange(1, horizon + 1))
        level, slope, season = states[:, 0], states[:, 1], states[:, 2]
        season = season[seasonal_positions(origins, horizon, period)]
        trend = level[origins][:, None] + damped[None, :] * slope[origins][:, None]
        forecast = trend * season if self.seasonal == "mul" else trend + season
        letter = "M" if self.seasonal == "mul" else "A"
        return MethodPaths(forecast, f"ETS({letter},Ad,{letter}), damping {phi:.2f}")


class EtsAdditive(_Ets):
    name = "ets_additive"
    title = "ETS / Holt-Winters, additive seasonality, damped trend"
    method = ("Exponential smoothing with additive errors, a damped additive trend and additive seasonality, "
              "ETS(A,Ad,A): the seasonal swing is a fixed amount of money. Parameters by maximum likelihood "
              "(statsmodels ETSModel).")
    source = "Hyndman, Koehler, Ord & Snyder (2008), Forecasting with exponential smoothing; statsmodels ETSModel"
    seasonal = "add"


class EtsMultiplicative(_Ets):
    name = "ets_multiplicative"
    title = "ETS / Holt-Winters, multiplicative seasonality, damped trend"
    method = ("Exponential smoothing with multiplicative errors, a damped additive trend and multiplicative "
              "seasonality, ETS(M,Ad,M): the seasonal swing is a share of the level, as for prices that rise "
              "with inflation (the triple exponential smoothing FEWS NET and WFP use for price projections).")
    source = "Hyndman, Koehler, Ord & Snyder (2008); Holt (1957), Winters (1960); statsmodels ETSModel"
    seasonal = "mul"
    positive_only = True
