"""Semi-synthetic part of the detection benchmark: labelled events injected into real series.

Real series: every cereal series of the WFP Burkina Faso file (`bfa_series`) with at least
`MIN_OBSERVED` monthly observations, and every series of the HDX global file that has as many. Up to two events per series and seed, 12 months apart, after its first 4 years of observations,
where the series without them is calm (no alert from 3 months before to 3 months after: an event
inside a real episode could not start an episode of its own):
- spike: one month +20-40%;
- shift: 6-18 months +15-35%;
- failed harvest (millet and sorghum, harvested October-December): in a season where the real
  price fell at least 5% from September to November, October-December are set to the September
  price plus 0-6% (the price did not fall as it usually does).
(The global file's 2026-Q1 series hold at most 3 months, so none qualifies there: the part says so.)
Scored as the generator families are (an event is found when an alert episode starts within one
month of it). Failed harvests are also reported under the issue's coverage rule, per real series:
`harvest_covered` (its usual fall, the median over its years of the mean October-December price
against September's, at least twice its month-to-month noise); where the real fall is smaller, a
season kept at September's price is within the series' own noise. The real series have real, unlabelled episodes, so a false alarm is an episode of
the injected series, outside every event window, that does not start (within one month) in the
same series without the injection either: alarms the injection caused. The real series' own
alarms are reported beside, per series-year.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from indicators.detect.base import to_regular
from shared_folder import DATA

MIN_OBSERVED = 72  # 6 years: 4 years before the events, room for them after
WARM_UP = 48  # observed months before the first injected event
EVENTS_PER_SERIES, GAP = 2, 12
SIZE_BINS, SIZE_LABELS = [0, 4, 6, np.inf], ["under 4 noises", "4-6 noises", "6 noises or more"]
GLOBAL = DATA / "hdx_wfp_food_prices_global_2026_Q1.csv"


def global_series_counts(path: Path) -> int:
    """Longest history (months) of any market x commodity x price type series of the global file."""
    frame = pd.read_csv(path, usecols=["countryiso3", "market", "commodity", "pricetype", "date"])
    return int(frame.groupby(["countryiso3", "market", "commodity", "pricetype"])["date"].nunique().max())


def inject(rng, case, calm: np.ndarray):
    """Up to `EVENTS_PER_SERIES` labelled events, `GAP` months apart, in a copy of a real series
    (a `Case`), each where the series without it is calm (no alert within 3 months of the event:
    inside a real episode, an injected one could not start an episode of its own); None when no
    slot fits."""
    from benchmark_families import Case, Event

    regular = to_regular(case.values, "monthly")
    values = regular.to_numpy(dtype="float64").copy()
    observed = np.flatnonzero(~np.isnan(values))
    if len(observed) <= WARM_UP:
        return None
    months = regular.index.month.to_numpy()
    events = []
    for _ in range(EVENTS_PER_SERIES):
        kinds = ["spike", "shift"] + (["failed_harvest"] if case.info.item in ("millet", "sorghum") else [])
        kind = kinds[int(rng.integers(len(kinds)))]
        length = {"spike": 1, "shift": int(rng.integers(6, 19)), "failed_harvest": 3}[kind]
        starts = [int(t) for t in observed[WARM_UP:] if t + length + 3 <= len(values)
                  and calm[max(0, t - 3):t + length + 3].all()
                  and all(t > e.end + GAP or t + length + GAP < e.start for e in events)
                  and (kind != "failed_harvest" or (months[t] == 10 and _fell(values, t - 1)))]
        if not starts:
            continue
        start = starts[int(rng.integers(len(starts)))]
        if kind == "failed_harvest":  # the harvest months stay at or above September's price
            values[start:start + 3] = values[start - 1] * (1 + rng.uniform(0.0, 0.06, 3))
        else:
            values[start:start + length] *= np.exp(rng.uniform(0.2, 0.4) if kind == "spike" else rng.uniform(0.15, 0.35))
        events.append(Event(kind, start, start + length - 1))
    if not events:
        return None
    series = pd.Series(values, index=regular.index.strftime("%Y-%m")).reindex(case.values.index)
    return Case(case.info, series, sorted(events, key=lambda e: e.start), "semi-synthetic BFA")


def harvest_covered(case) -> bool:
    """The issue's rule for the failed-harvest target on one real series (without injections): its
    usual harvest fall (the median over its seasons of the log mean October-December price less
    the log September price) is at least twice its month-to-month noise (`month_noise`)."""
    regular = to_regular(case.values, "monthly")
    logs = pd.Series(np.log(regular.to_numpy(dtype="float64")), index=regular.index)
    months = regular.index.month.to_numpy()
    falls = [logs.iloc[t + 1:t + 4].mean() - logs.iloc[t] for t in np.flatnonzero(months == 9)
             if t + 3 < len(logs) and logs.iloc[t + 1:t + 4].notna().all() and logs.iloc[t] == logs.iloc[t]]
    return bool(falls) and -float(np.median(falls)) >= 2 * month_noise(case)


def month_noise(case) -> float:
    """A real series' month-to-month noise: the robust spread (`robust_noise`) of its monthly log
    changes less each calendar month's median change (`benchmark_families.deseasonalised_changes`)."""
    from benchmark_families import deseasonalised_changes

    regular = to_regular(case.values, "monthly")
    logs = pd.Series(np.log(regular.to_numpy(dtype="float64")), index=regular.index)
    return robust_noise(deseasonalised_changes(logs, regular.index.month.to_numpy()))


