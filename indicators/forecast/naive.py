"""The baselines every skill figure is relative to."""
from __future__ import annotations

import numpy as np

from .base import Forecaster, MethodPaths, seasonal_positions


class Naive(Forecaster):
    name = "naive"
    title = "Naive (last value)"
    method = ("The last observed value carried forward: the random-walk forecast, hard to beat for prices that "
              "move with their recent level.")
    source = "Hyndman & Athanasopoulos, Forecasting: principles and practice (3rd ed.), section 5.2"

    def _paths(self, values, anchor, origins, horizon, period):
        return MethodPaths(np.repeat(values[origins][:, None], horizon, axis=1), "last value")


class SeasonalNaive(Forecaster):
    name = "seasonal_naive"
    title = "Seasonal naive (same season last cycle)"
    method = ("The value of the same season one cycle earlier (the same month last year for monthly series, the "
              "same weekday last week for daily ones). The benchmark of MASE: a method that cannot beat it is not "
              "shown as the projection.")
    source = "Hyndman & Koehler (2006), Another look at measures of forecast accuracy, IJF 22(4)"
    min_cycles = 1

    def _paths(self, values, anchor, origins, horizon, period):
        return MethodPaths(values[seasonal_positions(origins, horizon, period)], f"lag {period}")
