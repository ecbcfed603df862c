"""Shares of surveyed stations: fuel availability that moves in whole stations.

A share of k of n surveyed stations with fuel is a count, and its noise is the count's: with 8
stations one station running dry is 12 points, an ordinary day, while the seasonal baseline's
robust scale of a series that is 100% on most days is a percentile of two or three values. The
`state` detector routes such a series here (`station_counts`, one place, as `intermittent` is
routed) and keeps its episode rules (frozen pre-episode normal, hysteresis, persistence, end,
new normal); only the normal and the scores differ (docs/detection.md, "Shares of surveyed
stations"):

- stations per day: the collector stores the share only, so n is read from the shares themselves:
  each value's least denominator (k / n in lowest terms, n <= `MAX_STATIONS`); the day's n is the
  largest multiple of it up to the largest denominator of the last `REFERENCE` days (a day at 100%
  or at 1/2 where 12 stations report is 12 stations; 7/9 is 9; 7/8 is 8). A series is routed here
  when its first `ROUTE_SPAN` observed values (those before the first score: no look-ahead) are
  all such fractions and one of them has a denominator of at least 2;
- the normal, past data only (days of past episodes left out): the pooled share of the last
  `REFERENCE` days' stations, with a Jeffreys prior, plus weekday offsets (the stations with fuel
  less that share on the same weekday over up to a year, shrunk toward 0); its dispersion, a
  quasi-binomial scale phi: the mean square of the days' standardised residuals against their own
  normal over up to `DISPERSION` days (Huber-clipped at `HUBER`, shrunk toward 1 as if from
  `PRIOR_DAYS` more days), between 1 (independent stations) and the mean n (all stations moving
  together); the lag-1 autocorrelation r of the same residuals, in [0, `MAX_R`];
- the tests, one-sided (fewer stations with fuel than normal): the day's count, and the counts
  summed over the last 2, 3 and 7 days (`ONSET_WINDOWS`; within an episode 2 and 3 days,
  `EPISODE_WINDOWS`; the 2-day window finds a drop that builds over two days on its second day),
  each longer window where the shorter one is below normal (the shortfall is still on), against
  the quasi-binomial with the normal share, in units of phi times the variance inflation of a sum
  of w days under AR(1) residuals, 1 + 2 sum_j (1 - j / w) r^j. Tails are exact, P(K <= k) (a
  count test must not flag more often than its level says); the least tail, times the number of
  tests made (Bonferroni), is the date's score as its standard normal quantile (0 to
  `SCORE_CAP`: the state detector's thresholds keep their meaning), and its size the tested days'
  shortfall in points against the normal share.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from .. import units
from .base import DetectionResult, SeriesInfo
from .baseline import Baseline, phases
from .explain import format_value
from .severity import classify_one, classify_ranks
from .state import ANCHORED, FROZEN, IN_EPISODE, _Walk

MAX_STATIONS = 60
REFERENCE = 56  # days of past counts in the normal: eight whole weeks
WARM_UP = 28  # usable days in the reference before a date is scored
ROUTE_SPAN = WARM_UP  # observed days the routing rule looks at: those before the first score
DISPERSION, PRIOR_DAYS = 365, 28  # days of residuals for the dispersion and persistence; prior days
# Days summed by the tests: the day, two days and the week while nothing is wrong (a sharp drop; a
# drop that builds over two days, found on its second day: with the day and 3 days only, its first
# day, still near normal, dilutes the 3-day sum and the alert came a day later; a shortfall of a few
# stations that lasts); within an episode the windows up to `state.END_POINTS` days, the span that
# says whether it is over (a longer window would still hold the episode's days after its end).
ONSET_WINDOWS, EPISODE_WINDOWS = (1, 2, 3, 7), (1, 2, 3)
WINDOWS = sorted(set(ONSET_WINDOWS + EPISODE_WINDOWS))
MAX_R = 0.9
HUBER = float(-special.ndtri(0.0005))  # 3.29: the 99.9% range of a standard normal
EDGE = 0.001  # a normal share is kept within [EDGE, 1 - EDGE]: a count at 0 or 1 has no spread
SCORE_CAP = 10.0
WHOLE = 1e-6  # |k - round(k)| below this: a whole number of stations


def denominators(values: np.ndarray) -> np.ndarray:
    """Per value in [0, 1], the least n <= `MAX_STATIONS` with n x whole; 0 where there is none."""
    values = np.asarray(values, dtype="float64")
    out = np.zeros(len(values), dtype=np.int64)
    inside = (values >= 0) & (values <= 1)
    for n in range(MAX_STATIONS, 0, -1):  # descending: the least denominator is written last
        k = values * n
        out[inside & (np.abs(k - np.round(k)) < WHOLE * n)] = n
    return out


def station_counts(regular: pd.Series, info: SeriesInfo, frequency: str) -> np.ndarray | None:
    """The routing rule: per position, the number of stations surveyed (NaN where unobserved), for
    a daily share whose first `ROUTE_SPAN` observed values are all whole-station fractions with
    some denominator of at least 2; None for every other series."""
    if frequency != "daily" or units.dimension_of(info.unit) != "share":
        return None
    values = regular.to_numpy(dtype="float64")
    observed = np.flatnonzero(~np.isnan(values))
    q = denominators(values[observed])
    first = q[:ROUTE_SPAN]
    if len(first) == 0 or (first == 0).any() or first.max() < 2:
        return None
    largest = pd.Series(q).rolling(REFERENCE, min_periods=1).max()
    # before the first share strictly between 0 and 1 the number of stations is not known yet: the
    # first known one (these days only ever serve as the reference of later ones)
    largest = largest.where(largest >= 2).bfill().to_numpy()
    counts = np.where(q > 0, q * np.maximum(np.floor(largest / np.maximum(q, 1)), 1), largest)
    out = np.full(len(values), np.nan)
    out[observed] = counts
    return out


def fit(values: np.ndarray, counts: np.ndarray, masked: np.ndarray, weekday: np.ndarray
        ) -> tuple[Baseline, np.ndarray, np.ndarray]:
    """The past-only normal at every position, as a `Baseline` the state detector's walk can use
    (level: the pooled share; profile: the weekday offsets; expected: their sum; scale: the day's
    share spread, sqrt(phi p (1 - p) / n)), with the dispersion phi and the autocorrelation r per
    position. Days in `masked` (past episodes) are left out."""
    length = len(values)
    usable = ~np.isnan(values) & ~masked
    n = np.where(usable, counts, 0.0)
    k = np.where(usable, values, 0.0) * n
    days, stations, with_fuel = (_window_sums(column, REFERENCE) for column in (usable.astype(float), n, k))
    level = np.where(days >= WARM_UP, (with_fuel + 0.5) / (stations + 1.0), np.nan)  # Jeffreys prior
    seen = usable & ~np.isnan(level)
    mean_n = np.maximum(stations / np.maximum(days, 1), 1.0)
    # Weekday offsets: the stations with fuel less the level's share on the same weekday over up to
    # a year, shrunk toward 0 as if from `PRIOR_DAYS` / 7 more such days.
    residual = np.where(seen, k - n * np.nan_to_num(level), 0.0)
    profile = np.zeros((length, 7))
    for day in range(7):
        on = weekday == day
        surveyed = _window_sums(np.where(on & seen, n, 0.0), DISPERSION)
        profile[:, day] = _window_sums(np.where(on, residual, 0.0), DISPERSION) / (surveyed + PRIOR_DAYS / 7 * mean_n)
    profile -= profile.mean(axis=1, keepdims=True)
    p = np.clip(level + profile[np.arange(length), weekday], EDGE, 1 - EDGE)
    # Each day's standardised residual against the normal it was scored against: their mean square
    # is the dispersion, their lag-1 correlation the persistence; both from up to a year of days,
    # shrunk toward the binomial's (1 and 0) as if from `PRIOR_DAYS` more days.
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (k - n * p) / np.sqrt(n * p * (1 - p))
    # Huber: a day beyond `HUBER` sd (a spike, the lead-up of an episode) counts as `HUBER` sd, so
    # that a few extraordinary days do not widen every ordinary day's noise.
    z = np.clip(np.where(seen & ~np.isnan(z), z, 0.0), -HUBER, HUBER)
    lagged = z * np.concatenate([[0.0], z[:-1]])
    count, squares, products = (_window_sums(column, DISPERSION) for column in (seen.astype(float), z * z, lagged))
    phi = (squares + PRIOR_DAYS) / (count + PRIOR_DAYS)
    phi = np.clip(phi, 1.0, mean_n)  # from independent stations to all stations moving together
    r = np.clip(products / (squares + PRIOR_DAYS), 0.0, MAX_R)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.sqrt(phi * p * (1 - p) / counts)
    baseline = Baseline(observed=values, expected=p, level=level, slope=np.zeros(length), profile=profile,
                        phase=weekday, scale=scale, use_log=False, period=7)
    return baseline, phi, r


def _window_sums(column: np.ndarray, window: int) -> np.ndarray:
    """At each t, the sum of `column` over [t - window, t): strictly before t."""
    total = np.concatenate([[0.0], np.cumsum(column)])
    t = np.arange(len(column))
    return total[t] - total[np.maximum(t - window, 0)]


def recent_sums(values: np.ndarray, counts: np.ndarray, masked: np.ndarray) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Per window w, at each t the stations with fuel and the stations surveyed over [t - w + 1, t],
    without the days of past episodes (an episode that has ended is not evidence for the next)."""
    usable = ~np.isnan(values) & ~masked
    k = np.where(usable, values * counts, 0.0)
    n = np.where(usable, counts, 0.0)
    out = {}
    for w in WINDOWS:
        out[w] = tuple(_window_sums(np.concatenate([column, [0.0]]), w)[1:] for column in (k, n))
    return out