def robust_noise(changes: pd.Series) -> float:
    """1.4826 x the MAD of the changes (NaN left out): their standard deviation were they Gaussian."""
    return 1.4826 * float((changes - changes.median()).abs().median())


def recall_by_size(found: list[tuple[str, float, bool]]) -> pd.DataFrame:
    """Recall per event kind and size in noises (the injected log change at its largest over the
    series' `month_noise`): events of 6 noises or more stand far out of the month-to-month noise."""
    frame = pd.DataFrame(found, columns=["kind", "noises", "found"])
    frame["size"] = pd.cut(frame["noises"], SIZE_BINS, right=False, labels=SIZE_LABELS)
    table = frame.groupby(["kind", "size"], observed=True)["found"].agg(["size", "mean"])
    return table.rename(columns={"size": "events", "mean": "recall"}).unstack("size")


def _fell(values: np.ndarray, september: int) -> bool:
    """The real price fell at least 5% from September to November (a usual harvest to fail)."""
    return bool(values[september] == values[september] and values[september + 2] <= 0.95 * values[september])


def semi_synthetic_part(bfa: Path, seeds, sizes: list | None = None) -> pd.DataFrame:
    """Per seed: recall by event kind, injection-caused false alarms, precision, F1; and the real
    series' own alarms per series-year. With `sizes`, also (kind, size in noises, found) per
    injected event over all seeds (`recall_by_size`)."""
    from benchmark_families import Case
    from detection_benchmark import TOLERANCE, bfa_series, consolidated_flags, episode_starts, score_case

    real = [Case(info, values, [], "BFA") for info, values in bfa_series(bfa) if values.notna().sum() >= MIN_OBSERVED]
    clean_flags = consolidated_flags(real)
    clean_starts = [episode_starts(case, flags)[1] for case, flags in zip(real, clean_flags)]
    years = sum(len(case.values) for case in real) / 12
    covered = [case.info.item in ("millet", "sorghum") and harvest_covered(case) for case in real]
    noise = [month_noise(case) for case in real]
    rows = []
    for seed in seeds:
        rng = np.random.default_rng([seed, 3])
        injected = [(number, inject(rng, case, ~flags)) for number, (case, flags) in enumerate(zip(real, clean_flags))]
        injected = [(number, case) for number, case in injected if case is not None]
        flags = consolidated_flags([case for _, case in injected])
        found, extra = {}, 0
        for (number, case), flagged in zip(injected, flags):
            result, _, _ = score_case(case, flagged)
            before = to_regular(real[number].values, "monthly").to_numpy(dtype="float64")
            after = to_regular(case.values, "monthly").to_numpy(dtype="float64")
            for event, delay in result:
                found.setdefault(event.kind, []).append(delay is not None)
                if sizes is not None:
                    window = slice(event.start, event.end + 1)
                    size = float(np.nanmax(np.abs(np.log(after[window]) - np.log(before[window]))))
                    sizes.append((event.kind, size / noise[number], delay is not None))
                if event.kind == "failed_harvest" and covered[number]:
                    found.setdefault("failed_harvest (covered)", []).append(delay is not None)
            for start in episode_starts(case, flagged)[1]:
                outside = not any(e.start <= start <= e.end + TOLERANCE["monthly"] for e in case.events)
                if outside and not any(abs(start - s) <= TOLERANCE["monthly"] for s in clean_starts[number]):
                    extra += 1
        counted = [v for kind, v in found.items() if kind != "failed_harvest (covered)"]  # each event once
        hits = sum(sum(v) for v in counted)
        events = sum(len(v) for v in counted)
        recall = hits / events
        precision = hits / (hits + extra) if hits + extra else np.nan
        rows.append({"seed": seed, "series": len(injected), "events": events, "recall": recall,
                     **{f"recall {kind}": np.mean(v) for kind, v in sorted(found.items())},
                     "failed harvests covered": len(found.get("failed_harvest (covered)", [])),
                     "injection false alarms": extra, "precision": precision,
                     "F1": 2 * precision * recall / (precision + recall),
                     "real alarms / series-year (unlabelled)": sum(map(len, clean_starts)) / years})
    return pd.DataFrame(rows)
