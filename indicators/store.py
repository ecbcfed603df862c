"""The SQLite store, through sqlite-utils.

Tables (see DESIGN.md, "Data model"):
- `series`: one row per (indicator, location, item, price_type) with its metadata;
- `observations`: the current value of each (series, date) with its provenance;
- `revisions`: every superseded value, with when and by what it was replaced (history is never lost);
- `rejects`: rows that failed validation (file, line, field, raw content, reason);
- `anomalies`: detector output per (series, date, detector);
- `detection_status`: per (series, detector): scored, or why not (for example not enough history);
- `imports`: one row per imported file and run (checksum, counts);
- `runs`: one row per command run (start, end, status, counts);
- `run_alerts`: the alerts each detection run raised for the first time (`alerts --new`);
- `lineage`: per derived (series, date), its formula and inputs (`indicators.derive.storage`);
- `series_versions`: per series, a version bumped by every import that changes its values, and
  what the last detection scored (`indicators.changes`: incremental runs);
- `station_reports`: each fuel-station report collected, so that two exports for the same city and
  day combine their stations' reports (`collectors/station_reports.py`);
- `events`, `event_revisions`: dated events (attacks on convoys, ACLED events) and every
  superseded version of one (read and written by `indicators.event_store`);
- `api_state`, `api_records`, `api_record_revisions`: what API sources (`indicators.sources`)
  remember between runs: cursors and validators, the survey submissions fetched so far (edited
  submissions replace their predecessor, which is kept as a revision). Never a secret.

Writes go through `Store.transaction()`, which takes the write lock up front (`BEGIN IMMEDIATE`)
so that concurrent writers wait on the busy timeout instead of failing half-way.
"""
from __future__ import annotations

import contextlib
import functools
import itertools
import json
import os
import re
import socket
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import sqlite_utils

from . import changes
from .catalog import SEVERITIES
from .errors import StoreError

SERIES_KEY = ["indicator", "location", "item", "price_type"]
SERIES_META = ["unit", "currency", "frequency", "source", "description",
               "admin1", "admin2", "pcode", "latitude", "longitude", "metadata"]
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}
DEFAULT_DB = Path("datasets") / "track.db"

