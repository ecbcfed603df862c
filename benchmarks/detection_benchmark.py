"""Labelled detection benchmark: realistic series with injected events, scored by event.

    python benchmarks/detection_benchmark.py            # 14 generator families x seeds 1, 2, 7, 2025, 100 series each
    python benchmarks/detection_benchmark.py --quick    # 40 series each, seeds 1 (tuning) and 7 (held out)
    python benchmarks/detection_benchmark.py --families held-out --seeds 7,2025 --count 50
    python benchmarks/detection_benchmark.py --legacy   # the original generator: 1,000 monthly + 150 daily, peers, speed

Series: the generator families of `benchmark_families.py` (documented there and in
docs/detection.md, "Benchmark: generator families"), with a tuning set and a held-out set of
families and seeds declared there. The report prints each (family, seed) and, per set, the mean
and the worst family beside the targets of issue 10; failed harvests of crops the coverage rule
leaves out (rice) are reported apart with the oracle ceiling (`oracle_failed_harvest`). Then the
semi-synthetic part (`semi_synthetic.py`: labelled events injected into real BFA series).
`--legacy` runs the original single generator (seed 2025: `sahel_prices` and `sahel_daily` from
one stream) with the peers, the speed pass and the real-data part on documented BFA crises.

Scoring, per series, on flags of severity alert or crisis: an episode is a run of consecutive
flagged observations. An event is found when an episode starts between its start and `TOLERANCE`
periods after it (delay = that start minus the event start); an episode starting outside every
event window [start, end + tolerance] is a false alarm. Precision = found / (found + false
alarms); F1 from recall and precision.

Methods: the tracker's consolidated view with default settings (and each of its early-warning
detectors alone), a naive baseline (STL residual z-score on the whole series, fixed threshold 3),
and ADTK's SeasonalAD when adtk is installed (`pip install -e '.[bench]'`).
"""
from __future__ import annotations

import argparse
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from indicators.detect import DETECTORS, SeriesInfo, consolidate  # noqa: E402
from indicators.detect.base import PERIODS, orient, to_regular  # noqa: E402
from indicators.store import SEVERITY_RANK  # noqa: E402
from shared_folder import DATA, required  # noqa: E402

from benchmark_families import (FAMILIES, HELD_OUT_FAMILIES, HELD_OUT_SEEDS, TUNING_FAMILIES,  # noqa: E402,F401
                                CROPS, TUNING_SEEDS, Case, Event, generate, generate_family)

SEED = 2025
TOLERANCE = {"monthly": 1, "daily": 3}
WARM_UP = {"monthly": 60, "daily": 120}  # events are placed after these periods


# -- methods: each returns, per case, a boolean "alert or crisis" array on the regular index -----

def tracker(cases: list[Case]) -> tuple[dict[str, list[np.ndarray]], dict[str, float]]:
    """All registered detectors with default settings, consolidated as `alerts` does (one
    `consolidate` call over all stored rows); also each early-warning detector alone."""
    detectors = [cls() for cls in DETECTORS.values()]
    seconds = {"monthly": 0.0, "daily": 0.0}
    outputs = []
    for number, case in enumerate(cases):
        started = time.process_time()
        frames = [(detector.name, detector.detect(case.values, case.info).frame)
                  for detector in detectors if detector.applies(case.info)]
        seconds[case.info.frequency] += time.process_time() - started
        outputs += [frame.assign(detector=name, location=str(number)) for name, frame in frames]
    started = time.process_time()
    rows = pd.concat(outputs, ignore_index=True).assign(indicator="any", item="", price_type="")
    merged = consolidate(rows)
    seconds["consolidation"] = time.process_time() - started
    by_case = {"tracker (consolidated)": dict(tuple(merged.groupby("location")))}
    for detector in detectors:
        if detector.role in ("alarm", "phase"):
            own = rows[rows["detector"] == detector.name]
            by_case[f"tracker: {detector.name} alone"] = dict(tuple(own.groupby("location")))
    empty = rows.iloc[:0]
    flags = {name: [] for name in by_case}
    for number, case in enumerate(cases):
        regular = to_regular(case.values, case.info.frequency)
        position = _positions(regular, case.info.frequency)
        for name, frames in by_case.items():
            flags[name].append(_flag_array(len(regular), position, frames.get(str(number), empty)))
    return flags, seconds


