"""Heavy-tailed noise (issue 10): where the false alarms on Student's t noise come from, and what
the state detector's scale and score-to-severity step could do about them (docs/detection.md,
"Heavy-tailed noise").

    python benchmarks/heavy_tails.py causes --families prices_t --seeds 1,2     # tuning family
    python benchmarks/heavy_tails.py causes --families daily_ar_t --seeds 2     # held out: reported, not tuned on
    python benchmarks/heavy_tails.py tails                                      # can a series' own errors tell its tails?
    python benchmarks/heavy_tails.py oracle --families prices_t --seeds 1,2     # ceiling: each series' true t df
    python benchmarks/heavy_tails.py oracle --estimated --families sahel_daily  # the same with each series' own estimate
    python benchmarks/heavy_tails.py real                                       # the estimate on the BFA truth windows
    python benchmarks/heavy_tails.py innovations                                # an AR(1) one-step forecast on t noise

- `causes`: every false alarm (an alert-or-worse run starting outside every event window, as
  `detection_benchmark.py` scores them) by what raised it: the state detector by its score alone
  (beyond the alert bar; "huge" from 10 scales), by a decisive size or the persistence rule
  (below the bar), back at alert inside its own episode ("re-entry"), or another detector on top.
- `tails`: on event-free series, the ratio of the 95th percentile of the absolute deviations of
  the standardised one-step errors to their median, over each series' whole scored past, for the
  errors and for their AR(1) innovations (e_t - r e_{t-1}): Student's t with 3 / 5 df gives 4.16
  / 3.54, a normal 2.91. A tail calibration per series needs this to tell t noise from normal noise.
- `oracle`: the state's scores turned into Gaussian-equivalent scores under each series' *true*
  t degrees of freedom (from the generator: no estimate can do better), Phi^-1(F_t(s c)), c the
  q90 / MAD scale of that t in its own units, applied to the dates the score alone made alert or
  worse, then consolidated and scored again: the ceiling of the "calibrate the tail" direction.
  `--estimated`: each series' own df estimate instead, date by date (`estimated_df`).
- `real`: the estimated calibration on the BFA file's cereal series, crisis and calm months at
  alert or worse in the consolidated view (the windows of `detection_benchmark.real_data_part`).
- `innovations`: on event-free daily series of our own construction (AR(0.75) noise with t(4)
  or normal innovations, seed 4242 / 4243, not a benchmark seed), the days after day 120 at 4.5
  scales or more, scored as today (the live baseline's error on its robust scale) and scored as
  the error's AR(1) innovation on the innovations' robust scale (r and the scale from the 120 days
  before each date).
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import special, stats

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import benchmark_families as families  # noqa: E402
from detection_benchmark import (BFA, CALM, CRISES, TOLERANCE, _flag_array, _positions, bfa_series, consolidated_flags,  # noqa: E402
                                 episode_starts)
from indicators.detect import DETECTORS, baseline, consolidate  # noqa: E402
from indicators.detect.base import orient, to_regular  # noqa: E402
from indicators.detect.severity import SEVERITIES, classify_ranks, magnitude, size_rule  # noqa: E402
from indicators.detect.state import error_autocorrelation  # noqa: E402
from indicators.store import SEVERITY_RANK  # noqa: E402

HUGE = 10.0
TAILS_FAMILIES = ("sahel_prices", "prices_t", "prices_ar1_strong", "sahel_daily", "outage_hot_season")  # tuning
DAILY_INDICATORS = ("power_outage", "fuel_queue_time", "fuel_availability")


def false_alarm_starts(case, flagged) -> list[int]:
    tolerance = TOLERANCE[case.info.frequency]
    return [s for s in episode_starts(case, flagged)[1]
            if not any(e.start <= s <= e.end + tolerance for e in case.events)]


def found_events(case, flagged) -> int:
    starts = episode_starts(case, flagged)[1]
    tolerance = TOLERANCE[case.info.frequency]
    return sum(bool(((starts >= e.start) & (starts <= e.start + tolerance)).any()) for e in case.events)


def state_frame(case) -> pd.DataFrame:
    frame = DETECTORS["state"]().detect(case.values, case.info).frame
    position = _positions(to_regular(case.values, case.info.frequency), case.info.frequency)
    return frame.assign(position=[position[d] for d in frame["date"]]).set_index("position")


def cause(case, start: int, top: str, frame: pd.DataFrame) -> str:
    if not top.startswith("state") or start not in frame.index:
        return f"other detector on top ({top.split('+')[0]})"
    row = frame.loc[start]
    if "in an episode since" in row["explanation"]:
        return "state: re-entry inside its episode"
    bar = DETECTORS["state"].thresholds_by_frequency[case.info.frequency]["alert"]
    if row["score"] >= HUGE:
        return f"state: score alone, {HUGE:g} scales or more"
    return "state: score alone" if row["score"] >= bar else "state: decisive size or persistence"


def causes(names, seeds, count) -> None:
    for name in names:
        for seed in seeds:
            cases = families.generate_family(name, count, seed)
            flags, sources = consolidated_flags(cases, sources=True)
            tally, event_free, runs = collections.Counter(), collections.Counter(), collections.Counter()
            sizes = collections.defaultdict(list)  # the state's score-alone false alarms' sizes, per measure
            for number, (case, flagged, source) in enumerate(zip(cases, flags, sources)):
                starts = false_alarm_starts(case, flagged)
                frame = state_frame(case) if starts else None
                for start in starts:
                    why = cause(case, start, source[start], frame)
                    tally[why] += 1
                    event_free[why] += not case.events
                    length = int(np.argmin(np.r_[flagged[start:], False]))
                    runs[why, min(length, 3)] += 1
                    if why == "state: score alone":
                        row = frame.loc[start]
                        sizes[size_rule(case.info).measure].append(
                            float(magnitude(row["value"], row["expected"], case.info)))
            print(f"{name}, seed {seed}: {sum(tally.values())} false alarms in {count} series")
            for why, number in tally.most_common():
                lengths = ", ".join(f"{runs[why, k]}" for k in (1, 2, 3))
                print(f"  {why:48s} {number:4d}  (event-free series {event_free[why]}; runs of 1 / 2 / 3+ dates: {lengths})")
            for measure, values in sizes.items():
                low, middle, high = np.percentile(values, [10, 50, 90])
                print(f"  size of the state's score-alone false alarms ({measure}, {len(values)}), percentiles "
                      f"10 / 50 / 90: {low:.1f} / {middle:.1f} / {high:.1f}")


def tail_ratio(values: np.ndarray) -> float:
    deviations = np.abs(values - np.median(values))
    return float(np.quantile(deviations, 0.95) / np.median(deviations))


def standardised_errors(info, values) -> np.ndarray:
    regular = to_regular(values, info.frequency)
    fitted = baseline.fit(regular, info.frequency, baseline.uses_log(info.unit, regular))
    z = (fitted.observed - fitted.expected) / fitted.scale
    return z[~np.isnan(z)]


def tails(names, seed, count) -> None:
    print("ratio of the 95th percentile of |deviation| to its median, event-free series, whole scored past "
          "(t(3) 4.16, t(5) 3.54, normal 2.91); percentiles 10 / 25 / 50 / 75 / 90 over series")
    groups = {name: [(c.info, c.values) for c in families.generate_family(name, count, seed) if not c.events]
              for name in names}
    if BFA.exists():  # real prices: every cereal series with 5 years of scores (crises included: no labels)
        groups["BFA cereals (real)"] = [(info, values) for info, values in bfa_series(BFA) if len(values) >= 120]
    for name, series in groups.items():
        ratios = {"errors": [], "AR(1) innovations": []}
        for info, values in series:
            z = standardised_errors(info, values)
            if len(z) < 60:
                continue
            r = np.corrcoef(np.clip(z[1:], -3, 3), np.clip(z[:-1], -3, 3))[0, 1]
            ratios["errors"].append(tail_ratio(z))
            ratios["AR(1) innovations"].append(tail_ratio(z[1:] - r * z[:-1]))
        for kind, values in ratios.items():
            shown = " / ".join(f"{v:.2f}" for v in np.percentile(values, [10, 25, 50, 75, 90]))
            print(f"  {name:18s} {kind:18s} {len(values):3d} series: {shown}")


@contextlib.contextmanager
def recorded_degrees_of_freedom():
    """The generator's t degrees of freedom per series, in generation order (the random stream is
    unchanged: the same draws, recorded)."""
    drawn, original = [], families._t_innovations

    def recording(rng, n, low, high):
        df = rng.uniform(low, high)
        drawn.append(df)
        return rng.standard_t(df, n) * np.sqrt((df - 2) / df)

    families._t_innovations = recording
    try:
        yield drawn
    finally:
        families._t_innovations = original


def gaussian_equivalent(scores: np.ndarray, df) -> np.ndarray:
    """Phi^-1 of a t(df) tail at each score (df a number or one per score; inf: the score itself)."""
    df = np.broadcast_to(np.asarray(df, dtype="float64"), np.shape(scores))
    finite = np.where(np.isfinite(df), df, 1e6)
    in_t_units = np.maximum(baseline.MAD_TO_SD * stats.t.ppf(0.75, finite), stats.t.ppf(0.95, finite) / baseline.Q90_TO_SD)
    tail = special.stdtr(finite, -np.abs(scores) * in_t_units)
    return np.where(np.isfinite(df), np.sign(scores) * -special.ndtri(np.clip(tail, 1e-300, 0.5)), scores)


def lowered_by_tail(state: pd.DataFrame, info, df) -> pd.DataFrame:
    """The state's rows with every date that its score alone made alert or worse re-classified on
    its Gaussian-equivalent score under t(df) (never raised; in-episode and persistence dates kept)."""
    rule = size_rule(info)
    thresholds = DETECTORS["state"].thresholds_by_frequency[info.frequency]
    size = magnitude(state["value"].to_numpy(), state["expected"].to_numpy(), info, rule)
    score = state["score"].to_numpy(dtype="float64")
    now = state["severity"].map(SEVERITY_RANK).to_numpy()
    by_score = classify_ranks(score, thresholds, size, rule)
    calibrated = classify_ranks(gaussian_equivalent(score, df), thresholds, size, rule)
    lowered = np.where((by_score == now) & (now >= 2), np.minimum(now, calibrated), now)
    return state.assign(severity=np.array(SEVERITIES, dtype=object)[lowered])


RATIOS = np.array([stats.t.ppf(0.975, df) / stats.t.ppf(0.75, df) for df in np.arange(2.5, 60.01, 0.25)])


def estimated_df(info, values) -> tuple[np.ndarray, dict[str, int]]:
    """Per scored date, the t df whose 95th-percentile-to-median ratio of |deviations| matches the
    standardised one-step errors before that date (at least 36 of them; normal where the ratio is at
    most a normal's): the per-series tail estimate a calibration would use."""
    regular = to_regular(values, info.frequency)
    fitted = baseline.fit(regular, info.frequency, baseline.uses_log(info.unit, regular))
    z = (fitted.observed - fitted.expected) / fitted.scale
    out = np.full(len(z), np.inf)
    for t in range(len(z)):
        past = z[:t][~np.isnan(z[:t])]
        if len(past) >= 36:
            ratio = tail_ratio(past)
            if ratio > RATIOS[-1]:
                out[t] = np.arange(2.5, 60.01, 0.25)[np.argmin(np.abs(RATIOS - ratio))]
    position = _positions(regular, info.frequency)
    return out, position


def real(path: Path) -> None:
    """BFA truth windows (`detection_benchmark.real_data_part`'s): crisis and calm months at alert or
    worse in the consolidated view, as now and with the state's scores tail-calibrated per series."""
    counted = [cls() for cls in DETECTORS.values() if cls.role in ("alarm", "phase")]
    views = {"now": [], "tail-calibrated state": []}
    for number, (info, values) in enumerate(bfa_series(path)):
        by_name = {d.name: d.detect(values, info).frame.assign(detector=d.name) for d in counted if d.applies(info)}
        frames = list(by_name.values())
        state = by_name.get("state")
        others = [f for name, f in by_name.items() if name != "state"]
        calibrated = frames
        if state is not None and len(state):
            df, position = estimated_df(info, values)
            calibrated = others + [lowered_by_tail(state, info, df[[position[d] for d in state["date"]]])]
        for name, parts in (("now", frames), ("tail-calibrated state", calibrated)):
            views[name].append(consolidate(pd.concat(parts).assign(indicator="grain_price", location=str(number),
                                                                    item="", price_type="")))
    for name, parts in views.items():
        rows = pd.concat(parts)
        flagged = (rows["severity"].map(SEVERITY_RANK) >= SEVERITY_RANK["alert"]).to_numpy()
        shares = []
        for label, windows in (("crisis months", CRISES), ("calm months", CALM)):
            inside = np.zeros(len(rows), dtype=bool)
            for first, last in windows.values():
                inside |= (rows["date"] >= first).to_numpy() & (rows["date"] <= last).to_numpy()
            shares.append(f"{label} at alert or worse {flagged[inside].mean():.3f} of {int(inside.sum())}")
        print(f"BFA cereals, {name}: " + ", ".join(shares))


def oracle(names, seeds, count, estimated: bool = False) -> None:
    counted = [cls() for cls in DETECTORS.values() if cls.role in ("alarm", "phase")]
    for name in names:
        for seed in seeds:
            totals = collections.Counter()
            with recorded_degrees_of_freedom() as drawn:
                cases = families.generate_family(name, count, seed)
            drawn = drawn if len(drawn) == len(cases) else [np.inf] * len(cases)  # a family without t noise
            for case, df in zip(cases, drawn):
                frames = [d.detect(case.values, case.info).frame.assign(detector=d.name) for d in counted
                          if d.applies(case.info)]
                regular = to_regular(case.values, case.info.frequency)
                position = _positions(regular, case.info.frequency)

                def flags(parts):
                    rows = consolidate(pd.concat(parts).assign(indicator=case.info.indicator, location="", item="",
                                                               price_type=""))
                    return _flag_array(len(regular), position, rows)

                state = next(f for f in frames if f["detector"].iloc[0] == "state")
                if estimated:  # the series' own estimate, date by date, instead of the truth
                    series_df, at = estimated_df(case.info, case.values)
                    df = series_df[[at[d] for d in state["date"]]]
                state = lowered_by_tail(state, case.info, df)
                before = flags(frames)
                after = flags([f for f in frames if f["detector"].iloc[0] != "state"] + [state])
                for label, flagged in (("before", before), ("after", after)):
                    totals["false alarms " + label] += len(false_alarm_starts(case, flagged))
                    totals["found " + label] += found_events(case, flagged)
                totals["events"] += len(case.events)

            def precision(label):
                found = totals["found " + label]
                return found / (found + totals["false alarms " + label])

            print(f"{name}, seed {seed}: events {totals['events']}, found {totals['found before']} -> "
                  f"{totals['found after']}, false alarms {totals['false alarms before']} -> "
                  f"{totals['false alarms after']}, precision {precision('before'):.3f} -> {precision('after'):.3f}")


def days_beyond(cases, bar: float = 4.5) -> tuple[int, int, int]:
    today = innovations_scored = days = 0
    window = baseline.SCALE_WINDOW["daily"]
    for case in cases:
        regular = to_regular(case.values, "daily")
        fitted = baseline.fit(regular, "daily", baseline.uses_log(case.info.unit, regular))
        errors = fitted.observed - fitted.expected
        r = np.array([error_autocorrelation(errors, fitted.scale, t, window) for t in range(len(errors))])
        innovations = errors - r * np.r_[np.nan, errors[:-1]]
        with np.errstate(invalid="ignore", divide="ignore"):
            innovation_scale = baseline.robust_scale(baseline.past_windows(innovations, window))
            direction = case.info.definition.bad_direction
            live = orient(errors / fitted.scale, direction)[120:]
            one_step = orient(innovations / innovation_scale, direction)[120:]
        today += int(np.sum(live >= bar))
        innovations_scored += int(np.sum(one_step >= bar))
        days += int(np.sum(~np.isnan(live)))
    return today, innovations_scored, days


def jumps_at_alert_starts(cases) -> list[float]:
    """For each alert run of the state detector starting after day 120 outside an episode, the
    day's change (logs where the baseline uses them) in robust standard deviations of all the
    series' daily changes: a jump of the noise or a wander."""
    out = []
    for case in cases:
        frame = DETECTORS["state"]().detect(case.values, case.info).frame
        position = _positions(to_regular(case.values, "daily"), "daily")
        regular = to_regular(case.values, "daily").to_numpy(dtype="float64")
        y = np.log(regular) if baseline.uses_log(case.info.unit, case.values) else regular
        change = np.r_[np.nan, np.diff(y)]
        spread = baseline.MAD_TO_SD * np.nanmedian(np.abs(change - np.nanmedian(change)))
        flagged = frame["severity"].isin(["alert", "crisis"]).to_numpy()
        starts = flagged & ~np.r_[False, flagged[:-1]] & ~frame["explanation"].str.contains("in an episode since")
        for date in frame["date"][starts]:
            if position[date] >= 120:
                out.append(abs(change[position[date]]) / spread)
    return out


def innovations(count) -> None:
    for label, seed, innovation in (("t(4)", 4242, lambda rng, n: families._t_innovations(rng, n, 4.0, 4.0 + 1e-9)),
                                    ("normal", 4243, None)):
        rng = np.random.default_rng(seed)
        cases = [families.daily_case(rng, DAILY_INDICATORS[i % 3], i, with_events=False, phi=0.75,
                                     innovations=innovation, family="own") for i in range(count)]
        today, one_step, days = days_beyond(cases)
        print(f"AR(0.75) noise, {label} innovations, {count} event-free series ({days} days after day 120): "
              f"days at 4.5 scales or more {today} (live baseline) -> {one_step} (AR(1) one-step innovation)")
        jumps = np.array(jumps_at_alert_starts(cases))
        print(f"  state alert starts outside an episode: {len(jumps)}, on a day whose change is 4 or more robust "
              f"sd of the daily changes: {int(np.sum(jumps >= 4))}, 3 or more: {int(np.sum(jumps >= 3))}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("part", choices=("causes", "tails", "oracle", "innovations", "real"))
    parser.add_argument("--families", default="", help="default: prices_t (tails: the five families below)")
    parser.add_argument("--seeds", default="1,2")
    parser.add_argument("--estimated", action="store_true", help="oracle: each series' own df estimate (`estimated_df`)")
    parser.add_argument("--count", type=int, default=100, help="series per family and seed (innovations: 60 by default)")
    args = parser.parse_args(argv)
    names = args.families.split(",") if args.families else (
        list(TAILS_FAMILIES) if args.part == "tails" else ["prices_t"])
    seeds = [int(s) for s in args.seeds.split(",")]
    warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows before the first scores
    if args.part == "causes":
        causes(names, seeds, args.count)
    elif args.part == "tails":
        tails(names, seeds[0], 2 * args.count)
    elif args.part == "oracle":
        oracle(names, seeds, args.count, args.estimated)
    elif args.part == "real":
        real(BFA)
    else:
        innovations(60 if args.count == 100 else args.count)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
