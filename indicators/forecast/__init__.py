"""Projections with intervals and their measured skill.

Adding a method is one module plus one line in `METHODS` (registry order is also the tie-break
order of the selection: simpler methods first).
"""
from __future__ import annotations

from .base import Forecaster, MethodNotApplicable, MethodPaths
from .ets import EtsAdditive, EtsMultiplicative
from .naive import Naive, SeasonalNaive
from .sarimax import Sarimax
from .project import Projection, project  # noqa: E402  (after the methods: it reads METHODS at call time)

METHODS: dict[str, Forecaster] = {
    Naive.name: Naive(),
    SeasonalNaive.name: SeasonalNaive(),
    EtsAdditive.name: EtsAdditive(),
    EtsMultiplicative.name: EtsMultiplicative(),
    Sarimax.name: Sarimax(),
}


def get_method(name: str) -> Forecaster:
    try:
        return METHODS[name]
    except KeyError:
        raise KeyError(f"unknown projection method {name!r}; known: {', '.join(METHODS)}") from None


from .run import run_forecasts  # noqa: E402

__all__ = ["METHODS", "Forecaster", "MethodNotApplicable", "MethodPaths", "Projection", "get_method", "project",
           "run_forecasts"]