def _positions(regular: pd.Series, frequency: str) -> dict[str, int]:
    from indicators.detect.base import date_labels
    return {label: i for i, label in enumerate(date_labels(regular.index, frequency))}


def _flag_array(n: int, position: dict[str, int], frame: pd.DataFrame) -> np.ndarray:
    flagged = np.zeros(n, dtype=bool)
    hits = frame[frame["severity"].map(SEVERITY_RANK) >= SEVERITY_RANK["alert"]]
    flagged[[position[d] for d in hits["date"]]] = True
    return flagged


def detection_speed(cases: list[Case]) -> dict[str, float]:
    """CPU seconds to run every detector on the series, one after the other, outputs dropped as
    `track.py detect` does after storing them (the scoring pass above keeps every output frame
    in memory, which costs garbage-collection time a real run does not have). Each series goes
    through `score_series`, the one per-series function of a detection run."""
    from indicators.detect.run import score_series

    names = tuple(DETECTORS)
    seconds = {"monthly": 0.0, "daily": 0.0}
    for case in cases:
        started = time.process_time()
        score_series(case.values, case.info, names)
        seconds[case.info.frequency] += time.process_time() - started
    return seconds


def naive_stl(cases: list[Case], threshold: float = 3.0):
    """STL on the whole (interpolated) series; flag residual / sd >= threshold in the bad direction."""
    from statsmodels.tsa.seasonal import STL
    flags, seconds = [], {"monthly": 0.0, "daily": 0.0}
    for case in cases:
        frequency = case.info.frequency
        started = time.process_time()
        regular = to_regular(case.values, frequency)
        filled = regular.interpolate(limit_direction="both").to_numpy()
        work = np.log(filled) if case.info.indicator.endswith("_price") else filled
        resid = STL(work, period=PERIODS[frequency], robust=True).fit().resid
        score = orient(resid / resid.std(), case.info.definition.bad_direction)
        flags.append((score >= threshold) & regular.notna().to_numpy())
        seconds[frequency] += time.process_time() - started
    return {f"naive STL z-score >= {threshold:g}": flags}, seconds


def adtk_seasonal(cases: list[Case], c: float = 3.0):
    """ADTK SeasonalAD (classic seasonal decomposition, IQR threshold c) on the interpolated series,
    whole series at once. Under pandas 3, ADTK 0.6.2's LevelShiftAD, PersistAD and SeasonalAD with
    trend=True all fail (TypeError "Invalid value 'nan' for dtype 'bool'" when ADTK writes NaN
    into a boolean result), so SeasonalAD without trend removal is the only one that runs here."""
    from adtk.detector import SeasonalAD
    flags, seconds = [], {"monthly": 0.0, "daily": 0.0}
    for case in cases:
        frequency = case.info.frequency
        started = time.process_time()
        regular = to_regular(case.values, frequency)
        filled = regular.interpolate(limit_direction="both")
        series = pd.Series(filled.to_numpy(), index=regular.index.to_timestamp())
        side = {"up": "positive", "down": "negative"}.get(case.info.definition.bad_direction, "both")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = SeasonalAD(c=c, side=side, freq=PERIODS[frequency]).fit_detect(series)
        flags.append(found.fillna(False).to_numpy(dtype=bool) & regular.notna().to_numpy())
        seconds[frequency] += time.process_time() - started
    return {f"ADTK SeasonalAD c={c:g}": flags}, seconds


# -- scoring ------------------------------------------------------------------------------------

