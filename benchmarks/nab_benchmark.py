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
the tracker's *alarms*: an episode's start and each escalation (`episodes.series_episodes`) get
their consolidated severity (alert 2/3, crisis 1), every other timestamp 0. NAB's scorer then
picks the threshold (alert or crisis) that suits its profile, as it does for every detector.
Timestamps that fall in one sampling interval share that interval's score.

The results are written in NAB's layout (RESULTS/<category>/<NAME>_<file>.csv with timestamp,
value, anomaly_score, label; labels from NAB's combined_labels.json, used only in that column)
and scored with `../shared/tools/nab-score RESULTS NAME` (NAB's own scorer).
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from indicators.detect import DETECTORS, SeriesInfo, consolidate  # noqa: E402
from indicators.detect.consolidate import uncounted_detectors  # noqa: E402
from indicators.detect.base import INTERVALS, date_labels, to_regular  # noqa: E402
from indicators.episodes import series_episodes  # noqa: E402
from indicators.store import SEVERITY_RANK, infer_frequency  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NAB = (ROOT / ".." / "shared" / "benchmarks" / "NAB").resolve()
SCORER = (ROOT / ".." / "shared" / "tools" / "nab-score").resolve()
NAME = "tracker"
PUBLISHED = {"ARTime": 74.9, "Numenta HTM": 70.1, "CAD OSE": 69.9, "KNN CAD": 58.0, "Random Cut Forest": 51.7,
             "Twitter ADVec": 47.1, "Windowed Gaussian": 39.6, "default detection before this round": 11.5}


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
    alarm = np.zeros(len(rows))
    ranks = rows["severity"].map(SEVERITY_RANK).to_numpy()
    for episode in series_episodes(rows["date"], rows["severity"]):
        for position, _kind in episode["alarms"]:
            alarm[position] = ranks[position] / 3
    by_label = pd.Series(alarm, index=rows["date"].to_numpy())
    # each timestamp -> the label of its sampling interval on the detectors' grid
    grid = to_regular(observed, frequency)
    slot = _slot_labels(dates, frequency, grid)
    return by_label.reindex(slot).fillna(0.0).to_numpy()


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


def run(out: Path, only: str | None = None) -> tuple[int, float]:
    labels = json.loads((NAB / "labels" / "combined_labels.json").read_text())
    files = sorted(p for p in (NAB / "data").glob("*/*.csv") if not only or p.parent.name == only)
    started = time.process_time()
    for path in files:
        category, name = path.parent.name, path.stem
        data = pd.read_csv(path)
        scores = series_scores(data["timestamp"], data["value"], name)
        windows = set(labels.get(f"{category}/{path.name}", []))
        label = data["timestamp"].isin(windows).astype(int)
        (out / category).mkdir(parents=True, exist_ok=True)
        pd.DataFrame({"timestamp": data["timestamp"], "value": data["value"], "anomaly_score": scores,
                      "label": label}).to_csv(out / category / f"{NAME}_{path.name}", index=False)
        print(f"{category}/{path.name}: {int((scores > 0).sum())} alarms", file=sys.stderr)
    return len(files), time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/nab-results"))
    parser.add_argument("--only", help="one NAB category (no scoring)")
    parser.add_argument("--no-score", action="store_true")
    args = parser.parse_args()
    count, seconds = run(args.out, args.only)
    print(f"{count} NAB files scored by the default detection in {seconds:.1f} CPU s; results in {args.out}")
    if args.no_score or args.only:
        return
    output = subprocess.run([str(SCORER), str(args.out), NAME], capture_output=True, text=True, check=True).stdout
    print(output.strip())
    print("published, standard profile: " + ", ".join(f"{k} {v}" for k, v in PUBLISHED.items()))


if __name__ == "__main__":
    main()
