"""Currency redenominations, applied at collection: a value in an old currency (SLL) is stored in
the new one (SLE), divided by the table's factor, so a series keeps one unit across the change and
later rows are not rejected for a unit that differs from the series'. A series already stored in
the old currency (collected before the table knew it) is converted in place when a file touches
it (`convert_stored`): each value divided by the factor, the old value kept in `revisions`, the
provenance kept.

The table is data (`redenominations.toml`, with its sources). The conversion depends only on the
row (its currency code), so re-collecting a file gives the same stored values (nothing revised),
and a file with old and new codes for the same month collapses to one value per (series, date)
as any duplicate does. Each converted series says so in its metadata (`redenominated`).
"""
from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Redenomination:
    old: str
    new: str
    factor: float
    date: str
    source: str


@lru_cache(maxsize=1)
def table() -> dict[str, Redenomination]:
    """Old currency code -> its redenomination."""
    text = resources.files("indicators").joinpath("redenominations.toml").read_text(encoding="utf-8")
    return {old: Redenomination(old, entry["new"], float(entry["factor"]), entry["date"], entry["source"])
            for old, entry in tomllib.loads(text).items()}


def convert(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of validated generic long format (`value` a number, `unit` canonical, e.g. SLL/KG or
    SLL/USD) with old currencies converted into the new ones."""
    old_codes = table()
    # a file has few distinct units: the currency of each is read once, not once per row
    codes, distinct_units = pd.factorize(frame["unit"].to_numpy(dtype=object), use_na_sentinel=False)
    distinct_heads = np.asarray([unit.split("/")[0] if isinstance(unit, str) else "" for unit in distinct_units],
                                dtype=object)
    heads = pd.Series(distinct_heads[codes] if len(codes) else distinct_heads[:0], index=frame.index, dtype=object)
    mask = heads.isin(list(old_codes))
    if not mask.any():
        return frame
    frame = frame.copy()
    for old, rows in frame[mask].groupby(heads[mask]):
        change = old_codes[old]
        index = rows.index
        frame.loc[index, "value"] = frame.loc[index, "value"] / change.factor
        frame.loc[index, "unit"] = frame.loc[index, "unit"].str.replace(rf"^{re.escape(old)}/", f"{change.new}/",
                                                                        regex=True)
        frame.loc[index, "currency"] = change.new
        note = {"from": old, "factor": change.factor, "date": change.date, "source": change.source}
        if "metadata" in frame.columns:
            frame.loc[index, "metadata"] = pd.Series(
                [dict(m if isinstance(m, dict) else {}, redenominated=note) for m in frame.loc[index, "metadata"]],
                index=index, dtype=object)
        else:
            frame["metadata"] = pd.Series([None] * len(frame), index=frame.index, dtype=object)
            frame.loc[index, "metadata"] = pd.Series([{"redenominated": note}] * len(index), index=index,
                                                     dtype=object)
    return frame


def convert_stored(store, series_ids, run_id=None) -> int:
    """Convert the series among `series_ids` that are stored in an old currency into the new one
    (values divided by the factor; old values kept as revisions, provenance kept; unit, currency
    and metadata updated). Call inside the import's transaction. Returns the series converted."""
    ids = json.dumps(np.unique(np.asarray(series_ids, dtype=np.int64)).tolist())  # one per series, not per row
    stored = store.query_frame("SELECT id, unit FROM series WHERE id IN (SELECT value FROM json_each(?))", [ids])
    converted = 0
    for series_id, unit in zip(stored["id"], stored["unit"]):
        old = (unit or "").split("/")[0]
        change = table().get(old)
        if change is None:
            continue
        values = store.query_frame("SELECT series_id, date, value, source_file, source_line FROM observations "
                                   "WHERE series_id = ?", [int(series_id)])
        store.ingest(values.assign(value=values["value"] / change.factor), run_id=run_id)
        note = json.dumps({"redenominated": {"from": old, "factor": change.factor, "date": change.date,
                                             "source": change.source}})
        store.conn.execute(
            "UPDATE series SET unit = ?, currency = ?, metadata = json_patch(CASE WHEN json_valid(metadata) "
            "THEN metadata ELSE '{}' END, ?) WHERE id = ?",
            (change.new + unit[len(old):], change.new, note, int(series_id)))
        converted += 1
    return converted
