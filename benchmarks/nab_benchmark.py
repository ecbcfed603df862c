"""The Numenta Anomaly Benchmark (NAB) as an outside check of the default detection.

    python benchmarks/nab_benchmark.py                       # all 58 files, then nab-score
    python benchmarks/nab_benchmark.py --out /tmp/nab --no-score
    python benchmarks/nab_benchmark.py --only realKnownCause  # a category (no scoring)

Each NAB file is treated as the tracker treats a series it does not know: a user-defined
indicator (no catalog entry: generic defaults, bad in both directions, no unit), its frequency
inferred from its timestamps by the store's rule (`store.infer_frequency`: the sampling interval,
5 minutes for most files), scored by every counted detector that applies (the others are
shown under their own names only and do not change the consolidated view), with the default
settings, and consolidated as `detect` does. No per-file setting and no use of the labels.

NAB asks for an anomaly score per timestamp in [0, 1]. It rewards the first detection inside a
labelled window (earlier is better) and penalises every detection outside one, so the score is
the tracker's *alarms*: an episode's start and each escalation (`episodes.series_episodes`) get a
calibrated likelihood of their robust score, every other timestamp 0: how rare a score that large
is in a day of the series' own past scores (`tail_likelihood`: a generalised Pareto tail over their
95th percentile; Gaussian while fewer than 1,000 are known), so that an ordinary burst of a feed
of bursts counts for less than the same score on a quiet feed. The past scores are those of
ordinary times (`ordinary_scores`: not the dates inside an episode, scored against its frozen
normal), and a day holds the points the feed reported in the last week (`points_a_day`). NAB's
optimiser then picks one threshold per profile for the whole corpus, as NAB's pipeline does for
every detector (`run.py --optimize`): it only chooses which alarms count.
Timestamps that fall in one sampling interval share that interval's score.

The results are written in NAB's layout (RESULTS/<category>/<NAME>_<file>.csv with timestamp,
value, anomaly_score, label; labels from NAB's combined_labels.json, used only in that column)
and scored with `../shared/tools/nab-score RESULTS NAME` (NAB's own scorer); `nab_scoring`
reproduces it to print the figures per category and CPU time.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from indicators.detect import DETECTORS, SeriesInfo, consolidate  # noqa: E402
from indicators.detect.consolidate import uncounted_detectors  # noqa: E402
from indicators.detect.base import INTERVALS, PERIODS, date_labels, to_regular  # noqa: E402
from indicators.detect.subdaily import TAIL_MIN_COUNT  # noqa: E402
from indicators.episodes import series_episodes  # noqa: E402
from indicators.store import infer_frequency  # noqa: E402
import nab_scoring  # noqa: E402
from shared_folder import SHARED  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NAB = SHARED / "benchmarks" / "NAB"
SCORER = SHARED / "tools" / "nab-score"
NAME = "tracker"
RATE_DAYS = 7  # the points a day an alarm's likelihood counts: those of the last week
TAIL_SHARE = 0.05  # the peaks over the 95th percentile of a series' past scores make its tail
PUBLISHED = {"ARTime": 74.9, "Numenta HTM": 70.1, "CAD OSE": 69.9, "KNN CAD": 58.0, "Random Cut Forest": 51.7,
             "Twitter ADVec": 47.1, "Windowed Gaussian": 39.6, "tracker, last round": 49.6,
             "tracker, two rounds ago": 28.1}


def series_scores(timestamps: pd.Series, values: pd.Series, name: str) -> np.ndarray:
    """The anomaly score of every timestamp of one NAB file (see the module docstring)."""
    dates = pd.to_datetime(timestamps).dt.strftime("%Y-%m-%dT%H:%M:%S")
    frequency = infer_frequency(dates.tolist())
    info = SeriesInfo(indicator=f"nab_{name}", location=name, frequency=frequency)
    observed = pd.Series(values.to_numpy(dtype="float64"), index=dates.to_numpy())
    observed = observed[~observed.index.duplicated(keep="last")]
    parts = []
    shown_only = uncounted_detectors()  # they do not change the consolidated view
    for detector_class in DETECTORS.values():
        detector = detector_class()
        if detector.name in shown_only or not detector.applies(info):
            continue
        result = detector.detect(observed, info)
        if not result.frame.empty:
            parts.append(result.frame.assign(detector=detector.name))
    score = np.zeros(len(timestamps))
    if not parts:
        return score
    rows = consolidate(pd.concat(parts, ignore_index=True).assign(
        indicator=info.indicator, location=name, item="", price_type=""))
    by_label = pd.Series(alarm_scores(rows, frequency), index=rows["date"].to_numpy())
    # each timestamp -> the label of its sampling interval on the detectors' grid
    grid = to_regular(observed, frequency)
    slot = _slot_labels(dates, frequency, grid)
    return by_label.reindex(slot).fillna(0.0).to_numpy()


def alarm_scores(rows: pd.DataFrame, frequency: str) -> np.ndarray:
    """NAB's anomaly score of each consolidated row (`date`, `score`, `severity`): the alarms'
    likelihoods (`tail_likelihood`), 0 elsewhere."""
    alarm = np.zeros(len(rows))
    score = rows["score"].to_numpy(dtype="float64")
    episodes = series_episodes(rows["date"], rows["severity"])
    ordinary = ordinary_scores(score, episodes)
    times = pd.to_datetime(rows["date"]).to_numpy()
    for episode in episodes:
        for position, _kind in episode["alarms"]:
            alarm[position] = tail_likelihood(ordinary, position, frequency, score[position],
                                              points_a_day(times, position, frequency))
    return alarm


def alarm_likelihood(score: np.ndarray, frequency: str, per_day: float | None = None) -> np.ndarray:
    """NAB's anomaly score for an alarm with robust score `score` on a series with Gaussian
    errors: how unlikely a deviation that large is in a day of Gaussian noise at this interval
    (`day_likelihood` of the normal tail), 0.5 at one such deviation in ten days, 0.9 at one in a
    billion (no ties below a z of 37)."""
    return day_likelihood(stats.norm.logsf(np.nan_to_num(score, nan=0.0)), frequency, per_day)


def ordinary_scores(score: np.ndarray, episodes: list[dict]) -> np.ndarray:
    """The scores of ordinary times: NaN from the date after each episode's start to its last date.
    Within an episode a date is scored against the normal frozen at its start, so a shift that lasts
    days scores 20 scales for days: those are not draws of the series' noise, and in the tail they
    would make every later alarm look ordinary. The start keeps its score (it is still the first
    sight of the deviation)."""
    ordinary = np.array(score, dtype="float64")
    for episode in episodes:
        ordinary[episode["first"] + 1:episode["last"] + 1] = np.nan
    return ordinary


def points_a_day(times: np.ndarray, position: int, frequency: str) -> float:
    """How many scored points a day the series has had in the `RATE_DAYS` days before `position`
    (`times`: the scored dates), at most its interval's: a feed that reports 40% of its 5-minute
    intervals (a traffic sensor, a logger on a weak link) makes 40% of the tests a day, so a
    score that large is that much rarer in one of its days. Past data only."""
    full = PERIODS[frequency] if frequency in INTERVALS else 1
    start = max(times[0], times[position] - np.timedelta64(RATE_DAYS, "D"))
    days = (times[position] - start) / np.timedelta64(1, "D")
    if days < 1:
        return float(full)
    count = position - int(np.searchsorted(times, start))
    return float(min(max(count / days, 1.0), full))


def tail_likelihood(score: np.ndarray, position: int, frequency: str, value: float | None = None,
                    per_day: float | None = None) -> float:
    """NAB's anomaly score for the alarm at `position` of the series' scores (`score`, one per
    scored date; NaN for dates that do not count, `ordinary_scores`): how unlikely a score that
    large (`value`, by default the score at `position`) is in a day of this series' own scores, as
    known before it (past data only). The tail is the series' own: a generalised Pareto distribution
    fitted (scipy, maximum likelihood) to the largest `TAIL_SHARE` of the past |scores| over the
    next one, the peaks-over-threshold model of extreme-value theory (Pickands, 1975; as in SPOT,
    Siffer et al., 2017); below that threshold the share of past scores at least as large. A feed
    of bursts (tweets, requests per interval) scores ordinary bursts many scales out, and its
    alarms are then less surprising than the same score on a quiet feed; a Gaussian feed's tail
    gives about the Gaussian likelihood. With fewer than `subdaily.TAIL_MIN_COUNT` past scores
    (1,000) the Gaussian likelihood (`alarm_likelihood`)."""
    magnitude = np.abs(score[:position])
    past = magnitude[np.isfinite(magnitude)]
    value = abs(float(np.nan_to_num(score[position] if value is None else value)))
    if len(past) < TAIL_MIN_COUNT:
        return float(alarm_likelihood(np.array([value]), frequency, per_day)[0])
    threshold = float(np.quantile(past, 1.0 - TAIL_SHARE))
    if value <= threshold:
        log_tail = np.log(max(float((past >= value).mean()), 1.0 / len(past)))
    else:
        shape, _, spread = stats.genpareto.fit(past[past > threshold] - threshold, floc=0.0)
        log_tail = np.log(TAIL_SHARE) + stats.genpareto.logsf(value - threshold, shape, 0.0, spread)
    # never rarer than under Gaussian noise: a light tail's fitted end point is no proof of impossibility
    log_tail = max(log_tail, float(stats.norm.logsf(value)))
    return float(day_likelihood(np.array([log_tail]), frequency, per_day)[0])


def day_likelihood(log_tail: np.ndarray, frequency: str, per_day: float | None = None) -> np.ndarray:
    """From the log of a point's tail probability, NAB's anomaly score: p = 1 - (1 - tail)^(points
    a day), the chance of a point that rare in a day, on a log scale as NAB's HTM detector reports
    its likelihood: -log10 p / (1 - log10 p)."""
    if per_day is None:
        per_day = PERIODS[frequency] if frequency in INTERVALS else 1
    with np.errstate(divide="ignore"):
        exact = np.log(-np.expm1(per_day * np.log1p(-np.exp(log_tail))))
    log_day = np.where(log_tail < -30, np.log(per_day) + log_tail, exact)  # p = per_day x tail far out
    surprise = np.clip(-log_day / np.log(10), 0.0, None)
    return surprise / (1.0 + surprise)


def _slot_labels(dates: pd.Series, frequency: str, grid: pd.Series) -> np.ndarray:
    step = INTERVALS.get(frequency)
    stamps = pd.to_datetime(dates)
    if step is not None:
        stamps = stamps.dt.floor(f"{step}min")
    else:
        stamps = stamps.dt.floor("D")
    labels = set(date_labels(grid.index, frequency))
    text = stamps.dt.strftime("%Y-%m-%dT%H:%M:%S" if step is not None else "%Y-%m-%d").to_numpy()
    assert set(text) <= labels, "timestamps must map onto the detectors' grid"
    return text


def run(out: Path, only: str | None = None) -> tuple[list, float]:
    """Score every NAB file (or one category), write NAB's result files; (the files' sweeps for
    `nab_scoring`, CPU seconds of the detection)."""
    labels = json.loads((NAB / "labels" / "combined_labels.json").read_text())
    windows = json.loads((NAB / "labels" / "combined_windows.json").read_text())
    files = sorted(p for p in (NAB / "data").glob("*/*.csv") if not only or p.parent.name == only)
    sweeps, seconds = [], 0.0
    for path in files:
        category, name = path.parent.name, path.stem
        data = pd.read_csv(path)
        started = time.process_time()
        scores = series_scores(data["timestamp"], data["value"], name)
        seconds += time.process_time() - started
        key = f"{category}/{path.name}"
        label = data["timestamp"].isin(set(labels.get(key, []))).astype(int)
        (out / category).mkdir(parents=True, exist_ok=True)
        pd.DataFrame({"timestamp": data["timestamp"], "value": data["value"], "anomaly_score": scores,
                      "label": label}).to_csv(out / category / f"{NAME}_{path.name}", index=False)
        sweeps.append(nab_scoring.sweep(category, data["timestamp"], scores, windows.get(key, [])))
        print(f"{key}: {int((scores > 0).sum())} alarms", file=sys.stderr)
    return sweeps, seconds


def breakdown(sweeps: list) -> str:
    """Scores per profile (NAB's rules reproduced by `nab_scoring`) and, at the standard
    profile's threshold, where the points go per category."""
    lines = []
    for profile in nab_scoring.PROFILES:
        threshold, raw = nab_scoring.optimise(sweeps, profile)
        lines.append(f"{profile}: {nab_scoring.normalised(raw, sweeps, profile):.1f} (threshold {threshold:.4f})")
        if profile == "standard":
            chosen = threshold
    rows = pd.DataFrame([{"category": item.category, **nab_scoring.file_score(item, chosen, "standard")}
                         for item in sweeps])
    table = rows.groupby("category").sum(numeric_only=True)
    table.loc["all"] = table.sum()
    table["missed"] = table["windows"] - table["detected"]
    lines.append("standard profile by category (window_score: rewards of detected windows less 1 per missed "
                 "window; fp_cost: the alarms outside windows):")
    lines.append(table[["windows", "detected", "missed", "window_score", "false_positives", "fp_cost", "raw"]]
                 .round(2).to_string())
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/nab-results"))
    parser.add_argument("--only", help="one NAB category (its figures from `nab_scoring` only)")
    parser.add_argument("--no-score", action="store_true", help="skip NAB's own scorer (about a minute)")
    args = parser.parse_args()
    sweeps, seconds = run(args.out, args.only)
    print(f"{len(sweeps)} NAB files scored by the default detection in {seconds:.1f} CPU s; results in {args.out}")
    print(breakdown(sweeps))
    if args.no_score or args.only:
        return
    output = subprocess.run([str(SCORER), str(args.out), NAME], capture_output=True, text=True, check=True).stdout
    print("NAB's own scorer:")
    print(output.strip())
    print("published, standard profile: " + ", ".join(f"{k} {v}" for k, v in PUBLISHED.items()))


if __name__ == "__main__":
    main()
