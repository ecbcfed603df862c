"""Change from the last month: a seasonal random-walk reference for monthly prices.

Real grain prices behave close to random walks with seasonality. After a year of falling prices
the state detector's seasonal baseline (a level over two years) still expects the old price and
its scale, from its own forecast errors, is wide: a one-month jump of 30% from where the price
actually stands is "normal" against it (Gaoua maize 2019: expected 192 when the price had been 146
for three months). WFP and FEWS NET read a price against last month's as well as against a year
ago and the 5-year average; this detector is that short-memory comparison:

- reference: the last observed price, seasonally adjusted, or the median of the last `RECENT` if
  that is higher (a one-month dip is no base for the next month's change), moved by the usual
  change into this calendar month (the median of that month's one-month changes in the last
  `USUAL_YEARS` years, at least `MIN_USUAL_YEARS`, else none; past data only);
- scale: the robust spread (`baseline.robust_scale`) of the last `WINDOW` such adjusted changes
  (at least `MIN_CHANGES`, at least `MIN_SCALE`), a change over a gap of g months against g times
  the variance, as for a random walk. A price repeated exactly from the last observation
  (imputed, carried forward) is no new observation: the first move after a flat run is a change
  over the whole run;
- it counts where the normal over years is stale: the recent price (the reference) stands at
  least `STALE` (10%, the alert size) below the seasonally adjusted median of the last
  `LEVEL_MONTHS` months, in the bad direction. Elsewhere the state detector's baseline is the
  right reference, and its scale the right one for noise about a stable normal (autocorrelated or
  heavy-tailed): there this detector scores nothing (a month is a row only where it counts, or
  within its episode);
- severity keeps the size rule (`severity.classify`): alert needs the price at least 10% above the
  reference. The score bars are high (stress 3, alert 6, crisis 8 scales): with the size rule's
  decisive sizes, a rise of 25% (WFP's Market Monitor: a "severe" month-on-month rise) is alert
  from 3 scales, 50% crisis; a smaller rise needs 6 scales. Price shocks of 10-16% at 4-5 scales
  are ordinary in heavy-tailed noise (the benchmark's `prices_t`). From an alert an episode runs:
  later months are scored against the pre-jump reference (moved by the usual changes since) with
  the scale in force at the start, the phase held by the
  state detector's lower in-episode bar (`state.IN_EPISODE`, never above the month before; a higher
  phase needs the ordinary bar), so a shift stays alert for as long as it lasts. The episode ends
  after `END_POINTS` normal months and its changes are then kept out of the usual changes and the
  scale; after `NEW_NORMAL` months the new level is the normal (only its jump is kept out).
"""
from __future__ import annotations

import bisect

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from .base import (DetectionResult, Detector, SeriesInfo, calendar_months, date_labels, is_monthly_price, orient,
                   output_columns)
from .baseline import nanmedian_rows, past_windows, robust_scale
from .explain import against_usual, format_values
from .severity import classify_one, classify_ranks, magnitude, magnitude_one, names, size_rule
from .state import END_POINTS, IN_EPISODE, NEW_NORMAL

WINDOW, MIN_CHANGES = 36, 24  # past adjusted changes behind the scale, and the least number scored from
USUAL_YEARS, MIN_USUAL_YEARS = 5, 3  # earlier same-month changes behind a month's usual change
RECENT = 3  # the reference is never below the median of the last 3 prices (`_median_of_three`)
MIN_SCALE = 0.02  # a monthly price changes by 2% in ordinary months at the least (quiet series, rounding)
LEVEL_MONTHS, STALE, STALE_WORDS = 24, float(np.log(1.10)), "10%"  # where the normal over years is stale


