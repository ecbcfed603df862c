"""The projection-method interface.

A method turns one series (a regular float array, gaps already filled) into forecasts from many
origins at once: `paths(values, anchor, origins, horizon, period)` estimates whatever it
estimates on `values[:anchor + 1]` only, then updates its states through every origin with those
parameters fixed and returns the point forecasts (origins x horizon). One fit serves every origin
of a rolling-origin backtest; the state update only ever reads data up to each origin, so no
forecast sees a value after its own origin.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


class MethodNotApplicable(ValueError):
    """The method cannot be used on this series (too short, or values it cannot model)."""


@dataclass
class MethodPaths:
    forecast: np.ndarray  # (len(origins), horizon) point forecasts in the series' units
    spec: str = ""        # what was fitted, for the stored reason: "ETS(A,Ad,A)", "ARIMA(1,1,0) with drift"


class Forecaster:
    """Subclasses set `name`, `title`, `method` (a paragraph for the docs and report), `source`
    (the reference it follows) and implement `_paths`. `min_cycles` seasonal cycles plus
    `min_extra` observations are needed before the anchor."""

    name = ""
    title = ""
    method = ""
    source = ""
    min_cycles = 0
    min_extra = 1
    positive_only = False  # needs strictly positive values (multiplicative models)

    def min_history(self, period: int) -> int:
        return self.min_cycles * period + self.min_extra

    def paths(self, values: np.ndarray, anchor: int, origins: np.ndarray, horizon: int, period: int) -> MethodPaths:
        origins = np.asarray(origins, dtype=int)
        if anchor + 1 < self.min_history(period):
            raise MethodNotApplicable(f"{self.name} needs {self.min_history(period)} observations, "
                                      f"{anchor + 1} available")
        if self.positive_only and not (values[:origins.max() + 1] > 0).all():
            raise MethodNotApplicable(f"{self.name} needs positive values")
        if (origins < anchor).any():
            raise ValueError("every origin must be at or after the anchor (parameters come from data up to it)")
        result = self._paths(np.asarray(values, dtype="float64"), anchor, origins, horizon, period)
        if result.forecast.shape != (len(origins), horizon) or not np.isfinite(result.forecast).all():
            raise MethodNotApplicable(f"{self.name} gave no finite forecast")
        return result

    def _paths(self, values, anchor, origins, horizon, period) -> MethodPaths:  # pragma: no cover
        raise NotImplementedError


def seasonal_positions(origins: np.ndarray, horizon: int, period: int) -> np.ndarray:
    """For each origin o and horizon h, the position of the last observed value of the same season
    (o + h - period * ceil(h / period)): the seasonal naive source and the ETS seasonal state."""
    steps = np.arange(1, horizon + 1)
    return origins[:, None] + steps[None, :] - period * ((steps[None, :] - 1) // period + 1)