SCHEMA = """
CREATE TABLE IF NOT EXISTS series (
    id INTEGER PRIMARY KEY,
    indicator TEXT NOT NULL,
    location TEXT NOT NULL,
    item TEXT NOT NULL DEFAULT '',
    price_type TEXT NOT NULL DEFAULT '',
    unit TEXT NOT NULL DEFAULT '',
    currency TEXT NOT NULL DEFAULT '',
    frequency TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    admin1 TEXT NOT NULL DEFAULT '',
    admin2 TEXT NOT NULL DEFAULT '',
    pcode TEXT NOT NULL DEFAULT '',
    latitude REAL,
    longitude REAL,
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (indicator, location, item, price_type)
);
CREATE TABLE IF NOT EXISTS observations (
    series_id INTEGER NOT NULL REFERENCES series(id),
    date TEXT NOT NULL,
    value REAL NOT NULL,
    source_file TEXT NOT NULL DEFAULT '',
    source_line INTEGER,
    collected_at TEXT NOT NULL,
    run_id INTEGER,
    PRIMARY KEY (series_id, date)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS revisions (
    id INTEGER PRIMARY KEY,
    series_id INTEGER NOT NULL REFERENCES series(id),
    date TEXT NOT NULL,
    value REAL NOT NULL,
    source_file TEXT NOT NULL DEFAULT '',
    source_line INTEGER,
    collected_at TEXT NOT NULL,
    superseded_at TEXT NOT NULL,
    new_value REAL NOT NULL,
    new_source_file TEXT NOT NULL DEFAULT '',
    new_source_line INTEGER,
    run_id INTEGER
);
CREATE INDEX IF NOT EXISTS revisions_series_date ON revisions (series_id, date);
CREATE TABLE IF NOT EXISTS rejects (
    id INTEGER PRIMARY KEY,
    source_file TEXT NOT NULL,
    line INTEGER,
    field TEXT NOT NULL DEFAULT '',
    raw TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL,
    collector TEXT NOT NULL DEFAULT '',
    rejected_at TEXT NOT NULL,
    run_id INTEGER,
    UNIQUE (source_file, line, raw, reason)
);
CREATE TABLE IF NOT EXISTS anomalies (
    series_id INTEGER NOT NULL REFERENCES series(id),
    date TEXT NOT NULL,
    detector TEXT NOT NULL,
    value REAL,
    expected REAL,
    lower REAL,
    upper REAL,
    score REAL,
    severity TEXT NOT NULL,
    explanation TEXT NOT NULL DEFAULT '',
    detected_at TEXT NOT NULL,
    first_run_id INTEGER,
    run_id INTEGER,
    PRIMARY KEY (series_id, date, detector)
) WITHOUT ROWID;
-- no index on severity: no query selects detector rows by it, and at a thousand rows per series it
-- cost as much as the rows themselves to maintain (stores made before have theirs dropped)
DROP INDEX IF EXISTS anomalies_severity;
CREATE TABLE IF NOT EXISTS detection_status (
    series_id INTEGER NOT NULL REFERENCES series(id),
    detector TEXT NOT NULL,
    status TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    observations INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    run_id INTEGER,
    PRIMARY KEY (series_id, detector)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS imports (
    id INTEGER PRIMARY KEY,
    source_file TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    collector TEXT NOT NULL,
    rows_read INTEGER NOT NULL,
    new INTEGER NOT NULL,
    revised INTEGER NOT NULL,
    unchanged INTEGER NOT NULL,
    rejected INTEGER NOT NULL,
    imported_at TEXT NOT NULL,
    run_id INTEGER,
    UNIQUE (source_file, sha256)
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    command TEXT NOT NULL,
    arguments TEXT NOT NULL DEFAULT '',
    started_at TEXT NOT NULL,
    ended_at TEXT,
    status TEXT NOT NULL,
    counts TEXT NOT NULL DEFAULT '{}',
    message TEXT NOT NULL DEFAULT '',
    pid INTEGER,
    host TEXT
);
CREATE TABLE IF NOT EXISTS run_alerts (
    run_id INTEGER NOT NULL,
    series_id INTEGER NOT NULL REFERENCES series(id),
    date TEXT NOT NULL,
    severity TEXT NOT NULL,
    detector TEXT NOT NULL DEFAULT '',
    value REAL,
    expected REAL,
    lower REAL,
    upper REAL,
    score REAL,
    explanation TEXT NOT NULL DEFAULT '',
    raised_at TEXT NOT NULL,
    PRIMARY KEY (run_id, series_id, date)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS run_alerts_series_date ON run_alerts (series_id, date);
CREATE TABLE IF NOT EXISTS lineage (
    series_id INTEGER NOT NULL REFERENCES series(id),
    date TEXT NOT NULL,
    derivation TEXT NOT NULL,
    formula TEXT NOT NULL,
    inputs TEXT NOT NULL DEFAULT '[]',
    detail TEXT NOT NULL DEFAULT '{}',
    explanation TEXT NOT NULL DEFAULT '',
    derived_at TEXT NOT NULL,
    run_id INTEGER,
    PRIMARY KEY (series_id, date)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS forecasts (
    series_id INTEGER NOT NULL REFERENCES series(id),
    origin TEXT NOT NULL,
    date TEXT NOT NULL,
    method TEXT NOT NULL,
    horizon INTEGER NOT NULL,
    forecast REAL,
    lower_80 REAL,
    upper_80 REAL,
    lower_95 REAL,
    upper_95 REAL,
    chosen INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    run_id INTEGER,
    PRIMARY KEY (series_id, origin, date, method)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS forecast_choices (
    series_id INTEGER NOT NULL REFERENCES series(id),
    origin TEXT NOT NULL,
    method TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    episode_start TEXT,
    created_at TEXT NOT NULL,
    run_id INTEGER,
    PRIMARY KEY (series_id, origin)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS forecast_skill (
    series_id INTEGER NOT NULL REFERENCES series(id),
    method TEXT NOT NULL,
    horizon INTEGER NOT NULL,
    origin TEXT NOT NULL,
    origins INTEGER NOT NULL,
    mape REAL,
    mape_baseline REAL,
    mase REAL,
    coverage_80 REAL,
    coverage_95 REAL,
    sum_ape REAL,
    sum_ape_baseline REAL,
    sum_abs REAL,
    sum_abs_baseline REAL,
    hits_80 INTEGER,
    hits_95 INTEGER,
    updated_at TEXT NOT NULL,
    run_id INTEGER,
    PRIMARY KEY (series_id, method, horizon)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS series_versions (
    series_id INTEGER PRIMARY KEY REFERENCES series(id),
    version INTEGER NOT NULL DEFAULT 0,
    changed_at TEXT NOT NULL,
    scored_version INTEGER,
    scored_fingerprint TEXT NOT NULL DEFAULT '',
    scored_detectors TEXT NOT NULL DEFAULT '',
    scored_at TEXT
);
CREATE TABLE IF NOT EXISTS station_reports (
    source_file TEXT NOT NULL,
    line INTEGER NOT NULL,
    city TEXT NOT NULL,
    station TEXT NOT NULL,
    fuel TEXT NOT NULL,
    day TEXT NOT NULL,
    moment TEXT NOT NULL,
    has_fuel INTEGER NOT NULL,
    queue REAL,
    pump REAL,
    parallel REAL,
    currency TEXT NOT NULL DEFAULT '',
    admin1 TEXT NOT NULL DEFAULT '',
    admin2 TEXT NOT NULL DEFAULT '',
    latitude REAL,
    longitude REAL,
    source TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (source_file, line)
);
CREATE INDEX IF NOT EXISTS station_reports_day ON station_reports (city, fuel, day);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    event_id TEXT NOT NULL,
    date TEXT NOT NULL,
    event_type TEXT NOT NULL DEFAULT '',
    sub_event_type TEXT NOT NULL DEFAULT '',
    actors TEXT NOT NULL DEFAULT '',
    location TEXT NOT NULL DEFAULT '',
    admin1 TEXT NOT NULL DEFAULT '',
    admin2 TEXT NOT NULL DEFAULT '',
    corridor TEXT NOT NULL DEFAULT '',
    latitude REAL,
    longitude REAL,
    fatalities INTEGER,
    description TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    places TEXT NOT NULL DEFAULT '[]',
    radius_km REAL,
    extra TEXT NOT NULL DEFAULT '{}',
    source_file TEXT NOT NULL DEFAULT '',
    source_line INTEGER,
    collected_at TEXT NOT NULL,
    run_id INTEGER,
    UNIQUE (source, event_id)
);
CREATE INDEX IF NOT EXISTS events_date ON events (date);
CREATE TABLE IF NOT EXISTS event_revisions (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    event_id TEXT NOT NULL,
    previous TEXT NOT NULL,
    source_file TEXT NOT NULL DEFAULT '',
    source_line INTEGER,
    collected_at TEXT NOT NULL,
    superseded_at TEXT NOT NULL,
    new_source_file TEXT NOT NULL DEFAULT '',
    new_source_line INTEGER,
    run_id INTEGER
);
CREATE INDEX IF NOT EXISTS event_revisions_event ON event_revisions (source, event_id);
CREATE TABLE IF NOT EXISTS api_state (
    source TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT '{}',
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS api_records (
    source TEXT NOT NULL,
    record_id TEXT NOT NULL,
    instance_id TEXT NOT NULL DEFAULT '',
    cursor TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    PRIMARY KEY (source, record_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS api_record_revisions (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    record_id TEXT NOT NULL,
    instance_id TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    superseded_at TEXT NOT NULL,
    new_instance_id TEXT NOT NULL DEFAULT ''
);
-- one row per series as the last alarm pass saw it (indicators.series_states): writing a series'
-- anomalies drops its row, so the next pass recomputes exactly the series that changed
CREATE TABLE IF NOT EXISTS series_states (
    series_id INTEGER PRIMARY KEY,
    scored INTEGER NOT NULL DEFAULT 0,
    flagged_stress INTEGER NOT NULL DEFAULT 0,
    flagged_alert INTEGER NOT NULL DEFAULT 0,
    flagged_crisis INTEGER NOT NULL DEFAULT 0,
    current TEXT NOT NULL DEFAULT '',
    episodes INTEGER NOT NULL DEFAULT 0,
    ongoing_episodes INTEGER NOT NULL DEFAULT 0,
    alarms_alert INTEGER NOT NULL DEFAULT 0,
    alarms_crisis INTEGER NOT NULL DEFAULT 0
);
"""


