"""Regime shifts: a persistent level shift (a blockade) flagged once at its start, then followed.

On top of the past-only seasonal baseline (`baseline.fit`), a one-sided CUSUM (Page, 1954) of
the standardised forecast errors in the bad direction, S_t = max(0, S_{t-1} + z_t - k), raises
an alarm when S_t >= h and enough of the last few standardised deviations are large
(`PERSIST`: two months beyond 3 scales; two of three days beyond 2): one outlier is a spike,
not a shift. For daily and hourly series, whose baseline level follows the last weeks, each value
within a CUSUM run is compared with the expectation frozen where the run began, so that a
blockade that tightens over weeks adds up instead of being absorbed by the baseline. The alarm
date gets `alert` (`crisis` when the level already sits `CRISIS_SIZE` scales away; a shift that
deepens to that size later gets one `crisis` row then). From then on the detector compares each
value with the pre-shift reference frozen at the run's first point: while the shift persists
the rows are `stress` ("continues", not a fresh alarm); the first date where the median of the
last few deviations is back under `END` scales is marked as the shift's end (normal). A shift
that lasts longer than
`ABSORB` periods becomes the new normal. Past data only: the state at t depends on data up to t.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import baseline
from .base import (INTERVALS, STEP_WORDS, DetectionResult, Detector, SeriesInfo, date_labels, observed_count, orient,
                   output_columns, per_interval)
from .explain import format_value, format_values, relative

ALLOWANCE = 1.5  # k: deviations under 1.5 scales do not accumulate
ALARM = 6.0  # h
# (last n, at least m of them, deviating by at least p scales) before a CUSUM alarm is a shift:
# monthly prices need two strong months in a row; noisy daily survey data, two of three days
# beyond 2 scales, so a blockade that tightens gradually is caught and a one-day spike is not.
PERSIST = per_interval({"monthly": (2, 2, 3.0), "weekly": (2, 2, 3.0), "daily": (3, 2, 2.0), "hourly": (3, 2, 2.0)})
CRISIS_SIZE = 8.0
END = 1.5
END_POINTS = per_interval({"monthly": 2, "weekly": 2, "daily": 3, "hourly": 3})
SLOPE_HORIZON = per_interval({"monthly": 12, "weekly": 8, "daily": 7, "hourly": 24}, span=True)
ABSORB = per_interval({"monthly": 24, "weekly": 52, "daily": 180, "hourly": 24 * 14}, span=True)
FROZEN_RUNS = {"daily", *INTERVALS}  # level windows of weeks: a run is scored against its start


class RegimeShift(Detector):
    name = "regime"
    title = "Regime shifts (CUSUM on the seasonal baseline)"
    thresholds = {"stress": END, "alert": ALARM, "crisis": CRISIS_SIZE}
    band_width = 2.0
    role = "signal"  # shown under its own name; the `state` detector carries its scores into severities
    method = (
        "A one-sided CUSUM (Page) of the seasonal baseline's standardised forecast errors in the bad "
        f"direction, with allowance {ALLOWANCE:g} and decision threshold {ALARM:g} scales, needing two consecutive "
        "months beyond 3 scales (two of the last three days beyond 2 for daily series) so that a single spike is "
        "not called a shift; for daily series each value within a CUSUM run is compared with the expectation "
        "frozen where the run began, so that a blockade tightening over weeks adds up instead of being absorbed "
        "by the baseline. The start of a shift is flagged once (alert; crisis if the level is already "
        f"{CRISIS_SIZE:g} scales away, or once more on the date it deepens to that size); while it lasts each date "
        "is compared with the pre-shift expectation frozen at its start and marked stress (continuing), and the "
        f"first date where the median of the last few deviations is back under {END:g} scales is marked as its "
        "end. A shift lasting over 24 months (180 days) becomes the new normal. Score: the CUSUM statistic before "
        "a shift, the deviation from the pre-shift level during one."
    )

    def _detect(self, regular: pd.Series, info: SeriesInfo, frequency: str) -> DetectionResult:
        fitted, too_short = baseline.fit_series(regular, info, frequency)
        if too_short:
            return too_short
        observed = observed_count(regular)
        direction = info.definition.bad_direction
        y, n = fitted.observed, len(regular)
        z = orient((y - fitted.expected) / fitted.scale, direction)
        labels = date_labels(regular.index, frequency)
        rows = []  # one tuple per scored date, made columns at the end

        def emit(t, expected, scale, score, severity, kind, origin=-1):
            rows.append((t, expected, scale, score, severity, kind, origin))

        sign = {"up": 1.0, "down": -1.0}.get(direction)  # None: both directions are bad
        horizon = SLOPE_HORIZON[frequency]
        values, scores, scales = y.tolist(), z.tolist(), fitted.scale.tolist()
        freeze = frequency in FROZEN_RUNS
        level, slope, phase = fitted.level.tolist(), fitted.slope.tolist(), fitted.phase.tolist()
        profile = fitted.profile

        def frozen(origin: int, t: int) -> float:
            return level[origin] + slope[origin] * min(t - origin, horizon) + profile[origin, phase[t]]

        def oriented(value: float) -> float:
            return abs(value) if sign is None else sign * value

        cusum, run_start, origin, recent, peak = 0.0, -1, -1, [], "normal"
        recent_scores: list[float] = []
        last_n, at_least, least = PERSIST[frequency]
        for t in range(n):
            value = values[t]
            if value != value:  # a gap
                continue
            if origin < 0:
                # Daily series: within a CUSUM run each value is compared with the expectation frozen
                # where the run began, since the baseline's level (last 21 days) follows a blockade
                # that tightens over weeks, and errors against it would never add up to the shift.
                if freeze and cusum > 0:
                    score = oriented((value - frozen(run_start, t)) / scales[run_start])
                else:
                    score = scores[t]
                if score != score:
                    continue
                updated = max(0.0, cusum + score - ALLOWANCE)
                if updated > 0 and cusum == 0:
                    run_start = t
                cusum = updated
                recent_scores = (recent_scores + [score])[-last_n:]
                if cusum >= ALARM and sum(z >= least for z in recent_scores) >= at_least:
                    origin, recent = run_start, []
                    reference = frozen(origin, t)
                    size = oriented((value - reference) / scales[origin])
                    peak = "crisis" if size >= CRISIS_SIZE else "alert"
                    emit(t, reference, scales[origin], size, peak, "start", origin)
                else:
                    emit(t, fitted.expected[t], scales[t], cusum, "normal", "in_control")
                continue
            reference = frozen(origin, t)
            deviation = oriented((value - reference) / scales[origin])
            recent.append(deviation)
            ended = len(recent) >= END_POINTS[frequency] and _median(recent[-END_POINTS[frequency]:]) < END
            absorbed = t - origin >= ABSORB[frequency]
            if ended or absorbed:
                emit(t, reference, scales[origin], deviation, "normal", "end" if ended else "absorbed", origin)
                origin, cusum = -1, 0.0
            elif peak == "alert" and deviation >= CRISIS_SIZE:
                peak = "crisis"  # one more alarm when the shift deepens to crisis size, then quiet again
                emit(t, reference, scales[origin], deviation, "crisis", "deepened", origin)
            else:
                emit(t, reference, scales[origin], deviation, "stress", "ongoing", origin)

        out = dict(zip(("position", "expected", "scale", "score", "severity", "kind", "origin"),
                       [list(column) for column in zip(*rows)] or [[] for _ in range(7)]))
        position = np.array(out["position"], dtype=int)
        expected, scale = np.array(out["expected"]), np.array(out["scale"])
        bounds = (info.definition.min, info.definition.max)
        dates = np.array(labels, dtype=object)[position]
        value = regular.to_numpy()[position]
        score = np.array(out["score"], dtype="float64")
        shown = np.clip(fitted.to_units(expected), *bounds)
        label, unit = info.label(), info.unit
        explanation = [
            self._explain(f"{label}, {date}: {text}", unit, v, e, z, level,
                          kind, labels[start] if start >= 0 else "", p - start, frequency)
            for date, v, text, e, z, level, kind, start, p in zip(
                dates.tolist(), value.tolist(), format_values(value.tolist(), unit), shown.tolist(), score.tolist(), out["severity"],
                out["kind"], out["origin"], position.tolist())]
        rows = output_columns(dates, value, shown, np.clip(fitted.to_units(expected - self.band_width * scale), *bounds),
                              np.clip(fitted.to_units(expected + self.band_width * scale), *bounds), score,
                              out["severity"], explanation)
        shifts = out["kind"].count("start")
        return DetectionResult("scored", f"{len(position)} of {observed} observations scored; {shifts} level shift(s)",
                               columns=rows)

    @staticmethod
    def _explain(head: str, unit: str, value: float, expected: float, score: float, severity: str, kind: str,
                 onset: str, elapsed: int, frequency: str) -> str:
        steps = STEP_WORDS[frequency]
        if kind == "in_control":
            return f"{head}, no persistent shift from the seasonal expectation (CUSUM {score:.1f} of {ALARM:g})."
        versus = f"{relative(value, expected, unit)} the pre-shift expectation of {format_value(expected, unit)}"
        if kind == "start":
            way = "upward" if value >= expected else "downward"
            return (f"{head}, {versus}: a persistent {way} level shift started around {onset} "
                    f"(sustained for {elapsed + 1} {steps}; {severity}).")
        if kind == "deepened":
            return (f"{head}, {versus}: the level shift that started around {onset} has deepened to crisis size "
                    f"({score:.1f} scales after {elapsed + 1} {steps}).")
        if kind == "ongoing":
            return f"{head}, {versus}; the level shift that started around {onset} continues ({elapsed + 1} {steps})."
        if kind == "end":
            return (f"{head}, back near the pre-shift expectation of {format_value(expected, unit)}: the level "
                    f"shift that started around {onset} ended after {elapsed} {steps}.")
        return (f"{head}: the level shift that started around {onset} has lasted {elapsed} {steps} and is "
                f"treated as the new normal from here.")


def _median(values: list[float]) -> float:
    """`np.median` of a few floats (NaN when one is NaN), without numpy's cost per call."""
    if any(value != value for value in values):
        return float("nan")
    ordered, middle = sorted(values), len(values) // 2
    return ordered[middle] if len(values) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
