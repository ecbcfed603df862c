"""Which series changed since their last detection (incremental daily runs).

Every import that adds or revises a series' values bumps the series' `version`
(`series_versions`, written by `Store.ingest` through `bump`). A detection records, per series,
the version it scored, a fingerprint of what else the result depends on (the series' unit,
frequency and metadata such as its crop calendar zone, and the detection method: the detector
code and the catalog and crop calendar files), and the detectors it ran. A series is unchanged
when all three still hold: re-scoring it would store the same rows, so an incremental run skips
it. Anything else that should change detection output must bump the version, or the run must be
`--full`.
"""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

import numpy as np

PACKAGE = Path(__file__).resolve().parent
METHOD_FILES = ("detect/*.py", "catalog.py", "catalog.toml", "seasons.py", "crop_calendar.toml", "units.py")


def bump(store, series_ids, stamp: str) -> None:
    """A new version for each of these series (their values were added to or revised)."""
    store.conn.executemany(
        "INSERT INTO series_versions (series_id, version, changed_at) VALUES (?, 1, ?) "
        "ON CONFLICT (series_id) DO UPDATE SET version = version + 1, changed_at = excluded.changed_at",
        [(int(i), stamp) for i in series_ids])


@lru_cache(maxsize=1)
def method_fingerprint() -> str:
    """A digest of the detection method as installed: a new release (or an edited crop calendar)
    makes every series due again."""
    digest = hashlib.sha256()
    for pattern in METHOD_FILES:
        for path in sorted(PACKAGE.glob(pattern)):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def fingerprints(series) -> list[str]:
    """For each row of a series frame: a digest of what its detection depends on besides values."""
    method = method_fingerprint()
    return [hashlib.sha256(json.dumps([method, unit, frequency, metadata or "{}"]).encode()).hexdigest()[:16]
            for unit, frequency, metadata in zip(series["unit"], series["frequency"], series["metadata"])]


def with_state(store, series):
    """`series` (a frame with `id`, `unit`, `frequency`, `metadata`) with the columns `version`,
    `fingerprint` (now) and `scored_version`, `scored_fingerprint`, `scored_detectors` (at its
    last detection)."""
    state = store.query_frame(
        "SELECT series_id AS id, version, scored_version, scored_fingerprint, scored_detectors "
        "FROM series_versions WHERE series_id IN (SELECT value FROM json_each(?))",
        [json.dumps([int(i) for i in series["id"]])])
    merged = series.merge(state, on="id", how="left") if not state.empty else series.assign(
        version=np.nan, scored_version=np.nan, scored_fingerprint="", scored_detectors="")
    merged.index = series.index
    return merged.assign(version=merged["version"].fillna(0).astype(int), fingerprint=fingerprints(series),
                         scored_detectors=merged["scored_detectors"].fillna(""),
                         scored_fingerprint=merged["scored_fingerprint"].fillna(""))


def _ran(text: str) -> set[str]:
    return set(filter(None, (text or "").split(",")))


def unchanged(series, detectors) -> np.ndarray:
    """A boolean per row of `with_state(...)`: scored before at this version and fingerprint, with
    all of `detectors`."""
    wanted = set(detectors)
    return np.array([scored == version and old == new and wanted <= _ran(ran)
                     for version, scored, old, new, ran in zip(series["version"], series["scored_version"],
                                                                series["scored_fingerprint"], series["fingerprint"],
                                                                series["scored_detectors"])], dtype=bool)


def record_scored(store, series, detectors, stamp: str) -> None:
    """Remember what a detection scored, for rows of `with_state(...)`. The detectors of an earlier
    detection at the same version and fingerprint are kept, so `--detector` runs add up."""
    rows = []
    for series_id, version, scored, old, new, ran in zip(series["id"], series["version"], series["scored_version"],
                                                         series["scored_fingerprint"], series["fingerprint"],
                                                         series["scored_detectors"]):
        names = set(detectors) | (_ran(ran) if scored == version and old == new else set())
        rows.append((int(series_id), int(version), new, ",".join(sorted(names)), stamp))
    store.conn.executemany(
        "INSERT INTO series_versions (series_id, version, changed_at, scored_version, scored_fingerprint, "
        "scored_detectors, scored_at) VALUES (?1, ?2, ?5, ?2, ?3, ?4, ?5) ON CONFLICT (series_id) DO UPDATE SET "
        "scored_version = ?2, scored_fingerprint = ?3, scored_detectors = ?4, scored_at = ?5", rows)
