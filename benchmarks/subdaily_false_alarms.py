"""False alarms of the default detection on ordinary sub-daily feeds (no event at all).

    python benchmarks/subdaily_false_alarms.py            # 6 families x 3 seeds x 35 days, 5-minute
    python benchmarks/subdaily_false_alarms.py --seeds 6 --days 35
    python benchmarks/subdaily_false_alarms.py --step 60 --days 120   # hourly feeds

Each family is a 5-minute feed with a daily cycle and nothing abnormal in it: Gaussian noise,
AR(1) noise with phi 0.8 and 0.98 (errors that wander over minutes and over hours; standard
deviation 1), a random-walk level (steps of 0.05 every 5 minutes) under noise 1, Student's t noise with 3 degrees of
freedom (heavy tails), Poisson counts (a quantised feed of events per interval), a weekly pattern
(weekends 15 lower, as a grid load; from a Monday, so an hourly feed is first scored on Saturday
at 01:00 and a 5-minute one at 06:40), the same pattern started so that its first score falls on
a Saturday at midnight at every interval (`weekly_saturday`: the first weekend is then an episode,
which used to keep every later weekend out of the weekday levels), and a sparse feed that reports
40% of its intervals at random. Scored by the `state` detector (the counted one for such feeds) with the default
settings; an alarm is an episode's start or escalation (`episodes.series_episodes`), counted per
scored series-day. Seeds start at 100 (the tests use others).
"""
from __future__ import annotations

import argparse
import sys
import time
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from indicators.detect import SeriesInfo  # noqa: E402
from indicators.detect.state import SeverityState  # noqa: E402
from indicators.episodes import series_episodes  # noqa: E402
from indicators.store import infer_frequency  # noqa: E402

FAMILIES = ("gaussian", "ar1_0.8", "ar1_0.98", "random_walk", "student_t3", "poisson", "weekly", "weekly_saturday",
            "sparse_40pct")
MONDAY = pd.Timestamp("2025-03-03")


@lru_cache(maxsize=None)
def first_score_from_monday(step: int) -> pd.Timedelta:
    """How long after its start a complete feed every `step` minutes is first scored (the
    baseline's warm-up: three days of profile, two of errors, the scale counted every
    window/100 points), measured on the feed itself."""
    from indicators.detect import baseline
    from indicators.detect.base import to_regular
    series = feed("gaussian", 0, 8, step)
    frequency = infer_frequency(series.index.tolist())
    fitted = baseline.fit(to_regular(series, frequency), frequency, use_log=False)
    return pd.Timedelta(minutes=step * int(np.flatnonzero(fitted.scorable)[0]))


def feed(family: str, seed: int, days: int, step: int = 5) -> pd.Series:
    """One ordinary feed of `family` every `step` minutes (see the module docstring)."""
    rng = np.random.default_rng(seed)
    start = MONDAY + pd.Timedelta(days=5) - first_score_from_monday(step) if family == "weekly_saturday" else MONDAY
    stamps = pd.date_range(start, periods=days * 1440 // step, freq=f"{step}min")
    hour = stamps.hour + stamps.minute / 60
    cycle = 50 + 20 * np.sin(2 * np.pi * (hour - 6) / 24)
    n = len(stamps)
    if family.startswith("ar1_"):
        phi = float(family[4:])
        shocks = rng.normal(0, np.sqrt(1 - phi ** 2), n)  # a stationary standard deviation of 1
        noise = np.zeros(n)
        for t in range(1, n):
            noise[t] = phi * noise[t - 1] + shocks[t]
        values = cycle + noise
    elif family == "random_walk":  # a level that wanders without bound, plus noise 1
        values = cycle + np.cumsum(rng.normal(0, 0.05 * np.sqrt(step / 5), n)) + rng.normal(0, 1, n)
    elif family == "student_t3":
        values = cycle + rng.standard_t(3, n)
    elif family == "poisson":
        values = rng.poisson(cycle / 5).astype("float64")
    elif family.startswith("weekly"):
        values = cycle - 15 * (stamps.day_of_week >= 5) + rng.normal(0, 1, n)
    else:
        values = cycle + rng.normal(0, 1, n)
    series = pd.Series(values, index=stamps.strftime("%Y-%m-%dT%H:%M:%S"))
    if family == "sparse_40pct":
        series = series[rng.random(n) < 0.4]
    return series


def alarms_per_day(series: pd.Series) -> tuple[int, float]:
    """(alarms, scored series-days) of one feed."""
    frequency = infer_frequency(series.index.tolist())
    frame = SeverityState().detect(series, SeriesInfo("sensor_load", "feed", frequency=frequency)).frame
    if frame.empty:
        return 0, 0.0
    alarms = sum(len(episode["alarms"]) for episode in series_episodes(frame["date"], frame["severity"]))
    span = pd.to_datetime(frame["date"])
    return alarms, float((span.iloc[-1] - span.iloc[0]) / pd.Timedelta("1D"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--days", type=int, default=35)
    parser.add_argument("--step", type=int, default=5, help="minutes between points (5, 15, 60, ...)")
    args = parser.parse_args()
    started = time.process_time()
    rows = []
    for family in FAMILIES:
        counts = [alarms_per_day(feed(family, 100 + seed, args.days, args.step)) for seed in range(args.seeds)]
        alarms, days = sum(c[0] for c in counts), sum(c[1] for c in counts)
        rows.append({"family": family, "series": args.seeds, "scored days": round(days, 1), "alarms": alarms,
                     "alarms / series-day": round(alarms / days, 3) if days else float("nan")})
    print(pd.DataFrame(rows).to_string(index=False))
    print(f"({time.process_time() - started:.1f} CPU s)")


if __name__ == "__main__":
    main()
