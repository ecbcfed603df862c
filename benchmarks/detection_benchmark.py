"""Labelled detection benchmark: realistic series with injected events, scored by event.

    python benchmarks/detection_benchmark.py            # 1,000 monthly + 150 daily series
    python benchmarks/detection_benchmark.py --quick    # 200 monthly + 60 daily series

Series (deterministic, seed 2025):
- monthly retail grain prices, 15 years: level, trend inflation, harvest seasonality (millet and
  sorghum harvested October-December, rice November-January), AR(1) noise, ~3% missing months;
- daily fuel availability (share), fuel queue time (hours) and power outage (hours/day), 2 years:
  weekly patterns, autocorrelated noise, a few missing days.
Events (labelled, after a 5-year / 120-day warm-up): spikes (one period), persistent level shifts
(blockades, surges; weeks to months) and failed harvest dips (prices stay at or above the
pre-harvest month through the harvest).

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

SEED = 2025
TOLERANCE = {"monthly": 1, "daily": 3}
WARM_UP = {"monthly": 60, "daily": 120}  # events are placed after these periods
COARSE = np.log([0.95, 0.95, 0.97, 0.99, 1.01, 1.04, 1.07, 1.09, 1.09, 1.02, 0.95, 0.93])
RICE = np.log([0.98, 0.98, 0.99, 1.00, 1.01, 1.02, 1.03, 1.035, 1.035, 1.03, 1.00, 0.975])
CROPS = {"millet": (COARSE, (10, 11, 12)), "sorghum": (COARSE, (10, 11, 12)), "rice": (RICE, (11, 12, 1))}
DAILY_KINDS = {"fuel_availability": "share", "fuel_queue_time": "hours", "power_outage": "hours/day"}


@dataclass
class Event:
    kind: str  # spike, shift, failed_harvest
    start: int  # positions on the regular index
    end: int


@dataclass
class Case:
    info: SeriesInfo
    values: pd.Series  # date strings -> value, gaps dropped
    events: list[Event] = field(default_factory=list)


# -- generator ---------------------------------------------------------------------------------

def _ar1(rng, n, phi, sigma):
    e = rng.standard_normal(n) * sigma
    x = np.empty(n)
    x[0] = e[0] / np.sqrt(1 - phi * phi)
    for t in range(1, n):
        x[t] = phi * x[t - 1] + e[t]
    return x


def _place(rng, n, warmup, count, length_range, gap, taken):
    """Non-overlapping event slots: (start, length) after the warm-up, `gap` apart."""
    slots = []
    for _ in range(count * 20):
        if len(slots) == count:
            break
        length = int(rng.integers(*length_range))
        start = int(rng.integers(warmup, n - length - 2))
        if all(start > s + l + gap or start + length + gap < s for s, l in taken + slots):
            slots.append((start, length))
    return slots


def monthly_case(rng, number: int) -> Case:
    n = 180
    index = pd.period_range("2010-01", periods=n, freq="M")
    months = index.month.to_numpy()
    item = ["millet", "sorghum", "rice"][number % 3]
    season, harvest = CROPS[item]
    amplitude = rng.uniform(0.8, 1.3)
    log_price = (np.log(rng.uniform(150, 500)) + rng.uniform(0.01, 0.06) * np.arange(n) / 12
                 + amplitude * season[months - 1]
                 + _ar1(rng, n, rng.uniform(0.3, 0.7), rng.uniform(0.015, 0.03)))
    events, taken = [], []
    kinds = rng.choice(["spike", "shift", "failed_harvest", "none"], size=2, p=[0.3, 0.3, 0.3, 0.1])
    for kind in kinds:
        if kind == "spike":
            slots = _place(rng, n, 60, 1, (1, 2), 12, taken)
            for start, _ in slots:
                log_price[start] += rng.uniform(0.2, 0.4)
                events.append(Event("spike", start, start))
        elif kind == "shift":
            slots = _place(rng, n, 60, 1, (6, 19), 12, taken)
            for start, length in slots:
                log_price[start:start + length] += rng.uniform(0.15, 0.35)
                events.append(Event("shift", start, start + length - 1))
        elif kind == "failed_harvest":
            # the month before the first harvest month, in a season after the warm-up
            references = [t for t in range(60, n - 4) if months[t] == (harvest[0] - 2) % 12 + 1]
            rng.shuffle(references)
            for reference in references:
                if all(reference + 3 < s - 12 or reference > s + l + 12 for s, l in taken):
                    for k in range(1, 4):  # prices stay at or above the pre-harvest month
                        log_price[reference + k] += (amplitude * (season[months[reference] - 1]
                                                                  - season[months[reference + k] - 1])
                                                     + rng.uniform(0.0, 0.06))
                    events.append(Event("failed_harvest", reference + 1, reference + 3))
                    slots = [(reference + 1, 3)]
                    break
            else:
                slots = []
        else:
            slots = []
        taken += slots
    values = pd.Series(np.exp(log_price), index=index.strftime("%Y-%m"))
    values = _drop_gaps(rng, values, events, 0.03)
    info = SeriesInfo("grain_price", f"Market {number}", item, "retail", "XOF/KG", "monthly")
    return Case(info, values, events)


def daily_case(rng, indicator: str, number: int) -> Case:
    n = 730
    index = pd.period_range("2024-01-01", periods=n, freq="D")
    weekday = index.day_of_week.to_numpy()
    events, taken = [], []
    shift_slots = _place(rng, n, 120, int(rng.integers(0, 3)), (20, 91), 30, taken)
    taken += shift_slots
    spike_slots = _place(rng, n, 120, int(rng.integers(0, 3)), (1, 2), 14, taken)
    if indicator == "fuel_availability":
        values = rng.uniform(0.85, 0.97) + np.array([-0.03, -0.01, 0.005, 0.01, 0.01, 0.0, -0.015])[weekday] \
            + _ar1(rng, n, 0.5, rng.uniform(0.008, 0.015))
        for start, length in shift_slots:
            ramp = np.minimum(np.arange(length) / max(1, rng.integers(0, 4)), 1.0)
            values[start:start + length] -= rng.uniform(0.25, 0.6) * ramp
        for start, _ in spike_slots:
            values[start] -= rng.uniform(0.15, 0.3)
        values = np.clip(values, 0, 1)
    elif indicator == "fuel_queue_time":
        log_q = np.log(rng.uniform(0.2, 0.5)) + np.array([0.4, 0.1, 0, 0, 0.1, 0.2, -0.1])[weekday] \
            + _ar1(rng, n, 0.3, 0.2)
        for start, length in shift_slots:
            ramp = np.minimum(np.arange(1, length + 1) / max(1, rng.integers(1, 4)), 1.0)
            log_q[start:start + length] += np.log(rng.uniform(4, 15)) * ramp
        for start, _ in spike_slots:
            log_q[start] += np.log(rng.uniform(4, 8))
        values = np.exp(log_q)
    else:
        base = rng.uniform(3, 8)
        values = base * np.array([1.03, 1.03, 1.03, 1.03, 1.03, 0.96, 0.88])[weekday] \
            * np.exp(_ar1(rng, n, 0.6, 0.08))
        for start, length in shift_slots:
            ramp = np.minimum(np.arange(1, length + 1) / max(1, rng.integers(1, 4)), 1.0)
            values[start:start + length] += rng.uniform(4, 10) * ramp
        for start, _ in spike_slots:
            values[start] += rng.uniform(6, 10)
        values = np.clip(values, 0, 24)
    events = [Event("shift", s, s + l - 1) for s, l in shift_slots] + [Event("spike", s, s) for s, _ in spike_slots]
    series = pd.Series(values, index=index.strftime("%Y-%m-%d"))
    series = _drop_gaps(rng, series, events, 0.01)
    info = SeriesInfo(indicator, f"Area {number}", "petrol" if indicator.startswith("fuel") else "", "",
                      DAILY_KINDS[indicator], "daily")
    return Case(info, series, events)


def _drop_gaps(rng, values: pd.Series, events: list[Event], share: float) -> pd.Series:
    """Missing observations, never inside an event (its label would be undecidable)."""
    protected = np.zeros(len(values), dtype=bool)
    for event in events:
        protected[max(0, event.start - 1):event.end + 2] = True
    missing = (rng.random(len(values)) < share) & ~protected
    missing[:3] = False
    return values[~missing]


def generate(monthly: int, daily: int, seed: int = SEED) -> list[Case]:
    rng = np.random.default_rng(seed)
    cases = [monthly_case(rng, i) for i in range(monthly)]
    for indicator in DAILY_KINDS:
        cases += [daily_case(rng, indicator, i) for i in range(daily // len(DAILY_KINDS))]
    return cases


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

def score_case(case: Case, flagged: np.ndarray) -> tuple[list[tuple[Event, int | None]], int, dict]:
    """(event, delay or None) per event, the number of false alarms, and the state-level counts:
    observed in-event periods from the first detection to the event's end, and how many of them
    are at alert or worse; observed event-free periods after the warm-up, and how many of them
    are at alert or worse."""
    frequency = case.info.frequency
    tolerance = TOLERANCE[frequency]
    observed = to_regular(case.values, frequency).notna().to_numpy()
    positions = np.flatnonzero(observed)
    on = flagged[positions]
    starts = positions[on & ~np.concatenate([[False], on[:-1]])]  # episodes over observed dates
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


# -- real data: Burkina Faso prices (WFP via HDX) against documented crises and calm years ---------

BFA = Path(__file__).resolve().parents[2] / "shared" / "data" / "wfp_food_prices_bfa.csv"
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
    parser.add_argument("--monthly", type=int, default=1000, help="monthly price series (15 years each)")
    parser.add_argument("--daily", type=int, default=150, help="daily series (2 years each), split over 3 indicators")
    parser.add_argument("--quick", action="store_true", help="200 monthly and 60 daily series")
    parser.add_argument("--seed", type=int, default=SEED, help="generator seed (tune on another seed than you report)")
    parser.add_argument("--verbose", action="store_true", help="full tables for every method, not only the first")
    parser.add_argument("--no-peers", action="store_true", help="skip the naive baseline and ADTK")
    parser.add_argument("--bfa", type=Path, default=BFA, help="WFP Burkina Faso file for the real-data part")
    args = parser.parse_args(argv)
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
    pd.set_option("display.width", 200)
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
    if args.bfa.exists():
        print(f"\n== real data: {args.bfa.name}, cereal series, documented crises {list(CRISES)} and calm periods "
              f"{list(CALM)} (share of series-months at alert or worse) ==")
        print(real_data_part(args.bfa).to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    else:
        print(f"\n(real-data part skipped: {args.bfa} not found)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
