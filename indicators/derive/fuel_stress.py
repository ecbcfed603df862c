"""Fuel-stress index: one number per city and day, 0 as usual and 1 the worst, from four
components, each scaled against its own pre-crisis normal (the median over the `normal` window,
default each component's first 365 days in that city):

    availability  s_a = clip((normal share - share) / normal share, -1, 1)    shortfall of stations with fuel
    queue         s_q = clip(ln(hours / normal hours) / ln(100), -1, 1)       1 at 100 times the usual queue
    premium       s_p = clip((premium - normal premium) / 2, -1, 1)           parallel / pump - 1; 1 at +200 points
    outage        s_o = clip((hours - normal hours) / (24 - normal hours), -1, 1)  grid outage hours per day

    index = sum(w_i s_i) / sum(w_i) over the components present that day
            (weights: availability 0.35, queue 0.25, premium 0.25, outage 0.15; configurable)

Components are signed: a day better than usual counts below 0, so in normal times the index
varies around 0 with the components' own noise (clipped at 0 it would sit on a floor, and the
detectors' robust scale of a floor is next to nothing: every small wobble would be an alert).
Fuel items (petrol, diesel) are combined by their median; outage areas belong to the city they
are named after ("Bamako Commune IV" -> Bamako) unless `outage_areas` maps them. A day needs
availability or queue data, and at least two components. The explanation lists each component
with its usual value and its contribution to the index.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .base import Derivation, Inputs, input_record

QUEUE_SPAN = math.log(100.0)
PREMIUM_SPAN = 2.0
MIN_QUEUE_HOURS = 0.05  # 3 minutes: a usual queue of zero would make every queue infinitely long
COMPONENTS = ("availability", "queue", "premium", "outage")
MIN_COMPONENTS = 2  # an index of one component would only repeat that series


class FuelStress(Derivation):
    name = "fuel_stress"
    indicator = "fuel_stress"
    title = "Fuel-stress index"
    formula = ("weighted mean of availability shortfall, log queue ratio, parallel-market premium and outage hours, "
               "each scaled 0-1 against its pre-crisis normal")
    method = ("One number per city and day, 0 as usual and 1 the worst: the weighted mean of the availability "
              "shortfall, the queue (log ratio), the parallel-market premium and the outage hours, each scaled "
              "against its own pre-crisis normal.")
    reads = ("fuel_availability", "fuel_queue_time", "fuel_price", "power_outage")

    def _derive(self, inputs: Inputs, settings) -> pd.DataFrame:
        options = settings.fuel_stress
        weights = dict(options.weights)
        cities = sorted(set(inputs.table(["fuel_availability", "fuel_queue_time"])["location"]))
        if not cities:
            return None
        parts = {"availability": _by_item(inputs.table(["fuel_availability"])),
                 "queue": _by_item(inputs.table(["fuel_queue_time"])),
                 "premium": _premium(inputs.table(["fuel_price"], ["pump", "parallel"])),
                 "outage": _outages(inputs.table(["power_outage"]), cities, dict(options.outage_areas))}
        frames = []
        for city in cities:
            own = {name: part[part["location"] == city].set_index("date") for name, part in parts.items()}
            dates = sorted(set(own["availability"].index) | set(own["queue"].index))
            if not dates:
                continue
            normals = {name: _normal(frame["value"], options.normal) for name, frame in own.items()}
            table = pd.DataFrame(index=pd.Index(dates, name="date"))
            for name in COMPONENTS:
                table[name] = pd.to_numeric(own[name]["value"].reindex(table.index), errors="coerce")
                table[name + "_inputs"] = own[name]["inputs"].reindex(table.index)
            frames.append(_score(self.indicator, city, table, normals, weights))
        frames = [f for f in frames if not f.empty]
        return pd.concat(frames, ignore_index=True) if frames else None


def _by_item(frame: pd.DataFrame) -> pd.DataFrame:
    """Median over fuel items per city and date, with the observations behind it."""
    if frame.empty:
        return pd.DataFrame(columns=["location", "date", "value", "inputs"])
    records = [input_record(s, d, v, f"{frame_item} {indicator}") for s, d, v, frame_item, indicator in
               zip(frame["series_id"], frame["date"], frame["value"], frame["item"], frame["indicator"])]
    frame = frame.assign(record=records)
    grouped = frame.groupby(["location", "date"])
    return pd.DataFrame({"value": grouped["value"].median(), "inputs": grouped["record"].agg(list)}).reset_index()


def _premium(prices: pd.DataFrame) -> pd.DataFrame:
    """Parallel-market premium over the pump price (parallel / pump - 1), median over items."""
    if prices.empty:
        return pd.DataFrame(columns=["location", "date", "value", "inputs"])
    pump = prices[prices["price_type"] == "pump"]
    parallel = prices[prices["price_type"] == "parallel"]
    both = parallel.merge(pump, on=["location", "item", "date"], suffixes=("", "_pump"))
    both = both[both["value_pump"] > 0]
    both = both.assign(
        premium=both["value"] / both["value_pump"] - 1.0,
        record=[[input_record(s, d, v, f"{i} parallel price"), input_record(sp, d, vp, f"{i} pump price")]
                for s, sp, d, v, vp, i in zip(both["series_id"], both["series_id_pump"], both["date"], both["value"],
                                              both["value_pump"], both["item"])])
    grouped = both.groupby(["location", "date"])
    return pd.DataFrame({"value": grouped["premium"].median(),
                         "inputs": grouped["record"].agg(lambda r: [i for pair in r for i in pair])}).reset_index()


def _outages(outages: pd.DataFrame, cities: list[str], mapping: dict[str, str]) -> pd.DataFrame:
    """Outage hours per city and day: the median over the areas that belong to the city."""
    if outages.empty:
        return pd.DataFrame(columns=["location", "date", "value", "inputs"])

    def city_of(area: str) -> str:
        if area in mapping:
            return mapping[area]
        return next((c for c in cities if area == c or area.startswith(c + " ")), "")
    outages = outages.assign(item=outages["location"], location=outages["location"].map(city_of))
    return _by_item(outages[outages["location"] != ""])


def _normal(values: pd.Series, window) -> float:
    """The pre-crisis normal: the median over the window, or over the first 365 days."""
    if values.empty:
        return float("nan")
    days = pd.to_datetime(pd.Index(values.index), format="ISO8601")
    if window:
        keep = (days >= pd.Timestamp(window[0])) & (days <= pd.Timestamp(window[1]))
    else:
        keep = days < days.min() + pd.Timedelta(days=365)
    return float(np.median(values.to_numpy(dtype="float64")[keep])) if keep.any() else float("nan")


def _score(indicator: str, city: str, table: pd.DataFrame, normals: dict, weights: dict) -> pd.DataFrame:
    scaled = pd.DataFrame(index=table.index)
    a0, q0 = normals["availability"], max(normals["queue"], MIN_QUEUE_HOURS) if not math.isnan(normals["queue"]) \
        else float("nan")
    p0, o0 = normals["premium"], normals["outage"]
    scaled["availability"] = ((a0 - table["availability"]) / a0).clip(-1, 1) if a0 and not math.isnan(a0) else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled["queue"] = (np.log(table["queue"].clip(lower=MIN_QUEUE_HOURS) / q0) / QUEUE_SPAN).clip(-1, 1)
    scaled["premium"] = ((table["premium"] - p0) / PREMIUM_SPAN).clip(-1, 1)
    scaled["outage"] = ((table["outage"] - o0) / (24.0 - o0)).clip(-1, 1) if o0 < 24 else np.nan
    w = pd.Series({name: weights.get(name, 0.0) for name in COMPONENTS})
    present = scaled.notna() & (w > 0)
    total = present.mul(w, axis=1).sum(axis=1)
    keep = (table["availability"].notna() | table["queue"].notna()) & (present.sum(axis=1) >= MIN_COMPONENTS)
    contributions = scaled.fillna(0).mul(w, axis=1).div(total.where(total > 0), axis=0)
    index = contributions.sum(axis=1)
    rows = []
    for date in table.index[keep]:
        present_here = [n for n in COMPONENTS if present.at[date, n]]
        detail = {"components": {n: {"value": _round(table.at[date, n]), "normal": _round(normals[n]),
                                     "scaled": _round(scaled.at[date, n]),
                                     "contribution": _round(contributions.at[date, n])} for n in present_here},
                  "weights": {n: w[n] for n in present_here}}
        inputs = [i for n in present_here for i in table.at[date, n + "_inputs"]]
        rows.append({"indicator": indicator, "location": city, "item": "", "price_type": "", "date": date,
                     "value": float(index[date]), "unit": "index", "currency": "", "admin1": "", "admin2": "",
                     "metadata": {"normals": {n: _round(normals[n]) for n in COMPONENTS}},
                     "inputs": inputs, "detail": detail,
                     "explanation": _explain(city, date, float(index[date]), detail["components"])})
    return pd.DataFrame(rows)


def _explain(city: str, date: str, value: float, components: dict) -> str:
    words = []
    for name, c in components.items():
        v, n = c["value"], c["normal"]
        if name == "availability":
            words.append(f"availability {v:.0%} (usual {n:.0%})")
        elif name == "queue":
            words.append(f"queues {_hours(v)} (usual {_hours(n)})")
        elif name == "premium":
            words.append(f"premium {v:.0%} (usual {n:.0%})")
        else:
            words.append(f"outages {v:.0f} h/day (usual {n:.0f} h/day)")
    shares = ", ".join(f"{name} {c['contribution']:.2f}" for name, c in components.items())
    return f"{city}, {date}: {value:.2f} — {', '.join(words)}; contributions: {shares}."


def _hours(value: float) -> str:
    return f"{value:.0f} h" if value >= 10 else f"{value:.1f} h"


def _round(value) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 6)
