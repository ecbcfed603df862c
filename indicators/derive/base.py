"""What every derivation shares: its inputs read from the store, its output checked and shaped.

A derivation module only turns stored series into derived values (`_derive`); the base reads the
inputs once (`Inputs`), and checks what comes out (the columns of `DERIVED_COLUMNS`, finite values,
one row per series and date, units agreeing within a series) before `storage.store_derived`
writes it. Each derived value carries its lineage: the formula, the inputs it used (series id,
date, value, role) and details (imputed components, contributions), plus an explanation.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import TrackError
from ..store import SERIES_KEY, Store

DERIVED_COLUMNS = SERIES_KEY + ["date", "value", "unit", "currency", "admin1", "admin2", "metadata", "inputs",
                                "detail", "explanation"]


class DerivationError(TrackError):
    """A derivation produced something that breaks its own contract (a bug, or inputs that disagree)."""


@dataclass
class Inputs:
    """The stored series (with their metadata as dicts) and observations a derivation reads."""

    series: pd.DataFrame
    observations: pd.DataFrame

    @classmethod
    def from_store(cls, store: Store, indicators: list[str] | None = None) -> "Inputs":
        series = store.series()
        if indicators is not None:
            series = series[series["indicator"].isin(indicators)]
        series = series.assign(meta=[_as_dict(m) for m in series["metadata"]])
        ids = json.dumps([int(i) for i in series["id"]])
        observations = store.query_frame(
            "SELECT series_id, date, value FROM observations WHERE series_id IN (SELECT value FROM json_each(?))",
            [ids])
        return cls(series=series.rename(columns={"id": "series_id"}), observations=observations)

    def table(self, indicators, price_types: list[str] | None = None) -> pd.DataFrame:
        """Observations of `indicators` with their series key, unit, currency, admin names, country
        and source: one row per (series, date)."""
        chosen = self.series[self.series["indicator"].isin(list(indicators))]
        if price_types is not None:
            chosen = chosen[chosen["price_type"].isin(price_types)]
        columns = SERIES_KEY + ["series_id", "unit", "currency", "admin1", "admin2", "source", "meta"]
        frame = self.observations.merge(chosen[columns], on="series_id")
        frame["country"] = [country_of(m, loc) for m, loc in zip(frame["meta"], frame["location"])]
        return frame.sort_values(["series_id", "date"]).reset_index(drop=True)


class Derivation:
    """Subclasses set `name`, `indicator`, `title`, `formula`, `method` (a paragraph for the
    docs and the report) and implement `_derive(inputs, settings) -> DataFrame` in
    `DERIVED_COLUMNS`. `rules` are detectors (`indicators.detect.Detector` subclasses) that score
    the derived series with the thresholds of the method's own literature."""

    name = ""
    indicator = ""
    title = ""
    formula = ""
    method = ""
    reads: tuple[str, ...] = ()  # the indicators it needs
    rules: tuple = ()

    def __init__(self):
        self.notes: dict = {}  # counts a run reports (basket: incomplete market-months)

    def derive(self, inputs: Inputs, settings) -> pd.DataFrame:
        frame = self._derive(inputs, settings)
        if frame is None or frame.empty:
            return pd.DataFrame(columns=DERIVED_COLUMNS)
        return self._check(frame)

    def _derive(self, inputs: Inputs, settings) -> pd.DataFrame:  # pragma: no cover - abstract
        raise NotImplementedError

    def _check(self, frame: pd.DataFrame) -> pd.DataFrame:
        missing = [c for c in DERIVED_COLUMNS if c not in frame.columns]
        if missing:
            raise DerivationError(f"derivation {self.name}: output lacks column(s) {', '.join(missing)}")
        frame = frame[np.isfinite(frame["value"].astype("float64"))]
        doubled = frame.duplicated(SERIES_KEY + ["date"])
        if doubled.any():
            row = frame[doubled].iloc[0]
            raise DerivationError(f"derivation {self.name}: two values for {row['location']} {row['item']} "
                                  f"{row['date']}")
        units = frame.groupby(SERIES_KEY)["unit"].nunique()
        if (units > 1).any():  # OWID's rule: a series has one unit
            raise DerivationError(f"derivation {self.name}: series {units[units > 1].index[0]} mixes units")
        return frame[DERIVED_COLUMNS].reset_index(drop=True)


def country_of(meta: dict, location: str) -> str:
    """A series' country: its metadata's `country`, else the ISO3 in 'Market (ISO3)', else ''."""
    if meta.get("country"):
        return str(meta["country"])
    if location.endswith(")") and "(" in location:
        code = location[location.rfind("(") + 1:-1]
        if len(code) == 3 and code.isalpha() and code.isupper():
            return code
    return ""


def one_per_item(frame: pd.DataFrame, price_type: str) -> pd.DataFrame:
    """One series per (market, indicator, item, date): the given price type when there, else the
    series with the lowest id."""
    frame = frame.assign(_rank=(frame["price_type"] != price_type).astype(int))
    frame = frame.sort_values(["_rank", "series_id"], kind="stable")
    return frame.drop_duplicates(["location", "indicator", "item", "date"]).drop(columns="_rank")


def place_metadata(meta: dict) -> dict:
    """The metadata a derived series keeps from an input: where it is."""
    return {k: meta[k] for k in ("country", "zone", "market", "admin1", "admin2") if meta.get(k)}


def input_record(series_id, date, value, role: str) -> dict:
    """One input of a derived value, as lineage stores it."""
    return {"series_id": int(series_id), "date": str(date), "value": float(value), "role": role}


def merged_source(sources) -> str:
    """OWID's rule: a derived series names the origins of its inputs."""
    names = sorted({s for s in sources if s})
    return "; ".join(names)


@dataclass
class DeriveCounts:
    series: int = 0
    values: int = 0
    new: int = 0
    revised: int = 0
    unchanged: int = 0
    lineage_written: int = 0
    changed_series: list = field(default_factory=list)
    notes: dict = field(default_factory=dict)


def _as_dict(text) -> dict:
    if isinstance(text, dict):
        return text
    try:
        value = json.loads(text or "{}")
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}