class MonthlyChange(Detector):
    name = "change"
    title = "Change from the last month (seasonal random walk)"
    thresholds = {"stress": 3.0, "alert": 6.0, "crisis": 8.0}
    method = (
        "Each month's price against the last observed price (or the median of the last 3, if higher), seasonally "
        f"adjusted: the change is scored against the usual change into that calendar month (the median of the "
        f"last {USUAL_YEARS} years' changes, at least {MIN_USUAL_YEARS}) and the robust spread of the last {WINDOW} "
        f"such adjusted changes (at least {MIN_CHANGES}, at least {MIN_SCALE:.0%} a month; over a gap of g months, "
        "g times the variance, as for a random walk; a price repeated exactly is no new observation). Past data "
        f"only. It counts where the normal over years is stale: the recent price at least {STALE_WORDS} below its "
        f"seasonally adjusted level of the last {LEVEL_MONTHS} months (after a fall that the seasonal baseline has "
        "not followed); it scores no other month. Phases from 3, 6 and 8 scales, capped by the size against the "
        "reference (10% for alert), and a rise of 25% is alert from 3 scales (50%: crisis). From an alert the "
        "pre-jump reference is frozen until two months are normal again (12 months: the new normal), so a shift "
        "stays alert while it lasts; an ended episode's changes are kept out of the usual changes and the scale "
        "afterwards."
    )

    def applies(self, info: SeriesInfo) -> bool:
        return is_monthly_price(info)

    def _detect(self, regular: pd.Series, info: SeriesInfo, frequency: str) -> DetectionResult:
        if frequency != "monthly":
            return DetectionResult("not_applicable", f"defined for monthly prices, not {frequency} series")
        values = regular.to_numpy(dtype="float64")
        with np.errstate(invalid="ignore", divide="ignore"):
            logs = np.log(np.where(values > 0, values, np.nan))
        observed = int((~np.isnan(logs)).sum())
        if observed <= MIN_CHANGES:
            return DetectionResult("insufficient_history", f"not enough history: {observed} monthly observations; "
                                   f"the change rule needs {MIN_CHANGES} earlier month-to-month changes")
        walk = _Walk(logs, values, calendar_months(regular.index), info, self.thresholds)
        table = walk.run()
        scored = table["scored"]
        if not scored.any():
            # most series of a store stop here: the seasonal baseline (`state`) is their reference
            return DetectionResult("not_applicable", f"the price never stood {STALE_WORDS} below its level of the "
                                   f"last {LEVEL_MONTHS} months (with {MIN_CHANGES} earlier changes): the seasonal "
                                   "baseline is the reference")
        centre, spread = table["expected"][scored], table["spread"][scored]
        value, score, rank = values[scored], table["score"][scored], table["severity"][scored]
        expected, lower, upper = np.exp(centre), np.exp(centre - 2 * spread), np.exp(centre + 2 * spread)
        severity = names(rank)
        labels = date_labels(regular.index, frequency)
        dates = np.array(labels, dtype=object)[scored]
        since = table["since"][scored]
        frozen = table["frozen"][scored]
        onsets = [labels[first] if held else "" for first, held in zip(since.tolist(), frozen.tolist())]
        explanation = _explain(info, dates.tolist(), value, expected, lower, upper, score, severity, since, onsets)
        rows = output_columns(dates, value, expected, lower, upper, score, severity, explanation)
        return DetectionResult("scored", f"{int(scored.sum())} of {observed} months scored (those with the price "
                               f"{STALE_WORDS} below its level of the last {LEVEL_MONTHS} months, and episodes); "
                               f"{len(walk.starts)} episode(s)", columns=rows)


