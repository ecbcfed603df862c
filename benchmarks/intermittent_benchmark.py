"""Intermittent (zero-heavy) outage series: false alarms and detection delays of the default detection.

    python benchmarks/intermittent_benchmark.py            # 20 seeds per family and scenario
    python benchmarks/intermittent_benchmark.py --seeds 5

Families (outage logs of areas whose grid is usually reliable; docs/detection.md, "Intermittent series"):
- `hourly_evening`: an hourly log, an outage on 40% of evenings (begun 18:00-22:00, log-normal
  length, median 0.7 h, sigma 0.5), a short one at any hour on 4% of days (the tests' family);
- `hourly_heavy`: the same with heavy-tailed lengths (sigma 1.0) on 30% of evenings;
- `hourly_clustered`: bad days: 10% of days have three outages, the others the evening pattern;
- `5min_evening`: the evening pattern logged every 5 minutes;
- `daily_cycle`: hours without power per day, outages on 55-65% of days in March-May (longer then),
  5-10% otherwise, log-normal sigma 0.4, five years (the tests' family);
- `daily_cycle_heavy`: the same cycle, sigma 0.7, a hot season of April-June.
Scenarios: `none` (event-free), `more` (from the change, four more outages a day at any hour on
sub-daily logs; on daily ones an outage on 70% of days, 3.5 h as in April: load shedding
begun in the cool season), `longer` (outages five times as long), and
`blackout` (one outage of 14 hours, or three whole days). Sub-daily logs last 100 days and change
on day 70; daily ones last five years and change on 2024-01-10 (a cool month).

An event is found when the first alarm (episode start at alert or worse) falls between the change
and 7 days after it (28 for daily series); an alarm before the change, or any alarm on an event-free
series, is a false alarm. Seeds 1000 and up: the tests use seeds 0-2 of the two tests' families.
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

DAYS, CHANGE = 100, 70
HOT_RATE = np.array([0.08, 0.08, 0.55, 0.65, 0.6, 0.3, 0.1, 0.05, 0.05, 0.05, 0.08, 0.08])
HOT_HOURS = np.array([1.5, 1.5, 3, 3.5, 3, 2, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5])
DAILY_CHANGE = "2024-01-10"


def grid_log(events, days: int = DAYS, step: int = 60) -> pd.Series:
    """Outages (start in hours since 2025-01-01 00:00, length in hours) -> hours out in each
    `step`-minute period."""
    per_hour = 60 // step
    out = np.zeros(days * 24 * per_hour)
    for start, length in events:
        begin, end = start * per_hour, min(start + length, days * 24) * per_hour
        for slot in range(int(begin), int(np.ceil(end))):
            out[slot] += max(0.0, min(end, slot + 1) - max(begin, slot)) / per_hour
    stamps = pd.date_range("2025-01-01", periods=len(out), freq=f"{step}min")
    return pd.Series(np.minimum(out, 1.0 / per_hour), index=stamps.strftime("%Y-%m-%dT%H:%M:%S"))


def evening_outages(rng, first: int = 0, last: int = DAYS, share: float = 0.4, median: float = 0.7,
                    sigma: float = 0.5, bad_days: float = 0.0) -> list[tuple[float, float]]:
    """An outage on `share` of evenings (begun 18:00-22:00, log-normal length) and a short one at
    any hour on 4% of days; on `bad_days` of days, three outages at any hour instead."""
    events = []
    for day in range(first, last):
        if rng.random() < bad_days:
            events += [(day * 24 + rng.uniform(0, 24), float(median * np.exp(sigma * rng.normal()))) for _ in range(3)]
            continue
        if rng.random() < share:
            events.append((day * 24 + rng.uniform(18, 22), float(median * np.exp(sigma * rng.normal()))))
        if rng.random() < 0.04:
            events.append((day * 24 + rng.uniform(0, 24), float(0.4 * np.exp(0.5 * rng.normal()))))
    return events


def sub_daily(seed: int, scenario: str, step: int = 60, **pattern) -> pd.Series:
    rng = np.random.default_rng(seed)
    if scenario == "longer":
        events = evening_outages(rng, last=CHANGE, **pattern)
        later = evening_outages(rng, first=CHANGE, **pattern)
        events += [(start, length * 5) for start, length in later]
    else:
        events = evening_outages(rng, **pattern)
    if scenario == "more":
        events += [(day * 24 + rng.uniform(0, 24), float(0.7 * np.exp(0.5 * rng.normal())))
                   for day in range(CHANGE, DAYS) for _ in range(4)]
    if scenario == "blackout":
        events.append((CHANGE * 24 + 8.0, 14.0))
    return grid_log(events, step=step)


def annual_cycle(seed: int, scenario: str = "none", years: int = 5, sigma: float = 0.4, shift: int = 0,
                 january_every_day: bool = False, ordinary: bool = False) -> pd.Series:
    """Daily outage hours in an area with a reliable grid but for the hot season (`shift` months
    later than March-May); `ordinary`: without the log-normal's far tail."""
    rate, hours_by_month = np.roll(HOT_RATE, shift), np.roll(HOT_HOURS, shift)
    rng = np.random.default_rng(seed)
    days = pd.date_range("2020-01-01", periods=365 * years, freq="D")
    month = days.month.to_numpy() - 1
    after = days >= pd.Timestamp(DAILY_CHANGE)
    more = after & (scenario == "more")
    out = rng.random(len(days)) < np.where(more, np.fmax(rate[month], 0.7), rate[month])
    hours = np.where(more, np.fmax(hours_by_month[month], 3.5), hours_by_month[month])
    hours = hours * np.where(after & (scenario == "longer"), 5.0, 1.0)
    if january_every_day:  # outages every day of the last January, as long as in the hot season
        january = (days.year == days.year[-1]) & (month == 0)
        out, hours = out | january, np.where(january, 3.5, hours)
    spread = sigma * rng.normal(size=len(days))
    if ordinary:  # no outage longer than e^(2.5 sigma) times its month's median
        spread = np.clip(spread, None, 2.5 * sigma)
    hours = np.where(out, np.minimum(hours * np.exp(spread), 24.0), 0.0)
    if scenario == "blackout":
        hours[np.flatnonzero(after)[:3]] = 24.0
    return pd.Series(hours, index=days.strftime("%Y-%m-%d"))