def now() -> str:
    """UTC time stamp as stored everywhere in the database."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def default_db_path(fallback: str | Path | None = None) -> Path:
    """$TRACK_DB, else `fallback` (a job configuration's `db`), else datasets/track.db."""
    return Path(os.environ.get("TRACK_DB") or fallback or DEFAULT_DB)


class Store:
    """A tracker database on disk (or in memory with `Store(":memory:")`)."""

    def __init__(self, path: str | Path | None = None, busy_timeout: float = 60.0, readonly: bool = False):
        self.path = Path(path) if path is not None else default_db_path()
        self.readonly = readonly
        if readonly:  # a reader (alerts, export, report...): never creates, never writes (see `readonly.py`)
            from .readonly import open_readonly
            self.db = sqlite_utils.Database(open_readonly(self.path, busy_timeout, SCHEMA))
            return
        try:
            if str(self.path) == ":memory:":
                conn = sqlite3.connect(":memory:", timeout=busy_timeout, isolation_level=None)
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(str(self.path), timeout=busy_timeout, isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            self.db = sqlite_utils.Database(conn)
            if str(self.path) != ":memory:":
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            # Only a database that lacks part of the schema takes the write lock here, so that
            # readers open at once while another process is writing.
            if not self._has_schema():
                with self.transaction():
                    for statement in filter(str.strip, SCHEMA.split(";")):
                        conn.execute(statement)
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{self.path}: cannot open the database ({error})") from error

    @property
    def conn(self) -> sqlite3.Connection:
        return self.db.conn

    def _has_schema(self) -> bool:
        names = set(re.findall(r"CREATE (?:TABLE|INDEX) IF NOT EXISTS (\w+)", SCHEMA))
        dropped = set(re.findall(r"DROP INDEX IF EXISTS (\w+)", SCHEMA))
        present = {row[0] for row in self.conn.execute("SELECT name FROM sqlite_master")}
        return names <= present and not dropped & present

    def backup(self, target: str | Path) -> Path:
        """Copy the database to `target` (a file, or a folder, existing or ending in "/", for a
        time-stamped file) with SQLite's online backup API: a consistent snapshot even while other
        processes write. The copy is written beside the target, checked with `integrity_check`,
        then renamed into place, so `target` is never a partial copy."""
        as_folder = str(target).endswith(("/", os.sep))
        target = Path(target)
        if as_folder or target.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            target = target / f"{self.path.stem}-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}.db"
        if str(self.path) != ":memory:" and target.resolve() == self.path.resolve():
            raise StoreError(f"{target}: a backup cannot overwrite the database itself")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.part-{os.getpid()}")
        try:
            copy = sqlite3.connect(str(partial))
            try:
                self.conn.backup(copy)
                check = copy.execute("PRAGMA integrity_check").fetchone()[0]
            finally:
                copy.close()
            if check != "ok":
                raise StoreError(f"{target}: the copy failed its integrity check ({check})")
            os.replace(partial, target)
        except sqlite3.Error as error:
            raise StoreError(f"{target}: backup failed ({error})") from error
        finally:
            partial.unlink(missing_ok=True)
        return target

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self):
        """One write transaction; takes the write lock at once so writers queue, never half-write."""
        if self.conn.in_transaction:
            yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            if self.conn.in_transaction:  # SQLite has already rolled back after a full disk (SQLITE_FULL)
                self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    # -- runs -------------------------------------------------------------------------------
    def start_run(self, command: str, arguments: str = "") -> int:
        with self.transaction():
            cursor = self.conn.execute(
                "INSERT INTO runs (command, arguments, started_at, status, pid, host) VALUES (?, ?, ?, 'running', ?, ?)",
                (command, arguments, now(), os.getpid(), socket.gethostname()),
            )
        return cursor.lastrowid

    def finish_run(self, run_id: int, status: str, counts: dict | None = None, message: str = "") -> None:
        with self.transaction():
            self.conn.execute(
                "UPDATE runs SET ended_at = ?, status = ?, counts = ?, message = ? WHERE id = ?",
                (now(), status, json.dumps(counts or {}, default=str), message, run_id),
            )

    def runs(self) -> pd.DataFrame:
        return self.query_frame("SELECT * FROM runs ORDER BY id")

    # -- series -----------------------------------------------------------------------------
    def ensure_series(self, frame: pd.DataFrame) -> pd.Series:
        """Create missing series for the keys in `frame` (with metadata columns when present)
        and fill metadata that is still empty; return the series id for every row of `frame`."""
        keys = frame[SERIES_KEY].astype(str)
        codes = _group_codes([keys[k] for k in SERIES_KEY])  # numbered in order of first appearance
        firsts = frame.assign(**{k: keys[k] for k in SERIES_KEY}).iloc[np.unique(codes, return_index=True)[1]]
        stamp = now()
        present = [c for c in SERIES_KEY + SERIES_META if c in firsts.columns]
        upserts = []  # (statement, parameters) in order of first appearance
        for values in zip(*(firsts[c].tolist() for c in present)):
            record = dict(zip(present, values))
            meta = {k: record.get(k) for k in SERIES_META if k in record}
            meta = {k: _clean(v) for k, v in meta.items()}
            meta = {k: v for k, v in meta.items() if v not in (None, "")}
            if isinstance(meta.get("metadata"), dict):
                meta["metadata"] = json.dumps(meta["metadata"], sort_keys=True, ensure_ascii=False)
            key = [record[k] for k in SERIES_KEY]
            upserts.append((_upsert_series(tuple(meta)), key + list(meta.values()) + [stamp, stamp]))
        # consecutive series with the same metadata columns (usually all of a file's) share one executemany
        for statement, group in itertools.groupby(upserts, key=lambda upsert: upsert[0]):
            self.conn.executemany(statement, [parameters for _, parameters in group])
        found = self.query_frame(  # only the series of `frame`: a store may hold hundreds of thousands
            "SELECT j.key AS code, s.id FROM json_each(?) AS j CROSS JOIN series AS s "
            "ON s.indicator = json_extract(j.value, '$[0]') AND s.location = json_extract(j.value, '$[1]') "
            "AND s.item = json_extract(j.value, '$[2]') AND s.price_type = json_extract(j.value, '$[3]')",
            [json.dumps(firsts[SERIES_KEY].to_numpy().tolist(), ensure_ascii=False)])
        ids = np.zeros(len(firsts), dtype=np.int64)
        ids[found["code"].to_numpy(dtype=np.int64)] = found["id"].to_numpy(dtype=np.int64)
        return pd.Series(ids[codes], index=frame.index)

    def series(self, indicator: str | None = None) -> pd.DataFrame:
        """Every series with metadata and coverage (first and last date, observation count)."""
        where, params = ("WHERE s.indicator = ?", [indicator]) if indicator else ("", [])
        return self.query_frame(
            f"""SELECT s.*, COUNT(o.date) AS observations, MIN(o.date) AS first_date,
                       MAX(o.date) AS last_date, MAX(o.collected_at) AS last_collected
                FROM series s LEFT JOIN observations o ON o.series_id = s.id {where}
                GROUP BY s.id ORDER BY s.indicator, s.location, s.item, s.price_type""",
            params,
        )

    def set_frequency(self, series_ids, known: pd.DataFrame | None = None) -> None:
        """Infer each series' frequency from its latest 200 dates (monthly dates are stored as YYYY-MM).
        `known` (series_id, date) holds every stored date of some of these series (series first
        stored by this import): theirs are taken from it rather than read back."""
        ids = sorted({int(s) for s in series_ids})
        given = set() if known is None else set(known["series_id"].tolist())
        read = [i for i in ids if i not in given]
        latest = self.query_frame(  # per series: find its 200th latest date, then read from there
            "WITH cut (id, since) AS (SELECT j.value, COALESCE((SELECT date FROM observations WHERE series_id = j.value "
            "ORDER BY date DESC LIMIT 1 OFFSET 199), '') FROM json_each(?) AS j) "
            "SELECT o.series_id, o.date FROM cut CROSS JOIN observations AS o ON o.series_id = cut.id "
            "AND o.date >= cut.since", [json.dumps(read)]) if read else None
        if given:
            own = known[["series_id", "date"]].sort_values(["series_id", "date"], kind="stable")
            own = own.groupby("series_id", sort=False).tail(200)
            latest = own if latest is None or latest.empty else pd.concat([latest, own], ignore_index=True)
        frequencies = infer_frequencies(latest if latest is not None else pd.DataFrame(columns=["series_id", "date"]))
        self.conn.executemany("UPDATE series SET frequency = ? WHERE id = ?", [(frequencies.get(i, ""), i) for i in ids])

    # -- observations -----------------------------------------------------------------------
    def ingest(self, frame: pd.DataFrame, run_id: int | None = None) -> dict:
        """Store observations (columns: series_id, date, value, source_file, source_line).

        A (series, date) not yet stored is new; one stored with the same value is unchanged
        (its first provenance stays); one with another value is updated and the old value is
        kept in `revisions`. Call inside `transaction()` to make a file's import atomic."""
        counts = {"new": 0, "revised": 0, "unchanged": 0}
        if frame.empty:
            return counts
        stamp = now()
        incoming = frame[["series_id", "date", "value", "source_file", "source_line"]].copy()
        incoming["series_id"] = incoming["series_id"].astype(int)
        incoming = _in_key_order(incoming)  # new rows become B-tree appends, not page splits
        existing = self._existing(incoming)
        stored_before = set(self.query_frame(  # series with any stored value (inside or outside this file's range)
            "SELECT j.value AS series_id FROM json_each(?) AS j WHERE EXISTS "
            "(SELECT 1 FROM observations o WHERE o.series_id = j.value)",
            [json.dumps(np.unique(incoming["series_id"].to_numpy()).tolist())])["series_id"].tolist())
        if existing.empty:  # a first import: every row is new
            merged = incoming.assign(value_old=float("nan"))
        else:
            merged = incoming.merge(existing, on=["series_id", "date"], how="left", suffixes=("", "_old"))
        is_new = merged["value_old"].isna()
        same = ~is_new & _close(merged["value"], merged["value_old"])
        revised = merged[~is_new & ~same]
        fresh = merged[is_new]
        files = pd.unique(fresh["source_file"].to_numpy(dtype=object))
        for source_file, rows in ([(files[0], fresh)] if len(files) == 1 else fresh.groupby("source_file", sort=False)):
            # whole columns as Python lists, zipped (no per-row pandas access); what is the same on
            # every row is written into the statement, a third less binding work per row
            self.conn.executemany(
                "INSERT INTO observations (series_id, date, value, source_line, source_file, collected_at, run_id) "
                f"VALUES (?, ?, ?, ?, {_literal(source_file)}, {_literal(stamp)}, {_literal(run_id)})",
                zip(rows["series_id"].tolist(), rows["date"].tolist(), rows["value"].astype(float).tolist(),
                    _ints(rows["source_line"])))
        if not revised.empty:
            updates = list(zip(revised["value"].astype(float).tolist(), revised["source_file"].tolist(),
                               _ints(revised["source_line"]), revised["series_id"].tolist(), revised["date"].tolist()))
            # the superseded value and its provenance go to `revisions` straight from the stored row
            self.conn.executemany(
                "INSERT INTO revisions (series_id, date, value, source_file, source_line, collected_at, "
                "superseded_at, new_value, new_source_file, new_source_line, run_id) "
                f"SELECT series_id, date, value, source_file, source_line, collected_at, {_literal(stamp)}, "
                f"?, ?, ?, {_literal(run_id)} FROM observations WHERE series_id = ? AND date = ?", updates)
            self.conn.executemany(
                f"UPDATE observations SET value = ?, source_file = ?, source_line = ?, collected_at = {_literal(stamp)}, "
                f"run_id = {_literal(run_id)} WHERE series_id = ? AND date = ?", updates)
        counts.update(new=int(is_new.sum()), revised=len(revised), unchanged=int(same.sum()))
        changes.bump(self, set(fresh["series_id"].tolist()) | set(revised["series_id"].tolist()), stamp)
        if counts["new"]:
            first_stored = fresh[~fresh["series_id"].isin(stored_before)]  # all of these series' dates
            self.set_frequency(fresh["series_id"].unique(), known=first_stored)
        return counts

    def _existing(self, incoming: pd.DataFrame) -> pd.DataFrame:
        """The stored (series_id, date, value) within each incoming series' date range, in one query."""
        # `incoming` is in (series, date) order: a series' first and last rows are its date range
        series_ids = incoming["series_id"].to_numpy()
        dates = incoming["date"].to_numpy(dtype=object)
        starts = np.flatnonzero(np.r_[True, series_ids[1:] != series_ids[:-1]])
        ends = np.r_[starts[1:], len(series_ids)] - 1
        bounds = json.dumps([[int(series_ids[a]), dates[a], dates[b]] for a, b in zip(starts, ends)])
        existing = self.query_frame(
            "SELECT o.series_id, o.date, o.value FROM json_each(?) AS j CROSS JOIN observations AS o "
            "ON o.series_id = json_extract(j.value, '$[0]') "
            "AND o.date BETWEEN json_extract(j.value, '$[1]') AND json_extract(j.value, '$[2]')", [bounds])
        if existing.empty:
            return pd.DataFrame({"series_id": pd.Series(dtype="int64"), "date": pd.Series(dtype=object),
                                 "value": pd.Series(dtype="float64")})
        return existing.astype({"series_id": int})

    def observations(self, indicator: str | None = None, series_id: int | None = None,
                     series_ids: list[int] | None = None) -> pd.DataFrame:
        """Observations in the generic long format, with provenance (of one series, or of the
        series in `series_ids`, when given)."""
        clauses, params = [], []
        if indicator:
            clauses.append("s.indicator = ?")
            params.append(indicator)
        if series_id is not None:
            clauses.append("s.id = ?")
            params.append(int(series_id))
        if series_ids is not None:
            clauses.append("o.series_id IN (SELECT value FROM json_each(?))")
            params.append(json.dumps([int(i) for i in series_ids]))
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        return self.query_frame(
            f"""SELECT s.indicator, s.location, s.item, s.price_type, o.date, o.value, s.unit, s.currency,
                       s.source, s.admin1, s.admin2, s.pcode, s.latitude, s.longitude,
                       o.source_file, o.source_line, o.collected_at, o.series_id
                FROM observations o JOIN series s ON s.id = o.series_id {where}
                ORDER BY s.indicator, s.location, s.item, s.price_type, o.date""",
            params,
        )

    def values(self, series_id: int) -> pd.Series:
        """One series' values indexed by its date strings, in date order."""
        rows = self.conn.execute(
            "SELECT date, value FROM observations WHERE series_id = ? ORDER BY date", (int(series_id),)).fetchall()
        return pd.Series([r[1] for r in rows], index=[r[0] for r in rows], dtype="float64", name="value")

    def revisions(self, series_id: int | None = None) -> pd.DataFrame:
        where, params = ("WHERE series_id = ?", [int(series_id)]) if series_id is not None else ("", [])
        return self.query_frame(f"SELECT * FROM revisions {where} ORDER BY series_id, date, id", params)

    # -- rejects and imports ----------------------------------------------------------------
    def add_rejects(self, rejects: list[dict], collector: str, run_id: int | None = None) -> int:
        """Quarantine rejected rows; the same rejected row collected again is not added twice."""
        stamp = now()
        before = self.conn.total_changes
        self.conn.executemany(
            "INSERT OR IGNORE INTO rejects (source_file, line, field, raw, reason, collector, rejected_at, run_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(r["source_file"], r.get("line"), r.get("field") or "", r.get("raw") or "", r["reason"],
              collector, stamp, run_id) for r in rejects],
        )
        return self.conn.total_changes - before

    def rejects(self) -> pd.DataFrame:
        return self.query_frame(
            "SELECT source_file, line, field, raw, reason, collector, rejected_at FROM rejects ORDER BY id")

    def record_import(self, **fields) -> None:
        """Remember the first import of each (file, content); the same content again adds nothing."""
        self.db["imports"].insert(dict(fields, imported_at=now()), ignore=True)

    # -- anomalies --------------------------------------------------------------------------
    def replace_anomalies(self, series_id: int, detector: str, frame: pd.DataFrame, run_id: int | None = None) -> None:
        """Make `frame` (date, value, expected, lower, upper, score, severity, explanation) the
        detector's output for the series. Rows already stored keep the run that first raised them.
        `frame` may also be a dict of those columns as numpy arrays (`DetectionResult.columns`).
        One output of `anomaly_store.write_outputs`, which writes a whole chunk of them at once."""
        from .anomaly_store import COLUMNS, Output, write_outputs

        columns = {name: frame[name] for name in COLUMNS}
        write_outputs(self, [Output(int(series_id), detector, columns)], run_id, now())

    def set_detection_status(self, series_id: int, detector: str, status: str, message: str,
                             observations: int, run_id: int | None = None) -> None:
        from .anomaly_store import write_statuses

        write_statuses(self, [(int(series_id), detector, status, message, int(observations), now(), run_id)])

    def detection_status(self) -> pd.DataFrame:
        return self.query_frame(
            """SELECT s.indicator, s.location, s.item, s.price_type, d.detector, d.status, d.message,
                      d.observations, d.updated_at
               FROM detection_status d JOIN series s ON s.id = d.series_id
               ORDER BY s.indicator, s.location, s.item, s.price_type, d.detector""")

    def anomalies(self, detector: str | None = None, series_range: tuple[int, int] | None = None,
                  without: tuple[str, ...] = (), series_ids: list[int] | None = None,
                  flagged: bool = False) -> pd.DataFrame:
        """Every stored detector row joined with its series key (of the series whose id is within
        `series_range`, both ends included, or in `series_ids`, when given; not of the detectors
        named in `without`; only the rows at stress or worse when `flagged`)."""
        where = [("a.detector = ?", [detector])] if detector else []
        where += [("a.severity != 'normal'", [])] if flagged else []
        where += [("a.series_id BETWEEN ? AND ?", list(series_range))] if series_range else []
        where += [("a.series_id IN (SELECT value FROM json_each(?))",
                   [json.dumps([int(i) for i in series_ids])])] if series_ids is not None else []
        where += [(f"a.detector NOT IN ({', '.join('?' * len(without))})", list(without))] if without else []
        params = [value for _, values in where for value in values]
        where = "WHERE " + " AND ".join(clause for clause, _ in where) if where else ""
        return self.query_frame(
            f"""SELECT s.indicator, s.location, s.item, s.price_type, a.date, a.value, a.expected, a.lower,
                       a.upper, a.score, a.severity, a.detector, a.explanation, a.series_id, s.unit,
                       s.currency, a.first_run_id, a.run_id
                FROM anomalies a JOIN series s ON s.id = a.series_id {where}
                ORDER BY s.indicator, s.location, s.item, s.price_type, a.date, a.detector""",
            params,
        )

    # -- helpers ----------------------------------------------------------------------------
    def query_frame(self, sql: str, params=()) -> pd.DataFrame:
        cursor = self.conn.execute(sql, list(params))
        columns = [c[0] for c in cursor.description]
        return pd.DataFrame.from_records(cursor.fetchall(), columns=columns)

    def table_counts(self) -> dict[str, int]:
        names = ["series", "observations", "revisions", "rejects", "anomalies", "runs"]
        return {n: self.conn.execute(f"SELECT COUNT(*) FROM {n}").fetchone()[0] for n in names}