def episode_starts(case: Case, flagged: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Observed positions of a case, and those where an episode (a run of flagged observed
    dates) starts."""
    observed = to_regular(case.values, case.info.frequency).notna().to_numpy()
    positions = np.flatnonzero(observed)
    on = flagged[positions]
    return positions, positions[on & ~np.concatenate([[False], on[:-1]])]


def score_case(case: Case, flagged: np.ndarray) -> tuple[list[tuple[Event, int | None]], int, dict]:
    """(event, delay or None) per event, the number of false alarms, and the state-level counts:
    observed in-event periods from the first detection to the event's end, and how many of them
    are at alert or worse; observed event-free periods after the warm-up, and how many of them
    are at alert or worse."""
    frequency = case.info.frequency
    tolerance = TOLERANCE[frequency]
    positions, starts = episode_starts(case, flagged)
    found = []
    state = {"in_event": 0, "in_event_flagged": 0, "free": 0, "free_flagged": 0}
    near_event = np.zeros(len(flagged), dtype=bool)
    for event in case.events:
        inside = starts[(starts >= event.start) & (starts <= event.start + tolerance)]
        delay = int(inside[0] - event.start) if len(inside) else None
        found.append((event, delay))
        near_event[event.start:event.end + tolerance + 1] = True
        if delay is not None:
            span = positions[(positions >= event.start + delay) & (positions <= event.end)]
            state["in_event"] += len(span)
            state["in_event_flagged"] += int(flagged[span].sum())
    free = positions[(positions >= WARM_UP[frequency]) & ~near_event[positions]]
    state["free"], state["free_flagged"] = len(free), int(flagged[free].sum())
    false_alarms = sum(1 for s in starts if not any(e.start <= s <= e.end + tolerance for e in case.events))
    return found, false_alarms, state


def evaluate(cases: list[Case], flags: list[np.ndarray]) -> pd.DataFrame:
    rows = []
    for case, flagged in zip(cases, flags):
        found, false_alarms, state = score_case(case, flagged)
        years = len(case.values) / (12 if case.info.frequency == "monthly" else 365)
        rows.append({"indicator": case.info.indicator, "item": case.info.item, "kind": None, "found": 0, "events": 0,
                     "delay": None, "false_alarms": false_alarms, "years": years, **state})
        for event, delay in found:
            rows.append({"indicator": case.info.indicator, "item": case.info.item, "kind": event.kind,
                         "found": int(delay is not None), "events": 1, "delay": delay, "false_alarms": 0,
                         "years": 0.0, "in_event": 0, "in_event_flagged": 0, "free": 0, "free_flagged": 0})
    return pd.DataFrame(rows)


def summarise(table: pd.DataFrame) -> pd.DataFrame:
    out = []

    def line(name, part, with_fa=True):
        events, found = int(part["events"].sum()), int(part["found"].sum())
        false_alarms = int(part["false_alarms"].sum()) if with_fa else None
        recall = found / events if events else np.nan
        precision = found / (found + false_alarms) if with_fa and (found + false_alarms) else np.nan
        f1 = 2 * precision * recall / (precision + recall) if with_fa and precision + recall > 0 else np.nan
        delays = part["delay"].dropna()
        in_event, free = part["in_event"].sum(), part["free"].sum()
        out.append({"group": name, "events": events, "recall": recall, "precision": precision, "F1": f1,
                    "median delay": float(delays.median()) if len(delays) else np.nan,
                    "false alarms / series-year": (false_alarms / part["years"].sum()) if with_fa else np.nan,
                    "in-event at alert+": part["in_event_flagged"].sum() / in_event if with_fa and in_event else np.nan,
                    "event-free at alert+": part["free_flagged"].sum() / free if with_fa and free else np.nan})

    line("overall", table)
    for indicator, part in table.groupby("indicator"):
        line(indicator, part)
        for kind, events in part[part["events"] > 0].groupby("kind"):
            line(f"  {kind}", events, with_fa=False)
    for kind, events in table[table["events"] > 0].groupby("kind"):
        line(f"all {kind}", events, with_fa=False)
    failed = table[table["kind"] == "failed_harvest"]
    for item, events in failed.groupby("item"):
        line(f"  failed_harvest, {item}", events, with_fa=False)
    return pd.DataFrame(out)


# -- generator families: tuning and held-out sets, per-family and worst-family figures -------------

TARGETS = {"F1": 0.93, "precision": 0.9, "recall": 0.9, "failed-harvest recall (covered)": 0.9,
           "false alarms / series-year (event-free)": 0.02, "median shift delay": 1.0}
SHIFT_KINDS = ("shift", "burst")


def consolidated_flags(cases: list[Case], sources: bool = False):
    """Per case, alert-or-worse flags of the consolidated view of the counted detectors (default
    settings), on the case's regular index; with `sources`, also per case the `detector` column of
    the consolidated rows (which counted detectors flag each date; "" where none is at alert)."""
    counted = [cls() for cls in DETECTORS.values() if cls.role in ("alarm", "phase")]
    flags, names = [], []
    for case in cases:
        frames = [d.detect(case.values, case.info).frame.assign(detector=d.name) for d in counted
                  if d.applies(case.info)]
        rows = consolidate(pd.concat(frames).assign(indicator=case.info.indicator, location="", item="",
                                                    price_type=""))
        regular = to_regular(case.values, case.info.frequency)
        position = _positions(regular, case.info.frequency)
        flags.append(_flag_array(len(regular), position, rows))
        if sources:
            detector = np.full(len(regular), "", dtype=object)
            hits = rows[rows["severity"].map(SEVERITY_RANK) >= SEVERITY_RANK["alert"]]
            detector[[position[d] for d in hits["date"]]] = hits["detector"].to_numpy()
            names.append(detector)
    return (flags, names) if sources else flags


def alps_alone_share(cases: list[Case], flags, sources) -> float:
    """Share of the false alarms whose first date only ALPS (month by month) flags."""
    alone = total = 0
    for case, flagged, detector in zip(cases, flags, sources):
        for start in episode_starts(case, flagged)[1]:
            if not any(e.start <= start <= e.end + TOLERANCE[case.info.frequency] for e in case.events):
                total += 1
                alone += detector[start] == "alps"
    return alone / total if total else np.nan


def harvest_coverage(cases: list[Case]) -> dict[str, bool]:
    """Per crop of a family's grain price series: is its usual harvest fall (median over the
    series) at least twice its month-to-month noise (median)?"""
    table = pd.DataFrame([(c.info.item, c.harvest_fall, c.month_noise) for c in cases
                          if c.info.indicator == "grain_price"], columns=["item", "fall", "noise"])
    medians = table.groupby("item").median()
    return {item: bool(row.fall >= 2 * row.noise) for item, row in medians.iterrows()}


def family_scores(cases: list[Case], flags: list[np.ndarray]) -> dict:
    """The issue's figures for one (family, seed): recall, precision and F1 over all events;
    failed-harvest recall on covered and on other crops; false alarms per series-year on the
    event-free series; the median delay of persistent shifts (shift, burst)."""
    table = evaluate(cases, flags)
    coverage = harvest_coverage(cases) if any(c.info.indicator == "grain_price" for c in cases) else {}
    table["covered"] = [coverage.get(item, False) for item in table["item"]]
    table["event_free"] = [not case.events for case in cases for _ in range(1 + len(case.events))]
    events, found = int(table["events"].sum()), int(table["found"].sum())
    false_alarms = int(table["false_alarms"].sum())
    recall = found / events if events else np.nan
    precision = found / (found + false_alarms) if found + false_alarms else np.nan
    free = table[table["event_free"] & (table["events"] == 0)]
    failed = table[table["kind"] == "failed_harvest"]
    shifts = table[table["kind"].isin(SHIFT_KINDS)]["delay"].dropna()

    def share(part):
        return part["found"].mean() if len(part) else np.nan

    return {"series": len(cases), "events": events, "recall": recall, "precision": precision,
            "F1": 2 * precision * recall / (precision + recall) if precision + recall > 0 else np.nan,
            "failed-harvest recall (covered)": share(failed[failed["covered"]]),
            "failed-harvest recall (other crops)": share(failed[~failed["covered"]]),
            "other crops": ",".join(sorted(item for item, ok in coverage.items() if not ok)),
            "false alarms / series-year (event-free)": free["false_alarms"].sum() / free["years"].sum()
            if len(free) else np.nan,
            "median shift delay": float(shifts.median()) if len(shifts) else np.nan,
            "recall by kind": " ".join(f"{kind} {part['found'].mean():.2f}"
                                       for kind, part in table[table["events"] > 0].groupby("kind")),
            "failed-harvest recall by covered crop (usual fall)": _by_crop(cases, failed[failed["covered"]])}


def _by_crop(cases: list[Case], failed: pd.DataFrame) -> str:
    """Failed-harvest recall of each covered crop, with its usual harvest fall (median over the
    family's series): a failed harvest is the usual fall that did not come (plus up to 6%), so a
    crop whose fall is under the alert size (10%) has failed harvests that are mostly stress, not
    alert, by the size rule (`severity.SIZE_RULES`)."""
    falls = pd.DataFrame([(c.info.item, c.harvest_fall) for c in cases if c.info.indicator == "grain_price"],
                         columns=["item", "fall"]).groupby("item")["fall"].median()
    return " ".join(f"{item} {part['found'].mean():.2f} ({np.expm1(falls[item]):.0%})"
                    for item, part in failed.groupby("item"))


def run_families(families, seeds, count: int) -> pd.DataFrame:
    """One row of `family_scores` per (family, seed), with the set it belongs to."""
    rows = []
    for name in families:
        for seed in seeds:
            started = time.process_time()
            cases = generate_family(name, count, seed)
            flags, sources = consolidated_flags(cases, sources=True)
            scores = family_scores(cases, flags)
            scores["false alarms: ALPS alone"] = alps_alone_share(cases, flags, sources)
            held_out = name in HELD_OUT_FAMILIES or seed in HELD_OUT_SEEDS
            rows.append({"family": name, "seed": seed, "set": "held-out" if held_out else "tuning", **scores,
                         "oracle": oracle_failed_harvest(cases), "CPU s": time.process_time() - started})
    return pd.DataFrame(rows)


def family_report(results: pd.DataFrame) -> str:
    """Per-family table and, per set, the mean and the worst (min over families and seeds; max
    for false alarms and delay) beside the targets."""
    metrics = list(TARGETS)
    lines = ["per family and seed:", results.drop(columns=["oracle"]).to_string(
        index=False, float_format=lambda v: f"{v:.3f}")]
    worse_is_high = {"false alarms / series-year (event-free)", "median shift delay"}
    for name, part in [("tuning", results[results["set"] == "tuning"]),
                       ("held-out", results[results["set"] == "held-out"]), ("all", results)]:
        if part.empty:
            continue
        mean = part[metrics].mean()
        worst = pd.Series({m: part[m].max() if m in worse_is_high else part[m].min() for m in metrics})
        where = {m: part.loc[part[m].idxmax() if m in worse_is_high else part[m].idxmin(), ["family", "seed"]]
                 if part[m].notna().any() else None for m in metrics}
        table = pd.DataFrame({"target": pd.Series(TARGETS), "mean": mean, "worst": worst,
                              "worst family (seed)": {m: f"{w['family']} ({w['seed']})" if w is not None else ""
                                                      for m, w in where.items()}})
        table["met by worst"] = [("yes" if (worst[m] <= TARGETS[m] if m in worse_is_high else worst[m] >= TARGETS[m])
                                  else "no") if worst[m] == worst[m] else "" for m in metrics]
        lines += [f"\n{name} set ({len(part)} family-seed runs, families {', '.join(sorted(part['family'].unique()))}, "
                  f"seeds {sorted(int(seed) for seed in part['seed'].unique())}):",
                  table.to_string(float_format=lambda v: f"{v:.3f}")]
    oracle = results.dropna(subset=["oracle"])
    if len(oracle):
        lines.append("\nfailed harvests of crops outside the covered rule: detector recall and the oracle ceiling "
                     f"(recall at {ORACLE_FALSE_POSITIVE:.0%} false positives per event-free harvest season, for a "
                     "test that knows the noise-free price and the noise's spread):")
        lines.append(oracle[["family", "seed", "other crops", "failed-harvest recall (other crops)", "oracle"]]
                     .to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    return "\n".join(lines)


ORACLE_FALSE_POSITIVE = 0.02


def oracle_failed_harvest(cases: list[Case]) -> float:
    """Recall a detector knowing the truth could reach on failed harvests of the crops the rule
    does not cover: for each harvest season, the residual (log price minus the noise-free price)
    averaged over the first one and the first two harvest months, each divided by the spread of
    such averages over the series' event-free months; the season's statistic is the larger of the
    two (an event is found within one month of its start, as in the scoring). The threshold is the
    (1 - ORACLE_FALSE_POSITIVE) quantile of the statistic over event-free seasons of the same crops."""
    coverage = harvest_coverage(cases) if any(c.info.indicator == "grain_price" for c in cases) else {}
    other = {item for item, ok in coverage.items() if not ok}
    null, hits = [], []
    for case in cases:
        if case.info.item not in other or case.clean is None:
            continue
        labels = pd.period_range("2010-01", periods=len(case.clean), freq="M").strftime("%Y-%m")
        residual = np.log(case.values.reindex(labels).to_numpy()) - case.clean
        quiet = np.ones(len(residual), dtype=bool)
        for event in case.events:
            quiet[max(0, event.start - 1):event.end + 2] = False
        spreads = [pd.Series(np.where(quiet, residual, np.nan)).rolling(k).mean().std() for k in (1, 2)]
        harvest_first = CROPS[case.info.item][1][0]
        failed = {e.start for e in case.events if e.kind == "failed_harvest"}
        months = np.array([int(label[5:]) for label in labels])
        for start in np.flatnonzero(months == harvest_first):
            if start < WARM_UP["monthly"] or start + 1 >= len(residual) or np.isnan(residual[start]):
                continue
            statistic = np.nanmax([np.nanmean(residual[start:start + k]) / spreads[k - 1] for k in (1, 2)])
            if start in failed:
                hits.append(statistic)
            elif quiet[start:start + 2].all():
                null.append(statistic)
    if not hits or len(null) < 20:
        return np.nan
    threshold = np.quantile(null, 1 - ORACLE_FALSE_POSITIVE)
    return float(np.mean(np.array(hits) > threshold))


# -- real data: Burkina Faso prices (WFP via HDX) against documented crises and calm years ---------

BFA = DATA / "wfp_food_prices_bfa.csv"
# Truth, from public sources (docs/detection.md, "Real-data benchmark"): months of documented cereal
# price crises in Burkina Faso, and months of documented calm (prices near or below the 5-year average).
CRISES = {
    "2005 Sahel food crisis": ("2005-03", "2005-09"),
    "2008 food price crisis": ("2008-02", "2008-09"),
    "2011-12 Sahel crisis": ("2011-11", "2012-09"),
}
CALM = {
    "2013-14 (good harvests)": ("2013-11", "2014-09"),
    "2015-16 (near-average harvests)": ("2015-10", "2016-09"),
    "2016-17 (stable prices)": ("2016-10", "2017-06"),
}
CEREALS = ("Millet", "Sorghum", "Maize (white)", "Maize")


def bfa_series(path: Path) -> list[tuple[SeriesInfo, pd.Series]]:
    """Every cereal market x commodity x price type series of the file (KG, actual prices, exact
    duplicates dropped), as the WFP collector would store it."""
    frame = pd.read_csv(path, skiprows=[1])
    frame = frame[frame["commodity"].isin(CEREALS) & (frame["unit"] == "KG") & (frame["priceflag"] == "actual")]
    frame = frame.drop_duplicates(["market", "commodity", "pricetype", "date"])
    out = []
    for (market, commodity, pricetype), rows in frame.groupby(["market", "commodity", "pricetype"]):
        values = pd.Series(rows["price"].to_numpy(), index=rows["date"].str[:7].to_numpy()).sort_index()
        values = values[~values.index.duplicated()]
        item = commodity.split(" ")[0].lower()
        out.append((SeriesInfo("grain_price", market, item, pricetype.lower(), "XOF/KG", "monthly"), values))
    return out


def real_data_part(path: Path) -> pd.DataFrame:
    """Share of documented crisis months at alert or worse, and of calm months, for the consolidated
    view and for the whole-series ALPS, over every cereal series of the BFA file."""
    counted = [cls() for name, cls in DETECTORS.items() if cls.role in ("alarm", "phase")]
    whole = DETECTORS["alps_whole"]()
    views = {"tracker (consolidated)": [], "ALPS, whole-series fit": []}
    for number, (info, values) in enumerate(bfa_series(path)):
        frames = [cls.detect(values, info).frame.assign(detector=cls.name) for cls in counted if cls.applies(info)]
        rows = pd.concat(frames).assign(indicator="grain_price", location=str(number), item="", price_type="")
        views["tracker (consolidated)"].append(consolidate(rows))
        views["ALPS, whole-series fit"].append(whole.detect(values, info).frame.assign(location=str(number)))
    table = []
    scored = pd.concat(views["tracker (consolidated)"])[["location", "date"]]
    for name, parts in views.items():
        # the same series-months for both (the tracker scores a series once it has 3 years of history)
        rows = pd.concat(parts).merge(scored, on=["location", "date"])
        flagged = rows["severity"].map(SEVERITY_RANK) >= SEVERITY_RANK["alert"]
        line = {"method": name}
        for label, windows in (("crisis months", CRISES), ("calm months", CALM)):
            inside = np.zeros(len(rows), dtype=bool)
            for first, last in windows.values():
                inside |= (rows["date"] >= first).to_numpy() & (rows["date"] <= last).to_numpy()
            line[f"{label}"] = int(inside.sum())
            line[f"{label} at alert+"] = float(flagged[inside].mean()) if inside.any() else np.nan
        table.append(line)
    return pd.DataFrame(table)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--families", default="all",
                        help=f"comma-separated generator families, 'tuning', 'held-out' or 'all' (known: {', '.join(FAMILIES)})")
    parser.add_argument("--seeds", default="",
                        help=f"comma-separated seeds (default: tuning {TUNING_SEEDS} and held-out {HELD_OUT_SEEDS})")
    parser.add_argument("--count", type=int, default=100, help="series per family and seed")
    parser.add_argument("--quick", action="store_true", help="development run: 40 series per family, seeds 1 and 7")
    parser.add_argument("--legacy", action="store_true",
                        help="the original single generator (--monthly, --daily, --seed) with peers and speed")
    parser.add_argument("--monthly", type=int, default=1000, help="legacy: monthly price series (15 years each)")
    parser.add_argument("--daily", type=int, default=150, help="legacy: daily series (2 years each), over 3 indicators")
    parser.add_argument("--seed", type=int, default=SEED, help="legacy: generator seed")
    parser.add_argument("--verbose", action="store_true", help="legacy: full tables for every method")
    parser.add_argument("--no-peers", action="store_true", help="legacy: skip the naive baseline and ADTK")
    parser.add_argument("--no-real", action="store_true", help="skip the real-data and semi-synthetic parts")
    parser.add_argument("--bfa", type=Path, default=None,
                        help=f"WFP Burkina Faso file for the real-data parts (default {BFA}; a missing default "
                             f"skips them, with a warning)")
    args = parser.parse_args(argv)
    args.bfa_given, args.bfa = args.bfa is not None, args.bfa or BFA  # `required`: a named file must exist
    pd.set_option("display.width", 250)
    if not args.legacy:
        return families_main(args)
    if args.quick:
        args.monthly, args.daily = 200, 60
    cases = generate(args.monthly, args.daily, args.seed)
    counts = pd.Series([c.info.frequency for c in cases]).value_counts().to_dict()
    print(f"benchmark: {len(cases)} series ({counts}), {sum(len(c.events) for c in cases)} labelled events, "
          f"seed {args.seed}, tolerance {TOLERANCE}")
    methods = [tracker]
    if not args.no_peers:
        methods.append(naive_stl)
        try:
            import adtk  # noqa: F401
            methods.append(adtk_seasonal)
        except ImportError:
            print("ADTK is not installed (pip install -e '.[bench]'): skipped")
    overview = []
    for method in methods:
        flags, seconds = method(cases)
        for name, per_case in flags.items():
            summary = summarise(evaluate(cases, per_case))
            speed = {f: counts.get(f, 0) / s for f, s in seconds.items() if s and f in counts}
            if name == next(iter(flags)) or args.verbose:
                extra = (f", then {seconds['consolidation']:.2f} s to consolidate all rows"
                         if "consolidation" in seconds else "")
                print(f"\n== {name}: {seconds['monthly']:.2f} s for {counts.get('monthly', 0)} monthly series, "
                      f"{seconds['daily']:.2f} s for {counts.get('daily', 0)} daily series{extra} (CPU seconds, one process) ==")
                print(summary.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
            overall = summary.iloc[0]
            failed = summary[summary["group"] == "all failed_harvest"]
            shifts = summary[summary["group"] == "all shift"]
            overview.append({"method": name, "recall": overall["recall"], "precision": overall["precision"],
                             "F1": overall["F1"],
                             "failed-harvest recall": failed["recall"].iloc[0] if len(failed) else np.nan,
                             "shift median delay": shifts["median delay"].iloc[0] if len(shifts) else np.nan,
                             "false alarms / series-year": overall["false alarms / series-year"],
                             "in-event at alert+": overall["in-event at alert+"],
                             "event-free at alert+": overall["event-free at alert+"],
                             "monthly series / s": speed.get("monthly", np.nan),
                             "daily series / s": speed.get("daily", np.nan)})
    speed = detection_speed(cases)
    print(f"\n== speed: all {len(DETECTORS)} detectors, streaming as `track.py detect` does: "
          f"{speed['monthly']:.2f} CPU s for {counts.get('monthly', 0)} monthly series of 15 years, "
          f"{speed['daily']:.2f} CPU s for {counts.get('daily', 0)} daily series of 2 years ==")
    print("\n== side by side ==")
    print(pd.DataFrame(overview).to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    if args.no_real:
        return 0
    if required(args.bfa, args.bfa_given, "real-data part"):
        print(f"\n== real data: {args.bfa.name}, cereal series, documented crises {list(CRISES)} and calm periods "
              f"{list(CALM)} (share of series-months at alert or worse) ==")
        print(real_data_part(args.bfa).to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    return 0


def families_main(args) -> int:
    sets = {"all": list(FAMILIES), "tuning": list(TUNING_FAMILIES), "held-out": list(HELD_OUT_FAMILIES)}
    families = sets.get(args.families) or [name.strip() for name in args.families.split(",") if name.strip()]
    unknown = [name for name in families if name not in FAMILIES]
    if unknown:
        raise SystemExit(f"unknown generator families: {', '.join(unknown)}; known: {', '.join(FAMILIES)}")
    if args.seeds:
        seeds = [int(seed) for seed in args.seeds.split(",")]
    else:
        seeds = [TUNING_SEEDS[0], HELD_OUT_SEEDS[0]] if args.quick else [*TUNING_SEEDS, *HELD_OUT_SEEDS]
    count = 40 if args.quick and args.count == 100 else args.count
    print(f"benchmark: {len(families)} generator families x seeds {seeds}, {count} series each (one in "
          f"five event-free); tuning families {list(TUNING_FAMILIES)}, seeds {list(TUNING_SEEDS)}; held out: "
          f"families {list(HELD_OUT_FAMILIES)}, seeds {list(HELD_OUT_SEEDS)}; tolerance {TOLERANCE}")
    started = time.process_time()
    print(family_report(run_families(families, seeds, count)))
    print(f"\n({time.process_time() - started:.1f} CPU s)")
    if not args.no_real:
        semi_synthetic_main(args.bfa, seeds, given=args.bfa_given)
    return 0


def semi_synthetic_main(bfa: Path, seeds, given: bool = False) -> None:
    from semi_synthetic import GLOBAL, MIN_OBSERVED, global_series_counts, recall_by_size, semi_synthetic_part

    if GLOBAL.exists():
        longest = global_series_counts(GLOBAL)
        print(f"\n(semi-synthetic: {GLOBAL.name} skipped: its longest series has {longest} months, "
              f"{MIN_OBSERVED} needed)")
    if not required(bfa, given, "semi-synthetic part"):
        return
    started = time.process_time()
    sizes = []
    table = semi_synthetic_part(bfa, seeds, sizes)
    print(f"\n== semi-synthetic: up to two labelled events injected into each real cereal series of {bfa.name} with "
          f"at least {MIN_OBSERVED} months ({time.process_time() - started:.1f} CPU s) ==")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print("\nrecall by the injected change's size in the real series' month-to-month noises (all seeds):")
    print(recall_by_size(sizes).to_string(float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    sys.exit(main())