def inflation(r, window: int):
    """Variance of a sum of `window` days over the sum of their variances, AR(1) residuals with lag-1 r."""
    r = np.asarray(r, dtype="float64")
    return 1 + 2 * sum((1 - j / window) * r ** j for j in range(1, window))


def lower_tail(k, n, p, scale):
    """P(K <= k) for K quasi-binomial: a binomial of n / scale trials with share p, on its
    continuous extension (the regularised incomplete beta), at k / scale. Exact, not mid-p: at
    the thresholds' tails a count test must not flag more often than its level says."""
    k, n = np.asarray(k, dtype="float64") / scale, np.asarray(n, dtype="float64") / scale
    with np.errstate(invalid="ignore"):
        inside = special.betainc(np.maximum(n - k, 1e-12), k + 1, 1 - p)
    return np.where(k >= n, 1.0, inside)


def tests(t, values, sums, p, phi, r, windows=ONSET_WINDOWS):
    """Score and size (points short of the normal share) of the tests at positions `t` against
    the normal share `p` with dispersion `phi` and autocorrelation `r` (arrays alike): the day's
    count always, the sum over each longer window where the shorter one (the day itself first) is
    below normal: the shortfall is still on."""
    best = shortfall = None
    made = np.zeros(len(t))
    below = np.ones(len(t), dtype=bool)
    for w in windows:
        k, n = sums[w][0][t], sums[w][1][t]
        with np.errstate(invalid="ignore", divide="ignore"):
            tail = lower_tail(k, n, p, phi * inflation(r, w))
            share = k / n
        made += below
        better = below & ((tail < best) if best is not None else True)
        best = np.where(better, tail, best if best is not None else 1.0)
        shortfall = np.where(better, (p - share) * 100, shortfall if shortfall is not None else 0.0)
        below = below & (share < p)
    combined = np.clip(best * made, 1e-300, 1.0)  # Bonferroni over the tests made
    # one-sided: 0 where the stations with fuel are not fewer than normal
    score = np.clip(-special.ndtri(combined), 0.0, SCORE_CAP)
    return np.where(np.isnan(p), np.nan, score), shortfall


