"""One plain sentence per indicator family, naming the worst state and its size:
"Fuel: 4 of 4 cities in crisis since 2025-09-12 (availability 10-40%, queues 20-49 h)."

A location counts at the worst latest severity of its series; "since" is when the earliest of
them entered its episode. A series whose current episode is one period long and began with a
jump of several times the previous value is named as a possible data error, not counted as a
market in crisis.
"""
from __future__ import annotations

import pandas as pd

from .. import catalog, units
from ..detect.explain import format_value
from ..store import SEVERITY_RANK
from .data import UNSCORED
from .tables import worst

FAMILY_NAMES = {"grain": "Grain prices", "fuel": "Fuel", "power": "Power", "other": "Other indicators"}
PLACES = {"grain": ("market", "markets"), "fuel": ("city", "cities"), "power": ("area", "areas"),
          "other": ("location", "locations")}
STATES = {"crisis": "in crisis", "alert": "on alert", "stress": "under stress", "normal": "normal"}
SHORT_NAMES = {"fuel_availability": "availability", "fuel_queue_time": "queues", "fuel_price": "fuel prices",
               "power_outage": "outages", "grain_price": "prices", "food_price": "food prices"}
DATA_ERROR_WORDS = "may be a data error"


def headline(family: str, series: pd.DataFrame) -> tuple[str, str]:
    """(sentence, worst severity) for the series of one family (`ReportData.series` rows: location,
    severity, since, and when present indicator, unit, latest_value, suspect)."""
    one, many = PLACES.get(family, PLACES["other"])
    name = FAMILY_NAMES.get(family, family.capitalize())
    suspect = series["suspect"].fillna(False).astype(bool) if "suspect" in series else pd.Series(False, series.index)
    counted = series.assign(severity=series["severity"].where(~suspect, "normal"))
    by_location = counted.groupby("location")["severity"].agg(worst)
    total = len(by_location)
    places = one if total == 1 else many
    top = worst(by_location)
    checks = sorted(set(series.loc[suspect, "location"]))
    check = (f" Check {len(checks)} {one if len(checks) == 1 else many} with a possible data error "
             f"({', '.join(checks)})." if checks else "")
    if top == UNSCORED:
        return f"{name}: {total} {places}, none scored yet (not enough history).", UNSCORED
    if top == "normal":
        if total == 1:
            return f"{name}: the one {one} is normal at its latest date." + check, "normal"
        return f"{name}: all {total} {places} normal at their latest date." + check, "normal"
    at_top = by_location[by_location == top].index
    worst_rows = counted[counted["location"].isin(at_top) & (counted["severity"] == top)]
    since = worst_rows["since"].min()
    sentence = f"{name}: {len(at_top)} of {total} {places} {STATES[top]} since {since}"
    sizes = _sizes(worst_rows)
    if sizes:
        sentence += f" ({sizes})"
    others = [f"{int((by_location == s).sum())} {STATES[s]}" for s in ("alert", "stress")
              if SEVERITY_RANK[s] < SEVERITY_RANK[top] and (by_location == s).any()]
    return sentence + ("; " + ", ".join(others) if others else "") + "." + check, top


def _sizes(rows: pd.DataFrame) -> str:
    """'availability 10-40%, queues 20-49 h': the range of the latest values of each indicator."""
    if not {"indicator", "latest_value", "unit"} <= set(rows.columns):
        return ""
    parts = []
    rows = rows.dropna(subset=["latest_value"])
    shown = [units.per_period(unit, frequency) for unit, frequency in
             zip(rows["unit"], rows["frequency"] if "frequency" in rows else [""] * len(rows))]
    for (indicator, unit), group in rows.assign(_unit=shown).groupby(["indicator", "_unit"], sort=False):
        low, high = group["latest_value"].min(), group["latest_value"].max()
        label = SHORT_NAMES.get(indicator, catalog.get(indicator).title.lower())
        if format_value(low, unit) == format_value(high, unit):
            parts.append(f"{label} {format_value(low, unit)}")
        else:
            lower = format_value(low, unit).split(" ")[0].rstrip("%")
            parts.append(f"{label} {lower}-{format_value(high, unit)}")
    return ", ".join(parts)