def infer_frequency(dates: list[str]) -> str:
    """monthly for YYYY-MM dates, the sampling interval for date-times (`subdaily_interval`), else
    daily or weekly from the median gap."""
    return infer_frequencies(pd.DataFrame({"series_id": 0, "date": list(dates)})).get(0, "")


def infer_frequencies(dates: pd.DataFrame) -> dict[int, str]:
    """`infer_frequency` for many series at once: `dates` has columns series_id and date."""
    if dates.empty:
        return {}
    text = dates["date"].astype(str)
    series = dates["series_id"].to_numpy()
    # a store has few distinct dates: each is measured and parsed once
    codes, distinct = pd.factorize(text.to_numpy(dtype=object))
    distinct = pd.Series(distinct, dtype=object)
    monthly = pd.Series((distinct.str.len() == 7).to_numpy()[codes]).groupby(series).all()
    hourly = pd.Series(distinct.str.contains("T", regex=False).to_numpy(dtype=bool)[codes]).groupby(series).any()
    stamps = pd.to_datetime(distinct, format="ISO8601", errors="coerce").to_numpy()[codes]
    ordered = pd.DataFrame({"series_id": series, "stamp": stamps})
    ordered = ordered.sort_values(["series_id", "stamp"], kind="stable")
    gaps = ordered["stamp"].diff().where(ordered["series_id"].eq(ordered["series_id"].shift()))
    gap = gaps.groupby(ordered["series_id"]).median()
    count = ordered.groupby("series_id").size()
    gap, monthly = gap.reindex(count.index), monthly.reindex(count.index)
    named = np.select([monthly.to_numpy(dtype=bool), count.to_numpy() < 2, (gap >= pd.Timedelta(days=25)).to_numpy(),
                       (gap >= pd.Timedelta(days=6)).to_numpy()], ["monthly", "daily", "monthly", "weekly"], "daily")
    result = dict(zip(count.index.astype(int).tolist(), named.tolist()))
    for series_id in count.index[hourly.reindex(count.index).to_numpy(dtype=bool)]:  # date-times: few series
        result[int(series_id)] = subdaily_interval(text[series == series_id].tolist())
    return result


