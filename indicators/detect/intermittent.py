"""Intermittent series: outage loggers and other series that are zero most of the time.

A series that is zero (or near zero) in most periods has a median absolute deviation of 0:
against the seasonal baseline every ordinary outage would be a crisis. The `state` detector
routes such a series here (`is_intermittent`) and it is scored against what is normal for it
(docs/detection.md, "Intermittent series"):

- occurrence: the share of periods with an outage (a value above `NEAR_ZERO` of the period for
  a duration per period, above 0 otherwise), per phase: the hour of day for sub-daily series, the
  calendar month otherwise, shrunk toward the series' overall share (`SHRINK` pseudo-periods);
- durations: the log-durations of past outages (on a sub-daily grid an outage is a run of
  consecutive outage periods; for daily and longer series each period's value), from the phase
  the outage began in and its two neighbours (all phases while these hold fewer than `PHASE_SPELLS`).

The normal comes from past data only: the periods before the longest test window (the tested
window is never its own reference), over `REFERENCE` periods, without the periods of an episode
(from a week, for sub-daily series, before the first flagged date: the lead-up; an episode that
lasts `state.NEW_NORMAL` is declared the new normal and learnt). Each date is tested twice:
- more frequent: the outage periods of each recent window (`WINDOWS`: a day and a week for
  sub-daily series, a week and four weeks for daily ones) against the binomial with the normal
  rates of the window's periods (one-sided, scipy's regularised incomplete beta). Outage periods
  come in runs, so the counts are tested in units of the variance inflation (1 + r) / (1 - r) of
  a two-state Markov chain whose lag-1 autocorrelation r is that of the occurrences less their
  phase's rate (quasi-binomial);
- longer: the running length of the current outage against the normal log-durations (robust
  centre, 1.4826 x MAD shrunk toward `PRIOR_SIGMA`, at least `MIN_SIGMA`), and the mean log-duration of the outages of the
  long window (the current one included) against the same normal, so that outages that have
  become longer add up even when no single one stands out.
A p-value is scored as its standard normal quantile, capped at `SCORE_CAP`, and turned into a
phase with the state detector's conventions (`severity.classify_one`: thresholds, capped by the
size: the excess outage time per day over the window, or the excess over the usual outage), as
are episodes: stress that lasts a short window while a test `HOLD` out has an alert-sized excess is
alert (a persistent shift), an episode that reached alert holds while a test stays `HOLD` out with a stress-sized
excess, and it ends after `END_SPAN` normal periods.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from .. import units
from .base import INTERVALS, STEP_WORDS, DetectionResult, SeriesInfo, date_labels, is_subdaily, output_frame, \
    per_interval
from .baseline import MAD_TO_SD
from .explain import format_value
from .severity import SEVERITIES, classify_one, size_rule

ROUTE_SHARE = 0.5  # at least this share of near-zero periods before the first score: intermittent
NEAR_ZERO = 0.01  # of the period (durations per period): 36 s in an hour, 14 min in a day
SHRINK = 10.0
PHASE_SPELLS = 15  # outages begun near a phase before that phase has durations of its own
# The log-duration scale is shrunk toward PRIOR_SIGMA as if from PRIOR_SPELLS more outages: a
# handful of similar outages does not make the next long one a crisis.
PRIOR_SIGMA, PRIOR_SPELLS = 1.0, 5
MIN_SIGMA = 0.15
SCORE_CAP = 10.0
# (short, long) windows, the reference span and the warm-up before the first score, in periods;
# sub-daily intervals take the hourly ones as the same time.
WINDOWS = {"short": per_interval({"monthly": 3, "weekly": 4, "daily": 7, "hourly": 24}, span=True),
           "long": per_interval({"monthly": 12, "weekly": 13, "daily": 28, "hourly": 24 * 7}, span=True)}
REFERENCE = per_interval({"monthly": 120, "weekly": 260, "daily": 3 * 365, "hourly": 24 * 56}, span=True)
WARM_UP = per_interval({"monthly": 24, "weekly": 52, "daily": 365, "hourly": 24 * 14}, span=True)
END_SPAN = per_interval({"monthly": 2, "weekly": 2, "daily": 7, "hourly": 24}, span=True)
HOLD = {"alert": 2.0}  # within an episode, the state detector's bar for holding alert


def routing_span(frequency: str) -> int:
    """The periods before the first score: the routing rule looks at these only (no look-ahead)."""
    return WINDOWS["long"][frequency] + WARM_UP[frequency]


def near_zero(info: SeriesInfo, frequency: str) -> float:
    """The largest value that is not an outage: 1% of the period for a duration per period."""
    if units.dimension_of(info.unit) != "duration/day":
        return 1e-9
    hours = INTERVALS[frequency] / 60 if is_subdaily(frequency) else 24.0
    return NEAR_ZERO * hours


def is_intermittent(regular: pd.Series, info: SeriesInfo, frequency: str) -> bool:
    """The routing rule: a non-negative series whose bad direction is up and which is near zero in
    at least `ROUTE_SHARE` of its observations before the first score (where its median absolute
    deviation is 0, so the seasonal scale cannot say what is usual)."""
    if info.definition.bad_direction != "up" or frequency not in WINDOWS["long"]:
        return False
    first = regular.to_numpy(dtype="float64")[:routing_span(frequency)]
    first = first[~np.isnan(first)]
    return len(first) > 0 and bool((first >= 0).all()) and (
        float((first <= near_zero(info, frequency)).mean()) >= ROUTE_SHARE)


def detect(regular: pd.Series, info: SeriesInfo, frequency: str, thresholds_by_frequency: dict,
           new_normal: int) -> DetectionResult:
    """The state detector's result for an intermittent series (same columns and severities).
    Sub-daily series take the daily thresholds: the tests are of windows of a day or more and of
    whole outages, not of single intervals."""
    thresholds = thresholds_by_frequency["daily" if is_subdaily(frequency) else frequency]
    model = _Model(regular, info, frequency)
    observed = int(regular.notna().sum())
    if observed < WARM_UP[frequency]:
        return DetectionResult("insufficient_history", f"not enough history for an intermittent series: {observed} "
                               f"{frequency} observations, {routing_span(frequency)} needed")
    rows = model.walk(thresholds, new_normal)
    if not rows:
        return DetectionResult("insufficient_history", "not enough regular history to learn the outage pattern")
    table = pd.DataFrame(rows)
    labels = np.array(date_labels(regular.index, frequency), dtype=object)
    position = table["position"].to_numpy()
    explanation = model.explain(table, labels)
    frame = output_frame(labels[position], model.values[position], table["expected"].to_numpy(), np.zeros(len(table)),
                         table["upper"].to_numpy(), table["score"].to_numpy(), table["severity"].to_numpy(dtype=object),
                         explanation)
    episodes = int((table["kind"] == "start").sum())
    free = float((model.values[~np.isnan(model.values)] <= model.eps).mean())
    return DetectionResult("scored", f"{len(frame)} of {observed} observations scored as an intermittent series "
                           f"({free:.0%} of periods without outage); {episodes} episode(s)", frame)


class _Model:
    """The past-only normal of one series, updated period by period, and the walk over its dates."""

    def __init__(self, regular: pd.Series, info: SeriesInfo, frequency: str):
        self.info, self.frequency = info, frequency
        self.values = regular.to_numpy(dtype="float64")
        self.eps = near_zero(info, frequency)
        self.rule = size_rule(info)
        self.per_day = 24 * 60 // INTERVALS[frequency] if is_subdaily(frequency) else 1
        index = regular.index
        self.phase = np.asarray(index.hour if is_subdaily(frequency) else index.month - 1, dtype=int)
        self.phases = 24 if is_subdaily(frequency) else 12
        n = len(self.values)
        self.observed = ~np.isnan(self.values)
        self.occurred = self.observed & (np.nan_to_num(self.values) > self.eps)
        self._spells()
        per_phase = np.zeros((n + 1, self.phases), dtype=np.int32)
        per_phase[np.flatnonzero(self.observed) + 1, self.phase[self.observed]] = 1
        self.phase_counts = per_phase.cumsum(axis=0)  # observed periods of each phase before t
        self.begun_before = np.concatenate([[0], np.cumsum(self.begins)])
        self.total_before = np.concatenate([[0.0], np.cumsum(np.nan_to_num(self.values))])
        self.delay = WINDOWS["long"][frequency]
        self.reference = REFERENCE[frequency]
        # the normal: per phase, learnt periods, outages among them and their total
        self.count, self.outages, self.total = (np.zeros(self.phases) for _ in range(3))
        self.learnt = np.zeros(n, dtype=bool)
        self.excluded = np.zeros(n, dtype=bool)  # periods of past episodes and their lead-up

    def _spells(self) -> None:
        """Outages as runs (sub-daily) or single periods: at each t its running length and the
        start of its outage; completed outages sorted by their last period."""
        occurred, values = self.occurred, np.nan_to_num(self.values)
        begins = occurred & ~np.concatenate([[False], occurred[:-1]]) if is_subdaily(self.frequency) else occurred
        self.begins = begins
        run = np.cumsum(begins)
        start_of_run = np.flatnonzero(begins)
        self.spell_start = np.where(occurred, start_of_run[np.maximum(run - 1, 0)] if len(start_of_run) else 0, -1)
        totals = np.cumsum(np.where(occurred, values, 0.0))
        before = np.where(self.spell_start > 0, totals[np.maximum(self.spell_start - 1, 0)], 0.0)
        self.running = np.where(occurred, totals - before, 0.0)
        ends = occurred & ~np.concatenate([occurred[1:], [False]]) if is_subdaily(self.frequency) else occurred
        self.spell_end = np.flatnonzero(ends)
        self.spell_log = np.log(self.running[self.spell_end]) if len(self.spell_end) else np.zeros(0)
        self.spell_phase = self.phase[self.spell_start[self.spell_end]] if len(self.spell_end) else np.zeros(0, int)

    # -- the normal ------------------------------------------------------------------------------

    def _learn(self, j: int, sign: int = 1) -> None:
        if not self.observed[j] or (sign > 0) == self.learnt[j]:
            return
        h, happened = self.phase[j], int(self.begins[j])
        self.count[h] += sign
        self.outages[h] += sign * happened
        self.total[h] += sign * self.values[j]
        self.learnt[j] = sign > 0

    def _rates(self) -> tuple[np.ndarray, np.ndarray]:
        """Per phase: the normal share of periods in which an outage begins and the normal mean value."""
        overall = (self.outages.sum() + 1.0) / (self.count.sum() + 2.0)
        rate = (self.outages + SHRINK * overall) / (self.count + SHRINK)
        mean = (self.total + SHRINK * self.total.sum() / max(self.count.sum(), 1.0)) / (self.count + SHRINK)
        return rate, mean

    def _inflation(self, t: int, rate: np.ndarray) -> float:
        """(1 + r) / (1 - r), r the lag-1 autocorrelation of the learnt outage beginnings less their
        phase's rate (so that a season or the evening hours do not count as clusters), in [0, 0.9]."""
        a, b = max(t - self.delay - self.reference, 1), max(t - self.delay, 1)
        residual = np.where(self.learnt[a - 1:b], self.begins[a - 1:b] - rate[self.phase[a - 1:b]], np.nan)
        before, after = residual[:-1], residual[1:]
        both = ~np.isnan(before) & ~np.isnan(after)
        spread = np.sqrt((before[both] ** 2).sum() * (after[both] ** 2).sum())
        r = float((before[both] * after[both]).sum() / spread) if spread > 0 else 0.0
        r = float(np.clip(r, 0.0, 0.9))
        return (1 + r) / (1 - r)

    def _durations(self, t: int, phase: int | None) -> tuple[float, float, int]:
        """(centre, scale, count) of the normal log-durations for an outage begun in `phase` (None:
        any phase)."""
        lo, hi = np.searchsorted(self.spell_end, [t - self.delay - self.reference, t - self.delay])
        ends = self.spell_end[lo:hi]
        known = self.learnt[ends]
        logs, phases = self.spell_log[lo:hi][known], self.spell_phase[lo:hi][known]
        if phase is not None:
            distance = np.abs(phases - phase)
            near = np.minimum(distance, self.phases - distance) <= 1
            logs = logs[near] if near.sum() >= PHASE_SPELLS else logs
        if len(logs) == 0:
            return np.nan, np.nan, 0
        centre, count = float(np.median(logs)), len(logs)
        spread = MAD_TO_SD * float(np.median(np.abs(logs - centre)))
        spread = np.sqrt((count * spread ** 2 + PRIOR_SPELLS * PRIOR_SIGMA ** 2) / (count + PRIOR_SPELLS))
        return centre, max(float(spread), MIN_SIGMA), count

    # -- the tests -------------------------------------------------------------------------------

    def _frequency(self, t: int, window: int, rate: np.ndarray, mean: np.ndarray, inflation: float) -> dict:
        a = max(t + 1 - window, 0)
        periods = self.phase_counts[t + 1] - self.phase_counts[a]
        n = float(periods.sum())
        k = float(self.begun_before[t + 1] - self.begun_before[a])
        expected = float(periods @ rate)
        tail = 1.0
        if k > 0 and n > 0:
            tail = float(special.betainc(k / inflation, (n - k) / inflation + 1.0, min(expected / n, 1.0)))
        excess = (self.total_before[t + 1] - self.total_before[a] - float(periods @ mean)) / max(n, 1.0) * self.per_day
        return {"test": "frequency", "score": _score(tail), "size": excess, "k": int(k), "n": int(n),
                "usual": expected, "window": window}

    def _duration(self, t: int) -> dict | None:
        if not self.occurred[t]:
            return None
        start = int(self.spell_start[t])
        centre, spread, count = self._durations(t, int(self.phase[start]))
        if count == 0:
            return None
        length = float(self.running[t])
        usual = float(np.exp(centre))
        score = float(np.clip((np.log(length) - centre) / spread, -SCORE_CAP, SCORE_CAP))
        return {"test": "duration", "score": score, "size": length - usual, "length": length, "usual": usual,
                "start": start}

    def _recent_durations(self, t: int, window: int) -> dict | None:
        """The outages of the last `window` periods (completed before t, and the current one)."""
        lo, hi = np.searchsorted(self.spell_end, [t - window, t])  # ends before t: known to be over
        logs = list(self.spell_log[lo:hi]) + ([float(np.log(self.running[t]))] if self.occurred[t] else [])
        if not logs:
            return None
        centre, spread, count = self._durations(t, None)
        if count == 0:
            return None
        mean, usual = float(np.mean(logs)), float(np.exp(centre))
        score = float(np.clip((mean - centre) / spread * np.sqrt(len(logs)), -SCORE_CAP, SCORE_CAP))
        return {"test": "durations", "score": score, "size": float(np.exp(mean)) - usual, "length": float(np.exp(mean)),
                "usual": usual, "count": len(logs), "window": window}

    def _level(self, test: dict, thresholds: dict) -> int:
        """The state detector's phase of a test (`classify_one`), but nothing below the stress
        score: an ordinary long outage in a season of long ones (a size that is decisive by itself)
        is 2.5 scales out once in 160 outages."""
        if test["score"] < thresholds["stress"]:
            return 0
        return classify_one(test["score"], thresholds, test["size"], self.rule)

    def _holds(self, tests: list[dict]) -> bool:
        """Within an episode that reached alert the question is whether outages are back to normal:
        its peak phase holds while a test is still `HOLD` out and its size at least stress's."""
        return any(test["score"] >= HOLD["alert"] and (self.rule is None or test["size"] >= self.rule.stress)
                   for test in tests)

    # -- the walk ----------------------------------------------------------------------------------

    def walk(self, thresholds: dict, new_normal: int) -> list[dict]:
        rows, n = [], len(self.values)
        excluded_from, episode_start, peak, calm = n, -1, 0, 0
        inflation, next_inflation, stressed_since = 1.0, 0, -1
        for t in range(n):
            j = t - self.delay - 1
            if 0 <= j < excluded_from and not self.excluded[j]:
                self._learn(j)
            if j - self.reference >= 0:
                self._learn(j - self.reference, -1)
            if not self.observed[t] or self.count.sum() < WARM_UP[self.frequency]:
                continue
            rate, mean = self._rates()
            if t >= next_inflation:  # refreshed once per short window: it moves slowly
                inflation, next_inflation = self._inflation(t, rate), t + WINDOWS["short"][self.frequency]
            tests = [self._frequency(t, WINDOWS[name][self.frequency], rate, mean, inflation)
                     for name in ("short", "long")]
            tests += [test for test in (self._duration(t), self._recent_durations(t, WINDOWS["long"][self.frequency]))
                      if test]
            levels = [self._level(test, thresholds) for test in tests]
            level = max(levels)
            if episode_start >= 0 and peak >= 2 and self._holds(tests):
                level = max(level, peak)
            stressed_since = (stressed_since if stressed_since >= 0 else t) if level >= 1 else -1
            if level == 1 and t - stressed_since >= WINDOWS["short"][self.frequency] and any(
                    test["score"] >= HOLD["alert"] and (self.rule is None or test["size"] >= self.rule.alert)
                    for test in tests):
                level = 2  # modest but persistent (a day; a week for daily series), alert-sized: a shift
            best = max(range(len(tests)), key=lambda i: (levels[i], tests[i]["score"]))
            kind, start = "normal", episode_start
            if episode_start < 0:
                if level >= 1:
                    episode_start = start = t
                    peak, calm, kind = level, 0, "start"
                    excluded_from = max(t - WINDOWS["short"][self.frequency], 0)  # nor is the lead-up
            else:
                calm = calm + 1 if level == 0 else 0
                kind = "escalation" if level > peak else "ongoing" if level else "calm"
                peak = max(peak, level)
                if calm >= END_SPAN[self.frequency]:
                    self.excluded[excluded_from:t - calm + 1] = True
                    kind, episode_start, excluded_from = "end", -1, n
                elif t - episode_start >= new_normal:
                    # The episode has lasted long enough to be the normal: the reference is now its
                    # periods alone, until the reference window is full of them.
                    kind, episode_start = "new_normal", -1
                    for i in np.flatnonzero(self.learnt[:excluded_from]):
                        self._learn(int(i), -1)
                    for i in range(excluded_from, max(t - self.delay, 0)):
                        self._learn(i)
                    excluded_from = n
            phase = self.phase[t]
            centre, spread, count = self._durations(t, phase)
            longest = float(np.exp(centre + 2 * spread)) if count else np.nan
            period = self.eps / NEAR_ZERO if units.dimension_of(self.info.unit) == "duration/day" else np.inf
            rows.append({"position": t, "score": tests[best]["score"], "severity": SEVERITIES[level], "kind": kind,
                         "start": start, "expected": float(mean[phase]), "rate": float(rate[phase]),
                         "longest": longest, "upper": float(np.fmin(longest, period)), "test": tests[best]})
        return rows

    # -- words -------------------------------------------------------------------------------------

    def explain(self, table: pd.DataFrame, labels) -> list[str]:
        info, frequency = self.info, self.frequency
        unit = units.per_period(info.unit, frequency)
        length_unit = "hours" if units.dimension_of(info.unit).startswith("duration") else info.unit
        steps = STEP_WORDS[frequency]
        where = "at this time of day" if is_subdaily(frequency) else "in this month"
        out = []
        for row in table.itertuples(index=False):
            t, test = row.position, row.test
            head = f"{info.label()}, {labels[t]}: {format_value(self.values[t], unit)}"
            if row.kind == "new_normal":
                out.append(f"{head}: outages at this level since {labels[row.start]} are now the normal "
                           f"({row.severity}).")
                continue
            if row.severity == "normal":
                usual = f"an outage begins in {row.rate:.0%} of {steps} {where}"
                if row.longest == row.longest:
                    usual += f", lasting up to about {format_value(row.longest, length_unit)}"
                ended = "; the episode has ended" if row.kind == "end" else ""
                out.append(f"{head}, within the usual pattern ({usual}){ended}.")
                continue
            if test["test"] == "duration":
                text = (f"{head}, an outage lasting {format_value(test['length'], length_unit)} so far, against a "
                        f"usual {format_value(test['usual'], length_unit)}")
            elif test["test"] == "durations":
                text = (f"{head}, outages longer than usual: the {test['count']} outages of the last {test['window']} {steps} "
                        f"lasted {format_value(test['length'], length_unit)} (geometric mean) against a usual "
                        f"{format_value(test['usual'], length_unit)}")
            else:
                text = (f"{head}, outages more frequent than usual: {test['k']} began in the last {test['n']} {steps} "
                        f"against {test['usual']:.1f} usually")
                if length_unit == "hours":
                    text += f" ({format_value(test['size'], 'hours')} a day more without power)"
            if row.kind == "start":
                text += "; an episode begins"
            elif row.kind in ("ongoing", "escalation", "calm"):
                text += f"; in an episode since {labels[row.start]} ({t - row.start + 1} {steps})"
                text += ", now worse" if row.kind == "escalation" else ""
            out.append(text + f" (score {row.score:.1f}; {row.severity}).")
        return out


def _score(tail: float) -> float:
    """A one-sided p-value as a standard normal quantile, within +/- `SCORE_CAP`."""
    return float(np.clip(-special.ndtri(min(max(tail, 1e-300), 1.0)), -SCORE_CAP, SCORE_CAP))
