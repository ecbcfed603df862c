"""A daily weekday pattern that begins mid-series: how many alarms until it is learnt (issue 10).

    python benchmarks/weekday_pattern.py                  # seeds 1-8 (the ones the rule was built on)
    python benchmarks/weekday_pattern.py --seeds 101-108  # held out

Series: 250 days from Monday 2025-03-03, Gaussian noise, from day 100 on a change on some weekdays
(stations closed on weekends report no fuel, a market closed on Fridays, longer queues on
Sundays): fuel availability 0.9 (noise 0.02, 0.15 lower), queue time 3 h (noise 0.2, 1.5 h longer)
and a generic load 100 (noise 2, 15 lower; bad in both directions). Per indicator and closed
weekdays: the state detector's alarms (episodes at alert or worse) per series, and the day after
the pattern's start on which the last alarm begins (the pattern is learnt after it; a pattern never
learnt keeps alarming to the end, day 149). Then a 3-week crash in the same series (from day 190,
0.3 lower, 2.5 h longer, 20 lower): the share of its days at alert or worse.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from indicators.detect import SeriesInfo  # noqa: E402
from indicators.detect.state import SeverityState  # noqa: E402
from indicators.episodes import series_episodes  # noqa: E402

DAYS, FROM_DAY, CRASH_DAY, CRASH_DAYS = 250, 100, 190, 21
INDICATORS = {"fuel_availability": (0.9, 0.02, -0.15, -0.3), "fuel_queue_time": (3.0, 0.2, 1.5, 2.5),
              "sensor_load": (100.0, 2.0, -15.0, -20.0)}  # level, noise, weekday change, crash
CLOSED = {"weekends": (5, 6), "Fridays": (4,), "Sundays": (6,)}


def series(indicator: str, closed: tuple, seed: int, crash: bool = False) -> pd.Series:
    level, noise, change, fall = INDICATORS[indicator]
    stamps = pd.date_range("2025-03-03", periods=DAYS, freq="D")
    pattern = np.isin(stamps.day_of_week, closed) & (np.arange(DAYS) >= FROM_DAY)
    values = level + change * pattern + np.random.default_rng(seed).normal(0, noise, DAYS)
    if crash:
        values[CRASH_DAY:CRASH_DAY + CRASH_DAYS] += fall
    return pd.Series(values, index=stamps.strftime("%Y-%m-%d"))


def scored(values: pd.Series, indicator: str) -> pd.DataFrame:
    return SeverityState().detect(values, SeriesInfo(indicator, "Bamako", frequency="daily")).frame


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1-8", help="a range (1-8) or a comma-separated list")
    args = parser.parse_args(argv)
    first, _, last = args.seeds.partition("-")
    seeds = list(range(int(first), int(last) + 1)) if last else [int(s) for s in args.seeds.split(",")]
    started, rows = time.process_time(), []
    for indicator in INDICATORS:
        for name, closed in CLOSED.items():
            alarms, learnt, held = [], [], []
            for seed in seeds:
                frame = scored(series(indicator, closed, seed), indicator)
                starts = [frame["date"].iloc[e["first"]]
                          for e in series_episodes(frame["date"], frame["severity"])]
                after = [(pd.Timestamp(s) - pd.Timestamp("2025-03-03")).days - FROM_DAY for s in starts]
                alarms.append(len(starts))
                learnt.append(max(after, default=-1))
                with_crash = series(indicator, closed, seed, crash=True)
                crash = scored(with_crash, indicator)
                days = crash["date"].isin(with_crash.index[CRASH_DAY:CRASH_DAY + CRASH_DAYS])
                held.append(float(crash.loc[days, "severity"].isin(["alert", "crisis"]).mean()))
            rows.append({"indicator": indicator, "closed": name, "series": len(seeds),
                         "alarms / series": np.mean(alarms), "most alarms": max(alarms),
                         "last alarm begins (day of pattern), median": np.median(learnt), "worst": max(learnt),
                         "learnt within 8 weeks": np.mean(np.array(learnt) < 56),
                         "crash days at alert+": np.mean(held)})
    table = pd.DataFrame(rows)
    pd.set_option("display.width", 250)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    print(f"all: {table['alarms / series'].mean():.2f} alarms per series, learnt within 8 weeks "
          f"{table['learnt within 8 weeks'].mean():.3f}, crash days at alert+ {table['crash days at alert+'].min():.3f} "
          f"(worst row); seeds {seeds} ({time.process_time() - started:.1f} CPU s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
