"""Severity phases (WFP ALPS vocabulary) and how scores and sizes map onto them.

A severity is a *state*: how abnormal a (series, date) is against the normal, in the indicator's
bad direction. It needs two things (docs/detection.md, "Severity"):
- significance: a score against the noise of the series (a robust z, ALPS, IPA), turned into a
  phase by the detector's thresholds (`phase`);
- size that matters to a person (`magnitude`): percent above normal for prices and other rates,
  percentage points for shares (fuel availability), hours for queues and outages.
`classify` combines them: the phase from the score is capped by the phase the size allows (a 3%
move on a fixed price is never a crisis, however small its noise), and a size beyond the
"decisive" thresholds is alert or crisis once it is beyond the noise at all (0% availability
where 90% is usual is a crisis, however noisy the series).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import units
from ..store import SEVERITIES, SEVERITY_RANK


@dataclass(frozen=True)
class SizeRule:
    """Sizes in `measure` units (bad direction positive). `stress`/`alert`/`crisis`: the least
    size at which a score may reach that phase; `decisive_alert`/`decisive_crisis`: sizes that
    are that phase by themselves once the score is at least `DECISIVE_SCORE` (and the stress
    threshold of the scores in use)."""

    measure: str  # "percent", "points" or "hours"
    stress: float
    alert: float
    crisis: float
    decisive_alert: float
    decisive_crisis: float

    def words(self, size: float) -> str:
        if self.measure == "points":
            return f"{size:.0f} points"
        if self.measure == "hours":
            return f"{size:.1f} h"
        return f"{size:.0f}%"


# Sources for the price sizes: WFP's Market Monitor calls a month-on-month rise of 10-25% high and
# over 25% severe; FEWS NET reports prices against the 5-year average and a year earlier in the
# same percentages. Shares are in percentage points of stations; queues and outages in hours.
SIZE_RULES = {
    "percent": SizeRule("percent", stress=5, alert=10, crisis=25, decisive_alert=25, decisive_crisis=50),
    "points": SizeRule("points", stress=5, alert=10, crisis=20, decisive_alert=35, decisive_crisis=60),
    "hours": SizeRule("hours", stress=0.5, alert=1, crisis=3, decisive_alert=6, decisive_crisis=12),
    "hours/day": SizeRule("hours", stress=1, alert=2, crisis=4, decisive_alert=4, decisive_crisis=8),
}
# A decisive size still has to stand this far out of the noise, and at least as far as the
# detector's own stress threshold: a daily series is tested 30 times as often as a monthly one, and a
# survey of eight stations has a day at half of them dry every year or so by chance alone.
DECISIVE_SCORE = 2.5
NO_RULE = None


def phase(scores, thresholds: dict[str, float]) -> np.ndarray:
    """Map oriented scores to normal / stress / alert / crisis with `thresholds`
    ({"stress": a, "alert": b, "crisis": c}, lower bounds, inclusive)."""
    scores = np.asarray(scores, dtype="float64")
    out = np.full(scores.shape, "normal", dtype=object)
    scores = np.where(np.isnan(scores), -np.inf, scores)
    for name in ("stress", "alert", "crisis"):
        out[scores >= thresholds[name]] = name
    return out


def size_rule(info) -> SizeRule | None:
    """The size rule of a series: from its catalog entry's `severity_size` table when it has one,
    else from its unit's dimension; None where size has no practical unit (then the score alone
    decides)."""
    definition = info.definition
    custom = definition.extra.get("severity_size")
    if custom:
        return SizeRule(**custom)
    dimension = units.dimension_of(info.unit)
    if info.unit == "share" or dimension == "share":
        return SIZE_RULES["points"]
    if info.unit == "hours/day" or dimension == "duration/day":
        return SIZE_RULES["hours/day"]
    if info.unit == "hours" or dimension == "duration":
        return SIZE_RULES["hours"]
    if dimension in ("price/mass", "price/volume", "rate") or info.indicator.endswith("_price"):
        return SIZE_RULES["percent"]
    return NO_RULE


def magnitude(value, reference, info, rule: SizeRule | None = None) -> np.ndarray:
    """Size of `value` against `reference` in the rule's measure, positive in the bad direction."""
    rule = rule or size_rule(info)
    value = np.asarray(value, dtype="float64")
    reference = np.asarray(reference, dtype="float64")
    if rule is None:
        return np.full(np.broadcast(value, reference).shape, np.nan)
    if rule.measure == "points":
        change = (value - reference) * 100
    elif rule.measure == "hours":
        change = value - reference
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            change = np.where(reference > 0, (value / reference - 1) * 100, np.nan)
    direction = info.definition.bad_direction
    return -change if direction == "down" else np.abs(change) if direction == "both" else change