class _Walk:
    """The pass over one series: the live reference (the recent price, `_live`) and, from an
    alert, the frozen pre-jump reference of the episode."""

    def __init__(self, logs, values, months, info, thresholds):
        self.logs, self.values, self.months, self.info, self.thresholds = logs, values, months, info, thresholds
        self.rule, self.direction = size_rule(info), info.definition.bad_direction
        self.observed = np.flatnonzero(~np.isnan(logs))
        self.masked = np.zeros(len(logs), dtype=bool)  # changes ending here belong to an ended episode
        self.starts: list[int] = []

    def _live(self) -> bool:
        """Every observed month against the recent price (`reference`), with the masked changes
        left out of the usual changes and the scale (whole columns at once). False, with nothing
        scored, when the rule counts nowhere (the cheap part first: most series stop there)."""
        logs, n, observed = self.logs, len(self.logs), self.observed
        fresh = observed[np.r_[True, logs[observed[1:]] != logs[observed[:-1]]]]
        previous, current = fresh[:-1], fresh[1:]
        gap = current - previous
        kept = ~self.masked[current]
        one_month = np.where(kept & (gap == 1), logs[current] - logs[previous], np.nan)
        usual_at = _usual_changes(one_month, current, self.months, n)
        self.cumulative = cumulative = np.cumsum(usual_at)  # usual changes up to each month
        adjusted = logs[fresh] - cumulative[fresh]  # seasonally adjusted log prices
        # the last price, unless it is below the median of the last three in the bad direction (a
        # one-month dip is no base for the next month's change)
        last = adjusted[:-1]
        recent = _median_of_three(adjusted)[:-1]
        recent = np.fmax(last, recent) if self.direction == "up" else np.fmin(last, recent) \
            if self.direction == "down" else last
        # The rule counts where the normal over years is stale (module docstring).
        grid = np.full(n, np.nan)
        grid[fresh] = adjusted
        level = nanmedian_rows(past_windows(grid, LEVEL_MONTHS)[current])
        with np.errstate(invalid="ignore"):
            stale = orient(level - recent, self.direction) >= STALE
        stale[:MIN_CHANGES] = False
        self.rank = np.zeros(n, dtype=int)
        self.stale = np.zeros(n, dtype=bool)
        if not stale.any():
            return False
        # the scale and the score at the months where the rule counts only (a few of most series)
        counted = np.flatnonzero(stale)
        steps = np.sqrt(gap[counted])
        change = (adjusted[1:] - recent) / np.sqrt(gap)
        history = past_windows(np.where(kept, change, np.nan), WINDOW)[counted]
        count = (~np.isnan(history)).sum(axis=1)
        scale = np.where(count >= MIN_CHANGES, np.fmax(robust_scale(history), MIN_SCALE), np.nan)
        at = current[counted]
        self.reference = np.full(n, np.nan)  # the adjusted log reference per month
        self.reference[current] = recent
        self.expected = self.reference + cumulative
        self.spread = np.full(n, np.nan)  # the scale of that month's change (gap included)
        self.unit_scale = np.full(n, np.nan)  # the one-month scale in force
        self.spread[at], self.unit_scale[at] = scale * steps, scale
        self.score = np.full(n, np.nan)
        self.score[at] = orient((logs[at] - self.expected[at]) / self.spread[at], self.direction)
        size = magnitude(self.values[at], np.exp(self.expected[at]), self.info, self.rule)
        self.stale[at] = ~np.isnan(scale)
        self.rank[at] = np.where(self.stale[at], classify_ranks(self.score[at], self.thresholds, size, self.rule), 0)
        return bool(self.stale.any())

    def run(self) -> dict[str, np.ndarray]:
        n = len(self.logs)
        if not self._live():
            return {"scored": np.zeros(n, dtype=bool)}
        out_expected, out_spread = self.expected.copy(), self.spread.copy()
        out_score, out_rank = self.score.copy(), self.rank.copy()
        since = np.full(n, -1)  # the episode's first month, where one runs
        frozen = np.zeros(n, dtype=bool)  # scored against the episode's pre-jump reference
        scored = self.stale.copy()
        at = 0
        observed = self.observed.tolist()
        while True:
            alerts = np.flatnonzero(self.rank[at:] >= 2)
            if not len(alerts):
                break
            start = at + int(alerts[0])
            self.starts.append(start)
            end = self._episode(start, observed, out_expected, out_spread, out_score, out_rank, since, scored, frozen)
            if self._live():
                out_expected[end + 1:], out_spread[end + 1:] = self.expected[end + 1:], self.spread[end + 1:]
                out_score[end + 1:], out_rank[end + 1:] = self.score[end + 1:], self.rank[end + 1:]
            scored[end + 1:] = self.stale[end + 1:]
            at = end + 1
        return {"expected": out_expected, "spread": out_spread, "score": out_score, "severity": out_rank,
                "since": since, "frozen": frozen, "scored": scored}

    def _episode(self, start, observed, out_expected, out_spread, out_score, out_rank, since, scored, frozen) -> int:
        """Score the months of the episode that begins at `start` against its frozen reference;
        the last month of the episode (then `_live` is refitted without its changes)."""
        reference, scale, held = self.reference[start], self.unit_scale[start], int(self.rank[start])
        since[start] = start
        calm, last = 0, start
        for t in observed[bisect.bisect_right(observed, start):]:
            expected = reference + self.cumulative[t]
            score = (self.logs[t] - expected) / scale
            score = -score if self.direction == "down" else abs(score) if self.direction == "both" else score
            size = magnitude_one(self.values[t], float(np.exp(expected)), self.direction, self.rule)
            # The lower in-episode bar holds the phase of the month before, never raises it (a wander of
            # the price about the frozen reference back up from stress is no new alarm); a higher phase
            # needs the ordinary bar.
            level = max(classify_one(score, self.thresholds, size, self.rule),
                        min(classify_one(score, IN_EPISODE, size, self.rule), held))
            if self.rank[t] > level:  # a further jump from last month: the worse of the two
                level, expected, score = int(self.rank[t]), self.expected[t], self.score[t]
                out_spread[t] = self.spread[t]
            else:
                out_spread[t], frozen[t] = scale, True
            out_expected[t], out_score[t], out_rank[t], scored[t], since[t] = expected, score, level, True, start
            held, last = level, t
            calm = calm + 1 if level == 0 else 0
            if calm >= END_POINTS["monthly"]:
                # the changes into, within and out of the episode (and those still measured from its
                # months) leave the usual changes and the scale
                self.masked[start:t + RECENT] = True
                break
            if t - start >= NEW_NORMAL["monthly"]:
                self.masked[start:start + RECENT] = True  # the jump only: the new level is the normal
                break
        return last