FAMILIES = {
    "hourly_evening": ("hourly", lambda seed, scenario: sub_daily(seed, scenario)),
    "hourly_heavy": ("hourly", lambda seed, scenario: sub_daily(seed, scenario, share=0.3, sigma=1.0)),
    "hourly_clustered": ("hourly", lambda seed, scenario: sub_daily(seed, scenario, bad_days=0.1)),
    "5min_evening": ("5min", lambda seed, scenario: sub_daily(seed, scenario, step=5)),
    "daily_cycle": ("daily", lambda seed, scenario: annual_cycle(seed, scenario)),
    "daily_cycle_heavy": ("daily", lambda seed, scenario: annual_cycle(seed, scenario, sigma=0.7, shift=1)),
}
SCENARIOS = ("none", "more", "longer", "blackout")


def alarm_dates(values: pd.Series, frequency: str) -> list[pd.Timestamp]:
    info = SeriesInfo("power_outage", "Area", unit="hours/day", frequency=frequency)
    frame = SeverityState().detect(values, info).frame
    return [pd.Timestamp(frame["date"].iloc[e["first"]]) for e in series_episodes(frame["date"], frame["severity"])]


def evaluate(family: str, scenario: str, seeds: range) -> dict:
    frequency, make = FAMILIES[family]
    change = pd.Timestamp(DAILY_CHANGE if frequency == "daily" else "2025-01-01") + (
        pd.Timedelta(0) if frequency == "daily" else pd.Timedelta(days=CHANGE))
    tolerance = pd.Timedelta(days=28 if frequency == "daily" else 7)
    found, delays, false_alarms, years = 0, [], 0, 0.0
    for seed in seeds:
        values = make(seed, scenario)
        dates = alarm_dates(values, frequency)
        stamps = pd.to_datetime(pd.Index(values.index))
        if scenario == "none":
            false_alarms += len(dates)
            years += (stamps[-1] - stamps[0]).days / 365.25
            continue
        false_alarms += sum(date < change for date in dates)
        years += (change - stamps[0]).days / 365.25
        after = [date for date in dates if change <= date <= change + tolerance]
        if after:
            found += 1
            delays.append((after[0] - change) / pd.Timedelta(days=1))
    return {"family": family, "scenario": scenario, "series": len(seeds),
            "found": np.nan if scenario == "none" else found / len(seeds),
            "median delay (days)": float(np.median(delays)) if delays else np.nan,
            "false alarms / series-year": false_alarms / years if years else np.nan}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="seeds per family and scenario (from 1000)")
    args = parser.parse_args()
    seeds = range(1000, 1000 + args.seeds)
    started = time.process_time()
    table = pd.DataFrame([evaluate(family, scenario, seeds) for family in FAMILIES for scenario in SCENARIOS])
    pd.set_option("display.width", 200)
    print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    event_free = table[table["scenario"] == "none"]
    worst = event_free.loc[event_free["false alarms / series-year"].idxmax()]
    print(f"\nworst family on event-free series: {worst['family']} "
          f"({worst['false alarms / series-year']:.3f} false alarms per series-year)")
    print(f"{time.process_time() - started:.1f} CPU s")


if __name__ == "__main__":
    main()
