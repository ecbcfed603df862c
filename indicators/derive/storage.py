"""Derived series in the store: ordinary series and observations, plus the `lineage` table.

`lineage` has one row per derived (series, date): the derivation, its formula, the inputs used
(JSON list of {series_id, date, value, role}), details (JSON: imputed components, contributions)
and the explanation. Observations of a derived series have `source_file` = `derived:<name>`;
their lineage points at the input observations, whose provenance names the original file and
line (`trace`). Writing is idempotent: a value or lineage row that did not change is not written.
"""
from __future__ import annotations

import json

import pandas as pd

from ..store import Store, now
from .base import DeriveCounts, Derivation, merged_source

SOURCE_PREFIX = "derived:"


def store_derived(store: Store, derivation: Derivation, frame: pd.DataFrame, sources: dict[int, str],
                  run_id: int | None = None) -> DeriveCounts:
    """Write one derivation's output (`base.DERIVED_COLUMNS`) in one transaction: series, values
    (new ones, and revisions of changed ones, as `Store.ingest` does) and lineage rows.
    `sources` maps input series ids to their source, merged into the derived series' source."""
    counts = DeriveCounts()
    if frame.empty:
        return counts
    rows = frame.copy()
    rows["inputs_json"] = [json.dumps(i, sort_keys=True) for i in rows["inputs"]]
    rows["detail_json"] = [json.dumps(d, sort_keys=True, default=str) for d in rows["detail"]]
    # each series says where it came from: its derivation, its formula and the origins of its inputs
    origin = {}
    for key, group in rows.groupby(["indicator", "location", "item", "price_type"], sort=False):
        used = {i["series_id"] for inputs in group["inputs"] for i in inputs}
        origin[key] = (f"{derivation.title} derived from: {merged_source(sources.get(s, '') for s in used)}",
                       sorted(used))
    keys = list(zip(rows["indicator"], rows["location"], rows["item"], rows["price_type"]))
    rows["source"] = [origin[k][0] for k in keys]
    rows["description"] = f"{derivation.title}: {derivation.formula}"
    rows["metadata"] = [dict(m, derived=derivation.name, formula=derivation.formula, input_series=origin[k][1])
                        for m, k in zip(rows["metadata"], keys)]
    with store.transaction():
        rows["series_id"] = store.ensure_series(rows).astype(int)
        counts.changed_series = sorted(_changed_series(store, rows))
        ingested = store.ingest(rows.assign(source_file=SOURCE_PREFIX + derivation.name, source_line=None),
                                run_id=run_id)
        counts.lineage_written = _write_lineage(store, derivation, rows, run_id)
    counts.__dict__.update(ingested)
    counts.series = int(rows["series_id"].nunique())
    counts.values = len(rows)
    return counts


def _changed_series(store: Store, rows: pd.DataFrame) -> set[int]:
    """The series among `rows` with a value not yet stored, or stored with another value: the
    ones whose rules must score again."""
    ids = json.dumps(sorted({int(s) for s in rows["series_id"]}))
    stored = store.query_frame("SELECT series_id, date, value AS stored FROM observations "
                               "WHERE series_id IN (SELECT value FROM json_each(?))", [ids])
    merged = rows[["series_id", "date", "value"]].merge(stored, on=["series_id", "date"], how="left")
    differs = merged["stored"].isna() | ((merged["value"] - merged["stored"]).abs()
                                         > 1e-9 * merged["stored"].abs().clip(lower=1.0))
    return {int(s) for s in merged.loc[differs, "series_id"].unique()}


def _write_lineage(store: Store, derivation: Derivation, rows: pd.DataFrame, run_id) -> int:
    ids = json.dumps(sorted({int(s) for s in rows["series_id"]}))
    stored = store.query_frame(
        "SELECT series_id, date, formula, inputs, detail, explanation FROM lineage "
        "WHERE series_id IN (SELECT value FROM json_each(?))", [ids])
    known = {(int(r.series_id), r.date): (r.formula, r.inputs, r.detail, r.explanation)
             for r in stored.itertuples(index=False)}
    stamp = now()
    changed = [(int(r.series_id), r.date, derivation.name, derivation.formula, r.inputs_json, r.detail_json,
                r.explanation, stamp, run_id)
               for r in rows.itertuples(index=False)
               if known.get((int(r.series_id), r.date)) != (derivation.formula, r.inputs_json, r.detail_json,
                                                             r.explanation)]
    store.conn.executemany(
        """INSERT INTO lineage (series_id, date, derivation, formula, inputs, detail, explanation, derived_at, run_id)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (series_id, date) DO UPDATE SET
           derivation = excluded.derivation, formula = excluded.formula, inputs = excluded.inputs,
           detail = excluded.detail, explanation = excluded.explanation, derived_at = excluded.derived_at,
           run_id = excluded.run_id""", changed)
    return len(changed)


def lineage(store: Store, derivation: str | None = None) -> pd.DataFrame:
    """Every lineage row with its derived series' key (inputs and detail as JSON text)."""
    where, params = ("WHERE l.derivation = ?", [derivation]) if derivation else ("", [])
    return store.query_frame(
        f"""SELECT s.indicator, s.location, s.item, s.price_type, l.date, o.value, s.unit, l.derivation,
                   l.formula, l.inputs, l.detail, l.explanation, l.series_id
            FROM lineage l JOIN series s ON s.id = l.series_id
            LEFT JOIN observations o ON o.series_id = l.series_id AND o.date = l.date {where}
            ORDER BY s.indicator, s.location, s.item, s.price_type, l.date""", params)


def with_lineage(store: Store, frame: pd.DataFrame) -> pd.DataFrame:
    """Observations (with `series_id`) plus, for derived values, their derivation, formula, the
    number of inputs, the number of imputed components and the explanation (empty otherwise)."""
    rows = store.query_frame("SELECT series_id, date, derivation, formula, inputs, detail, explanation FROM lineage")
    rows["inputs"] = [len(json.loads(i)) for i in rows["inputs"]]
    rows["imputed"] = [json.loads(d).get("imputed", 0) for d in rows["detail"]]
    merged = frame.merge(rows.drop(columns=["detail"]), on=["series_id", "date"], how="left")
    merged.index = frame.index
    for column in ("derivation", "formula", "explanation"):
        merged[column] = merged[column].fillna("")
    return merged.astype({"inputs": "Int64", "imputed": "Int64"})


def trace(store: Store, series_id: int, date: str, _depth: int = 0) -> pd.DataFrame:
    """The original observations behind a derived value, following lineage through derived
    inputs: indicator, location, item, price type, date, value, role, source file and line."""
    row = store.conn.execute("SELECT inputs FROM lineage WHERE series_id = ? AND date = ?",
                             (int(series_id), date)).fetchone()
    if row is None or _depth > 10:
        return pd.DataFrame(columns=["series_id", "indicator", "location", "item", "price_type", "date", "value",
                                     "role", "source_file", "source_line"])
    frames = []
    for item in json.loads(row[0]):
        found = store.query_frame(
            """SELECT o.series_id, s.indicator, s.location, s.item, s.price_type, o.date, o.value, o.source_file,
                      o.source_line FROM observations o JOIN series s ON s.id = o.series_id
               WHERE o.series_id = ? AND o.date = ?""", [item["series_id"], item["date"]])
        if not found.empty and str(found["source_file"].iloc[0]).startswith(SOURCE_PREFIX):
            frames.append(trace(store, item["series_id"], item["date"], _depth + 1))
        else:
            frames.append(found.assign(role=item["role"]))
    return pd.concat(frames, ignore_index=True) if frames else frames
