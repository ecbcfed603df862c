"""One plain sentence per indicator family: "Fuel: 3 of 4 cities in crisis since 2025-09-12"."""
from __future__ import annotations

import pandas as pd

from ..store import SEVERITY_RANK
from .data import UNSCORED
from .tables import worst

FAMILY_NAMES = {"grain": "Grain prices", "fuel": "Fuel", "power": "Power", "other": "Other indicators"}
PLACES = {"grain": ("market", "markets"), "fuel": ("city", "cities"), "power": ("area", "areas"),
          "other": ("location", "locations")}
STATES = {"crisis": "in crisis", "alert": "on alert", "stress": "under stress", "normal": "normal"}


def headline(family: str, series: pd.DataFrame) -> tuple[str, str]:
    """(sentence, worst severity) for the series of one family. A location counts at the worst
    latest severity of its series; "since" is when the earliest of them entered that state."""
    one, many = PLACES.get(family, PLACES["other"])
    name = FAMILY_NAMES.get(family, family.capitalize())
    by_location = series.groupby("location")["severity"].agg(worst)
    total = len(by_location)
    places = one if total == 1 else many
    top = worst(by_location)
    if top == UNSCORED:
        return f"{name}: {total} {places}, none scored yet (not enough history).", UNSCORED
    if top == "normal":
        if total == 1:
            return f"{name}: the one {one} is normal at its latest date.", "normal"
        return f"{name}: all {total} {places} normal at their latest date.", "normal"
    at_top = by_location[by_location == top].index
    since = series[series["location"].isin(at_top) & (series["severity"] == top)]["since"].min()
    sentence = f"{name}: {len(at_top)} of {total} {places} {STATES[top]} since {since}"
    others = [f"{int((by_location == s).sum())} {STATES[s]}" for s in ("alert", "stress")
              if SEVERITY_RANK[s] < SEVERITY_RANK[top] and (by_location == s).any()]
    return sentence + ("; " + ", ".join(others) if others else "") + ".", top