def _median_of_three(values: np.ndarray) -> np.ndarray:
    """Per position, the median of the value and the two before it (of those there are, the first
    two positions: their mean), in closed form: a row-wise sort costs more on short series."""
    out = values.astype("float64", copy=True)
    if len(values) >= 2:
        out[1] = 0.5 * (values[0] + values[1])
    if len(values) >= 3:
        a, b, c = values[2:], values[1:-1], values[:-2]
        out[2:] = a + b + c - np.maximum(np.maximum(a, b), c) - np.minimum(np.minimum(a, b), c)
    return out


def _usual_changes(one_month: np.ndarray, current: np.ndarray, months: np.ndarray, n: int) -> np.ndarray:
    """Per month t: the usual one-month change into t's calendar month, the median of that
    month's changes in the last `USUAL_YEARS` years before t (at least `MIN_USUAL_YEARS`), else 0."""
    if not n:
        return np.zeros(0)
    offset = int(months[0]) - 1
    years = -(-(n + offset) // 12)
    grid = np.full(years * 12, np.nan)
    grid[current + offset] = one_month
    grid = grid.reshape(years, 12)
    earlier = sliding_window_view(np.r_[np.full((USUAL_YEARS, 12), np.nan), grid[:-1]], USUAL_YEARS, axis=0)
    usual = nanmedian_rows(earlier)  # (years, 12): the USUAL_YEARS rows before each year
    enough = (~np.isnan(earlier)).sum(axis=-1) >= MIN_USUAL_YEARS
    return np.where(enough, usual, 0.0).reshape(-1)[offset:offset + n]


def _explain(info, dates, value, expected, lower, upper, score, severity, since, onsets) -> list[str]:
    """The sentences; `onsets`: per month, the episode's first month where the month is scored
    against the episode's pre-jump reference (its own price a month before does not count then),
    else ""."""
    label, unit = info.label(), info.unit
    shown, low, high = (format_values(column.tolist(), unit) for column in (value, lower, upper))
    out = []
    for date, v, e, text, lo, hi, z, level, first, onset in zip(dates, value.tolist(), expected.tolist(), shown, low,
                                                                high, score.tolist(), severity, since.tolist(), onsets):
        reference = (f"the price before the rise of {onset}, moved by the usual changes since" if onset else
                     "last month's price moved by its usual change for the month")
        if level == "normal":
            out.append(f"{label}, {date}: {text}, within the usual change from the last month ({lo} to {hi})."
                       if not onset else f"{label}, {date}: {text}, back within the usual range of {reference} "
                                         f"({lo} to {hi}).")
        else:
            episode = "" if first < 0 else "; an episode of sharp rises is running"
            out.append(f"{label}, {date}: {text}, {against_usual(v, e, unit)} ({reference}){episode} "
                       f"(score {z:.1f}; {level}).")
    return out