def magnitude_one(value: float, reference: float, bad_direction: str, rule: SizeRule | None) -> float:
    """`magnitude` of one value: the same arithmetic on floats, without numpy's cost per call (a
    walk over a series sizes its dates one by one)."""
    if rule is None:
        return float("nan")
    if rule.measure == "points":
        change = (value - reference) * 100
    elif rule.measure == "hours":
        change = value - reference
    else:
        change = (value / reference - 1) * 100 if reference > 0 else float("nan")
    return -change if bad_direction == "down" else abs(change) if bad_direction == "both" else change


def level_size(values, estimate, last_year, average, info, rule: SizeRule | None) -> np.ndarray:
    """Size of a price level for the market-phase indicators (ALPS, IPA): the least of its rise
    over the method's estimate, over a year earlier and over the 5-year average of the same month
    (FEWS NET's comparisons; a missing comparison does not count)."""
    sizes = magnitude(values, estimate, info, rule)
    for reference in (last_year, average):
        sizes = np.fmin(sizes, np.nan_to_num(magnitude(values, reference, info, rule), nan=np.inf))
    return sizes


def classify_one(score: float, thresholds: dict[str, float], size: float, rule: SizeRule | None) -> int:
    """Severity rank (0 normal .. 3 crisis) of one score and size (see the module docstring);
    with no rule, or an unknown size, the score's phase stands."""
    score = -np.inf if score != score else score
    by_score = 3 if score >= thresholds["crisis"] else 2 if score >= thresholds["alert"] else \
        1 if score >= thresholds["stress"] else 0
    if rule is None or size != size:
        return by_score
    allowed = 3 if size >= rule.crisis else 2 if size >= rule.alert else 1 if size >= rule.stress else 0
    decisive = 0
    if score >= max(DECISIVE_SCORE, thresholds["stress"]):
        decisive = 3 if size >= rule.decisive_crisis else 2 if size >= rule.decisive_alert else 0
    return max(min(by_score, allowed), decisive)


def classify(scores, thresholds: dict[str, float], sizes, rule: SizeRule | None) -> np.ndarray:
    """`classify_one` over arrays of scores and sizes (from `magnitude`): severity names."""
    return names(classify_ranks(scores, thresholds, sizes, rule))


def names(ranks) -> np.ndarray:
    """Severity names (an object array) of severity ranks, 0 normal .. 3 crisis."""
    return np.array(SEVERITIES, dtype=object)[np.asarray(ranks, dtype=int)]


def classify_ranks(scores, thresholds: dict[str, float], sizes, rule: SizeRule | None) -> np.ndarray:
    """`classify_one` over arrays at once (the same comparisons, on whole columns): severity ranks."""
    scores = np.asarray(scores, dtype="float64").reshape(-1)
    sizes = np.broadcast_to(np.asarray(sizes, dtype="float64"), scores.shape)
    by_score = _steps(scores, thresholds["stress"], thresholds["alert"], thresholds["crisis"])  # NaN: 0
    if rule is None:
        return by_score
    allowed = _steps(sizes, rule.stress, rule.alert, rule.crisis)
    decisive = np.where(scores >= max(DECISIVE_SCORE, thresholds["stress"]),
                        _steps(sizes, np.inf, rule.decisive_alert, rule.decisive_crisis), 0)
    return np.where(np.isnan(sizes), by_score, np.maximum(np.minimum(by_score, allowed), decisive))


def _steps(values: np.ndarray, first: float, second: float, third: float) -> np.ndarray:
    """0-3: how many of the increasing bounds each value reaches (NaN reaches none)."""
    return np.where(values >= third, 3, np.where(values >= second, 2, np.where(values >= first, 1, 0)))


def rank(severity) -> int | pd.Series:
    if isinstance(severity, pd.Series):
        return severity.map(SEVERITY_RANK).fillna(0).astype(int)
    return SEVERITY_RANK.get(severity, 0)


def at_least(severity: str) -> list[str]:
    """Severities at or above `severity`."""
    return SEVERITIES[SEVERITY_RANK[severity]:]