SUBDAILY_INTERVALS = {1: "1min", 5: "5min", 10: "10min", 15: "15min", 30: "30min", 60: "hourly"}


def subdaily_interval(dates: list[str]) -> str:
    """The sampling interval of date-times: the most common gap between consecutive times, put on
    the nearest of 1, 5, 10, 15, 30 and 60 minutes (an irregular feed gets its most common one;
    gaps over an hour, or a single time, are hourly)."""
    stamps = pd.to_datetime(pd.Series(sorted(dates)), format="ISO8601")
    gaps = stamps.diff().dropna().dt.total_seconds() / 60
    gaps = gaps[gaps > 0]
    if gaps.empty:
        return "hourly"
    common = float(gaps.round().mode().min())
    common = max(common, 1.0)
    nearest = min(SUBDAILY_INTERVALS, key=lambda step: max(common / step, step / common))
    return SUBDAILY_INTERVALS[nearest]


@functools.lru_cache(maxsize=64)
def _upsert_series(meta: tuple[str, ...]) -> str:
    """The statement that creates a series with these metadata columns, or fills those still empty."""
    columns = ", ".join(SERIES_KEY + list(meta) + ["created_at", "updated_at"])
    marks = ", ".join("?" * (len(SERIES_KEY) + len(meta) + 2))
    fill = ", ".join(
        # metadata is merged key by key, so settings added later (a crop calendar zone) reach old series;
        # an unchanged merge keeps the stored text (json_patch would rewrite it minified)
        "metadata = CASE WHEN json_valid(series.metadata) AND json_valid(excluded.metadata) "
        "THEN CASE WHEN json_patch(series.metadata, excluded.metadata) = json(series.metadata) "
        "THEN series.metadata ELSE json_patch(series.metadata, excluded.metadata) END "
        "WHEN series.metadata IS NULL "
        "OR series.metadata IN ('', '{}') THEN excluded.metadata ELSE series.metadata END" if k == "metadata" else
        f"{k} = CASE WHEN series.{k} IS NULL OR series.{k} IN ('', '{{}}') THEN excluded.{k} ELSE series.{k} END"
        for k in meta
    )
    return (f"INSERT INTO series ({columns}) VALUES ({marks}) ON CONFLICT (indicator, location, item, price_type) DO "
            + (f"UPDATE SET {fill}" if fill else "NOTHING"))


