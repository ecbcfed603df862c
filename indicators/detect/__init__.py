"""Detectors score every series against what is normal for it and store the result.

Adding a detector is one module plus one line in `DETECTORS`.
"""
from __future__ import annotations

from .base import DetectionResult, Detector, SeriesInfo
from .consolidate import CONSOLIDATION_RULE, consolidate
from .run import run_detection
from .alps import Alps, WholeSeriesAlps
from .change import MonthlyChange
from .harvest import HarvestSeasonality
from .ipa import PriceAnomalyIndicator
from .regime import RegimeShift
from .seasonal import SeasonalBaseline
from .state import SeverityState

DETECTORS: dict[str, type[Detector]] = {
    SeverityState.name: SeverityState,
    SeasonalBaseline.name: SeasonalBaseline,
    RegimeShift.name: RegimeShift,
    HarvestSeasonality.name: HarvestSeasonality,
    Alps.name: Alps,
    WholeSeriesAlps.name: WholeSeriesAlps,
    PriceAnomalyIndicator.name: PriceAnomalyIndicator,
    MonthlyChange.name: MonthlyChange,
}


def get_detector(name: str) -> Detector:
    try:
        return DETECTORS[name]()
    except KeyError:
        raise KeyError(f"unknown detector {name!r}; known: {', '.join(sorted(DETECTORS))}") from None


__all__ = ["CONSOLIDATION_RULE", "DETECTORS", "DetectionResult", "Detector", "SeriesInfo", "consolidate",
           "get_detector", "run_detection"]