def too_short(values: np.ndarray) -> DetectionResult:
    observed = int((~np.isnan(values)).sum())
    return DetectionResult("insufficient_history", f"not enough history for a share of surveyed stations: {observed} "
                           f"daily observations, {WARM_UP} in the last {REFERENCE} days needed")


class ShareWalk(_Walk):
    """The state detector's walk (episodes, frozen normal, hysteresis, new normal) on the counts
    model: the reference in force is a normal share with its dispersion, the scores the tests'."""

    persistence_autocorrelation = False  # the tests' windows already allow for the counts' autocorrelation r

    def __init__(self, regular: pd.Series, info: SeriesInfo, frequency: str, thresholds, counts: np.ndarray):
        values = regular.to_numpy(dtype="float64")
        unmasked = np.zeros(len(values), dtype=bool)
        self.weekday = phases(regular.index, frequency)
        self.counts, self.sums = counts, recent_sums(values, counts, unmasked)
        fitted, self.phi, self.r = fit(values, counts, unmasked, self.weekday)
        super().__init__(regular, info, frequency, fitted, thresholds)

    def describe(self) -> str:
        counts = self.counts[~np.isnan(self.counts)]
        low, high = int(counts.min()), int(counts.max())
        return f"{low} stations a day" if low == high else f"{low} to {high} stations a day"

    def _score_live(self) -> None:
        f = self.fitted
        score, size = tests(np.arange(len(self.values)), self.values, self.sums, f.expected, self.phi, self.r)
        self.live = ~np.isnan(f.expected) & ~np.isnan(f.scale)
        self.live_expected, self.live_scale = f.expected.tolist(), f.scale.tolist()
        self.live_score, self.live_size = score.tolist(), size.tolist()
        self.live_level = classify_ranks(score, self.thresholds, size, self.rule).tolist()

    def _held(self, t: int) -> int:
        """The position whose dispersion and autocorrelation the reference in force carries."""
        return self.origin if self.mode == FROZEN else self.anchor_origin if self.mode == ANCHORED else t

    def _spread(self, share: float, held: int, t: int) -> float:
        return float(np.sqrt(self.phi[held] * share * (1 - share) / self.counts[t]))

    def _share(self, fitted: Baseline, origin: int, level: float, t: int) -> float:
        return float(np.clip(level + fitted.profile[origin, fitted.phase[t]], EDGE, 1 - EDGE))

    def _frozen(self, origin: int, t: int) -> tuple[float, float]:
        share = self._share(self.fitted, origin, self.fitted.level[origin], t)
        return share, self._spread(share, origin, t)

    def _reference(self, t: int) -> tuple[float, float]:
        if self.mode == ANCHORED:
            share = self._share(self.anchor_fit, self.anchor_origin, self.anchor, t)
            return share, self._spread(share, self.anchor_origin, t)
        return super()._reference(t)

    def _score(self, t: int, expected: float, scale: float, within: bool = False) -> tuple[float, float, int]:
        at = np.array([t])
        p = np.array([expected])
        phi = scale * scale * self.counts[t] / (expected * (1 - expected))  # the reference's own dispersion
        windows = EPISODE_WINDOWS if self.mode == FROZEN else ONSET_WINDOWS
        score, size = tests(at, self.values, self.sums, p, np.array([phi]), np.array([self.r[self._held(t)]]), windows)
        score, size = float(score[0]), float(size[0])
        return score, size, classify_one(score, IN_EPISODE if within else self.thresholds, size, self.rule)

    def _refit(self) -> None:
        self.fitted, self.phi, self.r = fit(self.values, self.counts, self.masked, self.weekday)
        self.sums = recent_sums(self.values, self.counts, self.masked)
        self._score_live()

    def explain(self, table: dict, labels, value, expected, lower, upper) -> list[str]:
        """The state detector's sentences, with the day's stations ("33% (2 of 6 stations)") and,
        where the date is flagged, the stations with fuel over the last week."""
        out = super().explain(table, labels, value, expected, lower, upper)
        head = f"{self.info.label()}, "
        week = max(WINDOWS)
        sums = recent_sums(self.values, self.counts, np.zeros(len(self.values), dtype=bool))[week]
        for i, (t, rank) in enumerate(zip(table["position"], table["severity"])):
            n = int(self.counts[t])
            shown = format_value(self.values[t], "share")
            prefix = f"{head}{labels[t]}: {shown}"
            if out[i].startswith(prefix):
                out[i] = f"{prefix} ({round(self.values[t] * n)} of {n} stations){out[i][len(prefix):]}"
            if rank > 0:
                k, surveyed = sums[0][t], sums[1][t]
                out[i] += (f" Over the last {week} days {k:.0f} of {surveyed:.0f} station reports had fuel "
                           f"({format_value(k / surveyed, 'share')}).")
        return out