def _in_key_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in (series_id, date) order; a file usually is already (checked, not sorted again)."""
    if len(frame) < 2:
        return frame
    series_ids, dates = frame["series_id"].to_numpy(), frame["date"].to_numpy(dtype=object)
    ordered = (series_ids[1:] > series_ids[:-1]) | ((series_ids[1:] == series_ids[:-1]) & (dates[1:] >= dates[:-1]))
    return frame if ordered.all() else frame.sort_values(["series_id", "date"], kind="stable")


def _group_codes(columns: list) -> np.ndarray:
    """For each row, the number of its combination of `columns` values, numbered in order of
    first appearance (as `groupby(sort=False).ngroup()`, from integer codes: no tuple per row)."""
    codes = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        inner, uniques = pd.factorize(column, use_na_sentinel=False)
        codes = pd.factorize(codes * max(len(uniques), 1) + inner)[0]
    return codes


def _close(a: pd.Series, b: pd.Series) -> pd.Series:
    return (a == b) | ((a - b).abs() <= 1e-9 * b.abs().clip(lower=1.0)).fillna(False)


def _clean(value):
    if value is None:
        return None
    if isinstance(value, float) and pd.isna(value):
        return None
    return value


def _literal(value) -> str:
    """A constant as an SQL literal: NULL, a number, or a quoted text."""
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(int(value))
    return "'" + str(value).replace("'", "''") + "'"


def _ints(column: pd.Series) -> list:
    """A column of line numbers as Python ints, None where missing."""
    return [None if pd.isna(v) else int(v) for v in column.tolist()] if column.hasnans else column.astype(int).tolist()


def _int(value):
    return None if value is None or pd.isna(value) else int(value)


def _float(value):
    return None if value is None or pd.isna(value) else float(value)
